"""Helpers the benchmark scripts share: where ../shared is, one-core pinning, saving JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
SHARED = Path(os.environ.get("MOODTUI_SHARED", REPO.parent / "shared"))


def shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        sys.exit(f"benchmark needs {path} (the project's shared data beside the checkout)")
    return path


def pin_to_one_core() -> int:
    """Run on one core, as on a small board; returns the core."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def moving_face_frames(count: int, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """640x480 frames with the real astronaut face drifting slowly, as a user in front of a webcam."""
    photo = cv2.imread(str(shared("data/faces/astronaut.png")))
    head = cv2.resize(photo[0:300, 100:350], (250, 300))
    frames = []
    for i in range(count):
        frame = np.full((size[1], size[0], 3), 70, np.uint8)
        x = 195 + int(40 * np.sin(i / 25))
        y = 90 + int(15 * np.cos(i / 40))
        frame[y : y + 300, x : x + 250] = head
        frames.append(frame)
    return frames


def save(name: str, result: dict) -> None:
    result = {"benchmark": name, "machine": platform.machine(), "python": platform.python_version(),
              "cpus": os.cpu_count(), **result}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
