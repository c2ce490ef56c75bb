"""End-to-end latency of the vision pipeline on one core, cold start and peak memory of `detect`.

`python -m benchmarks.pipeline_latency` prints and saves benchmarks/results/pipeline_latency.json.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from benchmarks.common import REPO, moving_face_frames, pin_to_one_core, save, shared
from moodtui.vision.camera import Frame
from moodtui.vision.emotion import EmotionClassifier
from moodtui.vision.pipeline import Pipeline

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


# `moodtui detect` run as a module, reporting its own peak memory at exit. ru_maxrss of a child
# would count the pages it shared with this (large) process before exec; VmHWM does not.
DETECT_REPORTING_MEMORY = """
import runpy, sys
sys.argv = ["moodtui", "detect", "--json", sys.argv[1]]
try:
    runpy.run_module("moodtui.cli", run_name="__main__")
except SystemExit:
    pass
from moodtui.commands.bench import peak_rss_mb
print(f"peak_rss_mb {peak_rss_mb():.1f}", file=sys.stderr)
"""


def cold_start() -> dict:
    """Process start to the first emotion printed by `moodtui detect`, and that process's peak RSS."""
    photo = shared("data/faces/astronaut.png")
    times, peaks = [], []
    for _ in range(COLD_STARTS):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", DETECT_REPORTING_MEMORY, str(photo)], cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = process.stdout.readline()
        times.append(time.perf_counter() - start)
        _, err = process.communicate()
        assert '"happy"' in first, first
        peaks.append(float(err.split("peak_rss_mb")[1]))
    return {"cold_start_s": {"median": round(float(np.median(times)), 3), "max": round(max(times), 3)},
            "detect_peak_rss_mb": max(peaks)}


def main() -> None:
    core = pin_to_one_core()
    save("pipeline_latency", {"core": core, "frame_size": [640, 480],
                              **steady_state(moving_face_frames(FRAMES)), **cold_start()})


if __name__ == "__main__":
    main()
