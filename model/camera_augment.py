"""Webcam-like faces from FER-2013's: the distortions a real camera adds, in NumPy and OpenCV.

FER-2013's faces are mostly upright, evenly lit and sharp; a webcam in a living room gives
tilted heads, light from one side or from below, blur, sensor noise, JPEG blocks, loose framing
and a hand in front of the mouth. Each face gets a random geometric change and, with the
probabilities below, each photometric one, so that clean faces still make up a good share.
Runs on the CPU beside training (about 50 us a face), on any Keras backend.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator

import cv2
import numpy as np

SIZE = 48
ROLL_DEGREES = 18
SCALE = (0.85, 1.2)
SHIFT = 0.08
GAMMA = (0.5, 2.2)  # >1 darkens
CONTRAST = (0.55, 1.15)
BRIGHTNESS = 30  # grey levels either way
P_GRADIENT, GRADIENT = 0.35, 0.6  # share of faces lit from one side; strength of the ramp
P_BLUR, BLUR_SIGMA = 0.25, (0.5, 1.5)
P_NOISE, NOISE_SIGMA = 0.25, (3.0, 14.0)
P_LOW_RES, LOW_RES = 0.15, (14, 32)  # side in pixels it is shrunk to and brought back from
P_JPEG, JPEG_QUALITY = 0.25, (15, 60)
P_ERASE, ERASE_SIDE = 0.25, (0.15, 0.4)  # share of faces with a patch hidden; patch side / face side


def geometric(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror, roll, zoom and shift one face (edges repeated)."""
    if rng.random() < 0.5:
        face = face[:, ::-1]
    angle = rng.uniform(-ROLL_DEGREES, ROLL_DEGREES)
    scale = rng.uniform(*SCALE)
    matrix = cv2.getRotationMatrix2D((SIZE / 2 - 0.5, SIZE / 2 - 0.5), angle, scale)
    matrix[:, 2] += rng.uniform(-SHIFT, SHIFT, size=2) * SIZE
    return cv2.warpAffine(np.ascontiguousarray(face), matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def lighting(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gamma, contrast, brightness and, on some faces, a light gradient across the face (float 0-255)."""
    x = 255.0 * (face / 255.0) ** rng.uniform(*GAMMA)
    x = (x - x.mean()) * rng.uniform(*CONTRAST) + x.mean() + rng.uniform(-BRIGHTNESS, BRIGHTNESS)
    if rng.random() < P_GRADIENT:
        # A ramp in a random direction: light from one side, from above or from below.
        theta = rng.uniform(0, 2 * np.pi)
        grid = (np.arange(SIZE) - SIZE / 2) / (SIZE / 2)
        ramp = np.cos(theta) * grid[None, :] + np.sin(theta) * grid[:, None]
        x = x * (1.0 + rng.uniform(0.2, GRADIENT) * ramp)
    return np.clip(x, 0, 255)


def sensor(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur, low resolution, noise and JPEG artefacts, each on some faces (uint8 out)."""
    x = face.astype(np.float32)
    if rng.random() < P_BLUR:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(*BLUR_SIGMA))
    if rng.random() < P_LOW_RES:
        side = int(rng.integers(*LOW_RES))
        x = cv2.resize(cv2.resize(x, (side, side), interpolation=cv2.INTER_AREA), (SIZE, SIZE),
                       interpolation=cv2.INTER_LINEAR)
    if rng.random() < P_NOISE:
        x = x + rng.normal(0, rng.uniform(*NOISE_SIGMA), x.shape)
    out = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < P_JPEG:
        quality = int(rng.integers(*JPEG_QUALITY))
        ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return out


def occlusion(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """On some faces, one rectangle replaced by flat grey or noise (a hand, a cup, hair)."""
    if rng.random() >= P_ERASE:
        return face
    h, w = (rng.uniform(*ERASE_SIDE, size=2) * SIZE).astype(int) + 1
    top, left = int(rng.integers(0, SIZE - h + 1)), int(rng.integers(0, SIZE - w + 1))
    face = face.copy()
    if rng.random() < 0.5:
        face[top : top + h, left : left + w] = rng.integers(0, 256)
    else:
        face[top : top + h, left : left + w] = rng.integers(0, 256, size=(h, w))
    return face


def camera_like(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 48x48 uint8 face as a webcam might have delivered it."""
    return occlusion(sensor(lighting(geometric(face, rng), rng), rng), rng)


def camera_batch(faces: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """camera_like on each face of an (N, 48, 48) uint8 batch."""
    return np.stack([camera_like(face, rng) for face in faces])


CHUNK = 1024  # faces per job of the worker pool
EPOCHS_AHEAD = 3

_pool_faces: np.ndarray | None = None  # each worker's copy of the faces, set once when it starts


def _keep_faces(faces: np.ndarray) -> None:
    global _pool_faces
    _pool_faces = faces
    cv2.setNumThreads(1)  # one process a core already; OpenCV's own threads would only contend


def _camera_chunk(job: tuple[int, int, int]) -> np.ndarray:
    start, stop, seed = job
    return camera_batch(_pool_faces[start:stop], np.random.default_rng(seed))


def camera_epochs(faces: np.ndarray, seed: int, workers: int | None = None) -> Iterator[np.ndarray]:
    """Endless fresh camera-like copies of `faces` (same order), made a few epochs ahead.

    On a GPU one Python process cannot distort faces as fast as the network learns from them
    (about 1.3 s an epoch of FER-2013 on one core), so worker processes do it. They are spawned,
    not forked: the parent may already hold a GPU runtime, which forking does not survive.
    """
    workers = workers or max(1, min(12, (os.cpu_count() or 2) - 2))
    seeds = np.random.default_rng(seed)
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_keep_faces, initargs=(faces,)) as pool:
        def submit() -> None:
            jobs = [(start, min(start + CHUNK, len(faces)), int(seeds.integers(2**62)))
                    for start in range(0, len(faces), CHUNK)]
            pending.append(pool.map_async(_camera_chunk, jobs))

        pending: deque = deque()
        for _ in range(EPOCHS_AHEAD):
            submit()
        while True:
            epoch = np.concatenate(pending.popleft().get())
            submit()
            yield epoch
