"""moodtui's pipeline and the `fer` package side by side on the same 640x480 frames, one core.

Run `bash benchmarks/fer_env.sh` once, then
`benchmarks/.fer-venv/bin/python -m benchmarks.compare_fer`; saves
benchmarks/results/compare_fer.json. Per frame: both read the same frames in the same process
(moodtui's pipeline as the settings build it: the model auto chooses here). Whole process: `moodtui
detect clip.avi --json` against a process that runs fer over the same clip, each from start to exit.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.common import REPO, moving_face_frames, pin_to_one_core, save
from moodtui.config import Settings
from moodtui.vision.build import build_pipeline
from moodtui.vision.camera import Frame

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


FER_OVER_A_CLIP = """
import sys, cv2
from fer.fer import FER
detector, capture = FER(mtcnn=False), cv2.VideoCapture(sys.argv[1])
while True:
    ok, frame = capture.read()
    if not ok:
        break
    print(detector.detect_emotions(frame))
"""


def whole_processes(frames: list[np.ndarray], core: int) -> dict:
    """Start to exit, on one core: moodtui detect over a clip of the frames, and fer over the same clip."""
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.avi"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for frame in frames:
            writer.write(frame)
        writer.release()
        env = {"MOODTUI_DATA_DIR": tmp, "MOODTUI_CONFIG": f"{tmp}/c.toml", "MOODTUI_CACHE_DIR": tmp}
        # moodtui as a user has it installed (the project's environment when there is one), fer in its own.
        ours = REPO / ".venv" / "bin" / "python"
        commands = {"moodtui": [str(ours if ours.exists() else sys.executable), "-m", "moodtui.cli", "detect",
                                "--json", str(clip)],
                    "fer": [sys.executable, "-c", FER_OVER_A_CLIP, str(clip)]}
        took: dict[str, float] = {}
        # moodtui twice: its first run on a machine times the large model once (cached after), as a user's
        # first run does; the second is every later run.
        for name, command in (("moodtui_first_run", commands["moodtui"]), *commands.items()):
            start = time.perf_counter()
            subprocess.run(["taskset", "-c", str(core), *command], cwd=REPO, capture_output=True, check=True,
                           env={**__import__("os").environ, **env})
            took[name] = round(time.perf_counter() - start, 2)
    return {"moodtui_first_run_s": took["moodtui_first_run"], "moodtui_s": took["moodtui"], "fer_s": took["fer"],
            "speed_ratio": round(took["fer"] / took["moodtui"], 1),
            "speed_ratio_first_run": round(took["fer"] / took["moodtui_first_run"], 1)}


def main() -> None:
    from fer.fer import FER

    core = pin_to_one_core()
    frames = moving_face_frames(FRAMES)
    pipeline = build_pipeline(Settings(calibration=False))
    ours_ms, ours = timed(lambda f: pipeline.process(Frame(f, 0, time.monotonic(), "bench")), frames)
    detector = FER(mtcnn=False)
    fer_ms, theirs = timed(detector.detect_emotions, frames)
    ours_top = [r.faces[0].scores.emotion if r.faces else None for r in ours]
    fer_top = [max(t[0]["emotions"], key=t[0]["emotions"].get) if t else None for t in theirs]
    save("compare_fer", {
        "core": core, "frames": FRAMES, "frame_size": [640, 480], "moodtui_model": pipeline.model.name,
        "whole_process_over_the_clip": whole_processes(frames, core),
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
