"""Carries a face box through frames where the cascade misses it: pyramidal Lucas-Kanade flow.

Corner points inside the face are followed from one frame to the next; the box moves by their
median motion. A point counts only if flowing it back lands where it started (forward-backward
check), and the move is refused when too few points survive: then the track is really lost.
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_POINTS = 40
INNER = 0.7  # points are taken from this central share of the box: the face, not the background
QUALITY = 0.01
MIN_DISTANCE = 3
MIN_POINTS = 6
MIN_KEPT = 0.3  # of the points seeded at the last confirmation (a hand may hide half the face)
FB_ERROR = 1.5  # pixels at the tracking resolution
WORK_FACE = 64  # flow runs on a copy of the region scaled so the face is about this wide
LK = {"winSize": (11, 11), "maxLevel": 2,
      "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)}


def _region(centre: tuple[float, float], side: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of the square twice the face's side around it, inside the frame."""
    cx, cy = centre
    x0, y0 = max(0, int(cx - side)), max(0, int(cy - side))
    return x0, y0, min(shape[1], int(cx + side)), min(shape[0], int(cy + side))


class MotionTracker:
    """Follows one face's points between consecutive grey frames."""

    def __init__(self) -> None:
        self.points: np.ndarray | None = None  # (N, 2) in frame pixels
        self.seeded = 0

    def seed(self, grey: np.ndarray, centre: tuple[float, float], side: float) -> None:
        """Takes fresh corner points inside the face (after a cascade confirmed where it is)."""
        half = side * INNER / 2
        x0, y0 = max(0, int(centre[0] - half)), max(0, int(centre[1] - half))
        x1, y1 = min(grey.shape[1], int(centre[0] + half)), min(grey.shape[0], int(centre[1] + half))
        self.points, self.seeded = None, 0
        if x1 - x0 < 8 or y1 - y0 < 8:
            return
        scale = min(1.0, WORK_FACE / side)
        patch = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        corners = cv2.goodFeaturesToTrack(patch, MAX_POINTS, QUALITY, MIN_DISTANCE)
        if corners is None or len(corners) < MIN_POINTS:
            return
        self.points = corners.reshape(-1, 2) / scale + np.array([x0, y0], dtype=np.float32)
        self.seeded = len(self.points)

    def follow(self, previous: np.ndarray, grey: np.ndarray, side: float) -> tuple[float, float] | None:
        """The face's median motion (dx, dy) from `previous` to `grey`, or None when the flow is not trustworthy."""
        if self.points is None or previous.shape != grey.shape:
            return None
        centre = np.median(self.points, axis=0)
        x0, y0, x1, y1 = _region((float(centre[0]), float(centre[1])), side, grey.shape)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        scale = min(1.0, WORK_FACE / side)
        a = cv2.resize(previous[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        b = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        start = ((self.points - np.array([x0, y0], dtype=np.float32)) * scale).astype(np.float32).reshape(-1, 1, 2)
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(a, b, start, None, **LK)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(b, a, moved, None, **LK)
        error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
        good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & (error < FB_ERROR)
        inside = (moved.reshape(-1, 2) >= 0).all(axis=1) & (moved[:, 0, 0] < b.shape[1]) & (moved[:, 0, 1] < b.shape[0])
        good &= inside
        if good.sum() < max(MIN_POINTS, MIN_KEPT * self.seeded):
            self.points = None
            return None
        new_points = moved.reshape(-1, 2)[good] / scale + np.array([x0, y0], dtype=np.float32)
        shift = np.median(new_points - self.points[good], axis=0)
        self.points = new_points.astype(np.float32)
        return float(shift[0]), float(shift[1])
