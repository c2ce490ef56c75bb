"""The 48x48 grey face the model reads: upright, and framed the way its training faces are."""

from __future__ import annotations

import cv2
import numpy as np

from moodtui.labels import FACE_SIZE

# The crop's side as a multiple of the face box's. benchmarks/crop_calibration.py (FER-2013 PublicTest
# faces placed in larger frames, found by our own finder): accuracy is flat from 0.9 to 1.05 and falls
# beyond 1.1 (results/crop_calibration.json); the cascade's box covers 0.98 of FER's own faces.
CROP_SCALE = 1.02
CLAHE_CLIP = 2.0


def crop_face(grey: np.ndarray, face, clahe: bool = False, scale: float | None = None) -> np.ndarray:
    """The face's box enlarged by CROP_SCALE, turned upright by its roll, as 48x48 uint8 (edges replicated)."""
    x, y, w, h = face.box
    side = max(w, h) * (CROP_SCALE if scale is None else scale)
    cx, cy = x + w / 2, y + h / 2
    angle = getattr(face, "angle", 0.0)
    # Cut a square with room for the turn, shrink it so the face is about 48 px (INTER_AREA keeps
    # the detail a plain warp would alias away), then turn and cut the 48x48 centre in one warp.
    room = side * (1.5 if angle else 1.0)
    x0, y0 = int(round(cx - room / 2)), int(round(cy - room / 2))
    size = max(1, int(round(room)))
    pad = max(0, -x0, -y0, x0 + size - grey.shape[1], y0 + size - grey.shape[0])
    if pad:
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0 = x0 + pad, y0 + pad
    patch = grey[y0 : y0 + size, x0 : x0 + size]
    if not angle:
        crop = cv2.resize(patch, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    else:
        work = int(round(FACE_SIZE * room / side))
        patch = cv2.resize(patch, (work, work), interpolation=cv2.INTER_AREA)
        turn = cv2.getRotationMatrix2D((work / 2, work / 2), -angle, 1.0)
        turn[:, 2] -= (work - FACE_SIZE) / 2
        crop = cv2.warpAffine(patch, turn, (FACE_SIZE, FACE_SIZE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    if clahe:
        crop = cv2.createCLAHE(clipLimit=CLAHE_CLIP, tileGridSize=(4, 4)).apply(crop)
    return crop
