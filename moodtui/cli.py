"""The `moodtui` command: the TUI by default, and headless subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from moodtui import __version__
from moodtui.camera import CameraError, frames, open_source
from moodtui.emotion import ModelError
from moodtui.faces import FaceError

EXPECTED_ERRORS = (CameraError, ModelError, FaceError, OSError)
CAMERA_FRAMES = 30  # frames `detect` reads from a camera when --frames is not given


def _pipeline(args: argparse.Namespace):
    from moodtui.emotion import EmotionClassifier
    from moodtui.pipeline import Pipeline

    return Pipeline(EmotionClassifier(args.model), clahe=args.clahe)


def detection_record(source: str, result) -> dict:
    """The JSON line `detect --json` prints for one frame."""
    return {
        "source": source,
        "frame": result.frame.index,
        "faces": [
            {"box": list(r.face.box), "emotion": r.scores.emotion, "scores": r.scores.as_dict()} for r in result.faces
        ],
    }


def detection_line(source: str, result) -> str:
    """The human-readable line `detect` prints for one frame."""
    if not result.faces:
        return f"{source} frame {result.frame.index}: no face"
    parts = [f"{r.scores.emotion} {r.scores.confidence:.0%} at {tuple(r.face.box)}" for r in result.faces]
    return f"{source} frame {result.frame.index}: " + "; ".join(parts)


def command_detect(args: argparse.Namespace) -> int:
    pipeline = _pipeline(args)
    for path in args.paths:
        source = open_source(path)
        try:
            limit = args.frames or (CAMERA_FRAMES if source.live else None)
            pipeline.finder.reset()
            for frame in frames(source, limit):
                result = pipeline.process(frame)
                line = json.dumps(detection_record(path, result)) if args.json else detection_line(path, result)
                print(line, flush=True)
        finally:
            source.close()
    return 0


def command_bench(args: argparse.Namespace) -> int:
    from moodtui.bench import bench_pipeline, format_table

    report = bench_pipeline(_pipeline(args), args.source, args.frames)
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="moodtui",
        description="Emotion-aware movie and pop-song recommendations in your terminal. "
        "Without a subcommand it opens the app.",
    )
    root.add_argument("--version", action="version", version=f"moodtui {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", help="a .tflite emotion model (default: the one shipped with moodtui)")
    common.add_argument("--clahe", action="store_true", help="even out the lighting of each face before reading it")
    commands = root.add_subparsers(dest="command", metavar="COMMAND")

    detect = commands.add_parser(
        "detect", parents=[common], help="print the faces and emotions in images, videos or a camera",
        description="Print the faces and emotions found in images, folders of images, videos or a camera "
        "(a camera index such as 0, or a device path such as /dev/video0).",
    )
    detect.add_argument("paths", nargs="+", metavar="PATH", help="image, folder, video, camera index or device")
    detect.add_argument("--json", action="store_true", help="one JSON object per frame")
    detect.add_argument("--frames", type=int, help=f"stop after N frames (cameras: default {CAMERA_FRAMES})")
    detect.set_defaults(handler=command_detect)

    bench = commands.add_parser(
        "bench", parents=[common], help="measure each stage of the pipeline on this machine",
        description="Time capture, face detection/tracking, crop and classification per frame, and report "
        "frames per second and peak memory.",
    )
    bench.add_argument("--source", default="0", help="camera index, device, video or image (default: camera 0)")
    bench.add_argument("--frames", type=int, default=300, help="frames to measure (default 300)")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    bench.set_defaults(handler=command_bench)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        from moodtui.tui.app import run_app

        return run_app(args)
    try:
        return args.handler(args)
    except EXPECTED_ERRORS as error:
        print(f"moodtui: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
