"""OpenCV's Haar face cascades, and running one upright or on a rotated image."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from moodtui.errors import UserError

CASCADE_FILES = {
    "default": "haarcascade_frontalface_default.xml",
    "alt2": "haarcascade_frontalface_alt2.xml",
    "profile": "haarcascade_profileface.xml",  # faces turned to their left; run on the mirror for the other side
}

Box = tuple[int, int, int, int]


class FaceError(UserError, RuntimeError):
    """The face detector cannot be loaded."""


def load_cascade(name: str = "default") -> cv2.CascadeClassifier:
    """One of OpenCV's Haar cascades, shipped with opencv-python-headless 4.x."""
    data = getattr(cv2, "data", None)
    if data is None or not hasattr(cv2, "CascadeClassifier"):
        raise FaceError("this OpenCV has no Haar cascades (OpenCV 5?): install opencv-python-headless<5")
    cascade = cv2.CascadeClassifier(data.haarcascades + CASCADE_FILES[name])
    if cascade.empty():
        raise FaceError(f"cannot load the face cascade {CASCADE_FILES[name]} from {data.haarcascades}")
    return cascade


def to_grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@dataclass(frozen=True)
class Hit:
    """A face the cascade found: its centre and side in the searched image's coordinates, its roll in degrees."""

    cx: float
    cy: float
    side: float
    angle: float = 0.0

    def box(self) -> Box:
        half = self.side / 2
        return int(round(self.cx - half)), int(round(self.cy - half)), int(round(self.side)), int(round(self.side))


def detect(cascade: cv2.CascadeClassifier, grey: np.ndarray, scale_factor: float, neighbours: int,
           min_side: int, max_side: int = 0, angle: float = 0.0, mirror: bool = False) -> list[Hit]:
    """Faces the cascade finds in `grey`, looking for faces rolled by `angle` degrees (and/or mirrored).

    A rolled face is found by turning the image back by the roll, so the cascade sees it upright;
    the hits are mapped back into `grey`'s coordinates.
    """
    image, back = grey, None
    if angle:
        h, w = grey.shape
        forward = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
        image = cv2.warpAffine(grey, forward, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        back = cv2.invertAffineTransform(forward)
    if mirror:
        image = image[:, ::-1]
    found = cascade.detectMultiScale(image, scale_factor, neighbours, minSize=(min_side, min_side),
                                     maxSize=(max_side, max_side) if max_side else (0, 0))
    hits = []
    for x, y, w, h in found:
        cx, cy = x + w / 2, y + h / 2
        if mirror:
            cx = image.shape[1] - cx
        if back is not None:
            cx, cy = back @ np.array([cx, cy, 1.0])
        hits.append(Hit(float(cx), float(cy), float(max(w, h)), angle))
    return hits


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / max(1, min(a[2] * a[3], b[2] * b[3]))


def iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / max(1, a[2] * a[3] + b[2] * b[3] - inter)
