"""Teacher targets for knowledge distillation.

`python -m model.distill TEACHER.keras... --data fer2013.csv.gz --out teacher.npz` saves the
teachers' probabilities for every Training and PublicTest face, so a student can be trained on a
CPU (`model.train --teacher teacher.npz`) from a teacher that was trained on a GPU. The student
looks up only its own training rows (never the validation split's); the teachers' accuracy is
printed on the validation split (what chooses among teachers) and on PublicTest (reported).

A teacher's class probabilities carry more than the one-hot label: how much a face looks like
each emotion. Averaging them over the face and its mirror image, and over several trained
networks, gives targets a single network can learn in one pass, which the shipped model
otherwise only gets by averaging two passes at run time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from model.cli import model_file
from model.fer2013 import DatasetError, load_fer2013
from model.validation import validation_mask


def mirrored_probabilities(nets, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Mean class probabilities (N, 7) of the networks over each (N, 48, 48) face and its mirror image."""
    faces = images[..., None].astype(np.float32)
    total = np.zeros((len(images), 7), dtype=np.float64)
    for net in nets:
        for view in (faces, faces[:, :, ::-1]):
            total += net.predict(view, batch_size=batch_size, verbose=0)
    return (total / (2 * len(nets))).astype(np.float32)


def teacher_probabilities(models: Sequence[str | Path], images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Mean class probabilities (N, 7) of the trained .keras networks over each face and its mirror."""
    import keras

    if not models:
        raise ValueError("distillation needs at least one teacher model")
    return mirrored_probabilities([keras.models.load_model(path) for path in models], images, batch_size)


def blend_with_teacher(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """Each row's target: (1 - weight) of the label distribution, weight of the teacher's."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"teacher weight must lie in [0, 1], got {weight}")
    if targets.shape != teacher.shape:
        raise ValueError(f"teacher gives {teacher.shape} targets for {targets.shape} labels")
    return (1.0 - weight) * targets + weight * teacher


def saved_teacher_probabilities(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """The probabilities a `model.distill` file holds for these FER-2013 rows (N, 7), in their order."""
    try:
        with np.load(path) as saved:
            saved_rows, probabilities = saved["rows"], saved["probabilities"]
    except (OSError, ValueError, KeyError) as error:
        raise DatasetError(f"{path}: not a teacher-probabilities file ({error})") from None
    position = {int(row): i for i, row in enumerate(saved_rows)}
    missing = [int(row) for row in rows if int(row) not in position]
    if missing:
        raise DatasetError(f"{path}: has no probabilities for row {missing[0]} (and {len(missing) - 1} more)")
    return probabilities[[position[int(row)] for row in rows]].astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.distill", description=__doc__.splitlines()[2])
    parser.add_argument("models", nargs="+", type=model_file,
                        help="trained .keras teacher networks; their probabilities are averaged")
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz): Training and PublicTest faces")
    parser.add_argument("--out", required=True, help="where to write the probabilities (.npz)")
    args = parser.parse_args(argv)
    try:
        splits = load_fer2013(args.data)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    chosen = [splits[name] for name in ("Training", "PublicTest") if name in splits]
    images = np.concatenate([split.images for split in chosen])
    probabilities = teacher_probabilities(args.models, images)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(tmp, rows=np.concatenate([split.rows for split in chosen]), probabilities=probabilities)
    tmp.replace(out)
    scored = []
    if "Training" in splits:
        held = validation_mask(splits["Training"])
        readings = probabilities[: len(splits["Training"])][held].argmax(axis=1)
        scored.append(("the validation split (chooses)", readings, splits["Training"].labels[held]))
    if "PublicTest" in splits:
        test = splits["PublicTest"]
        scored.append(("PublicTest (reported)", probabilities[-len(test):].argmax(axis=1), test.labels))
    for shown, readings, labels in scored:
        print(f"teachers on {shown}, each face and its mirror: {(readings == labels).mean():.4f}")
    print(f"teacher probabilities: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
