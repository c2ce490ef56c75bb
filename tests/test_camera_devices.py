"""What doctor says of the cameras on a machine: each /dev/video* and what it offers (v4l2-ctl's listing), and a
Raspberry Pi camera's picamera2 installed for the system's Python but not visible from a virtual environment.

No camera and no Raspberry Pi here: the listing is parsed from text in v4l2-ctl's layout, the real v4l2-ctl is run
where v4l-utils is installed, and picamera2 is stood in for by packages written into a temporary folder."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest

from moodtui.commands.doctor import check_device
from moodtui.vision.camera import picamera2_problem
from moodtui.vision.v4l2 import Offer, device_name, offered_formats, parse_formats, summary, video_devices

# v4l2-ctl --list-formats-ext's layout, for a USB webcam with MJPG and YUYV, and a camera with a stepwise range.
USB_WEBCAM = """ioctl: VIDIOC_ENUM_FMT
\tType: Video Capture

\t[0]: 'MJPG' (Motion-JPEG, compressed)
\t\tSize: Discrete 1280x720
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t\t\tInterval: Discrete 0.067s (15.000 fps)
\t\tSize: Discrete 640x480
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t[1]: 'YUYV' (YUYV 4:2:2)
\t\tSize: Discrete 640x480
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t\tSize: Discrete 1280x720
\t\t\tInterval: Discrete 0.100s (10.000 fps)
"""
STEPWISE = """ioctl: VIDIOC_ENUM_FMT
\tType: Video Capture Multiplanar

\t[0]: 'YU12' (Planar YUV 4:2:0)
\t\tSize: Stepwise 32x32 - 3280x2464 with step 2/2
\t\t\tInterval: Stepwise 0.033s - 1.000s with step 0.000s (1.000-30.000 fps)
"""


def test_the_formats_sizes_and_rates_a_camera_offers_are_read():
    offers = parse_formats(USB_WEBCAM)
    assert [o.fourcc for o in offers] == ["MJPG", "YUYV"]
    assert offers[0] == Offer("MJPG", "Motion-JPEG, compressed", (("1280x720", (30.0, 15.0)), ("640x480", (30.0,))))
    assert summary(offers) == "MJPG 1280x720@30 640x480@30; YUYV 640x480@30 1280x720@10"
    assert summary(parse_formats(STEPWISE)) == "YU12 32x32-3280x2464@30"
    assert parse_formats("") == [] and parse_formats("Cannot open device /dev/video9, exiting.") == []


def test_a_long_list_of_sizes_is_cut_in_one_line():
    many = "\t[0]: 'MJPG' (Motion-JPEG)\n" + "".join(f"\t\tSize: Discrete {w}x{w}\n" for w in range(100, 1100, 100))
    assert summary(parse_formats(many)) == "MJPG 100x100 200x200 300x300 400x400 500x500 600x600 (+4 more)"


def test_devices_are_listed_in_number_order_with_their_names(tmp_path):
    for name in ("video10", "video2", "video0", "media0"):
        (tmp_path / name).touch()
    assert [p.name for p in video_devices(tmp_path)] == ["video0", "video2", "video10"]
    (tmp_path / "sys" / "video0").mkdir(parents=True)
    (tmp_path / "sys" / "video0" / "name").write_text("USB2.0 Camera: USB2.0 Camera\n")
    assert device_name(tmp_path / "video0", tmp_path / "sys") == "USB2.0 Camera: USB2.0 Camera"
    assert device_name(tmp_path / "video2", tmp_path / "sys") == ""


def test_the_real_v4l2_ctl_on_a_device_that_is_not_there(tmp_path):
    if shutil.which("v4l2-ctl") is None:
        pytest.skip("v4l-utils is not installed (apt install v4l-utils)")
    assert offered_formats(tmp_path / "video9") == []
    row = check_device(tmp_path / "video9")
    assert row.ok and row.name.startswith("camera ") and "offers no capture format" in row.detail


def test_without_v4l_utils_doctor_says_how_to_list_the_formats(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no v4l2-ctl on it
    assert offered_formats(tmp_path / "video0") is None
    assert "apt install v4l-utils" in check_device(tmp_path / "video0").detail


def write_package(folder, body: str = "") -> None:
    (folder / "picamera2").mkdir(parents=True)
    (folder / "picamera2" / "__init__.py").write_text(body)


def test_picamera2_installed_for_the_system_but_not_visible_says_how_to_make_the_venv(tmp_path):
    if importlib.util.find_spec("picamera2") is not None:
        pytest.skip("picamera2 is importable here")
    assert "not installed" in picamera2_problem((tmp_path,))
    write_package(tmp_path)  # like /usr/lib/python3/dist-packages/picamera2 from apt
    problem = picamera2_problem((tmp_path,))
    assert f"installed for the system's Python (in {tmp_path})" in problem
    assert "python3 -m venv --system-site-packages" in problem


def test_picamera2_broken_by_numpy_2_says_to_install_simplejpeg(tmp_path, monkeypatch):
    # As Raspberry Pi OS 12's simplejpeg (built for NumPy 1) fails under a venv's NumPy 2.
    write_package(tmp_path, 'raise ValueError("numpy.dtype size changed, may indicate binary incompatibility")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    problem = picamera2_problem((tmp_path,))
    assert "pip install simplejpeg" in problem and "numpy.dtype size changed" in problem
    monkeypatch.delitem(sys.modules, "picamera2", raising=False)
