"""The size and format a camera is asked for (`--size`, `size = ...`), and what this machine can check of it.

There is no camera on the build machines: the parsing, the settings and the quiet fallback of a capture that
refuses MJPG are checked with real OpenCV captures of a video file; a real V4L2 camera is not exercised here."""

from __future__ import annotations

import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest

from moodtui.config import ConfigError, Settings, load_settings, parse_size
from moodtui.vision.camera import MJPG, ask_for_format, fourcc_name, open_source
from tests.conftest import REPO


def test_sizes_are_read_as_width_by_height():
    assert parse_size("1280x720") == (1280, 720)
    assert parse_size(" 640 X 480 ") == (640, 480)
    for bad in ("1280", "1280x", "x720", "12x720", "1280x720x3", "-640x480", "99999x480", "640*480"):
        with pytest.raises(ValueError, match="size must be WIDTHxHEIGHT such as 640x480"):
            parse_size(bad)
    assert Settings().frame_size() == (640, 480)  # what cameras were always asked for


def test_the_config_file_takes_a_size_and_names_a_bad_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('size = "1280x720"\n')
    assert load_settings(path).frame_size() == (1280, 720)
    path.write_text('size = "big"\n')
    with pytest.raises(ConfigError, match="size must be WIDTHxHEIGHT"):
        load_settings(path)
    path.write_text("size = 640\n")
    with pytest.raises(ConfigError, match="size must be a str"):
        load_settings(path)


def test_a_bad_size_flag_is_one_line_and_status_2():
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "--size", "640by480"], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2 and "argument --size: size must be WIDTHxHEIGHT" in done.stderr
    assert "Traceback" not in done.stderr


def test_four_character_codes_read_as_text():
    assert fourcc_name(MJPG) == "MJPG"
    assert fourcc_name(cv2.VideoWriter_fourcc(*"YUYV")) == "YUYV"
    assert fourcc_name(0) == ""


def test_a_capture_that_offers_no_mjpg_keeps_its_own_format_quietly(tmp_path):
    # A real capture that refuses the request (a video file), as a YUYV-only webcam would.
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"XVID"), 10, (320, 240))
    for index in range(10):
        writer.write(np.full((240, 320, 3), 20 * index, np.uint8))
    writer.release()
    capture = cv2.VideoCapture(str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            given = ask_for_format(capture, (1280, 720))
        assert given != "MJPG" and given == fourcc_name(capture.get(cv2.CAP_PROP_FOURCC))
        ok, image = capture.read()
        assert ok and image.shape == (240, 320, 3)  # still read, at the size it has
    finally:
        capture.release()


def test_a_missing_camera_is_still_a_clear_error_with_a_size():
    from moodtui.vision.camera import CameraError

    with pytest.raises(CameraError, match="no camera found at camera 7"):
        open_source("7", (1280, 720))
