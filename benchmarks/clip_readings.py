"""The app's own readings of the real clips in ../shared/data/clips: what the mood layer is judged on.

Each clip is played at its real frame rate (frame i at i / fps seconds) through the app's pipeline
(the face finder, the crop, the model `auto` would choose here, flip averaging), read as often as
the app's pace allows (moodtui.vision.pace: ten readings a second on a still face, twelve while it
moves or is looked for). A calm clip is looped, as the app loops a file, until it has played at least
`seconds`. What comes out per reading: the time, the user's (largest face's) probabilities or None,
and the mean of every face's (the group reading). Readings are kept in the user's cache dir keyed by
the clip, the model and the loop length, so the mood benchmarks replay them without reading again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.common import shared
from moodtui.config import Settings
from moodtui.vision.build import build_pipeline
from moodtui.vision.camera import Frame
from moodtui.vision.pace import Pace

CALM = ("d13", "d9", "d14", "d20", "s18", "s32")  # ../shared/data/SOURCES.md: talking, looking around
EXPRESSIVE = ("d0", "d3", "d6", "d10", "d11", "d12")  # clear changes: smiles, surprise, grimaces
CALM_SECONDS = 120.0  # calm clips are looped to at least this long (the issue: two minutes)


@dataclass(frozen=True)
class ClipReadings:
    """A clip's readings in order: times (s), the user's probabilities (NaN rows: no face) and the group's."""

    clip: str
    fps: float
    seconds: float  # the clip's own length (one pass)
    times: np.ndarray
    user: np.ndarray
    group: np.ndarray
    model: str

    def stream(self, which: str = "user") -> list[tuple[float, np.ndarray | None]]:
        """(time, probabilities or None) per reading, as the mood layer is fed."""
        rows = self.user if which == "user" else self.group
        return [(float(t), None if np.isnan(p[0]) else p) for t, p in zip(self.times, rows, strict=True)]


def clip_path(name: str) -> Path:
    return shared(f"data/clips/{name}.mp4")


def _cache_file(name: str, model: str, seconds: float) -> Path:
    from platformdirs import user_cache_dir

    path = clip_path(name)
    key = hashlib.sha1(f"{path.stat().st_size}:{path.stat().st_mtime_ns}:{model}:{seconds}:v1".encode()).hexdigest()
    return Path(user_cache_dir("moodtui")) / "clip_readings" / f"{name}-{key[:12]}.npz"


def read_clip(name: str, seconds: float = 0.0, model: str = "auto", keep: bool = True,
              stop_after: float | None = None) -> ClipReadings:
    """The app's readings of one clip, looped until `seconds` have played (0: one pass), or only its first
    `stop_after` seconds; `keep`: kept in the cache (and read from it)."""
    cache = _cache_file(name, model, seconds)
    if keep and cache.exists():
        data = np.load(cache, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        return ClipReadings(name, meta["fps"], meta["seconds"], data["times"], data["user"], data["group"],
                            meta["model"])
    pipeline = build_pipeline(Settings(model=model, calibration=False))
    capture = cv2.VideoCapture(str(clip_path(name)))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    pace, due, index, clock = Pace(), 0.0, 0, 0.0
    times, user, group = [], [], []
    while True:
        ok = capture.grab()
        if not ok:  # the app loops a file: the face tracks carry on over the cut, as they do there
            if clock >= seconds or index == 0:
                break
            capture.release()
            capture = cv2.VideoCapture(str(clip_path(name)))
            continue
        clock = index / fps
        if stop_after is not None and clock > stop_after:
            break
        index += 1
        if clock + 1e-9 < due:
            continue
        ok, image = capture.retrieve()
        if not ok:
            continue
        result = pipeline.process(Frame(image, index, clock, name))
        times.append(clock)
        if result.faces:
            probabilities = np.array([reading.scores.probabilities for reading in result.faces])
            user.append(probabilities[0])
            group.append(probabilities.mean(axis=0))
        else:
            user.append(np.full(7, np.nan))
            group.append(np.full(7, np.nan))
        box = result.faces[0].face.box if result.faces else None
        due = clock + pace.interval(pipeline.finder.tracking, box)
    capture.release()
    readings = ClipReadings(name, fps, count / fps, np.array(times), np.array(user).reshape(-1, 7),
                            np.array(group).reshape(-1, 7), pipeline.model.name if pipeline.model else model)
    if not keep:
        return readings
    cache.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"fps": fps, "seconds": readings.seconds, "model": readings.model})
    np.savez(cache, times=readings.times, user=readings.user, group=readings.group, meta=meta)
    return readings


def all_clips(model: str = "auto") -> dict[str, ClipReadings]:
    """Every clip's readings: the calm ones looped to CALM_SECONDS, the expressive ones played once."""
    return {name: read_clip(name, CALM_SECONDS if name in CALM else 0.0, model) for name in CALM + EXPRESSIVE}


if __name__ == "__main__":
    from moodtui.labels import EMOTIONS

    for name, readings in all_clips().items():
        faced = readings.user[~np.isnan(readings.user[:, 0])]
        tops = np.bincount(faced.argmax(axis=1), minlength=7) if len(faced) else np.zeros(7, int)
        counts = ", ".join(f"{e} {n}" for e, n in zip(EMOTIONS, tops, strict=True) if n)
        print(f"{name}: {len(readings.times)} readings over {readings.times[-1]:.1f} s, face in {len(faced)}, "
              f"model {readings.model}; tops {counts}")
