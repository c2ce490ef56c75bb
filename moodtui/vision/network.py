"""Network cameras: an RTSP or HTTP(S) stream (MJPEG from a phone's "IP webcam" app, H.264 from an IP camera,
anything OpenCV's FFmpeg backend reads), opened with deadlines and explained when it cannot be read.

Every blocking step has a deadline that FFmpeg itself enforces (OpenCV's CAP_PROP_OPEN_TIMEOUT_MSEC and
CAP_PROP_READ_TIMEOUT_MSEC, honoured by its FFmpeg backend): a camera that stops sending frees the capture
thread after READ_TIMEOUT, and LatestFrameReader reconnects it with backoff. The address is only ever shown
through moodtui.urls.shown: its credentials never reach the screen, an error or doctor's report.
"""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlsplit, urlunsplit

import cv2

from moodtui.urls import host_and_port, shown
from moodtui.vision.camera import CameraError, CaptureSource

# Seconds to connect and learn what the stream holds: an H.264 camera joined between two keyframes is learnt only at
# the next one (the open took 3.5-5 s with keyframes 6 s apart, tests/rtsp_server.py), so this stays above a GOP.
OPEN_TIMEOUT = 10.0
READ_TIMEOUT = 3.0  # seconds one frame may take before the stream counts as stopped
PROBE_TIMEOUT = 3.0  # seconds the explanation of a failure may take for each of its steps


def open_stream(url: str, open_timeout: float = OPEN_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> cv2.VideoCapture:
    """A capture of the stream through FFmpeg only (no other backend gets the address, nor logs it)."""
    if url.lower().startswith("rtsp"):
        # RTP over the RTSP connection, not UDP: steadier over Wi-Fi and through NAT. The user's own choice wins.
        os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
    return cv2.VideoCapture(url, cv2.CAP_FFMPEG, [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, round(open_timeout * 1000),
                                                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, round(read_timeout * 1000)])


class NetworkSource(CaptureSource):
    """A network camera: live, reconnected by LatestFrameReader, named by its address without credentials."""

    failures_before_lost = 1  # one failed read has already waited READ_TIMEOUT
    # A read stuck on a stalled camera is not waited for when the app ends: the connection ends with the process.
    close_wait = 0.25

    def __init__(self, url: str, open_timeout: float = OPEN_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> None:
        try:
            host, _ = host_and_port(url)
        except ValueError:  # its text (a port out of range...) stays out of the message, and of any traceback
            host = ""
        if not host:
            raise CameraError(f"{shown(url)}: not a camera's address: check the host and the port")
        self.url, self.open_timeout, self.read_timeout, self.opened_in = url, open_timeout, read_timeout, 0.0

        def open_capture() -> cv2.VideoCapture:
            start = time.monotonic()
            capture = open_stream(url, open_timeout, read_timeout)
            self.opened_in = time.monotonic() - start
            return capture

        super().__init__(shown(url), open_capture, live=True)

    def grab(self) -> bool:
        start = time.monotonic()
        grabbed = super().grab()
        # FFmpeg's deadline ends a stalled read, but an H.264 decoder then hands out the frames it held back, one per
        # deadline (measured: two stale frames, 3 s apart): a read that took the whole deadline is a stall.
        return grabbed and time.monotonic() - start < 0.9 * self.read_timeout

    def _failure(self) -> str:
        return f"{self.name}: {why_unreadable(self.url, self.opened_in >= 0.9 * self.open_timeout)}"


def why_unreadable(url: str, timed_out: bool = False, timeout: float = PROBE_TIMEOUT) -> str:
    """Why FFmpeg could not open a stream, in words: the host unknown, nothing listening, a refused password,
    a web page instead of a video, or a camera that accepted the connection and sent nothing."""
    host, port = host_and_port(url)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except socket.gaierror:
        return f"the host {host!r} is not known: check the address"
    except TimeoutError:
        return f"{host} does not answer on port {port} (nothing in {timeout:.0f} s): is the camera on?"
    except OSError as error:
        return f"cannot connect to {host} on port {port} ({error.strerror or error}): is the camera on?"
    if timed_out:
        return "the camera accepted the connection but sent no video; try again, or restart the camera"
    if url.lower().startswith("http"):
        answer = http_answer(url, timeout)
        if answer:
            return answer
    return "connected, but no video came: check the path, the user name and the password"


def http_answer(url: str, timeout: float) -> str:
    """What an HTTP camera answers that is not a stream ("" when it looks like one, or says nothing)."""
    import httpx

    parts = urlsplit(url)
    bare = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    auths = [None] if parts.username is None else \
        [httpx.BasicAuth(parts.username, parts.password or ""), httpx.DigestAuth(parts.username, parts.password or "")]
    try:
        with httpx.Client(timeout=timeout) as client:
            for auth in auths:
                with client.stream("GET", bare, auth=auth) as response:
                    status, kind = response.status_code, response.headers.get("content-type", "")
                    digest = "digest" in response.headers.get("www-authenticate", "").lower()
                if not (status == 401 and digest):
                    break
    except httpx.TimeoutException:
        return f"the camera accepted the connection but did not answer in {timeout:.0f} s"
    except httpx.HTTPError as error:
        return f"the camera's answer cannot be read ({type(error).__name__})"
    if status in (401, 403):
        return f"the camera refused the user name and password (HTTP {status}): check them"
    if status == 404:
        return "the camera has nothing at that path (HTTP 404): check the address"
    if status >= 400:
        return f"the camera answered HTTP {status}"
    if kind.startswith(("text/", "application/json")):
        return f"the address gives a web page ({kind.split(';')[0]}), not a video: check the path"
    return ""
