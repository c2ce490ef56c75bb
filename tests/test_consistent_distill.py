"""The GPU distillation path, run small on the CPU: the data pack, the stream of camera-like
epochs, the epoch planner, and a real teacher-then-student run."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the [train] extra (TensorFlow) is not installed")

from tests.conftest import REPO, shared_path, write_fer_csv  # noqa: E402

FACES = 160


@pytest.fixture(scope="module")
def small_data(fer2013, tmp_path_factory):
    """Real faces of three splits and their real FER+ rows, in the files' order."""
    folder = tmp_path_factory.mktemp("fer")
    rows, wanted = [], []
    for usage in ("Training", "PublicTest", "PrivateTest"):
        if usage not in fer2013:  # ../shared holds no PrivateTest rows: borrow Training faces to stand for them
            split, usage_rows = fer2013["Training"], range(FACES, FACES + 20)
        else:
            split, usage_rows = fer2013[usage], range(FACES)
        rows += [(int(split.labels[i]), split.images[i], usage) for i in usage_rows]
        wanted += [int(split.rows[i]) for i in usage_rows]
    lines = shared_path("data/fer2013/fer2013new.csv").read_text().splitlines()
    ferplus = folder / "fer2013new.csv"
    ferplus.write_text("\n".join([lines[0], *(lines[1 + row] for row in wanted)]) + "\n")
    return write_fer_csv(folder / "small.csv", rows), ferplus


def test_pack_reads_back_the_same_faces_and_leaves_out_what_fer_plus_cannot_train_on(small_data, tmp_path):
    from model.fer2013 import ferplus_shares, load_fer2013, load_ferplus_table
    from model.pack import read_pack, write_pack
    from model.validation import VALIDATION, hold_out_validation

    csv, ferplus = small_data
    counts = write_pack(csv, ferplus, tmp_path / "fer.npz")
    splits, emotions, others = read_pack(tmp_path / "fer.npz")
    original = hold_out_validation(load_fer2013(csv))
    votes, other_votes = load_ferplus_table(ferplus)
    _, usable = ferplus_shares(votes[original["Training"].rows], other_votes[original["Training"].rows])
    assert set(splits) == {"Training", VALIDATION, "PublicTest"}  # PrivateTest is never packed
    validation = original[VALIDATION]
    assert counts == {"Training": int(usable.sum()), VALIDATION: len(validation), "PublicTest": FACES}
    assert usable.sum() < len(original["Training"])  # these real rows include faces FER+ calls not-a-face or unknown
    training = original["Training"]
    assert np.array_equal(splits["Training"].images, training.images[usable])
    assert np.array_equal(splits["Training"].rows, training.rows[usable])
    # The validation split is held out of the whole of Training (before FER+ drops a face), as from the CSV.
    assert 0 < len(validation) < FACES and not set(validation.rows) & set(splits["Training"].rows)
    assert np.array_equal(splits[VALIDATION].rows, validation.rows)
    assert np.array_equal(splits[VALIDATION].images, validation.images)
    again = hold_out_validation(splits)  # a pack's split is not split again
    assert all(again[name] is splits[name] for name in splits) and set(again) == set(splits)
    assert np.array_equal(splits["PublicTest"].images, original["PublicTest"].images)
    assert np.array_equal(splits["PublicTest"].labels, original["PublicTest"].labels)
    assert np.array_equal(emotions, votes) and np.array_equal(others, other_votes)


def test_a_damaged_pack_is_one_clear_error(small_data, tmp_path):
    from model.fer2013 import DatasetError
    from model.pack import read_pack

    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match="not a FER-2013 pack"):
        read_pack(bad)
    # A pack made before the validation split: Training and PublicTest only.
    old = tmp_path / "old.npz"
    np.savez(old, **{f"{usage}_{key}": np.zeros(1) for usage in ("Training", "PublicTest")
                     for key in ("tiles", "ends", "labels", "rows")})
    with pytest.raises(DatasetError, match="packed before the validation split .* pack it again"):
        read_pack(old)
    done = subprocess.run([sys.executable, "-m", "model.pack", "--data", str(tmp_path / "none.csv"), "--ferplus",
                           str(small_data[1]), "--out", str(tmp_path / "x.npz")], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert not (tmp_path / "x.npz").exists()


def test_camera_epochs_are_fresh_each_time_and_repeat_with_the_seed(fer2013):
    from model.camera_augment import camera_epochs

    faces = fer2013["Training"].images[:300]
    stream = camera_epochs(faces, seed=5, workers=2)
    first, second = next(stream), next(stream)
    stream.close()
    again = camera_epochs(faces, seed=5, workers=1)
    first_again = next(again)
    again.close()
    assert first.shape == faces.shape and first.dtype == np.uint8
    assert np.array_equal(first, first_again)  # the seed, not the number of workers, decides
    assert (first != second).mean() > 0.5 and (first != faces).mean() > 0.5


def test_the_epoch_plan_fits_the_budget_and_never_grows():
    from model.consistent_distill import EpochPlan

    plan = EpochPlan(100, seconds=60.0)
    plan.start -= 19.9  # 20 s spent: a slow first epoch (compiling), then a 2 s one
    plan.epoch_done(18.0)
    assert plan.epochs == 100  # the first epoch says nothing about the rest
    plan.epoch_done(2.0)
    assert plan.epochs == 2 + 20  # 40 s left at 2 s an epoch
    plan.start -= 30.0  # later epochs slower than planned: the plan shrinks
    plan.epoch_done(4.0)
    assert 3 <= plan.epochs < 22
    plan.start -= 1000.0
    plan.epoch_done(3.0)
    assert plan.epochs == 4  # out of time: stop after this epoch, never fewer than done
    assert EpochPlan(7, seconds=None).epochs == 7


def test_learning_rate_warms_up_then_falls_to_zero():
    from model.consistent_distill import WARMUP_EPOCHS, learning_rate

    rates = [learning_rate(epoch, 20, 1e-3) for epoch in range(20)]
    assert rates[0] == pytest.approx(1e-4)
    assert rates[WARMUP_EPOCHS] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(rates[WARMUP_EPOCHS:], rates[WARMUP_EPOCHS + 1 :], strict=False))
    assert rates[-1] < 0.02 * 1e-3


def test_a_short_run_trains_teachers_then_students_and_keeps_the_teachers_reading(small_data, tmp_path):
    import keras

    from model.distill import mirrored_probabilities

    csv, ferplus = small_data
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "model.consistent_distill", "--data", str(csv), "--ferplus", str(ferplus),
         "--out", str(out), "--teachers", "1", "--teacher-epochs", "1", "--student", "tuned=" + str(
             REPO / "model/artifacts/resnet38-ferplus-consistent/best.keras"), "--student", "fresh",
         "--student-epochs", "2", "--workers", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    history = json.loads((out / "history.json").read_text())
    assert history["teachers"][0]["epochs"] == 1 and history["student_epochs"] == 2
    assert set(history["students"]) == {"tuned", "fresh"}
    last = history["students"]["tuned"][-1]
    assert last["epoch"] == 2
    for key in ("val_fer_plus", "val_fer2013", "val_fer_plus_balanced", "publictest_fer_plus", "publictest_fer2013",
                "publictest_fer_plus_balanced"):
        assert 0 < last[key] <= 1, key
    assert history["settings"]["selected_on"] == "val_fer_plus"
    assert history["settings"]["training_faces"] < FACES
    # The tuned student starts from the shipped network: two epochs on a few faces keep most of it.
    assert last["val_fer_plus"] > history["students"]["fresh"][-1]["val_fer_plus"]
    for name in ("tuned", "fresh"):
        assert (out / "students" / name / "best.keras").exists()
        assert any(row.get("best") for row in history["students"][name])

    student = keras.models.load_model(out / "students" / "tuned" / "epoch-002.keras")
    assert student.count_params() == 58_423 and getattr(student, "optimizer", None) is None
    assert not list(out.rglob("*.tmp*"))
    teacher = keras.models.load_model(out / "teachers" / "teacher-0.keras")
    with np.load(out / "teacher_probabilities.npz") as saved:
        rows, probabilities = saved["rows"], saved["probabilities"]
    from model.pack import read_pack, write_pack

    write_pack(csv, ferplus, tmp_path / "fer.npz")
    splits, _, _ = read_pack(tmp_path / "fer.npz")
    order = ("Training", "Validation", "PublicTest")
    assert np.array_equal(rows, np.concatenate([splits[name].rows for name in order]))
    faces = np.concatenate([splits[name].images for name in order])
    # The saved targets are the teacher's reading of each face and its mirror image, averaged.
    assert np.allclose(probabilities, mirrored_probabilities([teacher], faces), atol=1e-5)


def test_a_student_keeps_the_epoch_best_on_validation_not_on_public_test(tmp_path):
    import keras

    from model.consistent_distill import BEST_STUDENT, SELECT_ON, Student, keep_if_best

    assert SELECT_ON == "val_fer_plus"
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    student = Student("s", 1, net, 1e-3, np.random.default_rng(0))
    saved = {}
    # PublicTest peaks at the first check, the validation split at the second; unchecked epochs choose nothing.
    for epoch, scores in ((5, {"val_fer_plus": 0.70, "publictest_fer_plus": 0.90}), (6, {}),
                          (10, {"val_fer_plus": 0.80, "publictest_fer_plus": 0.60}),
                          (15, {"val_fer_plus": 0.75, "publictest_fer_plus": 0.99})):
        net.set_weights([np.full_like(w, epoch) for w in net.get_weights()])
        student.history.append({"epoch": epoch, "loss": 1.0, **scores})
        keep_if_best(student, tmp_path)
        saved[epoch] = float(keras.models.load_model(tmp_path / "students" / "s" / BEST_STUDENT).get_weights()[0][0, 0])
    assert saved == {5: 5.0, 6: 5.0, 10: 10.0, 15: 10.0}
    assert [row.get("best", False) for row in student.history] == [True, False, True, False]


def test_bad_arguments_are_one_line_errors(tmp_path):
    for args, message in ((["--data", "x.csv"], "--data needs --ferplus"),
                          (["--pack", str(tmp_path / "none.npz")], "no such model file"),
                          (["--data", "x.csv", "--ferplus", "y.csv", "--teachers", "0"], "--teachers must be 1"),
                          (["--data", "x.csv", "--ferplus", "y.csv", "--student", "a", "--student", "a"],
                           "same name")):
        done = subprocess.run([sys.executable, "-m", "model.consistent_distill", *args, "--out", str(tmp_path)],
                              cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr


def test_the_checks_score_validation_and_public_test_each_on_both_label_sets(fer2013):
    import keras

    from model.consistent_distill import FaceData, accuracies
    from model.distill import mirrored_probabilities
    from model.fer2013 import load_ferplus_table
    from model.select import balanced_accuracy
    from model.train import ferplus_scored_set
    from model.validation import VALIDATION, hold_out_validation

    splits = hold_out_validation(fer2013)
    emotions, others = load_ferplus_table(shared_path("data/fer2013/fer2013new.csv"),
                                          expected_rows=sum(len(s) for s in fer2013.values()))
    val, test = splits[VALIDATION].take(slice(300)), splits["PublicTest"].take(slice(200))
    data = FaceData(splits["Training"].take(slice(10)), np.zeros((10, 7), np.float32),
                    ferplus_scored_set(val, emotions, others), val, ferplus_scored_set(test, emotions, others), test)
    net = keras.models.load_model(REPO / "model/artifacts/resnet38-ferplus-consistent/best.keras")
    scores = accuracies([net], data)
    for prefix, ferplus, fer2013_split in (("val", data.val_ferplus, val), ("publictest", data.test_ferplus, test)):
        assert len(ferplus) < len(fer2013_split)  # some faces have no clear FER+ majority
        read = mirrored_probabilities([net], ferplus.images).argmax(1)
        assert scores[f"{prefix}_fer_plus"] == pytest.approx(float((read == ferplus.labels).mean()))
        assert scores[f"{prefix}_fer_plus_balanced"] == pytest.approx(balanced_accuracy(ferplus.labels, read))
        read = mirrored_probabilities([net], fer2013_split.images).argmax(1)
        assert scores[f"{prefix}_fer2013"] == pytest.approx(float((read == fer2013_split.labels).mean()))
