"""`moodtui detect`: the faces and emotions in images, folders, videos or a camera, a line or a JSON record a frame.

Imports only what reading faces needs (no HTTP client, no HTML parser), and the face cascades load
when the search first needs them: a photo is read within a third of a second of typing the command.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from moodtui.commands.common import add_calibration_flag, positive_int, reading_flags, user_store
from moodtui.config import Settings
from moodtui.labels import EMOTIONS

CAMERA_FRAMES = 30  # frames read from a camera when --frames is not given


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "detect", parents=[reading_flags()], help="print the faces and emotions in images, videos or a camera",
        description="Print the faces and emotions found in images, folders of images, videos or a camera "
        "(a camera index such as 0, or a device path such as /dev/video0).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image, folder, video, camera index or device")
    parser.add_argument("--json", action="store_true", help="one JSON object per frame")
    parser.add_argument("--group", action="store_true", help='with --json: add everyone\'s mood as one, '
                        '"group": {"emotion": ..., "faces": N}')
    parser.add_argument("--frames", type=positive_int, help=f"stop after N frames (cameras: default {CAMERA_FRAMES})")
    add_calibration_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Each image, video or camera is its own source: tracking starts afresh, a bad one is skipped."""
    from moodtui.urls import shown
    from moodtui.vision.build import build_pipeline
    from moodtui.vision.camera import CameraError, ImageSource, SourceWarning, frames, open_source

    with user_store(settings, read_only=True) as store:
        pipeline = build_pipeline(settings, store)
    if pipeline.calibration.note:
        warnings.warn(pipeline.calibration.note, stacklevel=1)
    inputs = list(detect_inputs(args.paths))
    # One file named alone: nothing to skip to, its error is the command's. A folder's bad files are skipped.
    alone = len(args.paths) == 1 and not Path(args.paths[0]).expanduser().is_dir()
    read = skipped = 0
    for spec in inputs:
        try:
            source = open_source(spec)
        except CameraError as error:
            if alone:
                raise
            warnings.warn(f"{error}; skipped", SourceWarning, stacklevel=1)
            skipped += 1
            continue
        label = shown(spec)  # a network camera's address without its password
        try:
            limit = args.frames or (CAMERA_FRAMES if source.live else None)
            pipeline.reset()
            # A photo is searched whole on its own; video and camera frames are tracked.
            still = isinstance(source, ImageSource)
            for frame in frames(source, limit):
                result = pipeline.process(frame, still=still)
                if args.json:
                    record = detection_record(label, result)
                    if args.group:
                        record["group"] = group_record(result, still)
                    line = json.dumps(record)
                else:
                    line = detection_line(label, result)
                print(line, flush=True)
            read += 1
        except CameraError as error:
            if alone:
                raise
            warnings.warn(f"{error}; skipped", SourceWarning, stacklevel=1)
            skipped += 1
        finally:
            source.close()
    if not read:
        raise CameraError("nothing could be read: every input was skipped" if skipped else "nothing to read")
    return 0


def file_box(box: tuple[int, ...], scale: float) -> list[int]:
    """A face box in the file's own pixels (a large photo is read reduced)."""
    return [round(v * scale) for v in box]


def group_record(result, still: bool) -> dict:
    """Everyone in view as one: their stable mood (a photo's is its one reading) and how many they are."""
    import numpy as np

    from moodtui.vision.pipeline import group_reading

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
    """What `detect` reads, one source each: a folder becomes its images and videos (recursively, by path)."""
    from moodtui.vision.camera import IMAGE_SUFFIXES, VIDEO_SUFFIXES, SourceWarning, image_files

    for spec in paths:
        path = Path(spec).expanduser()
        if path.is_dir():
            found = image_files(path, IMAGE_SUFFIXES | VIDEO_SUFFIXES)
            if not found:
                warnings.warn(f"{spec}: holds no images or videos", SourceWarning, stacklevel=2)
            yield from (str(file) for file in found)
        else:
            yield spec
