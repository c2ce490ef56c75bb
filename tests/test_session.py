"""The UI-free session core and the newest-only fetcher: plain events in, decisions out."""

import threading
import time

from moodtui.services.fetcher import LatestOnly
from moodtui.services.session import PickRequest, Session
from moodtui.vision.mood import Mood


def camera(emotion: str) -> Mood:
    return Mood(emotion, (0.0,) * 7, 0.0, face=True)


def test_an_answer_for_an_older_mood_or_strategy_is_dropped():
    session = Session()
    match = session.set_manual("sad")
    lift = session.toggle_strategy()
    assert (lift.emotion, lift.strategy) == ("sad", "lift") and lift.generation > match.generation
    assert session.picks_arrived(match.generation, "late match picks", now=100.0).action == "drop"
    assert session.picks_arrived(lift.generation, "lift picks", now=100.0).action == "show"


def test_a_mood_set_by_hand_overrides_the_camera_and_0_returns_to_it():
    session = Session()
    assert session.camera_mood(camera("happy")).emotion == "happy"
    assert session.set_manual("sad").emotion == "sad"
    assert session.camera_mood(camera("surprise")) is None  # the hand-set mood stays in use
    assert session.emotion == "sad"
    back = session.clear_manual()
    assert back.emotion == "surprise" and session.clear_manual() is None


def test_picks_wait_while_the_user_reads_and_n_shows_them():
    session = Session(grace=15.0)
    request = session.request()
    session.reading(now=10.0)
    assert session.picks_arrived(request.generation, "fresh", now=20.0).action == "hold"
    assert session.new_picks() == "fresh"  # n shows what was held ...
    assert isinstance(session.new_picks(), PickRequest)  # ... and then asks for new ones
    later = session.request()
    session.reading(now=10.0)
    assert session.picks_arrived(later.generation, "after the grace", now=26.0).action == "show"


def test_the_fetcher_runs_the_newest_request_only_on_one_thread():
    release, done, ran = threading.Event(), threading.Event(), []

    def work(request: int) -> int:
        ran.append(request)
        if request == 1:
            release.wait(5)
        return request * 10

    delivered = []
    fetcher = LatestOnly(work, lambda r, result: (delivered.append((r, result)), done.set() if r == 9 else None),
                         lambda r, e: None)
    fetcher.submit(1)
    time.sleep(0.1)
    for request in range(2, 10):  # keys pressed while the first fetch hangs
        fetcher.submit(request)
    release.set()
    assert done.wait(5)
    assert ran == [1, 9] and delivered == [(1, 10), (9, 90)]
    assert fetcher.threads_started == 1
