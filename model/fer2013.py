"""Read FER-2013 in its original Kaggle format (`emotion,pixels,Usage`).

Works on the plain `fer2013.csv` users download and on a gzipped copy. Optionally joins the
FER+ relabelling (`fer2013new.csv`, same row order) as per-row vote distributions.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moodtui.labels import EMOTIONS

IMAGE_SIZE = 48
PIXELS = IMAGE_SIZE * IMAGE_SIZE
USAGES = ("Training", "PublicTest", "PrivateTest")
# FER+ column names in FER-2013's class order; contempt, unknown and NF have no FER-2013 class.
FERPLUS_COLUMNS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Split:
    """One FER-2013 split: grey faces (N, 48, 48) uint8 and labels (N,) int in FER-2013 order."""

    images: np.ndarray
    labels: np.ndarray
    rows: np.ndarray  # position of each face in the file (0-based data row), to join FER+ votes

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, picks: np.ndarray | slice) -> Split:
        """The faces a boolean mask, index array or slice picks, with their labels and rows."""
        return Split(self.images[picks], self.labels[picks], self.rows[picks])


def _open_text(path: Path) -> io.TextIOBase:
    if not path.exists():
        raise DatasetError(f"{path}: no such file")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _parse_row(row: list[str], path: Path, line: int) -> tuple[int, np.ndarray, str]:
    if len(row) != 3:
        raise DatasetError(f"{path}:{line}: expected 3 fields (emotion,pixels,Usage), got {len(row)}")
    label_text, pixel_text, usage = row
    try:
        label = int(label_text)
    except ValueError:
        raise DatasetError(f"{path}:{line}: emotion {label_text!r} is not an integer") from None
    if not 0 <= label < len(EMOTIONS):
        raise DatasetError(f"{path}:{line}: emotion {label} is out of range 0-6")
    if usage not in USAGES:
        raise DatasetError(f"{path}:{line}: unknown Usage {usage!r} (expected one of {', '.join(USAGES)})")
    try:
        pixels = np.array(pixel_text.split(), dtype=np.int32)
    except ValueError:
        raise DatasetError(f"{path}:{line}: pixels are not all integers") from None
    if pixels.size != PIXELS:
        raise DatasetError(f"{path}:{line}: expected {PIXELS} pixels, got {pixels.size}")
    if pixels.min() < 0 or pixels.max() > 255:
        raise DatasetError(f"{path}:{line}: pixel values must be within 0-255")
    return label, pixels.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE), usage


def load_fer2013(path: str | Path) -> dict[str, Split]:
    """Return the splits present in the file, keyed by Usage ("Training", "PublicTest", ...)."""
    path = Path(path)
    images: dict[str, list[np.ndarray]] = {}
    labels: dict[str, list[int]] = {}
    rows: dict[str, list[int]] = {}
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip() for h in header] != ["emotion", "pixels", "Usage"]:
                raise DatasetError(f"{path}:1: expected the header 'emotion,pixels,Usage', got {header!r}")
            for index, row in enumerate(reader):
                label, image, usage = _parse_row(row, path, reader.line_num)
                images.setdefault(usage, []).append(image)
                labels.setdefault(usage, []).append(label)
                rows.setdefault(usage, []).append(index)
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    if not labels:
        raise DatasetError(f"{path}: holds no faces")
    return {
        usage: Split(np.stack(images[usage]), np.array(labels[usage], dtype=np.int64), np.array(rows[usage]))
        for usage in labels
    }


def load_ferplus_votes(path: str | Path, expected_rows: int | None = None) -> np.ndarray:
    """Return FER+ votes as an (N, 7) float array in FER-2013 class order, one row per CSV row.

    Rows with no vote for any of the seven classes (faces FER+ judged "not a face" or unknown)
    come back as all zeros; callers decide what to do with them.
    """
    path = Path(path)
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in FERPLUS_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DatasetError(f"{path}:1: missing FER+ columns {', '.join(missing)}")
            votes = []
            for row in reader:
                try:
                    votes.append([float(row[c]) for c in FERPLUS_COLUMNS])
                except (TypeError, ValueError):
                    raise DatasetError(f"{path}:{reader.line_num}: vote counts must be numbers") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    result = np.array(votes, dtype=np.float32).reshape(-1, len(FERPLUS_COLUMNS))
    if expected_rows is not None and len(result) != expected_rows:
        raise DatasetError(f"{path}: has {len(result)} rows but the FER-2013 file has {expected_rows}")
    return result


# FER+ lists the emotions in its own order and adds three columns with no FER-2013 class.
FERPLUS_NON_EMOTIONS = ("contempt", "unknown", "NF")


def load_ferplus_table(path: str | Path, expected_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """FER+ votes per CSV row: (N, 7) for the seven emotions in FER-2013 order and (N, 3) for
    contempt, unknown and not-a-face."""
    path = Path(path)
    emotions = load_ferplus_votes(path, expected_rows)
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            if any(c not in (reader.fieldnames or []) for c in FERPLUS_NON_EMOTIONS):
                return emotions, np.zeros((len(emotions), len(FERPLUS_NON_EMOTIONS)), dtype=np.float32)
            others = [[float(row[c] or 0) for c in FERPLUS_NON_EMOTIONS] for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    return emotions, np.array(others, dtype=np.float32).reshape(-1, len(FERPLUS_NON_EMOTIONS))


def ferplus_majority(emotions: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Each row's FER+ majority emotion (FER-2013 index), or -1 where there is none to score against:
    a tie between emotions, or a majority for contempt, unknown or not-a-face."""
    top = emotions.max(axis=1)
    winners = (emotions == top[:, None]).sum(axis=1)
    usable = (top > 0) & (winners == 1) & (top > others.max(axis=1))
    return np.where(usable, emotions.argmax(axis=1), -1)


def ferplus_shares(emotions: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Soft training targets from FER+ votes and the rows they are usable for.

    Contempt has no FER-2013 class and so few votes (about 1% of all) that its votes are dropped
    rather than folded into another class; rows where not-a-face or unknown outvote every emotion
    are left out, as are rows with no emotion vote at all.
    """
    totals = emotions.sum(axis=1, keepdims=True)
    usable = (totals[:, 0] > 0) & (emotions.max(axis=1) >= others[:, 1:].max(axis=1))
    shares = np.divide(emotions, totals, out=np.zeros_like(emotions), where=totals > 0)
    return shares.astype(np.float32), usable
