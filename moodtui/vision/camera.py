"""Frame sources: a webcam (index or device path), a network camera (rtsp://, http(s)://), a video file, an
image, a folder of images, a Raspberry Pi camera.

`open_source()` picks the source from what the user typed. Live sources are wrapped in
`LatestFrameReader`, a capture thread that keeps only the newest frame, so latency never
builds up however slow the consumer is, and that reconnects a camera that was lost.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# FFmpeg's own log lines ("moov atom not found") would reach the terminal raw; our messages say it.
# Read when OpenCV first opens a video, so setting it here, before any capture, is enough.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from moodtui.errors import UserError
from moodtui.urls import is_stream

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
# The videos `detect` reads in a folder it is given (the app's folder source is a slideshow of images).
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv"}
DEFAULT_SIZE = (640, 480)
FAILED_READS_BEFORE_LOST = 5
RECONNECT_BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0)  # seconds between tries; the last repeats
CLOSE_WAIT = 2.0  # seconds close() waits for the capture thread (one that is stuck releases its camera itself)
MJPG = cv2.VideoWriter_fourcc(*"MJPG")  # compressed: a fraction of raw YUYV's USB bandwidth, decoded only when asked
SYSTEM_PACKAGES = (Path("/usr/lib/python3/dist-packages"),)  # where Debian and Raspberry Pi OS install python3-*
# Photos are read at most this wide or high: faces in them stay well above the finder's smallest
# size, and an 8000x8000 photo is never held whole in memory (it is decoded reduced).
MAX_IMAGE_SIDE = 1280
REDUCED = {2: (cv2.IMREAD_REDUCED_COLOR_2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
           4: (cv2.IMREAD_REDUCED_COLOR_4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
           8: (cv2.IMREAD_REDUCED_COLOR_8, cv2.IMREAD_REDUCED_GRAYSCALE_8)}


# OpenCV prints its own warnings for every camera it cannot open; our errors say it better.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


class CameraError(UserError, RuntimeError):
    """A source could not be opened; the message says what was tried and what to do."""


@dataclass(frozen=True)
class Frame:
    """One BGR image from a source, numbered from 0, stamped with time.monotonic()."""

    image: np.ndarray
    index: int
    timestamp: float
    source: str
    scale: float = 1.0  # the file's pixels per image pixel (a large photo is read reduced)


class FrameSource:
    """Frames in order from one place. `read()` returns None when there are no more (for now)."""

    name: str = ""
    live: bool = False  # a camera: frames keep coming, the newest matters
    failures_before_lost = FAILED_READS_BEFORE_LOST  # failed reads in a row after which a live source is reconnected
    close_wait = CLOSE_WAIT  # seconds LatestFrameReader.close() waits for a read in progress to end

    def read(self) -> np.ndarray | None:
        raise NotImplementedError

    def grab(self) -> bool:
        """Take the next frame without decoding it yet (a camera's buffer is freed, a file moves on)."""
        self._grabbed = self.read()
        return self._grabbed is not None

    def retrieve(self) -> np.ndarray | None:
        """The frame grabbed last, decoded."""
        return getattr(self, "_grabbed", None)

    def reopen(self) -> bool:
        """Try to get a lost source back; True when it reads again."""
        return False

    def close(self) -> None:
        pass


class CaptureSource(FrameSource):
    """A cv2.VideoCapture: a webcam (live) or a video file (finite)."""

    def __init__(self, name: str, open_capture: Callable[[], cv2.VideoCapture], live: bool) -> None:
        self.name, self.live, self._open = name, live, open_capture
        self._capture = open_capture()
        if not self._capture.isOpened():
            raise CameraError(self._failure())
        self.fps = self._capture.get(cv2.CAP_PROP_FPS) or 30.0
        self.frame_count = 0 if live else int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frames_read = 0

    def _failure(self) -> str:
        if self.live:
            return (f"no camera found at {self.name}; pick another source with --source INDEX, "
                    "a device path such as /dev/video1, a video file, an image or a folder of images")
        return f"{self.name}: cannot be opened as a video (not a video, or cut or damaged)"

    def read(self) -> np.ndarray | None:
        ok, image = self._capture.read()
        if ok and image is not None:
            self.frames_read += 1
            return image
        return None

    def grab(self) -> bool:
        if self._capture.grab():
            self.frames_read += 1
            return True
        return False

    def retrieve(self) -> np.ndarray | None:
        ok, image = self._capture.retrieve()
        return image if ok else None

    @property
    def fourcc(self) -> str:
        """The format the capture gives ("MJPG", "YUYV", "h264"); "" when the backend does not say."""
        return fourcc_name(self._capture.get(cv2.CAP_PROP_FOURCC))

    def description(self) -> str:
        """What the capture gives, as far as the backend says: "640x480 MJPG at 30 fps"."""
        width, height = (round(self._capture.get(p)) for p in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT))
        words = [f"{width}x{height}" if width and height else "", self.fourcc,
                 f"at {self.fps:.0f} fps" if self.live and self.fps else ""]
        return " ".join(w for w in words if w)

    def ended_early(self) -> bool:
        """A video file that stopped well before the frame count its header gives: cut or damaged."""
        return not self.live and self.frame_count > 0 and self.frames_read < 0.98 * self.frame_count - 1

    def reopen(self) -> bool:
        self._capture.release()
        self._capture = self._open()
        return self._capture.isOpened()

    def close(self) -> None:
        self._capture.release()


def fourcc_name(code: float) -> str:
    """OpenCV's four-character code as text ("MJPG", "YUYV"); "" when the backend does not say."""
    value = int(code)
    text = "".join(chr((value >> shift) & 0xFF) for shift in (0, 8, 16, 24)).strip("\0 ")
    return text if text.isprintable() else ""


def ask_for_format(capture: cv2.VideoCapture, size: tuple[int, int], mjpg: bool = True) -> str:
    """Ask an opened camera for MJPG frames of `size` (V4L2 takes the nearest size it offers); the format it
    gives. A camera without MJPG refuses it quietly and keeps its own format (often raw YUYV)."""
    if mjpg:
        capture.set(cv2.CAP_PROP_FOURCC, MJPG)
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
    capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of old ones
    return fourcc_name(capture.get(cv2.CAP_PROP_FOURCC))


class SourceWarning(UserWarning):
    """A file in a source that was skipped, or a video that ended early."""


def reconnect_wait(tries: int) -> float:
    """Seconds to wait before the next try to reach a lost (or not yet reached) camera: RECONNECT_BACKOFF."""
    return RECONNECT_BACKOFF[min(tries, len(RECONNECT_BACKOFF)) - 1]


def image_files(folder: Path, suffixes: set[str] = IMAGE_SUFFIXES) -> list[Path]:
    """The images (or other files of these suffixes) under a folder and its sub-folders, by path."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes and p.is_file())


def read_image(path: Path, max_side: int = MAX_IMAGE_SIDE) -> tuple[np.ndarray, float] | None:
    """A BGR image no larger than max_side and the factor from its pixels to the file's; None when
    the file is not a readable image.

    A large photo is decoded at 1/2, 1/4 or 1/8 of its size (JPEG decodes reduced without the full
    image in memory; other formats are decoded in grey, a third of the memory, then reduced).
    """
    probe = cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if probe is None:
        return None
    side, factor = 8 * max(probe.shape), 1
    if side <= max_side:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    else:
        factor = next((f for f in (2, 4) if side / f <= max_side), 8)
        colour, grey = REDUCED[factor]
        image = cv2.imread(str(path), colour if path.suffix.lower() in (".jpg", ".jpeg") else grey)
    if image is None:
        return None
    full_side = factor * max(image.shape[:2])
    scale = max_side / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image, full_side / max(image.shape[:2])


class ImageSource(FrameSource):
    """One image or a folder of images, read once each, in path order; unreadable files are skipped."""

    def __init__(self, paths: list[Path], name: str) -> None:
        if not paths:
            raise CameraError(f"{name}: holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        self.name, self._paths, self._next = name, paths, 0
        self.fps = 2.0  # a slideshow pace when played live
        self._decoded: dict[Path, tuple[np.ndarray, float]] = {}  # one image replayed live is decoded once
        self.scale = 1.0  # of the image read last

    def reopen(self) -> bool:
        self._next = 0
        return True

    def read(self) -> np.ndarray | None:
        while self._next < len(self._paths):
            path = self._paths[self._next]
            self._next += 1
            read = self._decoded.get(path) or read_image(path)
            if read is None:
                if len(self._paths) == 1:
                    raise CameraError(f"{path}: not a readable image")
                warnings.warn(f"{path}: not a readable image; skipped", SourceWarning, stacklevel=2)
                continue
            if len(self._paths) == 1:
                self._decoded[path] = read
            image, self.scale = read
            return image
        return None


class Picamera2Source(FrameSource):
    """A Raspberry Pi camera on the libcamera stack, which cv2.VideoCapture cannot open."""

    live = True

    def __init__(self, size: tuple[int, int]) -> None:
        try:
            from picamera2 import Picamera2
        except Exception:  # noqa: BLE001 - picamera2_problem says why, with the fix
            raise CameraError(picamera2_problem() or "picamera2 does not load") from None
        self.name = "picamera2"
        self._camera = Picamera2()
        self._camera.configure(self._camera.create_video_configuration(main={"size": size, "format": "BGR888"}))
        self._camera.start()

    def read(self) -> np.ndarray | None:
        return self._camera.capture_array()

    def close(self) -> None:
        self._camera.close()


def picamera2_problem(system_dirs: tuple[Path, ...] = SYSTEM_PACKAGES) -> str:
    """Why picamera2 cannot be used from this Python, with the fix; "" when it loads."""
    try:
        import picamera2  # noqa: F401
    except ImportError:
        found = next((d for d in system_dirs if (d / "picamera2" / "__init__.py").is_file()), None)
        if found is None:
            return "picamera2 is not installed: on Raspberry Pi OS, sudo apt install python3-picamera2"
        if str(found) not in sys.path:
            return (f"picamera2 is installed for the system's Python (in {found}), which this Python does not read: "
                    "make the virtual environment with /usr/bin/python3 -m venv --system-site-packages (README, "
                    "\"A Raspberry Pi camera\")")
        return f"picamera2 is in {found} but does not load: sudo apt install --reinstall python3-picamera2"
    except Exception as error:  # noqa: BLE001 - whatever stops it loading is the finding
        if "numpy" in str(error):  # the system's simplejpeg, built for NumPy 1, under this environment's NumPy 2
            return (f"picamera2 does not load with this environment's NumPy ({error}): "
                    "pip install simplejpeg in the virtual environment")
        return f"picamera2 does not load: {type(error).__name__}: {error}"
    return ""


def _camera_opener(target: int | str, size: tuple[int, int]) -> Callable[[], cv2.VideoCapture]:
    """Opens a webcam asking for MJPG at `size`; one that takes MJPG but then gives no frame is opened again in
    its own format."""
    def open_capture() -> cv2.VideoCapture:
        capture = cv2.VideoCapture(target)
        if capture.isOpened() and ask_for_format(capture, size) == "MJPG" and not capture.grab():
            capture.release()
            capture = cv2.VideoCapture(target)
            if capture.isOpened():
                ask_for_format(capture, size, mjpg=False)
        return capture

    return open_capture


def open_source(spec: str | int | None = None, size: tuple[int, int] = DEFAULT_SIZE) -> FrameSource:
    """A source for what the user typed: camera index, device path, network address, video, image, folder or
    'picamera2'; cameras are asked for frames of `size`."""
    spec = 0 if spec is None else spec
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        return CaptureSource(f"camera {index}", _camera_opener(index, size), live=True)
    text = str(spec)
    if is_stream(text):
        from moodtui.vision.network import NetworkSource

        return NetworkSource(text)
    if text == "picamera2":
        return Picamera2Source(size)
    path = Path(text).expanduser()
    if text.startswith("/dev/"):
        if not path.exists():
            raise CameraError(f"no camera at {text}: the device does not exist; try --source 0 or another /dev/video*")
        return CaptureSource(text, _camera_opener(text, size), live=True)
    if path.is_dir():
        return ImageSource(image_files(path), text)
    if not path.exists():
        raise CameraError(f"{text}: no such file, folder or camera")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], text)
    return CaptureSource(text, lambda: cv2.VideoCapture(str(path)), live=False)


def frames(source: FrameSource, limit: int | None = None) -> Iterator[Frame]:
    """Every frame of a source in order (for files and for a fixed number of camera frames)."""
    # Files are stamped with media time, so mood smoothing sees the video's own pace.
    period = 1.0 / (getattr(source, "fps", 0) or 30.0)
    index = 0
    while limit is None or index < limit:
        image = source.read()
        if image is None:
            if isinstance(source, CaptureSource) and source.ended_early():
                warnings.warn(f"{source.name}: the video ends after {source.frames_read} of its "
                              f"{source.frame_count} frames (cut short or damaged)", SourceWarning, stacklevel=2)
            return
        yield Frame(image, index, time.monotonic() if source.live else index * period, source.name,
                    getattr(source, "scale", 1.0))
        index += 1


class LatestFrameReader:
    """Reads a source on its own thread and hands out only the newest frame.

    Every frame is grabbed at the source's pace (a camera's buffers never fill with old frames), but
    only the frames asked for are decoded: the pipeline reads 10-15 of a camera's 30 a second.

    A live source that fails to read `source.failures_before_lost` times in a row (a network camera: once, after
    its read deadline) is reconnected with backoff, its state "reconnecting (N)" for the Nth try, until it
    reads again. Nobody waits on the capture thread: a read that blocks holds up only this thread, which also
    releases the source. A file source can be paced at its frame rate (`realtime`) and looped, for demos and
    tests. `on_state` hears every change of state, from the capture thread.
    """

    def __init__(self, source: FrameSource, realtime: bool = False, loop: bool = False,
                 on_state: Callable[[str], None] | None = None) -> None:
        self.source = source
        self._realtime, self._loop, self._on_state = realtime, loop, on_state
        self._lock = threading.Condition()
        self._frame: Frame | None = None
        self._state = "starting"
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused: the source is not read at all
        self._running.set()
        self._wanted = threading.Event()  # a reader waits for the next frame: decode it
        self.connections = 0  # times the source has read again after being opened or reconnected
        self._thread = threading.Thread(target=self._run, name=f"capture {source.name}", daemon=True)
        self._thread.start()

    @property
    def state(self) -> str:
        """"live", "reconnecting (N)" (a live source lost, its Nth try), "ended" (a file ran out) or "starting"."""
        return self._state

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self, paused: bool) -> None:
        """Stop reading the source (nothing is decoded while paused), or go on."""
        if paused:
            self._running.clear()
        else:
            self._running.set()

    def latest(self, newer_than: int = -1, timeout: float = 1.0) -> Frame | None:
        """The newest frame whose index is above `newer_than`, waiting up to `timeout` for one."""
        self._wanted.set()
        with self._lock:
            self._lock.wait_for(
                lambda: (self._frame is not None and self._frame.index > newer_than) or self._stop.is_set()
                or self._state == "ended",
                timeout,
            )
            frame = self._frame
        return frame if frame is not None and frame.index > newer_than else None

    def _publish(self, image: np.ndarray, index: int) -> None:
        with self._lock:
            self._frame = Frame(image, index, time.monotonic(), self.source.name)
        self._set_state("live")

    def _set_state(self, state: str) -> None:
        with self._lock:
            changed, self._state = state != self._state, state
            self._lock.notify_all()
        if changed and self._on_state is not None:
            self._on_state(state)

    def _run(self) -> None:
        try:
            self._read()
        finally:
            self.source.close()  # here, never under a read that another thread is still inside

    def _read(self) -> None:
        index, failures, tries = 0, 0, 0
        period = 1.0 / getattr(self.source, "fps", 30.0) if self._realtime else 0.0
        next_due = time.monotonic()
        while not self._stop.is_set():
            if not self._running.is_set():
                self._running.wait(0.5)
                next_due = time.monotonic()
                continue
            if self.source.grab():
                if self._state != "live":
                    self.connections += 1
                failures, tries = 0, 0
                # A file read as fast as it goes (tests, benchmarks) has each frame decoded: its last one
                # must be there when it ends.
                if self._wanted.is_set() or self._frame is None or self._state != "live" \
                        or not (self.source.live or period):
                    self._wanted.clear()
                    image = self.source.retrieve()
                    if image is not None:
                        self._publish(image, index)
                index += 1
                if period:
                    next_due += period
                    self._stop.wait(max(0.0, next_due - time.monotonic()))
                continue
            if not self.source.live:
                if self._loop and self.source.reopen():
                    continue
                self._set_state("ended")
                return
            failures += 1
            if failures < self.source.failures_before_lost:
                continue
            tries += 1
            self._set_state(f"reconnecting ({tries})")
            if self._stop.wait(reconnect_wait(tries)):
                return
            self.source.reopen()

    def close(self) -> None:
        """Stop the thread; the camera is released at once, or as soon as a read it is stuck in returns."""
        self._stop.set()
        self._running.set()
        with self._lock:
            self._lock.notify_all()
        self._thread.join(timeout=self.source.close_wait)
