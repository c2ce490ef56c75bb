"""Per-face latency of the shipped int8 emotion model on one thread and one core.

`python -m benchmarks.emotion_latency [--model PATH] [--runs N]` prints and saves
benchmarks/results/emotion_latency.json, with and without horizontal-flip averaging.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import pin_to_one_core, save
from moodtui.emotion import EmotionClassifier, interpreter_class


def median_and_p99(classifier: EmotionClassifier, faces: np.ndarray, runs: int) -> dict:
    for face in faces[:50]:  # warm up caches and the interpreter's buffers
        classifier.predict(face)
    timings = []
    for i in range(runs):
        start = time.perf_counter()
        classifier.predict(faces[i % len(faces)])
        timings.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(float(np.median(timings)), 4), "p99_ms": round(float(np.percentile(timings, 99)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a .tflite (default: the shipped int8 model)")
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    core = pin_to_one_core()
    faces = np.random.default_rng(0).integers(0, 256, size=(256, 48, 48), dtype=np.uint8)
    plain = EmotionClassifier(args.model, threads=1, flip_average=False)
    flipped = EmotionClassifier(args.model, threads=1, flip_average=True)
    save("emotion_latency", {"model": str(plain.model_path), "runtime": interpreter_class().__module__,
                             "threads": 1, "core": core, "runs": args.runs,
                             "per_face": median_and_p99(plain, faces, args.runs),
                             "per_face_with_flip_average": median_and_p99(flipped, faces, args.runs)})


if __name__ == "__main__":
    main()
