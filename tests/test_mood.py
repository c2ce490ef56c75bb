"""The mood layer: what the face shows now (the bars) moves freely; the mood moves only when the face has."""

import numpy as np
import pytest

from moodtui.labels import EMOTIONS
from moodtui.vision.mood import MIN_GAP, SETTLE, SUSTAIN, MoodTracker

HAPPY, SAD, NEUTRAL = EMOTIONS.index("happy"), EMOTIONS.index("sad"), EMOTIONS.index("neutral")


def leaning(index: int, strength: float, rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    p = np.full(7, (1 - strength) / 6)
    p[index] = strength
    p = np.clip(p + rng.normal(0, noise, 7), 0.001, None)
    return p / p.sum()


def play(tracker: MoodTracker, seconds: float, fps: float, make, start: float = 0.0) -> list[tuple[float, str]]:
    times = start + np.arange(int(seconds * fps)) / fps
    return [(float(t), tracker.update(make(float(t)), float(t)).label) for t in times]


def changes(labels: list[tuple[float, str]]) -> int:
    named = [label for _, label in labels if label not in ("reading…", "no face")]
    return sum(1 for a, b in zip(named, named[1:], strict=False) if a != b)


def test_noisy_frames_do_not_flicker_the_mood():
    rng = np.random.default_rng(1)
    tracker = MoodTracker()
    # Every fifth frame a confident "sad" misfire, as single-frame predictions do.
    counter = iter(range(10**6))
    labels = play(tracker, 20, 15, lambda t: leaning(SAD, 0.9, rng) if next(counter) % 5 == 0
                  else leaning(HAPPY, 0.55, rng, noise=0.05))
    named = [(t, label) for t, label in labels if label != "reading…"]
    assert {label for _, label in named} == {"happy"}
    assert named[0][0] <= SETTLE + 0.1  # a new face is named once it has been watched for SETTLE seconds


def test_a_talker_who_smiles_between_sentences_keeps_one_mood_while_the_bars_follow_the_face():
    # A calm talker as the real clips show one (benchmarks/mood_real.py): smiles of 0.3-2.5 s between
    # stretches of neutral talking, for two minutes.
    rng = np.random.default_rng(5)
    pattern = [(HAPPY, 2.4), (NEUTRAL, 0.5), (HAPPY, 0.3), (NEUTRAL, 1.1), (HAPPY, 1.3), (NEUTRAL, 0.4),
               (HAPPY, 2.5), (NEUTRAL, 0.4), (HAPPY, 0.4), (NEUTRAL, 1.0)]
    period = sum(seconds for _, seconds in pattern)

    def face(t: float) -> np.ndarray:
        into = t % period
        for emotion, seconds in pattern:
            if into < seconds:
                return leaning(emotion, 0.75, rng, noise=0.03)
            into -= seconds
        return leaning(NEUTRAL, 0.75, rng)

    tracker = MoodTracker()
    labels, leaders = [], []
    for t in np.arange(0, 120, 0.1):
        mood = tracker.update(face(float(t)), float(t))
        labels.append((float(t), mood.label))
        leaders.append(int(np.argmax(mood.scores)))
    assert changes(labels) == 0
    # What the face shows (the bars) moves all along.
    assert sum(1 for a, b in zip(leaders, leaders[1:], strict=False) if a != b) > 40


def test_a_lasting_change_moves_the_mood_within_a_few_seconds_and_stays():
    rng = np.random.default_rng(2)
    tracker = MoodTracker()
    play(tracker, 10, 10, lambda t: leaning(NEUTRAL, 0.7, rng, noise=0.03))
    after = play(tracker, 10, 10, lambda t: leaning(SAD, 0.6, rng, noise=0.03), start=10.0)
    switched = next(t for t, label in after if label == "sad")
    assert 10.0 + SUSTAIN <= switched <= 10.0 + SUSTAIN + 1.5  # the bars' smoothing, then SUSTAIN seconds
    assert all(label == "sad" for t, label in after if t >= switched)


def test_a_blink_of_the_old_expression_delays_a_change_by_as_long_as_it_lasted():
    tracker = MoodTracker()
    play(tracker, 10, 10, lambda t: np.eye(7)[NEUTRAL] * 0.8 + 0.2 / 7)
    # A broad smile with a half-second of neutral in the middle of it.
    after = play(tracker, 10, 10, lambda t: np.eye(7)[NEUTRAL if 12.0 <= t < 12.5 else HAPPY] * 0.8 + 0.2 / 7,
                 start=10.0)
    switched = next(t for t, label in after if label == "happy")
    assert 10.0 + SUSTAIN < switched <= 10.0 + SUSTAIN + 2.5


def test_switch_time_does_not_depend_on_frame_rate():
    def switch_time(fps: float) -> float:
        rng = np.random.default_rng(3)
        tracker = MoodTracker()
        play(tracker, 4, fps, lambda t: leaning(HAPPY, 0.8, rng))
        after = play(tracker, 8, fps, lambda t: leaning(SAD, 0.8, rng), start=4.0)
        return next(t for t, label in after if label == "sad")

    assert abs(switch_time(8) - switch_time(30)) < 0.25


def test_no_two_changes_closer_than_the_minimum_gap():
    tracker = MoodTracker(sustain=1.0)
    play(tracker, 5, 10, lambda t: np.eye(7)[NEUTRAL] * 0.9 + 0.1 / 7)
    first = play(tracker, 3, 10, lambda t: np.eye(7)[HAPPY] * 0.9 + 0.1 / 7, start=5.0)
    changed = next(t for t, label in first if label == "happy")
    back = play(tracker, 10, 10, lambda t: np.eye(7)[SAD] * 0.9 + 0.1 / 7, start=8.0)
    assert next(t for t, label in back if label == "sad") >= changed + MIN_GAP


def test_a_drift_in_short_bursts_moves_the_mood_once_the_window_has_seen_enough():
    # Smiles of 0.8 s with 0.4 s of neutral between them, two thirds of the time; the slow path alone
    # (the sustained one switched off) follows once half its window has seen it, not before.
    tracker = MoodTracker(window=20.0, sustain=99.0)
    play(tracker, 6, 10, lambda t: np.eye(7)[NEUTRAL] * 0.9 + 0.1 / 7)
    bursts = play(tracker, 40, 10, lambda t: np.eye(7)[HAPPY if (t % 1.2) < 0.8 else NEUTRAL] * 0.9 + 0.1 / 7,
                  start=6.0)
    switched = next(t for t, label in bursts if label == "happy")
    assert 6.0 + 10.0 <= switched <= 6.0 + 24.0
    assert changes(bursts) == 1


def test_no_face_only_after_the_timeout_and_a_look_away_keeps_the_mood():
    rng = np.random.default_rng(4)
    tracker = MoodTracker(no_face_timeout=10.0)
    play(tracker, 3, 10, lambda t: leaning(HAPPY, 0.8, rng))
    assert tracker.update(None, 5.0).label == "happy"  # a look away keeps the mood
    assert tracker.update(leaning(HAPPY, 0.8, rng), 6.0).label == "happy"  # and a face back in view carries on
    assert tracker.update(None, 12.0).label == "happy"
    assert tracker.update(None, 16.5).emotion is None and tracker.mood.label == "no face"
    # A face coming back after that is read afresh, and named after the settle time.
    assert tracker.update(leaning(SAD, 0.9, rng), 17.0).label == "reading…"
    assert tracker.update(leaning(SAD, 0.9, rng), 17.0 + SETTLE).emotion == "sad"


def test_what_is_building_is_said_in_words():
    tracker = MoodTracker()
    play(tracker, 5, 10, lambda t: np.eye(7)[NEUTRAL] * 0.9 + 0.1 / 7)
    play(tracker, 2.6, 10, lambda t: np.eye(7)[HAPPY] * 0.9 + 0.1 / 7, start=5.0)
    mood = tracker.mood
    assert mood.emotion == "neutral" and mood.building == "happy" and 1.5 <= mood.building_for < SUSTAIN
    assert mood.building_words == f"happy for {mood.building_for:.0f} s · mood moves at {SUSTAIN:.0f} s"
    tracker.update(np.eye(7)[NEUTRAL] * 0.9 + 0.1 / 7, 8.6)  # the smile is over: the face shows neutral ...
    assert tracker.mood.building == "happy" and tracker.mood.building_words == ""  # ... so nothing is said
    play(tracker, 5, 10, lambda t: np.eye(7)[NEUTRAL] * 0.9 + 0.1 / 7, start=8.7)
    assert tracker.mood.building is None


@pytest.mark.parametrize("window", [10.0, 60.0])
def test_the_window_is_a_setting(window, tmp_path, monkeypatch):
    from moodtui.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text(f"mood_window = {int(window)}\n")
    settings = load_settings(config)
    assert settings.mood_window == window
    assert MoodTracker(settings.mood_window).window == window
