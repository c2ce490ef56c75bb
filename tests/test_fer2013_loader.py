import gzip

import numpy as np
import pytest

from model.fer2013 import DatasetError, load_fer2013, load_ferplus_votes
from tests.conftest import write_fer_csv

RNG = np.random.default_rng(0)


def face() -> np.ndarray:
    return RNG.integers(0, 256, size=(48, 48), dtype=np.uint8)


def test_reads_splits_labels_and_pixels(tmp_path):
    faces = [face() for _ in range(3)]
    path = write_fer_csv(tmp_path / "fer.csv", [(3, faces[0], "Training"), (6, faces[1], "PublicTest"),
                                                 (0, faces[2], "Training")])
    splits = load_fer2013(path)
    assert sorted(splits) == ["PublicTest", "Training"]
    assert splits["Training"].labels.tolist() == [3, 0]
    assert np.array_equal(splits["Training"].images[1], faces[2])
    assert splits["Training"].rows.tolist() == [0, 2]
    assert splits["PublicTest"].images.shape == (1, 48, 48)
    assert splits["PublicTest"].images.dtype == np.uint8


def test_reads_gzipped_csv(tmp_path):
    plain = write_fer_csv(tmp_path / "fer.csv", [(4, face(), "Training")])
    packed = tmp_path / "fer.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_fer2013(packed)["Training"].labels.tolist() == [4]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((3, "1 2 3", "Training"), "expected 2304 pixels, got 3"),
        ((7, face(), "Training"), "emotion 7 is out of range"),
        ((3, face(), "Validation"), "unknown Usage 'Validation'"),
        (("x", face(), "Training"), "emotion 'x' is not an integer"),
        ((3, " ".join(["300"] * 2304), "Training"), "within 0-255"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path, row, message):
    path = write_fer_csv(tmp_path / "bad.csv", [(1, face(), "Training"), row])
    with pytest.raises(DatasetError) as error:
        load_fer2013(path)
    assert f"{path}:3:" in str(error.value)
    assert message in str(error.value)


def test_wrong_header_and_missing_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,image\n1,2\n")
    with pytest.raises(DatasetError, match="header"):
        load_fer2013(bad)
    with pytest.raises(DatasetError, match="no such file"):
        load_fer2013(tmp_path / "missing.csv")


def test_truncated_gzip_is_a_dataset_error(tmp_path):
    plain = write_fer_csv(tmp_path / "fer.csv", [(4, face(), "Training")] * 20)
    packed = tmp_path / "fer.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes())[:500])
    with pytest.raises(DatasetError, match="cannot be read"):
        load_fer2013(packed)


def test_ferplus_votes_follow_fer2013_class_order(tmp_path):
    path = tmp_path / "fer2013new.csv"
    path.write_text(
        "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
        "Training,a.png,4,0,0,1,3,2,0,0,0,0\n"
        "Training,,0,0,0,0,0,0,0,0,0,10\n"
    )
    votes = load_ferplus_votes(path, expected_rows=2)
    # angry, disgust, fear, happy, sad, surprise, neutral
    assert votes[0].tolist() == [3, 2, 0, 0, 1, 0, 4]
    assert votes[1].sum() == 0
    with pytest.raises(DatasetError, match="has 2 rows"):
        load_ferplus_votes(path, expected_rows=5)


def test_real_fer2013_has_the_documented_splits(fer2013):
    assert len(fer2013["Training"]) == 28709
    assert len(fer2013["PublicTest"]) == 3589
    assert "PrivateTest" not in fer2013
    assert np.bincount(fer2013["Training"].labels).tolist() == [3995, 436, 4097, 7215, 4830, 3171, 4965]
