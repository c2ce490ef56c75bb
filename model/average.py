"""Average the weights of networks that were trained from the same start.

`python -m model.average A.keras B.keras --data fer2013.csv.gz --out merged.keras`

Two weight-averaging runs from one checkpoint with different seeds (`model.train --seed`) end
in the same basin, each at the mean of its own path; the mean of both uses twice as many
samples of that basin. Batch-norm statistics do not average linearly, so they are measured
again on the Training faces (less the validation split, which training never sees). Prints the
merged network's accuracy on the validation split, which is what a merge is chosen on, and on
PublicTest beside it as a report.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py

import numpy as np  # noqa: E402

from model.cli import model_file  # noqa: E402
from model.fer2013 import DatasetError, load_fer2013  # noqa: E402
from model.validation import VALIDATION, hold_out_validation  # noqa: E402

BATCH = 256


def mean_weights(weight_lists: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """The element-wise mean of several networks' weight lists (same architecture)."""
    if not weight_lists:
        raise ValueError("nothing to average")
    shapes = [tuple(w.shape for w in weights) for weights in weight_lists]
    if any(shape != shapes[0] for shape in shapes):
        raise ValueError("the networks do not have the same architecture")
    return [np.mean([weights[i] for weights in weight_lists], axis=0, dtype=np.float64)
            for i in range(len(weight_lists[0]))]


def with_training_statistics(template, weights: Sequence[np.ndarray], images: np.ndarray):
    """A copy of `template` with these weights and batch-norm statistics measured on `images` (N, 48, 48)."""
    import keras

    net = keras.models.clone_model(template)
    net.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    batch_norms = [layer for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in batch_norms:
        layer.moving_mean.assign(np.zeros(layer.moving_mean.shape, np.float32))
        layer.moving_variance.assign(np.ones(layer.moving_variance.shape, np.float32))
    # momentum i/(i+1) on the i-th batch makes the running statistics an exact mean over batches.
    momenta = [layer.momentum for layer in batch_norms]
    for i, start in enumerate(range(0, len(images), BATCH)):
        for layer in batch_norms:
            layer.momentum = i / (i + 1)
        net(images[start : start + BATCH, ..., None].astype(np.float32), training=True)  # uint8 a batch at a time
    for layer, momentum in zip(batch_norms, momenta, strict=True):
        layer.momentum = momentum
    return net


def accuracy(net, images: np.ndarray, labels: np.ndarray, flip: bool) -> float:
    faces = images[..., None].astype(np.float32)
    scores = net.predict(faces, batch_size=BATCH, verbose=0)
    if flip:
        scores = scores + net.predict(faces[:, :, ::-1], batch_size=BATCH, verbose=0)
    return float((scores.argmax(axis=1) == labels).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.average", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=model_file,
                        help="trained .keras networks of one architecture, from one start")
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz): Training (less the validation split) "
                        "re-estimates batch norm; the validation split chooses, PublicTest is reported")
    parser.add_argument("--out", required=True, help="where to write the averaged .keras network")
    args = parser.parse_args(argv)
    import keras

    try:
        splits = hold_out_validation(load_fer2013(args.data))
        nets = [keras.models.load_model(path) for path in args.models]
        merged = with_training_statistics(nets[0], mean_weights([net.get_weights() for net in nets]),
                                          splits["Training"].images)
    except (DatasetError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    merged.save(out)
    for name, shown in ((VALIDATION, "validation (chooses)"), ("PublicTest", "PublicTest (reported)")):
        if name in splits:
            faces = splits[name]
            print(f"{shown}: {accuracy(merged, faces.images, faces.labels, flip=False):.4f} one pass, "
                  f"{accuracy(merged, faces.images, faces.labels, flip=True):.4f} with its mirror image")
    print(f"averaged network: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
