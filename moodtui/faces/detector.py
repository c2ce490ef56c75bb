"""The face detector seam: what the finder asks of whatever finds faces, and the Haar cascades behind it.

The finder (tracks, ids, motion), the pipeline and the crop only see `FaceDetector` and the hits it
returns; today's implementation is OpenCV's Haar cascades (`HaarDetector`: a thorough search plan
spread over frames, and a close look around a tracked face). A detector that can ship with the
package (a CNN whose weights a registry wheel carries) implements the same four calls and is
added to DETECTORS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import cv2
import numpy as np

from moodtui.faces.cascades import Hit, detect, load_cascade, to_grey
from moodtui.faces.search import WATCH_PLAN, Search


@dataclass(frozen=True)
class Image:
    """A frame as the camera gave it (BGR or grey), and its grey version, made once when first needed."""

    pixels: np.ndarray

    @cached_property
    def grey(self) -> np.ndarray:
        return to_grey(self.pixels)


class FaceDetector(Protocol):
    """Finds faces in frames, in full-frame coordinates."""

    name: str

    def search(self, image: Image) -> list[Hit]:
        """A slice of a thorough search, for one frame of a stream while no face is known."""

    def search_all(self, image: Image) -> list[Hit]:
        """Every face in a still image, however long it takes."""

    def watch(self, image: Image) -> list[Hit]:
        """A cheap look for new faces while others are being tracked."""

    def near(self, image: Image, centre: tuple[float, float], side: float, angle: float) -> list[Hit]:
        """A face of about `side` pixels, rolled about `angle` degrees, close to `centre`."""

    def restart(self) -> None:
        """The next search starts from the beginning (a new source, or every face was lost)."""


# The region looked at around a tracked face, scaled so the face is about 48 pixels wide, for a
# face of 0.75-1.33 times its last size: 1-2 ms a face.
TRACK_MARGIN = 0.35  # face widths on each side
TRACK_FACE_PIXELS = 48
TRACK_SIZE_RANGE = (0.75, 1.33)
TRACK_SCALE_FACTOR = 1.1
TRACK_NEIGHBOURS = 3


class HaarDetector:
    """OpenCV's Haar cascades: the search plan of moodtui.faces.search, and both frontal cascades up close."""

    name = "haar"

    def __init__(self) -> None:
        self.searcher = Search()
        self.watcher = Search(WATCH_PLAN)
        self._local: dict[str, cv2.CascadeClassifier] = {}  # loaded when first tracking: start-up stays short
        self.local_calls = 0  # cascade calls on tracking regions, over the detector's life

    def search(self, image: Image) -> list[Hit]:
        return self.searcher.next_hits(image.grey)

    def search_all(self, image: Image) -> list[Hit]:
        return self.searcher.all_hits(image.grey)

    def watch(self, image: Image) -> list[Hit]:
        return self.watcher.next_hits(image.grey)

    def restart(self) -> None:
        self.searcher.restart()

    def near(self, image: Image, centre: tuple[float, float], side: float, angle: float) -> list[Hit]:
        grey = image.grey
        pad = TRACK_MARGIN * side + side / 2
        cx, cy = centre
        x0, y0 = max(0, int(cx - pad)), max(0, int(cy - pad))
        x1, y1 = min(grey.shape[1], int(cx + pad)), min(grey.shape[0], int(cy + pad))
        if x1 - x0 < side / 2 or y1 - y0 < side / 2:
            return []
        scale = min(1.0, TRACK_FACE_PIXELS / side)
        region = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        small = side * scale
        lo, hi = int(small * TRACK_SIZE_RANGE[0]), int(small * TRACK_SIZE_RANGE[1])
        for name in ("default", "alt2"):
            if name not in self._local:
                self._local[name] = load_cascade(name)
            self.local_calls += 1
            hits = detect(self._local[name], region, TRACK_SCALE_FACTOR, TRACK_NEIGHBOURS, max(lo, 20), hi, angle)
            if hits:
                return [Hit(x0 + h.cx / scale, y0 + h.cy / scale, h.side / scale, h.angle) for h in hits]
        return []


DETECTORS = {"haar": HaarDetector}


def make_detector(name: str = "haar") -> FaceDetector:
    """The face detector of that name (today only "haar")."""
    try:
        return DETECTORS[name]()
    except KeyError:
        raise ValueError(f"unknown face detector {name!r}: one of {', '.join(DETECTORS)}") from None
