"""The mood layer on the app's own readings of real faces (../shared/data/clips): a calm talker keeps one
mood, a lasting expression still reaches it (benchmarks/mood_real.py measures all twelve clips)."""

from __future__ import annotations

import numpy as np

from moodtui.vision.mood import MoodTracker
from tests.conftest import shared_path


def looped(stream: list[tuple[float, np.ndarray | None]], period: float, seconds: float):
    """The readings of one pass, played again and again for `seconds` (as the app loops a file)."""
    loop = 0
    while loop * period < seconds:
        for t, p in stream:
            yield loop * period + t, p
        loop += 1


def test_a_calm_real_talker_keeps_one_mood_while_the_bars_follow_her_smiles():
    from benchmarks.clip_readings import read_clip

    shared_path("data/clips/d13.mp4")  # a man talking to a laptop camera, smiling between sentences
    readings = read_clip("d13", keep=False)
    stream = readings.stream()
    tops = [int(np.argmax(p)) for _, p in stream if p is not None]
    assert sum(1 for a, b in zip(tops, tops[1:], strict=False) if a != b) >= 10  # his expression flips a lot
    tracker = MoodTracker()
    moods = [tracker.update(p, t).emotion for t, p in looped(stream, readings.seconds, 120.0)]
    named = [m for m in moods if m is not None]
    assert sum(1 for a, b in zip(named, named[1:], strict=False) if a != b) <= 2  # at most one a minute


def test_a_real_lasting_surprise_reaches_the_mood_within_seconds():
    from benchmarks.clip_readings import read_clip

    shared_path("data/clips/d6.mp4")  # a woman pulling faces: wide-eyed surprise most of the time
    readings = read_clip("d6", keep=False, stop_after=12.0)
    tracker = MoodTracker()
    reached = next((t for t, p in readings.stream() if tracker.update(p, t).emotion == "surprise"), None)
    assert reached is not None and reached <= 8.0
