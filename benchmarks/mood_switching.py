"""Is the mood layer even-handed? Streams of the model's own readings through its smoothing and hysteresis.

A unit check of the mechanism on simulated streams, not proof: the mood layer is judged on real footage
by benchmarks/mood_real.py.

`python -m benchmarks.mood_switching [--model large|default] [--faces N]` builds, for each emotion,
N short "videos": a FER+ PublicTest face of another expression for 8 s, then a face of this emotion
for 8 s, each frame the same face moved, lit and noised a little as a webcam would (a fixed light for
the stream, small jitter a frame), read by the shipped int8 model with flip averaging at the app's
10 readings a second, and fed to moodtui.vision.mood.MoodTracker. Per emotion it reports how often
the mood switches to it, how long that takes, and how often the mood shows an emotion that is in
neither face (a false switch) - over all faces, and over those the model itself reads right (the
mean reading's top class), which is the mood layer's own share. Saves
benchmarks/results/mood_switching.json (or mood_switching_<model>.json).
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from benchmarks.common import save, shared
from model.fer2013 import ferplus_majority, load_fer2013, load_ferplus_table
from moodtui.labels import EMOTIONS
from moodtui.vision.emotion import EmotionClassifier
from moodtui.vision.mood import MoodTracker

READ_HZ = 10.0
SECONDS = 8.0  # each face of a stream: a lasting change (the mood waits about 4 s for one)
START = {e: "neutral" for e in EMOTIONS} | {"neutral": "happy"}  # the face before; neutral follows a smile


def jittered(face: np.ndarray, rng: np.random.Generator, light: tuple[float, float]) -> np.ndarray:
    """One webcam frame of a held expression: a few degrees, pixels and percent off, the stream's light."""
    size = face.shape[0]
    turn = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-4, 4), rng.uniform(0.96, 1.04))
    turn[:, 2] += rng.uniform(-1.5, 1.5, 2)
    moved = cv2.warpAffine(face, turn, (size, size), borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    gamma, gain = light
    lit = 255 * (moved / 255) ** gamma * gain + rng.normal(0, 3, moved.shape)
    return np.clip(lit, 0, 255).astype(np.uint8)


def stream(classifier: EmotionClassifier, first: np.ndarray, second: np.ndarray, rng) -> tuple[np.ndarray, int]:
    """The readings of a stream of both faces (frames x 7), and the frame the second face starts at."""
    frames = int(SECONDS * READ_HZ)
    light = (rng.uniform(0.8, 1.3), rng.uniform(0.8, 1.1))
    faces = [jittered(first, rng, light) for _ in range(frames)] + [jittered(second, rng, light) for _ in range(frames)]
    return classifier.predict(np.stack(faces)), frames


def moods(readings: np.ndarray) -> list[str | None]:
    tracker = MoodTracker()
    return [tracker.update(reading, i / READ_HZ).emotion for i, reading in enumerate(readings)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="large", help="a shipped model's name or a .tflite (default large)")
    parser.add_argument("--faces", type=int, default=60, help="streams per emotion (default 60)")
    args = parser.parse_args()
    splits = load_fer2013(shared("data/fer2013/fer2013.csv.gz"))
    test = splits["PublicTest"]
    emotions, others = load_ferplus_table(shared("data/fer2013/fer2013new.csv"),
                                          expected_rows=sum(len(s) for s in splits.values()))
    labels = ferplus_majority(emotions[test.rows], others[test.rows])
    classifier = EmotionClassifier(args.model, flip_average=True)
    rng = np.random.default_rng(0)
    report = {}
    for target in EMOTIONS:
        start = START[target]
        pool, before = np.flatnonzero(labels == EMOTIONS.index(target)), np.flatnonzero(labels == EMOTIONS.index(start))
        chosen = rng.choice(pool, size=min(args.faces, len(pool)), replace=False)
        rows = []
        for index in chosen:
            readings, change = stream(classifier, test.images[rng.choice(before)], test.images[index], rng)
            seen = moods(readings)
            after = seen[change:]
            switched = next((i for i, mood in enumerate(after) if mood == target), None)
            rows.append({"read_right": int(np.argmax(readings[change:].mean(axis=0))) == EMOTIONS.index(target),
                         "switched": switched is not None, "seconds": None if switched is None else switched / READ_HZ,
                         "false": any(m not in (None, start, target) for m in seen),
                         "end": after[-1] == target})

        def summarise(subset: list[dict]) -> dict:
            times = [r["seconds"] for r in subset if r["switched"]]
            return {"streams": len(subset),
                    "switched": round(float(np.mean([r["switched"] for r in subset])), 3) if subset else None,
                    "median_seconds_to_switch": round(float(np.median(times)), 2) if times else None,
                    "false_switches": round(float(np.mean([r["false"] for r in subset])), 3) if subset else None}

        report[target] = {"from": start, "all": summarise(rows),
                          "read_right_by_the_model": summarise([r for r in rows if r["read_right"]])}
        right = report[target]["read_right_by_the_model"]
        print(f"{target:<9} from {start:<8} all: switched {report[target]['all']['switched']}, read right "
              f"({right['streams']}): switched {right['switched']} in {right['median_seconds_to_switch']} s, "
              f"false {right['false_switches']}", flush=True)
    name = "mood_switching" if args.model == "large" else f"mood_switching_{args.model}"
    save(name, {"model": args.model, "reads_per_second": READ_HZ, "seconds_per_face": SECONDS, "emotions": report})


if __name__ == "__main__":
    main()
