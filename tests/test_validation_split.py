"""The validation split held out of FER-2013's Training rows: fixed, stratified, disjoint from training,
the same from the plain CSV and the gzipped one."""

import gzip
import hashlib

import numpy as np
import pytest

from model.fer2013 import Split, load_fer2013
from model.validation import VALIDATION, VALIDATION_SHARE, hold_out_validation, validation_mask

# The real file's validation rows, pinned: a change of rule, key or share is a new split and must be seen.
REAL_ROWS_SHA256 = "a702b171665a291c01ba7d10dfac4933fa74db4e7878dbc9baab4328458c83a4"
REAL_FIRST_ROWS = [6, 7, 12, 25, 62, 72, 74, 83, 84, 109]
TRAINING_COUNTS = [3995, 436, 4097, 7215, 4830, 3171, 4965]


def rows_digest(rows: np.ndarray) -> str:
    return hashlib.sha256(np.sort(rows).astype("<i8").tobytes()).hexdigest()


@pytest.fixture(scope="module")
def held(fer2013):
    return hold_out_validation(fer2013)


def test_the_real_split_is_a_stratified_tenth_with_every_class(held, fer2013):
    validation, training = held[VALIDATION], held["Training"]
    counts = np.bincount(validation.labels, minlength=7).tolist()
    assert counts == [round(VALIDATION_SHARE * n) for n in TRAINING_COUNTS] == [400, 44, 410, 722, 483, 317, 496]
    assert counts[1] == 44  # disgust: 436 training faces, 44 held out
    assert len(validation) == 2872 and len(training) == 28709 - 2872
    assert (np.bincount(training.labels, minlength=7) > 0).all()
    assert held["PublicTest"] is fer2013["PublicTest"]


def test_the_real_split_is_disjoint_from_training_and_covers_it(held, fer2013):
    validation, training = held[VALIDATION], held["Training"]
    assert not set(validation.rows.tolist()) & set(training.rows.tolist())
    assert sorted([*validation.rows, *training.rows]) == sorted(fer2013["Training"].rows)
    assert not set(validation.rows.tolist()) & set(fer2013["PublicTest"].rows.tolist())
    # Each face travels with its own label and row.
    position = {int(row): i for i, row in enumerate(fer2013["Training"].rows)}
    picks = [position[int(row)] for row in validation.rows]
    assert np.array_equal(validation.images, fer2013["Training"].images[picks])
    assert np.array_equal(validation.labels, fer2013["Training"].labels[picks])


def test_the_real_split_is_the_same_rows_every_time(held, fer2013):
    assert np.sort(held[VALIDATION].rows)[:10].tolist() == REAL_FIRST_ROWS
    assert rows_digest(held[VALIDATION].rows) == REAL_ROWS_SHA256
    again = hold_out_validation(fer2013)
    assert np.array_equal(again[VALIDATION].rows, held[VALIDATION].rows)
    # The order the faces come in does not matter, only which rows the file holds.
    training = fer2013["Training"]
    shuffled = training.take(np.random.default_rng(3).permutation(len(training)))
    assert rows_digest(shuffled.rows[validation_mask(shuffled)]) == REAL_ROWS_SHA256


def test_plain_and_gzipped_csv_give_the_same_faces_and_split(fer2013_path, tmp_path):
    """Users have the original uncompressed fer2013.csv; the project reads a gzipped copy."""
    with gzip.open(fer2013_path, "rt", encoding="utf-8", newline="") as packed:
        head = [next(packed) for _ in range(3001)]  # the header and 3,000 faces
    plain = tmp_path / "fer2013.csv"
    plain.write_text("".join(head), encoding="utf-8", newline="")
    packed_copy = tmp_path / "fer2013.csv.gz"
    packed_copy.write_bytes(gzip.compress(plain.read_bytes()))
    from_plain, from_gzip = hold_out_validation(load_fer2013(plain)), hold_out_validation(load_fer2013(packed_copy))
    assert set(from_plain) == {"Training", VALIDATION}  # the file's first rows are all Training
    for name in from_plain:
        for field in ("images", "labels", "rows"):
            assert np.array_equal(getattr(from_plain[name], field), getattr(from_gzip[name], field))
    assert len(from_plain["Training"]) + len(from_plain[VALIDATION]) == 3000
    assert set(np.unique(from_plain[VALIDATION].labels)) == set(range(7))


def test_small_classes_keep_faces_on_both_sides_and_bad_shares_are_refused():
    labels = np.array([0] * 30 + [1] * 2 + [2] * 1 + [3] * 7)
    split = Split(np.zeros((len(labels), 48, 48), np.uint8), labels, np.arange(100, 100 + len(labels)))
    mask = validation_mask(split)
    assert np.bincount(labels[mask], minlength=4).tolist() == [3, 1, 0, 1]  # a lone face stays in training
    assert np.bincount(labels[~mask], minlength=4).tolist() == [27, 1, 1, 6]
    for share in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="validation share"):
            validation_mask(split, share)
    from model.fer2013 import DatasetError

    with pytest.raises(DatasetError, match="no Training rows"):
        hold_out_validation({"PublicTest": split})
