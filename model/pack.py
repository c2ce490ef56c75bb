"""A compact, lossless copy of FER-2013 and its FER+ votes, for carrying the data to a GPU machine.

`python -m model.pack --data fer2013.csv.gz --ferplus fer2013new.csv --out fer.npz`

The Kaggle CSV spells every pixel in decimal (85 MB gzipped); the faces themselves compress to
about 1.6 kB each as lossless WebP tiles, 64 faces wide. The pack holds the Training faces FER+
can train on less the validation split (model/validation.py), every face of the validation split
and every PublicTest face, with their FER-2013 labels, row numbers and the FER+ votes, and reads
back bit-identical (`read_pack`). PrivateTest is never packed.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np

from model.fer2013 import IMAGE_SIZE, DatasetError, Split, ferplus_shares, load_fer2013, load_ferplus_table
from model.validation import VALIDATION, hold_out_validation

COLUMNS = 64  # faces per tile row
TILE_ROWS = 16383 // IMAGE_SIZE  # WebP's largest side is 16,383 pixels
PACKED_USAGES = ("Training", VALIDATION, "PublicTest")


def encode_tiles(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lossless WebP tiles of (N, 48, 48) uint8 faces: (all tiles' bytes, each tile's end offset)."""
    count = len(images)
    rows = -(-count // COLUMNS)
    padded = np.zeros((rows * COLUMNS, IMAGE_SIZE, IMAGE_SIZE), np.uint8)
    padded[:count] = images
    grid = padded.reshape(rows, COLUMNS, IMAGE_SIZE, IMAGE_SIZE)
    blobs = []
    for start in range(0, rows, TILE_ROWS):
        tile = grid[start : start + TILE_ROWS].transpose(0, 2, 1, 3).reshape(-1, COLUMNS * IMAGE_SIZE)
        ok, encoded = cv2.imencode(".webp", tile, [cv2.IMWRITE_WEBP_QUALITY, 101])  # >100 is lossless
        if not ok:
            raise DatasetError("this OpenCV cannot write lossless WebP")
        blobs.append(encoded.tobytes())
    ends = np.cumsum([len(blob) for blob in blobs])
    return np.frombuffer(b"".join(blobs), np.uint8), ends


def decode_tiles(data: np.ndarray, ends: np.ndarray, count: int) -> np.ndarray:
    """The (count, 48, 48) uint8 faces that `encode_tiles` stored."""
    faces = []
    for start, end in zip([0, *ends[:-1]], ends, strict=True):
        tile = cv2.imdecode(data[start:end], cv2.IMREAD_GRAYSCALE)
        if tile is None:
            raise DatasetError("a tile of the pack cannot be decoded")
        faces.append(tile.reshape(-1, IMAGE_SIZE, COLUMNS, IMAGE_SIZE).transpose(0, 2, 1, 3).reshape(-1, IMAGE_SIZE,
                                                                                                    IMAGE_SIZE))
    return np.concatenate(faces)[:count]


def write_pack(data: str | Path, ferplus: str | Path, out: str | Path) -> dict[str, int]:
    """Pack the CSVs into `out` (.npz); returns the number of faces packed per split."""
    read = load_fer2013(data)
    emotions, others = load_ferplus_table(ferplus, expected_rows=sum(len(s) for s in read.values()))
    arrays: dict[str, np.ndarray] = {"ferplus_emotions": emotions, "ferplus_others": others}
    counts = {}
    for usage in ("Training", "PublicTest"):
        if usage not in read:
            raise DatasetError(f"{data}: has no {usage} rows")
    # Held out of the whole Training split, before FER+ drops any face: the same rows as from the CSV.
    splits = hold_out_validation(read)
    for usage in PACKED_USAGES:
        split = splits[usage]
        if usage == "Training":
            _, usable = ferplus_shares(emotions[split.rows], others[split.rows])
            split = split.take(usable)
        arrays[f"{usage}_tiles"], arrays[f"{usage}_ends"] = encode_tiles(split.images)
        arrays[f"{usage}_labels"], arrays[f"{usage}_rows"] = split.labels, split.rows
        counts[usage] = len(split)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(out)
    return counts


def read_pack(path: str | Path) -> tuple[dict[str, Split], np.ndarray, np.ndarray]:
    """The packed splits, and FER+ votes for every row of the original file: (splits, emotions, others)."""
    try:
        with np.load(path) as saved:
            if "Training_labels" in saved.files and f"{VALIDATION}_labels" not in saved.files:
                raise DatasetError(f"{path}: packed before the validation split was held out of Training: "
                                   "pack it again with `python -m model.pack`")
            splits = {}
            for usage in PACKED_USAGES:
                labels = saved[f"{usage}_labels"]
                images = decode_tiles(saved[f"{usage}_tiles"], saved[f"{usage}_ends"], len(labels))
                splits[usage] = Split(images, labels, saved[f"{usage}_rows"])
            return splits, saved["ferplus_emotions"], saved["ferplus_others"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise DatasetError(f"{path}: not a FER-2013 pack ({error})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.pack", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz) with Training and PublicTest rows")
    parser.add_argument("--ferplus", required=True, help="fer2013new.csv (FER+ votes, same row order)")
    parser.add_argument("--out", required=True, help="the pack to write (.npz)")
    args = parser.parse_args(argv)
    try:
        counts = write_pack(args.data, args.ferplus, args.out)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    size = Path(args.out).stat().st_size / 1e6
    print(f"{args.out}: {counts['Training']} training, {counts[VALIDATION]} validation and {counts['PublicTest']} "
          f"PublicTest faces, {size:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
