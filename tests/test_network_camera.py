"""Network cameras against real servers on 127.0.0.1: an MJPEG-over-HTTP camera (tests/mjpeg_server.py, its own
process, killed and started again) and, where GStreamer's RTSP server is installed, an RTSP camera
(tests/rtsp_server.py). Their passwords never show: not in names, errors, states, the app's screen, doctor's
report or the process title."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from moodtui.config import Settings
from moodtui.urls import has_credentials, hide_credentials_from_process_title, is_stream, shown
from moodtui.vision.camera import CameraError, LatestFrameReader, open_source
from moodtui.vision.network import READ_TIMEOUT, NetworkSource
from tests.conftest import REPO, SHARED
from tests.mjpeg_server import MjpegCamera, jpeg_frames

SECRET = "hunter2-secret"
CLIP = SHARED / "data" / "clips" / "d0.mp4"  # real faces when the shared data is there, drawn frames otherwise
SYSTEM_PYTHON = "/usr/bin/python3"


def clip() -> str | None:
    return str(CLIP) if CLIP.exists() else None


def clip_args() -> list[str]:
    return ["--clip", str(CLIP)] if CLIP.exists() else []


def wait_until(condition, timeout: float) -> float:
    """Seconds until `condition()` held; fails the test after `timeout`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


@pytest.fixture
def camera():
    with MjpegCamera(*clip_args()) as running:
        yield running


def test_an_address_is_shown_without_its_credentials():
    assert shown("rtsp://admin:pa55@192.168.1.20:554/Streaming/Channels/101") == \
        "rtsp://***@192.168.1.20:554/Streaming/Channels/101"
    assert shown("http://phone.local:8080/video") == "http://phone.local:8080/video"
    assert shown("http://cam/videostream.cgi?user=admin&pwd=pa55&rate=0") == \
        "http://cam/videostream.cgi?user=***&pwd=***&rate=0"
    assert shown("https://token@[fe80::1]:8443/mjpeg") == "https://***@[fe80::1]:8443/mjpeg"
    assert shown("rtsp://user:p@ss:word@host/live") == "rtsp://***@host/live"  # an @ in the password
    assert "pa55" not in shown("http://admin:pa55@cam:99999/x")  # a port that does not parse: nothing leaks
    assert shown("/dev/video0") == "/dev/video0" and shown("0") == "0"
    assert is_stream("rtsps://cam/live") and is_stream("HTTP://cam/video") and not is_stream("video.mp4")
    assert not is_stream("picamera2") and not is_stream("./http:/not-a-url")
    assert has_credentials("rtsp://a:b@cam/x") and not has_credentials("rtsp://cam/x")


def test_frames_come_from_an_mjpeg_camera_that_asks_for_a_password():
    with MjpegCamera(*clip_args(), "--user", "admin", "--password", SECRET) as camera:
        source = open_source(camera.url(credentials=f"admin:{SECRET}"))
        try:
            image = source.read()
            assert source.live and SECRET not in source.name and source.name.startswith("http://***@127.0.0.1:")
            assert "MJPG" in source.description()
        finally:
            source.close()
    served = [cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) for jpeg in jpeg_frames(clip(), 60)]
    # The very frames the camera encoded, decoded again.
    assert image is not None and min(float(np.abs(image.astype(int) - f).mean()) for f in served) < 1.0


def test_a_killed_camera_is_reconnected_with_backoff_without_a_busy_loop(camera):
    states: list[tuple[float, str]] = []
    reader = LatestFrameReader(open_source(camera.url(credentials=f"admin:{SECRET}")),
                               on_state=lambda state: states.append((time.monotonic(), state)))
    try:
        first = reader.latest(timeout=5)
        assert first is not None and reader.state == "live"
        camera.kill()
        killed = time.monotonic()
        noticed = wait_until(lambda: reader.state.startswith("reconnecting"), 2.0)
        cpu = time.process_time()
        wait_until(lambda: reader.state == "reconnecting (5)", 8.0)
        down = time.monotonic() - killed
        cpu = time.process_time() - cpu
        camera.start()  # the same port, as a camera that comes back
        back = wait_until(lambda: reader.state == "live", 10.0)
        fresh = reader.latest(newer_than=first.index, timeout=2)
    finally:
        reader.close()
    assert noticed < 1.0  # a closed connection is noticed at once
    tries = [s for _, s in states if s.startswith("reconnecting")]
    assert tries[:5] == [f"reconnecting ({n})" for n in range(1, 6)]
    gaps = np.diff([t for t, s in states if s.startswith("reconnecting")][:5])
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False))  # backing off
    assert cpu < 0.25 * down  # waiting, not spinning (measured: a few ms of CPU over several seconds)
    assert back < 6.0 and fresh is not None and states[-1][1] == "live"


def test_a_camera_that_stops_sending_is_noticed_within_its_read_deadline():
    with MjpegCamera("--stall-after", "15") as camera:
        reader = LatestFrameReader(open_source(camera.url()))
        try:
            last, slowest = None, 0.0
            while not reader.state.startswith("reconnecting"):
                asked = time.monotonic()
                frame = reader.latest(newer_than=last.index if last else -1, timeout=0.2)
                slowest = max(slowest, time.monotonic() - asked)  # the worker is never held by a blocked read
                if frame is not None:
                    last, last_at = frame, time.monotonic()
                assert time.monotonic() - asked < 15, "the stall was never noticed"
            noticed = time.monotonic() - last_at
        finally:
            closing = time.monotonic()
            reader.close()
            closed = time.monotonic() - closing
    assert last is not None and last.index >= 10
    assert noticed < READ_TIMEOUT + 1.0 and slowest < 0.5 and closed < 1.0  # not held up by a stuck read


def test_a_camera_that_accepts_and_never_answers_is_a_clear_error_in_bounded_time():
    with MjpegCamera("--silent") as camera:
        started = time.monotonic()
        with pytest.raises(CameraError) as error:
            NetworkSource(camera.url(credentials=f"admin:{SECRET}"), open_timeout=2.0)
        took = time.monotonic() - started
    assert took < 2.0 + 4.0  # FFmpeg's deadline, then one connection to say why
    assert "accepted the connection but sent no video" in str(error.value) and SECRET not in str(error.value)


@pytest.mark.parametrize(("path", "credentials", "words"), [
    ("/nothing", "", "nothing at that path (HTTP 404)"),
    ("/video", "admin:wrong", "refused the user name and password (HTTP 401)"),
])
def test_a_wrong_path_or_password_is_said_plainly(path, credentials, words):
    with MjpegCamera("--user", "admin", "--password", SECRET) as camera, pytest.raises(CameraError) as error:
        open_source(camera.url(path, credentials))
    assert words in str(error.value) and "wrong" not in str(error.value)


def test_an_unreachable_camera_is_said_plainly_and_quickly():
    started = time.monotonic()
    with pytest.raises(CameraError, match="cannot connect to 127.0.0.1 on port 9") as refused:
        open_source(f"rtsp://admin:{SECRET}@127.0.0.1:9/live")
    with pytest.raises(CameraError, match="host 'camera.invalid' is not known") as unknown:
        open_source(f"http://admin:{SECRET}@camera.invalid/video")
    assert time.monotonic() - started < 5.0
    assert SECRET not in str(refused.value) + str(unknown.value)


def test_a_malformed_address_is_refused_without_showing_it():
    for url in (f"http://admin:{SECRET}@cam:99999/video", f"rtsp://admin:{SECRET}@/live", f"http://a:{SECRET}@[::1/x"):
        with pytest.raises(CameraError, match="not a camera's address") as error:
            open_source(url)
        assert SECRET not in str(error.value) and error.value.__context__ is None


def test_a_crash_traceback_with_its_locals_keeps_the_password_hidden():
    # The app's unhandled errors are printed as Textual prints them: rich's traceback, with each frame's locals.
    from rich.console import Console
    from rich.traceback import Traceback

    def crash(settings: Settings) -> None:
        raise RuntimeError("a bug somewhere")

    try:
        crash(Settings(source=f"rtsp://admin:{SECRET}@cam/live"))
    except RuntimeError:
        console = Console(record=True, width=200)
        console.print(Traceback(show_locals=True))
    printed = console.export_text()
    assert "rtsp://***@cam/live" in printed and SECRET not in printed


def test_doctor_reads_a_configured_network_camera_and_never_shows_its_password(camera, tmp_path):
    env = {**os.environ, "MOODTUI_SOURCE": camera.url(credentials=f"admin:{SECRET}"),
           "MOODTUI_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "doctor", "--json", "--offline"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    source = checks["configured source"]
    assert source["ok"] and source["detail"].startswith(f"http://***@127.0.0.1:{camera.port}/video: reachable")
    fps = float(source["detail"].split(" frames at ")[1].split()[0])
    assert 10 <= fps <= 20  # the camera sends 15 a second
    assert checks["cameras"]["ok"]  # no /dev/video* here, and none needed
    assert checks["config file"]["ok"]  # the password is in the environment, not in the file
    assert SECRET not in done.stdout + done.stderr
    config = tmp_path / "config.toml"  # now in a file other users can read: doctor says how to fix it
    config.write_text(f'source = "{camera.url(credentials=f"admin:{SECRET}")}"\n')
    config.chmod(0o644)
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "doctor", "--json", "--offline"],
                          env={**env, "MOODTUI_SOURCE": ""}, cwd=REPO, capture_output=True, text=True, timeout=120)
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert not checks["config file"]["ok"] and checks["config file"]["fix"] == f"chmod 600 {config}"
    assert done.returncode == 0 and SECRET not in done.stdout + done.stderr


def test_a_password_on_the_command_line_leaves_the_process_title(camera, tmp_path):
    env = {**os.environ, "MOODTUI_CONFIG": str(tmp_path / "config.toml")}
    url = camera.url(credentials=f"admin:{SECRET}")
    process = subprocess.Popen([sys.executable, "-m", "moodtui.cli", "doctor", "--offline", "--source", url], env=env,
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    titles = []
    started = time.monotonic()
    while process.poll() is None:
        try:
            title = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        except OSError:
            break
        titles.append((time.monotonic() - started, title))
        time.sleep(0.05)
    out, err = process.communicate(timeout=60)
    late = [title for at, title in titles if at > 1.0 and title]  # (empty once it has exited)
    assert late and not [t for t in late if SECRET.encode() in t]
    assert b"--source http://***@127.0.0.1" in late[-1]
    assert SECRET not in out + err and "shell's history" in err and "MOODTUI_SOURCE" in err


def test_the_process_title_is_left_alone_without_credentials():
    assert hide_credentials_from_process_title(["moodtui", "--source", "rtsp://cam/live"]) is False


def test_moodtui_source_sits_between_the_config_file_and_the_flag(tmp_path, monkeypatch):
    from moodtui.cli import parser, settings_from

    (tmp_path / "config.toml").write_text('source = "1"\nsize = "1280x720"\n')
    assert settings_from(parser().parse_args([])).source == "1"
    monkeypatch.setenv("MOODTUI_SOURCE", f"rtsp://admin:{SECRET}@cam/live")
    settings = settings_from(parser().parse_args([]))
    assert settings.source == f"rtsp://admin:{SECRET}@cam/live" and settings.frame_size() == (1280, 720)
    flagged = settings_from(parser().parse_args(["--source", "2", "--size", "320x240"]))
    assert flagged.source == "2" and flagged.frame_size() == (320, 240)


# The app, driven by its Pilot ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_app_reconnects_a_network_camera_and_says_so_without_its_password(tmp_path):
    from moodtui.tui.app import MoodApp
    from tests.test_tui import text, wait_for

    # One frame, served again and again: after the camera comes back the preview must be drawn anew,
    # though the picture is the same as before it was lost.
    with MjpegCamera("--frames", "1") as camera:
        app = MoodApp(Settings(source=camera.url(credentials=f"admin:{SECRET}"), data_dir=str(tmp_path / "data"),
                               offline=True))
        async with app.run_test(size=(100, 30)) as pilot:
            # Readings a second on the status line: the pipeline reads the camera's frames.
            await wait_for(pilot, lambda: re.match(r"camera live · \d+/s", text(app, "#status")), timeout=30)
            picture = str(app.query_one("#preview").render())
            camera.kill()
            await wait_for(pilot, lambda: "reconnecting (3)" in text(app, "#status"), timeout=10)
            assert "Camera lost: reconnecting" in text(app, "#preview")
            seen = text(app, "#status") + text(app, "#preview")
            camera.start()
            await wait_for(pilot, lambda: re.match(r"camera live · \d+/s", text(app, "#status")), timeout=15)
            await wait_for(pilot, lambda: "Camera lost" not in text(app, "#preview"), timeout=5)
            seen += text(app, "#status") + text(app, "#preview") + picture
            seen += " ".join(str(n.message) for n in app._notifications)
    assert SECRET not in seen


@pytest.mark.asyncio
async def test_a_network_camera_switched_on_after_the_app_is_waited_for_and_p_does_not_pretend(tmp_path):
    import socket

    from moodtui.tui.app import MoodApp
    from tests.test_tui import text, wait_for

    camera = MjpegCamera("--frames", "1")
    with socket.socket() as probe:  # a port with nothing on it yet; the camera is started on it later
        probe.bind(("127.0.0.1", 0))
        camera.port = probe.getsockname()[1]
    app = MoodApp(Settings(source=camera.url(credentials=f"admin:{SECRET}"), data_dir=str(tmp_path / "data"),
                           offline=True))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: "reconnecting (2)" in text(app, "#status"), timeout=15)
            assert "No camera yet" in text(app, "#preview") and "Connection refused" in text(app, "#preview")
            await pilot.press("p")  # nothing to pause: the status line keeps saying what is true
            await pilot.pause(0.2)
            assert "reconnecting" in text(app, "#status") and "live" not in text(app, "#status")
            seen = text(app, "#status") + text(app, "#preview")
            camera.start()
            await wait_for(pilot, lambda: re.match(r"camera live · \d+/s", text(app, "#status")), timeout=20)
            seen += " ".join(str(n.message) for n in app._notifications)
            assert "nothing to pause" in seen
    finally:
        camera.kill()
    assert SECRET not in seen


# RTSP, where GStreamer's RTSP server can be installed (apt: gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
# gstreamer1.0-plugins-good gstreamer1.0-plugins-bad); PyPI has none ------------------------------------------
def rtsp_server_problem() -> str:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is not there"
    done = subprocess.run([SYSTEM_PYTHON, str(REPO / "tests" / "rtsp_server.py"), "--check", "--frames", "."],
                          capture_output=True, text=True, timeout=60)
    return "" if done.returncode == 0 else done.stdout.strip() or done.stderr.strip()[-200:]


class RtspCamera:
    def __init__(self, frames: Path, codec: str) -> None:
        self.frames, self.codec, self.port, self.process = frames, codec, 0, None

    def start(self) -> RtspCamera:
        self.process = subprocess.Popen([SYSTEM_PYTHON, str(REPO / "tests" / "rtsp_server.py"), "--port",
                                         str(self.port), "--frames", str(self.frames), "--codec", self.codec,
                                         "--gop", "30"], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])
        return self

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.mark.parametrize("codec", ["jpeg", "h264"])
def test_an_rtsp_camera_is_read_noticed_when_it_stalls_and_reconnected(codec, tmp_path):
    problem = rtsp_server_problem()
    if problem:
        pytest.skip(f"no RTSP server to test against: {problem}")
    for index, jpeg in enumerate(jpeg_frames(clip(), 30)):
        (tmp_path / f"frame{index:03d}.jpg").write_bytes(jpeg)
    camera = RtspCamera(tmp_path, codec).start()
    reader = None
    try:
        reader = LatestFrameReader(open_source(f"rtsp://admin:{SECRET}@127.0.0.1:{camera.port}/live"))
        assert reader.latest(timeout=10) is not None and reader.state == "live"
        assert SECRET not in reader.source.name and reader.source.fourcc == ("MJPG" if codec == "jpeg" else "h264")
        camera.process.send_signal(signal.SIGSTOP)  # stalled: the connection open, nothing sent
        noticed = wait_until(lambda: reader.state.startswith("reconnecting"), READ_TIMEOUT + 3.0)
        camera.process.send_signal(signal.SIGCONT)
        wait_until(lambda: reader.state == "live", 15.0)
        camera.kill()
        wait_until(lambda: reader.state.startswith("reconnecting"), 2.0)
        camera.start()
        wait_until(lambda: reader.state == "live", 15.0)
    finally:
        if reader is not None:
            reader.close()
        camera.process.send_signal(signal.SIGCONT)
        camera.kill()
    # H.264 hands out the frames its decoder held back, one per read deadline: a read that took the whole deadline
    # counts as the stall it is.
    assert noticed < READ_TIMEOUT + 1.5
