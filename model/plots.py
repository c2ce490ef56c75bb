"""Training curves like the paper's Fig. 6 and 7, and a confusion matrix, as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.fer2013 import EMOTIONS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # headless machines have no display
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: list[dict], out: Path) -> list[Path]:
    """Write accuracy.png and loss.png (train and validation per epoch; PublicTest accuracy beside them
    where the run logged it, as a report); return their paths.

    Runs with weight averaging also get the averaged network's validation accuracy.
    """
    plt = _pyplot()
    epochs = [row["epoch"] for row in history]
    paths = []
    for metric, title in (("accuracy", "Accuracy"), ("loss", "Loss")):
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(epochs, [row[metric] for row in history], label="train")
        ax.plot(epochs, [row[f"val_{metric}"] for row in history], label="validation (chooses)")
        for key, label in ((f"publictest_{metric}", "PublicTest (reported)"),
                           (f"average_val_{metric}", "weight average, validation"),
                           (f"average_publictest_{metric}", "weight average, PublicTest")):
            points = [(row["epoch"], row[key]) for row in history if key in row]
            if points:
                ax.plot(*zip(*points, strict=True), label=label, linestyle="--" if "publictest" in key else "-")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"ResNet-38 {title} per epoch")
        ax.legend()
        ax.grid(alpha=0.3)
        path = out / f"{metric}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def plot_confusion(matrix: np.ndarray, path: Path, title: str) -> Path:
    """Write a row-normalised confusion matrix (rows: true class) to path."""
    plt = _pyplot()
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(7), EMOTIONS, rotation=45)
    ax.set_yticks(range(7), EMOTIONS)
    for i in range(7):
        for j in range(7):
            ax.text(j, i, f"{shares[i, j]:.2f}", ha="center", va="center",
                    color="white" if shares[i, j] > 0.5 else "black", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
