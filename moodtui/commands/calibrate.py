"""`moodtui calibrate`: record the user's resting face, the same Calibration the app's `b` key uses."""

from __future__ import annotations

import argparse
import sys

from moodtui.commands.common import positive_float, reading_flags, user_store
from moodtui.config import Settings
from moodtui.labels import EMOTIONS


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "calibrate", parents=[reading_flags()], help="record your resting face, so that your neutral reads neutral",
        description="Watch your relaxed face for a few seconds (or read a video, image or folder of your "
        "faces) and store how your resting face reads as your baseline: seven numbers, a time and the model's "
        "name, no image. The app and `detect` then read your expressions relative to it (--no-calibration "
        "ignores it).",
    )
    parser.add_argument("--source", help="camera index or device, video, image or folder of your face "
                        "(default from config, else camera 0)")
    # The default is the app's (moodtui.vision.calibration), read when the command runs: numpy and the
    # vision modules are not imported for every command's --help.
    parser.add_argument("--seconds", type=positive_float,
                        help="how long to watch a camera or video (default: as long as the app's b key, 3 s)")
    parser.add_argument("--clear", action="store_true", help="remove the stored baseline and stop")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from moodtui.vision.build import build_pipeline
    from moodtui.vision.calibration import CALIBRATION_SECONDS, MIN_FRAMES, CalibrationError, EventKind
    from moodtui.vision.camera import ImageSource, frames, open_source

    seconds = args.seconds or CALIBRATION_SECONDS
    if args.clear:
        with user_store(settings) as store:
            store.clear_baseline()
        print("baseline removed: your faces are read as the model sees them")
        return 0
    settings = replace(settings, calibration=True)  # recording one is what the user asked for
    with user_store(settings) as store:
        pipeline = build_pipeline(settings, store)
        source = open_source(settings.source or 0, settings.frame_size())
        still = isinstance(source, ImageSource)
        pipeline.calibration.request_start(seconds, min_frames=1 if still else MIN_FRAMES)
        if source.live:
            print(f"Relax your face and look at the camera for {seconds:g} second{'' if seconds == 1 else 's'}...",
                  file=sys.stderr)
        event = None
        try:
            for frame in frames(source):
                event = pipeline.process(frame, still=still).calibration
                if event is not None and event.kind in (EventKind.RECORDED, EventKind.FAILED):
                    break
            else:  # the source ran out of frames before the time was up: go with what it gave
                event = pipeline.calibration.finish()
        finally:
            source.close()
    if event is None or event.kind != EventKind.RECORDED:
        reason = event.reason if event is not None else "no frames were read"
        raise CalibrationError(f"{reason}: make sure your face is in view and try again")
    baseline = pipeline.calibration.baseline
    offsets = ", ".join(f"{name} {value:+.2f}" for name, value in zip(EMOTIONS, baseline.offsets, strict=True))
    print(f"baseline recorded with the {baseline.model} model and stored (`moodtui calibrate --clear` removes it)")
    print(f"offsets (log-probability): {offsets}")
    return 0
