"""The validation split: a fixed, stratified tenth of FER-2013's Training rows, held out of training.

Every choice a training makes (the epoch kept, the run, the weight average, what ships) is made on
these faces; PublicTest is only reported beside them, and PrivateTest is never read. Selecting on
PublicTest had chosen noise: the large student, chosen among many epochs and runs on PublicTest
(84.8% FER+, 74.5% balanced), scored 83.3% and 69.1% balanced on the other half of the test set.

Which rows: within each FER-2013 class, the Training rows are ranked by a keyed BLAKE2b hash of
their position in the file (the 0-based data row, the same in fer2013.csv and its gzipped copy,
and the row FER+ joins by), and the VALIDATION_SHARE of each class with the lowest hashes (rounded,
at least one face of every class that has two or more) are held out. The hash is fixed by its
specification, unlike a seeded generator's stream, so the same file gives the same rows on every
machine and NumPy version; the rows depend only on the Training rows the file holds. On the real
file: 2,872 of 28,709 faces (400 / 44 / 410 / 722 / 483 / 317 / 496 per class); 2,681 of them have a
clear FER+ majority, only 19 of those disgust and 64 fear, so a balanced FER+ accuracy stays noisy.
"""

from __future__ import annotations

import hashlib

import numpy as np

from model.fer2013 import DatasetError, Split

VALIDATION = "Validation"  # the held-out split's key beside FER-2013's own Usage names
VALIDATION_SHARE = 0.1
HASH_KEY = b"moodtui validation split 1"  # a new key would be a new split: change it only with the share


def row_hashes(rows: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number (uint64) for each file row, the same on every machine."""
    return np.array([int.from_bytes(hashlib.blake2b(int(row).to_bytes(8, "little"), key=HASH_KEY,
                                                    digest_size=8).digest(), "little")
                     for row in rows], dtype=np.uint64)


def validation_mask(split: Split, share: float = VALIDATION_SHARE) -> np.ndarray:
    """True for the Training faces that form the validation split (see the module's docstring)."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"the validation share must lie between 0 and 1, not {share}")
    hashes = row_hashes(split.rows)
    mask = np.zeros(len(split), dtype=bool)
    for label in np.unique(split.labels):
        members = np.flatnonzero(split.labels == label)
        count = int(round(share * len(members)))
        if len(members) >= 2:
            count = min(max(count, 1), len(members) - 1)  # every class on both sides
        # Ties between hashes cannot reorder: the stable sort falls back on file order.
        mask[members[np.argsort(hashes[members], kind="stable")[:count]]] = True
    return mask


def hold_out_validation(splits: dict[str, Split], share: float = VALIDATION_SHARE) -> dict[str, Split]:
    """The splits with the validation rows moved from "Training" into "Validation".

    Splits that already hold a Validation part (a pack made by `model.pack`) come back as they are.
    """
    if VALIDATION in splits:
        return dict(splits)
    if "Training" not in splits:
        raise DatasetError("the data has no Training rows to hold a validation split out of")
    training = splits["Training"]
    held = validation_mask(training, share)
    return {**splits, "Training": training.take(~held), VALIDATION: training.take(held)}


def description(splits: dict[str, Split]) -> dict:
    """What a run trained and chose on, for its records: the rule, and the faces on each side."""
    return {"validation": f"{VALIDATION_SHARE:.0%} of each class of Training by a keyed BLAKE2b hash of the row "
                          f"(model/validation.py, key {HASH_KEY.decode()!r})",
            "selected_on": VALIDATION, "reported": "PublicTest",
            **{f"{name.lower()}_faces": len(split) for name, split in splits.items() if name != "PrivateTest"}}
