"""Per-face latency of the shipped int8 emotion model on one thread.

`python benchmarks/emotion_latency.py [--model PATH] [--runs N]` prints and saves
benchmarks/results/emotion_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from moodtui.emotion import EmotionClassifier, interpreter_class

RESULTS = Path(__file__).parent / "results"


def measure(classifier: EmotionClassifier, faces: np.ndarray, runs: int) -> list[float]:
    for face in faces[:50]:  # warm up caches and the interpreter's buffers
        classifier.predict(face)
    timings = []
    for i in range(runs):
        face = faces[i % len(faces)]
        start = time.perf_counter()
        classifier.predict(face)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a .tflite (default: the shipped int8 model)")
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as on a small board
    classifier = EmotionClassifier(args.model, threads=1)
    faces = np.random.default_rng(0).integers(0, 256, size=(256, 48, 48), dtype=np.uint8)
    timings = measure(classifier, faces, args.runs)
    result = {
        "benchmark": "emotion_latency",
        "model": str(classifier.model_path),
        "runtime": interpreter_class().__module__,
        "threads": 1,
        "cores_allowed": 1,
        "runs": args.runs,
        "median_ms": round(float(np.median(timings)), 4),
        "p99_ms": round(float(np.percentile(timings, 99)), 4),
        "mean_ms": round(float(np.mean(timings)), 4),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "emotion_latency.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
