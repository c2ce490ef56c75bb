"""Synthetic scenes with known face boxes: FER-2013 faces placed in frames, and videos made from a
real photo, for the face-finding benchmarks and tests. Every truth box comes from the transform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]
# The astronaut's face in ../shared/data/faces/astronaut.png (512x512), as the frontal cascade boxes it.
ASTRONAUT_FACE = (173, 62, 102, 102)


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # grey
    truth: list[Box]
    kind: str


def textured_background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A grey room-like background: smooth blobs and a few edges, no faces."""
    w, h = size
    coarse = rng.integers(30, 200, size=(max(2, h // 60), max(2, w // 60)), dtype=np.uint8)
    image = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(4):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.rectangle(image, (x0, y0), (x0 + int(rng.integers(20, w // 2)), y0 + int(rng.integers(20, h // 2))),
                      int(rng.integers(0, 256)), int(rng.integers(2, 8)))
    return cv2.GaussianBlur(image, (0, 0), 1.0)


def place(face: np.ndarray, frame: np.ndarray, x: int, y: int, side: int) -> np.ndarray:
    """The face enlarged to side x side and pasted into the frame at (x, y), feathered at its edge."""
    big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    mask = np.zeros((side, side), np.float32)
    border = max(2, side // 24)
    mask[border:-border, border:-border] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), border / 2)
    out = frame.astype(np.float32)
    region = out[y : y + side, x : x + side]
    out[y : y + side, x : x + side] = mask * big + (1 - mask) * region
    return np.clip(out, 0, 255).astype(np.uint8)


def rolled(image: np.ndarray, centre: tuple[float, float], angle: float) -> np.ndarray:
    turn = cv2.getRotationMatrix2D(centre, angle, 1.0)
    return cv2.warpAffine(image, turn, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


PERTURBATIONS = ("plain", "roll+30", "roll-30", "roll+15", "small", "dark", "blur")


def fer_in_frame(face: np.ndarray, kind: str, rng: np.random.Generator) -> Scene:
    """One FER-2013 face enlarged into a 320-640 px frame, perturbed as `kind` says."""
    w = int(rng.choice([320, 480, 640]))
    h = w * 3 // 4
    fraction = rng.uniform(0.12, 0.22) if kind == "small" else rng.uniform(0.25, 0.5)
    side = int(fraction * w)
    x, y = int(rng.integers(0, w - side)), int(rng.integers(0, h - side))
    image = place(face, textured_background((w, h), rng), x, y, side)
    if kind.startswith("roll"):
        image = rolled(image, (x + side / 2, y + side / 2), float(kind[4:]))
    elif kind == "dark":
        image = (255.0 * (image / 255.0) ** 2.2).astype(np.uint8)
    elif kind == "blur":
        image = cv2.GaussianBlur(image, (0, 0), side / 48 * 1.5)
    return Scene(image, [(x, y, side, side)], kind)


# -- videos ------------------------------------------------------------------------------------

VIDEO_SIZE = (640, 480)
FPS = 30


def astronaut_head(photo: np.ndarray) -> tuple[np.ndarray, Box]:
    """The head-and-shoulders part of the astronaut photo (grey) and her face box inside it."""
    grey = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY) if photo.ndim == 3 else photo
    x0, y0 = 100, 0
    fx, fy, fw, fh = ASTRONAUT_FACE
    return grey[y0 : y0 + 300, x0 : x0 + 260].copy(), (fx - x0, fy - y0, fw, fh)


def frame_with(head: np.ndarray, face: Box, cx: float, cy: float, zoom: float, angle: float,
                background: np.ndarray) -> tuple[np.ndarray, Box]:
    """The head placed so that its face centre sits at (cx, cy), zoomed and rolled."""
    fx, fy, fw, fh = face
    centre = (fx + fw / 2, fy + fh / 2)
    turn = cv2.getRotationMatrix2D(centre, angle, zoom)
    turn[:, 2] += np.array([cx, cy]) - np.array(centre)
    size = (background.shape[1], background.shape[0])
    warped = cv2.warpAffine(head, turn, size, flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpAffine(np.ones_like(head), turn, size, flags=cv2.INTER_NEAREST, borderValue=0)
    frame = np.where(mask > 0, warped, background)
    side = fw * zoom
    return frame, (int(round(cx - side / 2)), int(round(cy - side / 2)), int(round(side)), int(round(side)))


def video(name: str, photo: np.ndarray, frames: int = 150, seed: int = 0) -> Iterator[Scene]:
    """A synthetic clip of the real photo's head moving as `name` says (see VIDEOS), with truth boxes."""
    head, face = astronaut_head(photo)
    rng = np.random.default_rng(seed)
    background = textured_background(VIDEO_SIZE, rng)
    w, h = VIDEO_SIZE
    for i in range(frames):
        t = i / frames
        cx, cy, zoom, angle = w / 2, h / 2 - 20, 1.0, 0.0
        if name == "pan":
            cx = 130 + (w - 260) * (0.5 - 0.5 * np.cos(2 * np.pi * t))
        elif name == "zoom":
            zoom = 0.7 + 0.6 * (0.5 - 0.5 * np.cos(2 * np.pi * t))
        elif name == "roll":
            angle = 30 * np.sin(2 * np.pi * t)
        elif name == "walk":  # a performer moving about: quick moves, a lean, a step back
            cx = w / 2 + 180 * np.sin(4 * np.pi * t)
            cy = h / 2 - 20 + 30 * np.sin(6 * np.pi * t)
            angle = 18 * np.sin(3 * np.pi * t)
            zoom = 0.9 + 0.2 * np.sin(2 * np.pi * t)
        frame, truth = frame_with(head, face, cx, cy, zoom, angle, background)
        if name == "dim":  # the light goes down to a quarter and back
            gain = 1.0 - 0.75 * (0.5 - 0.5 * np.cos(2 * np.pi * t))
            frame = (frame.astype(np.float32) * gain).astype(np.uint8)
        elif name == "shake":  # quick sideways moves with motion blur
            kernel = np.zeros((1, 15), np.float32)
            kernel[0, :] = 1 / 15
            cx_shift = int(60 * np.sin(8 * np.pi * t))
            frame, truth = frame_with(head, face, w / 2 + cx_shift, h / 2 - 20, 1.0, 0.0, background)
            frame = cv2.filter2D(frame, -1, kernel)
        elif name == "occlusion" and frames // 2 - FPS // 4 <= i < frames // 2 + FPS // 4:
            # a hand over the lower face for half a second in the middle
            x, y, s, _ = truth
            cv2.rectangle(frame, (x - 10, y + s // 2), (x + s + 10, y + s + 30), 150, -1)
        yield Scene(frame, [truth], name)


VIDEOS = ("pan", "zoom", "roll", "walk", "dim", "shake", "occlusion")
