"""What `moodtui detect` reads and prints: its inputs, and a line or a JSON record per frame."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from moodtui.camera import SourceWarning, image_files
from moodtui.labels import EMOTIONS


def file_box(box: tuple[int, ...], scale: float) -> list[int]:
    """A face box in the file's own pixels (a large photo is read reduced)."""
    return [round(v * scale) for v in box]


def group_record(result, still: bool) -> dict:
    """Everyone in view as one: their stable mood (a photo's is its one reading) and how many they are."""
    from moodtui.pipeline import group_reading

    if not result.faces:
        return {"emotion": None, "faces": 0}
    if still:
        reading = group_reading(np.array([r.scores.probabilities for r in result.faces]))
        return {"emotion": EMOTIONS[int(np.argmax(reading))], "faces": len(result.faces)}
    return {"emotion": result.group.emotion if result.group else None, "faces": len(result.faces)}


def detection_record(source: str, result) -> dict:
    """The JSON line `detect --json` prints for one frame."""
    return {
        "source": source,
        "frame": result.frame.index,
        "faces": [
            {"id": r.face.id, "box": file_box(r.face.box, result.frame.scale), "angle": r.face.angle,
             "emotion": r.scores.emotion,
             "scores": r.scores.as_dict()}
            for r in result.faces
        ],
    }


def detection_line(source: str, result) -> str:
    """The human-readable line `detect` prints for one frame (a file name may hold escapes: made safe)."""
    from moodtui.text import terminal_safe

    source = terminal_safe(source)
    if not result.faces:
        return f"{source} frame {result.frame.index}: no face"
    parts = [f"{r.scores.emotion} {r.scores.confidence:.0%} at {tuple(file_box(r.face.box, result.frame.scale))}"
             for r in result.faces]
    return f"{source} frame {result.frame.index}: " + "; ".join(parts)


def detect_inputs(paths: Sequence[str]) -> Iterator[str]:
    """What `detect` reads, one source each: a folder becomes its images (recursively, by path)."""
    for spec in paths:
        path = Path(spec).expanduser()
        if path.is_dir():
            images = image_files(path)
            if not images:
                warnings.warn(f"{spec}: holds no images", SourceWarning, stacklevel=2)
            yield from (str(image) for image in images)
        else:
            yield spec
