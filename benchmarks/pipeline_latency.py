"""End-to-end latency of the vision pipeline on one core, cold start and peak memory of `detect`.

`python -m benchmarks.pipeline_latency` prints and saves benchmarks/results/pipeline_latency.json.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np

from benchmarks.common import REPO, moving_face_frames, pin_to_one_core, save, shared
from moodtui.camera import Frame
from moodtui.emotion import EmotionClassifier
from moodtui.pipeline import Pipeline

FRAMES = 600
COLD_STARTS = 5


def summary(values) -> dict:
    return {"median_ms": round(float(np.median(values)), 3), "p99_ms": round(float(np.percentile(values, 99)), 3)}


def steady_state(frames: list[np.ndarray]) -> dict:
    pipeline = Pipeline(EmotionClassifier())
    totals, tracked, faces = [], 0, 0
    for index, image in enumerate(frames):
        result = pipeline.process(Frame(image, index, index / 30, "bench"))
        totals.append(result.timings_ms["total"])
        faces += bool(result.faces)
        tracked += bool(result.faces and result.faces[0].face.tracked)
    grey = frames[0][:, :, 0].copy()
    redetect = []
    for _ in range(50):
        start = time.perf_counter()
        pipeline.finder.detect(grey)
        redetect.append((time.perf_counter() - start) * 1000)
    return {"frames": len(frames), "frames_with_face": faces, "frames_tracked": tracked,
            "end_to_end": summary(totals[30:]), "full_frame_redetect": summary(redetect),
            "tensorflow_imported": "tensorflow" in sys.modules}


def cold_start() -> dict:
    """Process start to the first emotion printed by `moodtui detect`, and that process's peak RSS."""
    photo = shared("data/faces/astronaut.png")
    times = []
    for _ in range(COLD_STARTS):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "moodtui.cli", "detect", "--json", str(photo)],
                                   cwd=REPO, stdout=subprocess.PIPE, text=True)
        first = process.stdout.readline()
        times.append(time.perf_counter() - start)
        process.wait()
        assert '"happy"' in first, first
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"cold_start_s": {"median": round(float(np.median(times)), 3), "max": round(max(times), 3)},
            "detect_peak_rss_mb": round(peak_kib / 1024, 1)}


def main() -> None:
    core = pin_to_one_core()
    save("pipeline_latency", {"core": core, "frame_size": [640, 480],
                              **steady_state(moving_face_frames(FRAMES)), **cold_start()})


if __name__ == "__main__":
    main()
