"""moodtui's pipeline and the `fer` package side by side on the same 640x480 frames, one core.

Run `bash benchmarks/fer_env.sh` once, then
`benchmarks/.fer-venv/bin/python -m benchmarks.compare_fer`; saves
benchmarks/results/compare_fer.json. Both read the same frames in the same process.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import moving_face_frames, pin_to_one_core, save
from moodtui.vision.camera import Frame
from moodtui.vision.emotion import EmotionClassifier
from moodtui.vision.pipeline import Pipeline

FRAMES = 200
WARMUP = 10


def timed(function, frames) -> tuple[list[float], list]:
    outputs, timings = [], []
    for frame in frames[:WARMUP]:
        function(frame)
    for frame in frames:
        start = time.perf_counter()
        outputs.append(function(frame))
        timings.append((time.perf_counter() - start) * 1000)
    return timings, outputs


def main() -> None:
    from fer.fer import FER

    core = pin_to_one_core()
    frames = moving_face_frames(FRAMES)
    pipeline = Pipeline(EmotionClassifier())
    ours_ms, ours = timed(lambda f: pipeline.process(Frame(f, 0, time.monotonic(), "bench")), frames)
    detector = FER(mtcnn=False)
    fer_ms, theirs = timed(detector.detect_emotions, frames)
    ours_top = [r.faces[0].scores.emotion if r.faces else None for r in ours]
    fer_top = [max(t[0]["emotions"], key=t[0]["emotions"].get) if t else None for t in theirs]
    save("compare_fer", {
        "core": core, "frames": FRAMES, "frame_size": [640, 480],
        "moodtui_median_ms": round(float(np.median(ours_ms)), 2),
        "moodtui_p99_ms": round(float(np.percentile(ours_ms, 99)), 2),
        "fer_median_ms": round(float(np.median(fer_ms)), 2), "fer_p99_ms": round(float(np.percentile(fer_ms, 99)), 2),
        "speed_ratio_median": round(float(np.median(fer_ms) / np.median(ours_ms)), 1),
        "moodtui_frames_with_face": sum(t is not None for t in ours_top),
        "fer_frames_with_face": sum(t is not None for t in fer_top),
        "moodtui_top_emotions": {e: ours_top.count(e) for e in set(ours_top)},
        "fer_top_emotions": {e: fer_top.count(e) for e in set(fer_top)},
        "fer_version": __import__("fer").__version__ if hasattr(__import__("fer"), "__version__") else "25.10.3",
    })


if __name__ == "__main__":
    main()
