"""Per-face latency of the shipped int8 emotion models on one thread and one core.

`python -m benchmarks.emotion_latency [--model NAME_OR_PATH ...] [--runs N] [--rounds R]` prints and
saves benchmarks/results/emotion_latency.json: each model (default: the large and the default one),
with and without horizontal-flip averaging.

A shared virtual machine's speed drifts from minute to minute (the same command gave a flip
median of 0.43 and of 0.61 ms a minute apart), so the runs are split into rounds that alternate
the two settings, and the figure reported is the median of the rounds' medians, with their range.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import pin_to_one_core, save
from moodtui.vision.emotion import EmotionClassifier, interpreter_class


def timings_ms(classifier: EmotionClassifier, faces: np.ndarray, runs: int) -> list[float]:
    for face in faces[:50]:  # warm up caches and the interpreter's buffers
        classifier.predict(face)
    timings = []
    for i in range(runs):
        start = time.perf_counter()
        classifier.predict(faces[i % len(faces)])
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def summary(rounds: list[list[float]]) -> dict:
    """Median of the rounds' medians, their range, and the p99 over all runs."""
    medians = [float(np.median(timings)) for timings in rounds]
    return {"median_ms": round(float(np.median(medians)), 4),
            "round_medians_ms": [round(m, 4) for m in medians],
            "p99_ms": round(float(np.percentile(np.concatenate(rounds), 99)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="a shipped model's name or a .tflite (repeat; default: "
                        "large and default)")
    parser.add_argument("--runs", type=int, default=5000, help="timed faces per setting in all (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the runs are split into (default 5)")
    args = parser.parse_args()
    if args.runs < 1 or args.rounds < 1:
        parser.error("--runs and --rounds must be 1 or more")
    core = pin_to_one_core()
    faces = np.random.default_rng(0).integers(0, 256, size=(256, 48, 48), dtype=np.uint8)
    results = {}
    for model in args.model or ["large", "default"]:
        plain = EmotionClassifier(model, threads=1, flip_average=False)
        flipped = EmotionClassifier(model, threads=1, flip_average=True)
        rounds: dict[str, list[list[float]]] = {"plain": [], "flip": []}
        per_round = max(1, args.runs // args.rounds)
        for _ in range(args.rounds):
            rounds["plain"].append(timings_ms(plain, faces, per_round))
            rounds["flip"].append(timings_ms(flipped, faces, per_round))
        results[model] = {"file": plain.model_path.name, "per_face": summary(rounds["plain"]),
                          "per_face_with_flip_average": summary(rounds["flip"])}
    save("emotion_latency", {"runtime": interpreter_class().__module__, "threads": 1, "core": core,
                             "runs": args.runs, "rounds": args.rounds, "models": results})


if __name__ == "__main__":
    main()
