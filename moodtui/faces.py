"""Find faces in frames and cut them out the way FER-2013 frames its faces.

Full-frame Haar detection costs tens of milliseconds, so it runs on a downscaled grey frame
and only now and then; in between, each known face is looked for in a small region around
its last box, which costs a millisecond or two.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from moodtui.emotion import FACE_SIZE

DETECT_WIDTH = 320  # full-frame detection runs on a frame this wide
MIN_FACE_FRACTION = 0.1  # of the frame width; smaller faces are too far away to read
DETECT_SCALE_FACTOR = 1.2  # coarse pyramid on the full frame: half the cost of 1.1, same faces
TRACK_SCALE_FACTOR = 1.15
MIN_NEIGHBOURS = 5
REDETECT_EVERY = 30  # frames between full-frame detections while faces are tracked
# Tracking looks around the last box, scaled so the face is about 48 pixels wide, for a face of
# 0.75-1.33 times its last size: 2 ms instead of 5 for the region twice as large at 64 pixels,
# with no frame lost on a moving face (measured with benchmarks.pipeline_latency's frames).
TRACK_MARGIN = 0.35  # the tracking region extends this many face widths on each side
TRACK_FACE_PIXELS = 48
TRACK_SIZE_RANGE = (0.75, 1.33)
MAX_FACES = 4
# Run the same cascade on FER-2013's training faces (benchmarks/crop_calibration.py) and its
# box covers 0.98 of the 48x48 image with almost no offset: FER faces are the Haar box itself.
CROP_SCALE = 1.02
CLAHE_CLIP = 2.0


class FaceError(RuntimeError):
    """The face detector cannot be loaded."""


@dataclass(frozen=True)
class Face:
    """A face box (x, y, w, h) in frame pixels; `tracked` when found by tracking, not detection."""

    box: tuple[int, int, int, int]
    tracked: bool = False

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def load_cascade() -> cv2.CascadeClassifier:
    """OpenCV's frontal-face Haar cascade, shipped with opencv-python-headless 4.x."""
    data = getattr(cv2, "data", None)
    if data is None or not hasattr(cv2, "CascadeClassifier"):
        raise FaceError("this OpenCV has no Haar cascades (OpenCV 5?): install opencv-python-headless<5")
    cascade = cv2.CascadeClassifier(data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise FaceError(f"cannot load the face cascade from {data.haarcascades}")
    return cascade


def to_grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / max(1, min(a[2] * a[3], b[2] * b[3]))


class FaceFinder:
    """Detects, then tracks, faces; returns them largest first (the user is the largest)."""

    def __init__(self, redetect_every: int = REDETECT_EVERY) -> None:
        self._cascade = load_cascade()
        self._redetect_every = redetect_every
        self._faces: list[Face] = []
        self._since_detect = 0

    def detect(self, grey: np.ndarray) -> list[Face]:
        """Full-frame detection on a downscaled copy of the frame."""
        scale = min(1.0, DETECT_WIDTH / grey.shape[1])
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
        min_side = max(24, int(MIN_FACE_FRACTION * small.shape[1]))
        boxes = self._cascade.detectMultiScale(small, DETECT_SCALE_FACTOR, MIN_NEIGHBOURS, minSize=(min_side, min_side))
        faces = [Face(tuple(int(round(v / scale)) for v in box)) for box in boxes]
        return sorted(faces, key=lambda f: f.area, reverse=True)[:MAX_FACES]

    def _track_one(self, grey: np.ndarray, face: Face) -> Face | None:
        x, y, w, h = face.box
        pad = int(TRACK_MARGIN * w)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(grey.shape[1], x + w + pad), min(grey.shape[0], y + h + pad)
        if x1 - x0 < w // 2 or y1 - y0 < h // 2:
            return None
        scale = min(1.0, TRACK_FACE_PIXELS / w)
        region = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        side = int(w * scale)
        boxes = self._cascade.detectMultiScale(
            region, TRACK_SCALE_FACTOR, MIN_NEIGHBOURS - 2,
            minSize=(int(side * TRACK_SIZE_RANGE[0]),) * 2, maxSize=(int(side * TRACK_SIZE_RANGE[1]),) * 2,
        )
        if len(boxes) == 0:
            return None
        centre = np.array([pad + w / 2, pad + h / 2]) * scale
        bx, by, bw, bh = min(boxes, key=lambda b: np.hypot(*(np.array([b[0] + b[2] / 2, b[1] + b[3] / 2]) - centre)))
        return Face((x0 + int(bx / scale), y0 + int(by / scale), int(bw / scale), int(bh / scale)), tracked=True)

    def find(self, grey: np.ndarray) -> list[Face]:
        """Faces in this frame: tracked from the last frame when possible, re-detected periodically."""
        self._since_detect += 1
        if self._faces and self._since_detect < self._redetect_every:
            tracked = [t for t in (self._track_one(grey, f) for f in self._faces) if t is not None]
            if len(tracked) == len(self._faces):
                self._faces = sorted(tracked, key=lambda f: f.area, reverse=True)
                return self._faces
        self._faces = self.detect(grey)
        self._since_detect = 0
        return self._faces

    def reset(self) -> None:
        self._faces, self._since_detect = [], 0


def crop_face(grey: np.ndarray, face: Face, clahe: bool = False) -> np.ndarray:
    """The 48x48 grey face the model expects: the box enlarged by CROP_SCALE, edges replicated."""
    x, y, w, h = face.box
    side = int(round(max(w, h) * CROP_SCALE))
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    pad = max(0, -x0, -y0, x0 + side - grey.shape[1], y0 + side - grey.shape[0])
    if pad:
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0 = x0 + pad, y0 + pad
    crop = cv2.resize(grey[y0 : y0 + side, x0 : x0 + side], (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    if clahe:
        crop = cv2.createCLAHE(clipLimit=CLAHE_CLIP, tileGridSize=(4, 4)).apply(crop)
    return crop
