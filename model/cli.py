"""Argument types the model commands share."""

from __future__ import annotations

import argparse
from pathlib import Path


def model_file(path: str) -> str:
    """argparse type: a path that must name an existing file (a trained network or saved probabilities)."""
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"{path}: no such model file")
    return path
