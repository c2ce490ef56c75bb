"""Teacher targets for knowledge distillation.

A teacher's class probabilities carry more than the one-hot label: how much a face looks like
each emotion. Averaging them over the face and its mirror image, and over several trained
networks, gives targets a single network can learn in one pass, which the shipped model
otherwise only gets by averaging two passes at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def teacher_probabilities(models: Sequence[str | Path], images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Mean class probabilities (N, 7) of the trained .keras networks over each face and its mirror."""
    import keras

    if not models:
        raise ValueError("distillation needs at least one teacher model")
    faces = images[..., None].astype(np.float32)
    total = np.zeros((len(images), 7), dtype=np.float64)
    for path in models:
        net = keras.models.load_model(path)
        for view in (faces, faces[:, :, ::-1]):
            total += net.predict(view, batch_size=batch_size, verbose=0)
    return (total / (2 * len(models))).astype(np.float32)


def blend_with_teacher(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """Each row's target: (1 - weight) of the label distribution, weight of the teacher's."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"teacher weight must lie in [0, 1], got {weight}")
    if targets.shape != teacher.shape:
        raise ValueError(f"teacher gives {teacher.shape} targets for {targets.shape} labels")
    return (1.0 - weight) * targets + weight * teacher
