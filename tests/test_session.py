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


def test_picks_the_camera_asks_for_wait_while_the_user_is_in_a_table_or_just_pressed_a_key():
    session = Session(grace=10.0)
    shown = session.request()
    assert session.picks_arrived(shown.generation, "first", now=1.0).action == "show"
    happy = session.camera_mood(camera("happy"), now=2.0)
    assert happy is not None and not happy.asked
    # In a table: held, whatever the time; n shows what was held, and then asks for new ones.
    assert session.picks_arrived(happy.generation, "for happy", now=100.0, in_table=True).action == "hold"
    assert session.new_picks() == "for happy"
    assert isinstance(session.new_picks(), PickRequest)
    # Out of the tables, a key pressed a moment ago still holds them; later they show by themselves.
    sad = session.camera_mood(camera("sad"), now=200.0)
    session.key_pressed(now=200.0)
    assert session.picks_arrived(sad.generation, "for sad", now=205.0).action == "hold"
    assert session.picks_arrived(sad.generation, "for sad, online", now=211.0).action == "show"


def test_picks_the_user_asked_for_show_until_they_move_in_a_table():
    session = Session()
    asked = session.set_manual("sad", now=1.0)
    session.key_pressed(now=1.0)
    assert session.picks_arrived(asked.generation, "local", now=1.1, in_table=True).action == "show"
    assert session.picks_arrived(asked.generation, "online", now=1.5, in_table=True).action == "show"
    session.reading(now=2.0)  # the user went down a row: the rest waits
    assert session.picks_arrived(asked.generation, "late online", now=3.0, in_table=True).action == "hold"


def test_a_face_that_leaves_keeps_the_picks_of_its_last_mood():
    session = Session()
    session.camera_mood(camera("happy"), now=1.0)
    gone = Mood(None, (0.0,) * 7, 5.0, face=False)
    assert session.camera_mood(gone, now=5.0) is None  # no new picks for a face that left
    assert session.emotion == "happy" and session.label == "happy (no face)"
    assert session.camera_mood(camera("happy"), now=9.0) is None


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
