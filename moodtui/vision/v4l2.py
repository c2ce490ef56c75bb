"""What the V4L2 cameras on this machine offer: each /dev/video*'s name, and its formats, sizes and frame rates.

OpenCV can ask a camera for a format but cannot list what it offers; `v4l2-ctl --list-formats-ext` (Debian's and
Raspberry Pi OS's v4l-utils) can, and is read where it is installed. Nothing here opens a camera for frames.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FORMAT = re.compile(r"^\s*\[\d+\]:\s*'(?P<fourcc>[^']+)'\s*\((?P<description>[^)]*)\)")
DISCRETE_SIZE = re.compile(r"^\s*Size:\s*Discrete\s+(?P<size>\d+x\d+)")
RANGE_SIZE = re.compile(r"^\s*Size:\s*(?:Stepwise|Continuous)\s+(?P<low>\d+x\d+)\s*-\s*(?P<high>\d+x\d+)")
FPS = re.compile(r"\((?P<fps>[\d.]+)(?:-(?P<high>[\d.]+))? fps\)")
SIZES_SHOWN = 6  # per format, in doctor's one line


@dataclass(frozen=True)
class Offer:
    """One format a camera offers: its four-character code, what the driver calls it, and each size with the frame
    rates offered at that size (fastest first)."""

    fourcc: str
    description: str
    sizes: tuple[tuple[str, tuple[float, ...]], ...]


def video_devices(root: Path = Path("/dev")) -> list[Path]:
    return sorted(root.glob("video*"), key=lambda p: (len(p.name), p.name))


def device_name(device: Path, sysfs: Path = Path("/sys/class/video4linux")) -> str:
    """What the driver calls the device ("USB2.0 Camera", "unicam"); "" when it does not say."""
    try:
        return (sysfs / device.name / "name").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def parse_formats(text: str) -> list[Offer]:
    """The formats in `v4l2-ctl --list-formats-ext` output (discrete sizes; a stepwise range as "WxH-WxH")."""
    offers: list[Offer] = []
    fourcc = description = ""
    sizes: list[tuple[str, list[float]]] = []

    def close() -> None:
        if fourcc:
            offers.append(Offer(fourcc, description, tuple((size, tuple(sorted(set(rates), reverse=True)))
                                                            for size, rates in sizes)))

    for line in text.splitlines():
        if match := FORMAT.match(line):
            close()
            fourcc, description, sizes = match["fourcc"].strip(), match["description"].strip(), []
        elif match := DISCRETE_SIZE.match(line):
            sizes.append((match["size"], []))
        elif match := RANGE_SIZE.match(line):
            sizes.append((f"{match['low']}-{match['high']}", []))
        elif "Interval:" in line and sizes and (match := FPS.search(line)):
            sizes[-1][1].append(float(match["high"] or match["fps"]))
    close()
    return offers


def offered_formats(device: Path, timeout: float = 5.0) -> list[Offer] | None:
    """What `v4l2-ctl` says the device offers; None when v4l-utils is not installed."""
    tool = shutil.which("v4l2-ctl")
    if tool is None:
        return None
    try:
        done = subprocess.run([tool, "--list-formats-ext", "-d", str(device)], capture_output=True, text=True,
                              timeout=timeout, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_formats(done.stdout) if done.returncode == 0 else []


def summary(offers: list[Offer]) -> str:
    """One line: "MJPG 1280x720@30 640x480@30; YUYV 640x480@30 1280x720@10"."""
    parts = []
    for offer in offers:
        sizes = [f"{size}@{rates[0]:g}" if rates else size for size, rates in offer.sizes]
        more = f" (+{len(sizes) - SIZES_SHOWN} more)" if len(sizes) > SIZES_SHOWN else ""
        parts.append(" ".join([offer.fourcc, *sizes[:SIZES_SHOWN]]) + more)
    return "; ".join(parts)
