"""The validation split held out of FER-2013's Training rows: fixed, stratified, disjoint from training,
the same from the plain CSV and the gzipped one; and the tools that choose on it, not on PublicTest."""

import gzip
import hashlib
import json

import numpy as np
import pytest

from model.fer2013 import Split, load_fer2013
from model.validation import VALIDATION, VALIDATION_SHARE, hold_out_validation, validation_mask
from tests.conftest import shared_path

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


def results_where_the_splits_disagree() -> dict:
    """Two candidates: A leads on PublicTest, B on the validation split."""
    def scores(accuracy, balanced):
        return {"ferplus": {"accuracy": accuracy, "balanced": balanced}, "fer2013": {"accuracy": 50.0,
                                                                                   "balanced": 40.0}}

    return {"A": {"validation": scores(80.0, 70.0), "publictest": scores(90.0, 85.0)},
            "B": {"validation": scores(81.0, 71.0), "publictest": scores(70.0, 60.0)},
            "C": {"validation": scores(81.0, 69.0), "publictest": scores(99.0, 99.0)}}


def test_the_choice_looks_at_the_validation_split_only():
    from model.select import beats, choose

    results = results_where_the_splits_disagree()
    assert choose(results) == "B"  # C ties B on accuracy, loses on balanced; A leads PublicTest
    assert beats(results, "B", "A") and not beats(results, "C", "A") and not beats(results, "A", "B")


def test_select_scores_real_models_and_chooses_on_validation(fer2013, tmp_path):
    """The command on real faces: two shipped int8 models, a small CSV of real rows."""
    from model.select import main
    from moodtui.vision.emotion import default_model_path
    from tests.conftest import write_fer_csv

    rows = []
    for usage, count in (("Training", 600), ("PublicTest", 200)):
        split = fer2013[usage]
        rows += [(int(split.labels[i]), split.images[i], usage) for i in range(count)]
    csv = write_fer_csv(tmp_path / "small.csv", rows)
    out = tmp_path / "select.json"
    candidates = [str(default_model_path("default")), str(default_model_path("fer2013"))]
    assert main([*candidates, "--data", str(csv), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["chosen_on"] == "validation fer2013"
    scored = result["candidates"]
    best = max(candidates, key=lambda name: (scored[name]["validation"]["fer2013"]["accuracy"],
                                             scored[name]["validation"]["fer2013"]["balanced"]))
    assert result["chosen"] == best
    assert scored[best]["validation"]["fer2013"]["faces"] == len(hold_out_validation(load_fer2013(csv))[VALIDATION])
    assert scored[best]["publictest"]["fer2013"]["faces"] == 200
    with pytest.raises(SystemExit):
        main([*candidates, "--data", str(csv), "--labels", "ferplus"])  # FER+ labels without the FER+ file


@pytest.fixture(scope="module")
def small_files(fer2013, tmp_path_factory):
    """Real Training and PublicTest faces in a small Kaggle-format CSV, and their real FER+ rows."""
    from tests.conftest import write_fer_csv

    folder = tmp_path_factory.mktemp("small")
    rows, wanted = [], []
    for usage, count in (("Training", 150), ("PublicTest", 40)):
        split = fer2013[usage]
        rows += [(int(split.labels[i]), split.images[i], usage) for i in range(count)]
        wanted += [int(split.rows[i]) for i in range(count)]
    lines = shared_path("data/fer2013/fer2013new.csv").read_text().splitlines()
    ferplus = folder / "fer2013new.csv"
    ferplus.write_text("\n".join([lines[0], *(lines[1 + row] for row in wanted)]) + "\n")
    return write_fer_csv(folder / "small.csv", rows), ferplus


def test_robustness_can_score_the_validation_split(small_files, tmp_path):
    from model.robustness import main
    from moodtui.vision.emotion import default_model_path

    csv, ferplus = small_files
    out = tmp_path / "robustness.json"
    assert main([str(default_model_path("default")), "--data", str(csv), "--ferplus", str(ferplus),
                 "--split", "validation", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["split"] == VALIDATION
    assert report["faces"] == len(hold_out_validation(load_fer2013(csv))[VALIDATION]) < 150


def test_evaluate_reports_the_shipped_models_on_validation_beside_public_test(small_files, tmp_path, capsys):
    from model.evaluate import main
    from model.select import balanced_accuracy, flip_predictions
    from moodtui.vision.emotion import default_model_path

    csv, ferplus = small_files
    assert main(["--validation", "--data", str(csv), "--ferplus", str(ferplus), "--artifacts", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "validation.json").read_text())
    assert set(report["models"]) == {"large", "default", "fer2013"}
    validation = hold_out_validation(load_fer2013(csv))[VALIDATION]
    assert report["faces"] == {"validation": len(validation), "publictest": 40}
    assert "optimistic" in report["note"] and "optimistic" in capsys.readouterr().out
    assert (tmp_path / "validation.md").exists() and not (tmp_path / "table2.json").exists()
    read = flip_predictions(default_model_path("large"), validation.images)
    scores = report["models"]["large"]["validation"]["fer2013"]
    assert scores["accuracy"] == pytest.approx(100 * float((read == validation.labels).mean()), abs=0.01)
    assert scores["balanced"] == pytest.approx(100 * balanced_accuracy(validation.labels, read), abs=0.01)
