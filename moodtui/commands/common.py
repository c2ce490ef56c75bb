"""What several subcommands share: argument types, flag groups, the user's store."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from moodtui.config import Settings, parse_size

MODEL_HELP = ("emotion model: auto (the default: the large model where this machine reads a face in 1.5 ms or "
              "less, else the default), large (three times as wide, better on sad, angry and fear), default (the "
              "paper's network, trained on FER+ votes and camera-like faces), fer2013 (the paper's model, "
              "FER-2013 labels), or a .tflite file")
NO_FLIP_HELP = ("one pass per face instead of averaging it with its mirror image: about half the model time, "
                "1.7 points less accurate on FER-2013")


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def frame_size(text: str) -> str:
    """argparse type: WIDTHxHEIGHT, as the config's `size` takes it."""
    try:
        parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


SIZE_HELP = ("the size a camera is asked for, such as 1280x720 (default from config, else 640x480); a USB camera "
             "is asked for MJPG at that size where it offers it")


def add_reading_flags(group) -> None:
    """The flags that say how faces are read: the app and every command that reads faces take them
    (moodtui.config.FLAGS merges them into the settings)."""
    group.add_argument("--model", help=MODEL_HELP)
    group.add_argument("--clahe", action="store_true", help="even out the lighting of each face before reading it")
    group.add_argument("--no-flip", action="store_true", help=NO_FLIP_HELP)


def add_calibration_flag(group) -> None:
    group.add_argument("--no-calibration", action="store_true",
                       help="ignore the resting-face baseline (recorded with b in the app or `moodtui calibrate`): "
                       "raw model readings")


def reading_flags() -> argparse.ArgumentParser:
    """A parent parser with the reading flags, for subcommands that read faces."""
    parent = argparse.ArgumentParser(add_help=False)
    add_reading_flags(parent)
    return parent


@contextlib.contextmanager
def user_store(settings: Settings, read_only: bool = False) -> Iterator:
    """The user's store for one command, closed after it (moodtui.store.open_store)."""
    from moodtui.store import open_store

    store = open_store(settings.store_path(), read_only=read_only)
    try:
        yield store
    finally:
        store.close()
