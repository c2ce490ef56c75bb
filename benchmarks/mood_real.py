"""Does the mood hold still on real calm faces and follow real lasting expressions?

`python -m benchmarks.mood_real [--tracker FILE.py] [--model auto] [--out NAME]` replays the app's own
readings of the twelve real clips in ../shared/data/clips (benchmarks/clip_readings.py: the app's
pipeline at each clip's real frame rate, the calm clips looped to two minutes) through the mood
layer, for the user's face and for the group (every face averaged), and reports:

- calm clips: mood changes a minute (the target is at most 1);
- expressive clips: the expressions that lasted, from the readings alone (at least LASTED seconds in
  which one emotion tops at least SHARE of the readings, in every window of LASTED seconds), whether
  the mood reached each while it lasted (or within GRACE seconds after), and how long after it began.

`--tracker` loads a MoodTracker from another file, to measure an earlier mood layer on the same
readings (for example `git show REV:moodtui/vision/mood.py > /tmp/mood_before.py`). Saves
benchmarks/results/mood_real.json (or --out NAME). The mood layer's constants were chosen on these
clips (moodtui/vision/mood.py says how): the figures are what they were designed to meet, the real
test is scored on other people outside the project.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.clip_readings import CALM, EXPRESSIVE, ClipReadings, all_clips
from benchmarks.common import save
from moodtui.labels import EMOTIONS

LASTED = 3.0  # seconds an expression must last to be one the mood should reach
SHARE = 0.7  # of the readings in each such window topped by it
MERGE = 1.0  # seconds: two stretches of one expression closer than this are one
GRACE = 2.0  # seconds after it ends that the mood may still reach it


@dataclass(frozen=True)
class Episode:
    emotion: str
    start: float
    end: float


def tracker_class(path: str | None):
    if path is None:
        from moodtui.vision.mood import MoodTracker

        return MoodTracker
    spec = importlib.util.spec_from_file_location("mood_under_test", Path(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.MoodTracker


def moods(readings: ClipReadings, which: str, make) -> list[str | None]:
    tracker = make()
    return [tracker.update(p, t).emotion for t, p in readings.stream(which)]


def changes(seen: list[str | None]) -> int:
    """Changes from one named mood to another (naming a first mood, or losing the face, is not one)."""
    named = [m for m in seen if m is not None]
    return sum(1 for a, b in zip(named, named[1:], strict=False) if a != b)


def lasting_expressions(readings: ClipReadings) -> list[Episode]:
    """Stretches in which one emotion topped SHARE of the readings in every LASTED-second window."""
    times = readings.times
    tops = np.array([-1 if np.isnan(p[0]) else int(np.argmax(p)) for p in readings.user])
    found = []
    for emotion in range(len(EMOTIONS)):
        current: list[float] | None = None
        for i, now in enumerate(times):
            if now - times[0] < LASTED - 0.15:
                continue
            first = int(np.searchsorted(times, now - LASTED))
            if np.mean(tops[first:i + 1] == emotion) < SHARE:
                continue
            if current is not None and times[first] - current[1] < MERGE:
                current[1] = now
            else:
                if current is not None:
                    found.append(Episode(EMOTIONS[emotion], *current))
                current = [float(times[first]), float(now)]
        if current is not None:
            found.append(Episode(EMOTIONS[emotion], *current))
    return sorted(found, key=lambda e: e.start)


def reached(episode: Episode, times: np.ndarray, seen: list[str | None]) -> float | None:
    """Seconds from the expression's start until the mood was it, or None when it never was."""
    for now, mood in zip(times, seen, strict=True):
        if episode.start <= now <= episode.end + GRACE and mood == episode.emotion:
            return round(float(now - episode.start), 2)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracker", help="a mood.py to load MoodTracker from (default: this checkout's)")
    parser.add_argument("--model", default="auto", help="the model that reads the clips (default auto)")
    parser.add_argument("--out", default="mood_real", help="results/NAME.json (default mood_real)")
    args = parser.parse_args()
    make = tracker_class(args.tracker)
    clips = all_clips(args.model)
    calm, expressive = {}, {}
    for name in CALM:
        readings = clips[name]
        minutes = (readings.times[-1] - readings.times[0]) / 60
        calm[name] = {"minutes": round(minutes, 2),
                      "changes_per_minute": round(changes(moods(readings, "user", make)) / minutes, 2),
                      "group_changes_per_minute": round(changes(moods(readings, "group", make)) / minutes, 2)}
    for name in EXPRESSIVE:
        readings = clips[name]
        seen = moods(readings, "user", make)
        expressive[name] = {
            "seconds": round(float(readings.times[-1]), 1),
            "lasting": [{"emotion": e.emotion, "from": round(e.start, 1), "to": round(e.end, 1),
                         "reached_after": reached(e, readings.times, seen)} for e in lasting_expressions(readings)],
            "moods": [(m, round(float(t), 1)) for i, (t, m) in enumerate(zip(readings.times, seen, strict=True))
                      if i == 0 or m != seen[i - 1]]}
    lasting = [e for clip in expressive.values() for e in clip["lasting"]]
    hits = [e["reached_after"] for e in lasting if e["reached_after"] is not None]
    model = next(iter(clips.values())).model
    save(args.out, {
        "tracker": args.tracker or "moodtui/vision/mood.py", "model": model,
        "calm": calm, "expressive": expressive,
        "summary": {"calm_changes_per_minute_max": max(c["changes_per_minute"] for c in calm.values()),
                    "calm_group_changes_per_minute_max": max(c["group_changes_per_minute"] for c in calm.values()),
                    "lasting_expressions": len(lasting), "reached": len(hits),
                    "reached_after_median_s": float(np.median(hits)) if hits else None,
                    "reached_after_max_s": max(hits) if hits else None}})


if __name__ == "__main__":
    main()
