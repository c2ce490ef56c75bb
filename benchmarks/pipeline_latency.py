"""End-to-end latency of the vision pipeline on one core with each model, cold start and peak memory of `detect`.

`python -m benchmarks.pipeline_latency` prints and saves benchmarks/results/pipeline_latency.json:
every frame of a 640x480 video of a moving face through the pipeline with the large and the default
model, and `moodtui detect photo` as a whole process (the first run on a machine times the large
model once; the later runs read that timing from the cache).
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


def steady_state(frames: list[np.ndarray], model: str) -> dict:
    pipeline = Pipeline(EmotionClassifier(model))
    totals, tracked, faces = [], 0, 0
    for index, image in enumerate(frames):
        result = pipeline.process(Frame(image, index, index / 30, "bench"))
        totals.append(result.timings_ms["total"])
        faces += bool(result.faces)
        tracked += bool(result.faces and result.faces[0].face.tracked)
    return {"frames": len(frames), "frames_with_face": faces, "frames_tracked": tracked,
            "end_to_end": summary(totals[30:]), "tensorflow_imported": "tensorflow" in sys.modules}


def redetect(frames: list[np.ndarray]) -> dict:
    """A whole-frame search of a still (the photo's path: upright steps, the rest when they disagree)."""
    pipeline = Pipeline(EmotionClassifier("default"))
    grey = frames[0][:, :, 0].copy()
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        pipeline.finder.detect(grey)
        timings.append((time.perf_counter() - start) * 1000)
    return summary(timings)


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
    """`moodtui detect photo` as a whole process (start to exit), its time to the first emotion printed,
    and its peak RSS; the first run on a fresh cache dir times the large model once."""
    import os
    import tempfile

    photo = shared("data/faces/astronaut.png")
    whole, first_line, peaks = [], [], []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "MOODTUI_CACHE_DIR": home, "MOODTUI_DATA_DIR": home, "MOODTUI_CONFIG": f"{home}/c.toml"}
        for run in range(COLD_STARTS + 1):
            start = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-c", DETECT_REPORTING_MEMORY, str(photo)], cwd=REPO, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            first = process.stdout.readline()
            printed = time.perf_counter() - start
            _, err = process.communicate()
            ended = time.perf_counter() - start
            assert '"happy"' in first, first
            if run == 0:
                first_ever = round(ended, 3)
                continue
            whole.append(ended)
            first_line.append(printed)
            peaks.append(float(err.split("peak_rss_mb")[1]))
    return {"detect_whole_process_s": {"median": round(float(np.median(whole)), 3), "max": round(max(whole), 3)},
            "detect_first_emotion_s": round(float(np.median(first_line)), 3),
            "detect_first_run_on_a_machine_s": first_ever, "detect_peak_rss_mb": max(peaks)}


def main() -> None:
    core = pin_to_one_core()
    frames = moving_face_frames(FRAMES)
    save("pipeline_latency", {"core": core, "frame_size": [640, 480],
                              "large": steady_state(frames, "large"), "default": steady_state(frames, "default"),
                              "full_frame_redetect": redetect(frames), **cold_start()})


if __name__ == "__main__":
    main()
