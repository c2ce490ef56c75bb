"""`moodtui doctor`: what works on this machine and what does not, with the fix for each failure.

Each check is a small function returning a Check. Essential checks (Python, the runtime, the
model, the face cascades, the config file) decide the exit status; the rest (camera, data dir,
IMDb index, online sources, terminal) say what will be missing and how to get it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from moodtui import __version__
from moodtui.commands.common import MODEL_HELP, SIZE_HELP, frame_size
from moodtui.config import ConfigError, Settings, config_path, load_settings
from moodtui.urls import has_credentials


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "doctor", help="check what works on this machine, and how to fix what does not",
        description="Check Python, the runtime, OpenCV, the model (which one reads faces here, timed afresh), the "
        "face cascades, cameras, the terminal, the config file, the data dir, the IMDb index and each online "
        "source (one request each, nothing about you sent). Exit status 1 when something essential fails.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--offline", action="store_true", help="skip the online sources")
    parser.add_argument("--model", help=MODEL_HELP)
    parser.add_argument("--source", help="check this camera, network camera (rtsp://, http://) or file instead of "
                        "the configured source")
    parser.add_argument("--size", type=frame_size, metavar="WxH", help=SIZE_HELP)
    # A broken config file is one of the things doctor reports, not a reason to stop.
    parser.set_defaults(handler=run, tolerates_bad_config=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.text import terminal_safe

    checks = run_checks(settings)
    if args.json:
        print(json.dumps({"checks": [c.as_json() for c in checks]}))
    else:
        print(table(checks, terminal_safe))
    failed = [c.name for c in checks if c.essential and not c.ok]
    if failed and not args.json:
        print(f"\nmoodtui cannot run: {', '.join(failed)} failed (see the fixes above)", file=sys.stderr)
    return 1 if failed else 0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""  # the flag or command that fixes a failure
    essential: bool = False

    def as_json(self) -> dict:
        return asdict(self)


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def check_versions() -> list[Check]:
    import cv2

    python_ok = sys.version_info >= (3, 11)
    runtime = _version("ai-edge-litert")
    return [
        Check("moodtui", True, __version__),
        Check("python", python_ok, sys.version.split()[0], "" if python_ok else "install Python 3.11 or newer",
              essential=True),
        Check("runtime (ai-edge-litert)", runtime != "not installed", runtime, "pip install ai-edge-litert",
              essential=True),
        Check("opencv", True, cv2.__version__),
    ]


def check_model(settings: Settings) -> Check:
    """Which model reads faces here and why; "auto" times the large model afresh (and keeps the timing)."""
    from moodtui.vision.build import load_classifier
    from moodtui.vision.emotion import ModelError
    from moodtui.vision.models import ms_per_face

    try:
        _, choice = load_classifier(settings, fresh=True)
    except ModelError as error:
        return Check("emotion model", False, str(error), "--model auto, or reinstall moodtui", essential=True)
    flip = "with flip averaging" if settings.flip else "one pass"
    if choice.ms_per_face is not None:  # auto timed the large model: the reason says it
        return Check("emotion model", True, f"{choice.name} ({flip}); {choice.reason}", essential=True)
    ms = ms_per_face(choice.path, settings.flip)
    return Check("emotion model", True, f"{choice.name}: {ms:.2f} ms a face ({flip}), {choice.reason}",
                 essential=True)


def check_cascades() -> Check:
    from moodtui.faces.cascades import CASCADE_FILES, load_cascade

    missing = []
    for name in CASCADE_FILES:
        try:
            load_cascade(name)
        except Exception as error:  # noqa: BLE001 - any failure to load is the finding
            missing.append(f"{name} ({error})")
    if missing:
        return Check("face cascades", False, "cannot load " + ", ".join(missing),
                     "pip install --force-reinstall 'opencv-python-headless<5'", essential=True)
    return Check("face cascades", True, f"{len(CASCADE_FILES)} loaded", essential=True)


STREAM_SECONDS = 2.0  # how long doctor reads a network camera to measure its frame rate


def check_cameras(settings: Settings) -> list[Check]:
    """The cameras here (each /dev/video* with what it offers, the Pi camera's picamera2) and the configured source."""
    from moodtui.urls import is_stream
    from moodtui.vision.camera import picamera2_problem
    from moodtui.vision.v4l2 import video_devices

    devices = video_devices()
    picamera = picamera2_problem()
    listed = ", ".join(map(str, devices)) if devices else "no /dev/video*"
    installed = not picamera or "not installed" not in picamera
    said = "; picamera2 " + ("installed" if not picamera else "installed, not usable" if installed else "not installed")
    found = Check("cameras", bool(devices) or is_stream(settings.source), listed + said,
                  "" if devices else "plug in a camera, or use --source rtsp://...|http://...|VIDEO|IMAGE|FOLDER or "
                  "--source none")
    checks = [found, *map(check_device, devices)]
    if picamera and installed:  # installed, but not usable from here: say why
        checks.append(Check("picamera2", False, picamera))
    return [*checks, check_source(settings)]


def check_device(device) -> Check:
    """A /dev/video* with its driver's name and the formats, sizes and frame rates it offers."""
    from moodtui.vision.v4l2 import device_name, offered_formats, summary

    name = device_name(device) or "a V4L2 device"
    offers = offered_formats(device)
    if offers is None:
        return Check(f"camera {device}", True, f"{name} (apt install v4l-utils to list its formats and sizes)")
    return Check(f"camera {device}", True, f"{name}: {summary(offers)}" if offers else f"{name}: offers no capture "
                 "format (not a camera, or busy)")


def check_source(settings: Settings) -> Check:
    """The source the app would read: opened and read (a network camera for STREAM_SECONDS, its frame rate measured);
    a network camera's address is shown without its credentials."""
    from moodtui.urls import is_stream, shown
    from moodtui.vision.camera import CameraError, open_source

    if settings.source == "none":
        return Check("configured source", True, "none (moods set by hand)")
    name = shown(settings.source)
    try:
        source = open_source(settings.source, settings.frame_size())
    except CameraError as error:
        where = "MOODTUI_SOURCE (it is set, and wins over the config file)" if os.environ.get("MOODTUI_SOURCE") \
            else "source = ... in " + str(config_path())
        return Check("configured source", False, str(error),
                     f"--source INDEX|/dev/videoN|rtsp://...|http://...|FILE, or {where}")
    try:
        if is_stream(settings.source):
            return stream_check(source, name)
        frame = source.read()
        reason = "opened but gave no frame"
    except CameraError as error:
        frame, reason = None, str(error)
    finally:
        source.close()
    if frame is None:
        return Check("configured source", False, f"{name}: {reason}", "try another --source")
    detail = f"{name}: {frame.shape[1]}x{frame.shape[0]} frames"
    if source.live and hasattr(source, "description"):  # a camera: the format and rate it agreed to
        detail += f" ({source.description()})"
    return Check("configured source", True, detail)


def stream_check(source, name: str) -> Check:
    """A network camera read for STREAM_SECONDS: reachable, giving frames, at what rate."""
    times, image, start = [], None, time.monotonic()
    while time.monotonic() - start < STREAM_SECONDS and source.grab():
        times.append(time.monotonic())
        image = source.retrieve() if image is None else image
    if len(times) < 2 or image is None:
        return Check("configured source", False, f"{name}: reachable, but no frames came",
                     "check the camera's path; doctor reads it for a few seconds")
    fps = (len(times) - 1) / max(times[-1] - times[0], 1e-6)
    return Check("configured source", True, f"{name}: reachable, {image.shape[1]}x{image.shape[0]} {source.fourcc} "
                 f"frames at {fps:.1f} a second")


def check_terminal() -> Check:
    import shutil

    from rich.console import Console

    size = shutil.get_terminal_size((0, 0))
    if not size.columns:
        return Check("terminal", True, "not a terminal (output redirected): run the app in one")
    colours = Console().color_system or "none"
    small = size.columns < 80 or size.lines < 24
    return Check("terminal", not small, f"{size.columns}x{size.lines}, colours: {colours}",
                 "the app needs at least 80x24" if small else "")


def check_config() -> tuple[Check, Settings | None]:
    path = config_path()
    try:
        settings = load_settings(path)
    except ConfigError as error:
        return Check("config file", False, str(error), f"fix or remove {path}", essential=True), None
    if path.exists() and path.stat().st_mode & 0o077 and has_credentials(str(_saved_source(path))):
        return Check("config file", False, f"{path}: holds the camera's password and other users can read it",
                     f"chmod 600 {path}"), settings
    return Check("config file", True, f"{path}" + ("" if path.exists() else " (none: defaults)"),
                 essential=True), settings


def _saved_source(path) -> object:
    """The source the config file itself holds (MOODTUI_SOURCE and flags are not in the file)."""
    import tomlkit

    return tomlkit.parse(path.read_text(encoding="utf-8")).get("source", "")


def check_data_dir(settings: Settings) -> Check:
    folder = settings.data_path()
    probe = folder / ".moodtui-doctor"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Check("data dir", False, f"{folder}: {error.strerror or error}",
                     "data_dir = ... in the config, or MOODTUI_DATA_DIR (the app keeps nothing without it)")
    return Check("data dir", True, f"{folder} (writable)")


def check_imdb_index(settings: Settings, now: float) -> Check:
    index = settings.index_path()
    if not index.exists():
        return Check("imdb index", False, "not synced (movies come from the lists and pages)", "moodtui imdb sync")
    from moodtui.recommend.imdb_datasets import ImdbIndex

    days = (now - index.stat().st_mtime) / 86400
    stale = days > 60
    directors = ImdbIndex(index).knows_directors()
    detail = f"{index.stat().st_size / 1e6:.0f} MB, {days:.0f} days old" + \
        ("" if directors else ", no directors (synced before moodtui indexed them)")
    return Check("imdb index", directors and not stale, detail,
                 "" if directors and not stale else "moodtui imdb sync")


def online_sources() -> tuple[tuple[str, str, str], ...]:
    """(name, the setting of its address, a path): one public request a source, nothing about the user in it."""
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.recommend.imdb_pages import ImdbPages
    from moodtui.recommend.music import DEEZER, ITUNES

    return ((DEEZER, "deezer_url", "/genre"), (ITUNES, "itunes_url", "/search?term=pop&entity=song&limit=1"),
            (ImdbPages.name, "imdb_url", "/"), (ImdbIndex.name, "imdb_datasets_url", "/"))


def check_sources(settings: Settings) -> list[Check]:
    from moodtui.recommend.http import HttpClient
    from moodtui.recommend.sources import Status

    client = HttpClient(timeout=settings.timeout, max_body=64 * 1024)
    checks = []
    try:
        for name, key, path in online_sources():
            url = getattr(settings, key).rstrip("/") + path
            start = time.perf_counter()
            fetched = client.get(url)
            took = time.perf_counter() - start
            # A body over the small cap still proves the source answered.
            ok = fetched.status == Status.ONLINE or "larger than" in fetched.detail
            detail = f"answered in {took:.1f} s" if ok else f"{fetched.status}: {fetched.detail}"
            checks.append(Check(f"online: {name}", ok, detail, "" if ok else f"check the network, {key} in the "
                                "config, or run with --offline"))
    finally:
        client.close()
    return checks


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a user would fix them, for the settings the app would run with."""
    checks = check_versions()
    config, _ = check_config()
    checks.append(config)
    checks += [check_model(settings), check_cascades(), *check_cameras(settings), check_terminal(),
               check_data_dir(settings), check_imdb_index(settings, time.time())]
    if not settings.offline:
        checks += check_sources(settings)
    return checks


def table(checks: list[Check], safe: Callable[[str], str] = str) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.essential else "warn")
        lines.append(f"{mark}  {check.name:<{width}}  {safe(check.detail)}")
        if not check.ok and check.fix:
            lines.append(f"      {'':<{width}}  -> {check.fix}")
    return "\n".join(lines)
