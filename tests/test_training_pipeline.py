"""A short real training run: train on a few hundred faces, resume, convert to int8, compare; what the
run chooses on (the validation split held out of Training, never PublicTest)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the [train] extra (TensorFlow) is not installed")

from tests.conftest import REPO, shared_path, write_fer_csv  # noqa: E402

FACES = 384


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory, fer2013):
    """A few hundred real FER-2013 faces per split, written in the Kaggle format."""
    rows = []
    for usage in ("Training", "PublicTest"):
        split = fer2013[usage]
        rows += [(int(split.labels[i]), split.images[i], usage) for i in range(FACES)]
    return write_fer_csv(tmp_path_factory.mktemp("fer") / "small.csv", rows)


def run_train(csv, out, epochs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "model.train", "--data", str(csv), "--out", str(out), "--epochs", str(epochs),
         "--batch-size", "32", "--keep-epochs"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


@pytest.fixture(scope="module")
def trained(small_csv, tmp_path_factory):
    """Train 4 epochs, killed after the first and resumed: the interrupted run must lose nothing."""
    out = tmp_path_factory.mktemp("run")
    first = run_train(small_csv, out, epochs=4)
    deadline = time.monotonic() + 240
    while not (out / "history.json").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    epochs_before = [row["epoch"] for row in json.loads((out / "history.json").read_text())]
    second = run_train(small_csv, out, epochs=4)
    log, _ = second.communicate(timeout=300)
    assert second.returncode == 0, log[-2000:]
    return out, epochs_before, log


def test_training_writes_model_history_and_plots(trained):
    out, _, log = trained
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    assert {"accuracy", "loss", "val_accuracy", "val_loss", "publictest_accuracy"} <= set(history[0])
    assert (out / "best.keras").stat().st_size > 100_000
    for plot in ("accuracy.png", "loss.png"):
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "best model:" in log


def test_best_checkpoint_is_the_best_validation_epoch_and_public_test_is_only_reported(trained, small_csv):
    import keras

    from model.fer2013 import load_fer2013
    from model.train import SPLIT_RECORD
    from model.validation import VALIDATION, hold_out_validation

    out, _, _ = trained
    history = json.loads((out / "history.json").read_text())
    splits = hold_out_validation(load_fer2013(small_csv))
    record = json.loads((out / SPLIT_RECORD).read_text())
    assert record["selected_on"] == VALIDATION and record["select_metric"] == "val_accuracy"
    assert record["training_faces"] == len(splits["Training"]) == FACES - len(splits[VALIDATION])
    best = max(history, key=lambda row: row["val_accuracy"])  # the first of equals, as the Saver keeps it
    chosen = keras.models.load_model(out / "best.keras")
    kept = keras.models.load_model(out / "epochs" / f"epoch-{best['epoch']:03d}.keras")
    assert all(np.array_equal(a, b) for a, b in zip(chosen.get_weights(), kept.get_weights(), strict=True))
    # val_accuracy is the chosen network's accuracy on the validation split; publictest_accuracy on PublicTest.
    for name, key in ((VALIDATION, "val_accuracy"), ("PublicTest", "publictest_accuracy")):
        faces = splits[name]
        read = chosen.predict(faces.images[..., None].astype(np.float32), verbose=0).argmax(1)
        assert float((read == faces.labels).mean()) == pytest.approx(best[key], abs=1e-6)


def test_the_saver_chooses_on_validation_when_public_test_disagrees(tmp_path):
    import keras

    from model.train import BEST_MODEL, SELECT_ON, Saver

    assert SELECT_ON == "val_accuracy"
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    saver = Saver(tmp_path, net)
    marks = {}
    # PublicTest peaks at epoch 1, the validation split at epoch 2, then both fall.
    for epoch, val, public in ((1, 0.50, 0.90), (2, 0.60, 0.10), (3, 0.55, 0.95)):
        net.set_weights([np.full_like(w, epoch) for w in net.get_weights()])
        saver.epoch_done(epoch, {"val_accuracy": val, "publictest_accuracy": public, "loss": 1.0})
        marks[epoch] = float(keras.models.load_model(tmp_path / BEST_MODEL).get_weights()[0][0, 0])
    assert marks == {1: 1.0, 2: 2.0, 3: 2.0}


def test_a_run_from_before_the_validation_split_is_not_resumed(small_csv, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "history.json").write_text(json.dumps([{"epoch": 1, "val_accuracy": 0.5}]))
    done = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(old), "--epochs", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 2 and "before the validation split" in done.stderr and "Traceback" not in done.stderr
    assert sorted(path.name for path in old.iterdir()) == ["history.json"]


def test_interrupted_training_resumes_where_it_stopped(trained):
    _, epochs_before, log = trained
    assert epochs_before and epochs_before[0] == 1
    # The resumed run starts after the last finished epoch instead of from scratch.
    first_epoch_line = next(line for line in log.splitlines() if line.startswith("Epoch "))
    assert first_epoch_line != "Epoch 1/4"


def test_int8_conversion_agrees_with_float(trained, small_csv, tmp_path):
    out, _, _ = trained
    tflite = tmp_path / "emotion_int8.tflite"
    done = subprocess.run(
        [sys.executable, "-m", "convert.to_tflite", "--model", str(out / "best.keras"), "--data", str(small_csv),
         "--out", str(tflite)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(tflite.with_suffix(".json").read_text())
    assert report["faces"] == FACES
    assert report["agreement"] >= 0.8
    assert abs(report["int8_accuracy"] - report["float_accuracy"]) <= 0.05

    from moodtui.vision.emotion import EmotionClassifier

    classifier = EmotionClassifier(tflite)
    assert classifier._input["dtype"] == np.uint8
    assert classifier.predict(np.zeros((3, 48, 48), np.uint8)).shape == (3, 7)


def test_weight_average_is_the_mean_with_batch_norm_statistics_of_the_training_faces(fer2013, tmp_path):
    import keras

    from model.fer2013 import Split
    from model.resnet38 import build_resnet38
    from model.train import AVERAGE_MODEL, WeightAverage

    train = fer2013["Training"]
    # 512 faces: two equal batches of 256, so the mean of batch means is the mean over all faces.
    faces = Split(train.images[:512], train.labels[:512], train.rows[:512])
    validation = fer2013["Training"].take(slice(512, 768))
    test = fer2013["PublicTest"].take(slice(256))
    keras.utils.set_random_seed(1)
    net = build_resnet38()
    first = net.get_weights()
    second = build_resnet38().get_weights()
    average = WeightAverage(tmp_path, net, start=1, train=faces, validation=validation, test=test)
    average.add(first)
    accuracies = average.add(second)

    assert (tmp_path / AVERAGE_MODEL).exists()
    averaged = average.averaged_network()
    assert set(accuracies) == {"val", "publictest"}
    for key, split in (("val", validation), ("publictest", test)):
        read = averaged.predict(split.images[..., None].astype(np.float32), verbose=0).argmax(axis=1)
        assert accuracies[key] == pytest.approx(float((read == split.labels).mean()))
    kernel = next(layer for layer in averaged.layers if isinstance(layer, keras.layers.Conv2D))
    assert np.allclose(kernel.get_weights()[0], (first[0] + second[0]) / 2, atol=1e-6)
    # The first batch norm's moving mean must be the mean of its input over the training faces.
    first_norm = next(layer for layer in averaged.layers if isinstance(layer, keras.layers.BatchNormalization))
    conv_out = keras.Model(averaged.input, kernel.output).predict(faces.images[..., None].astype(np.float32),
                                                                   verbose=0)
    assert np.allclose(first_norm.moving_mean.numpy(), conv_out.mean(axis=(0, 1, 2)), atol=1e-4)
    # A second averager over the same folder resumes the running mean instead of restarting it.
    resumed = WeightAverage(tmp_path, net, start=1, train=faces, validation=validation)
    assert resumed.count == 2


def test_erase_augmentation_hides_a_patch_of_some_faces_and_leaves_inference_alone():
    from model.train import augmenter

    faces = np.full((64, 48, 48, 1), 128, np.float32)
    erased = np.asarray(augmenter("erase")(faces, training=True))
    changed = (erased != 128).reshape(64, -1).mean(axis=1)
    # Mirror and shift leave a flat grey face flat: any change is an erased patch.
    assert 5 <= (changed > 0).sum() <= 59
    assert changed.max() < 0.5 and erased.min() >= 0 and erased.max() <= 255
    assert np.array_equal(np.asarray(augmenter("erase")(faces, training=False)), faces)


def test_teacher_targets_average_face_and_mirror_into_probabilities(trained, fer2013):
    from model.distill import blend_with_teacher, teacher_probabilities

    out, _, _ = trained
    test = fer2013["PublicTest"]
    faces, labels = test.images[:64], np.eye(7, dtype=np.float32)[test.labels[:64]]
    teacher = teacher_probabilities([out / "best.keras"], faces)
    assert teacher.shape == (64, 7)
    # Face and mirror both count, so mirrored faces get the same targets.
    assert np.allclose(teacher, teacher_probabilities([out / "best.keras"], faces[:, :, ::-1]), atol=1e-5)
    blended = blend_with_teacher(labels, teacher, 0.25)
    assert np.allclose(blended, 0.75 * labels + 0.25 * teacher)
    with pytest.raises(ValueError, match="teacher weight"):
        blend_with_teacher(labels, teacher, 1.5)


def test_distillation_run_trains_on_the_teachers_targets(trained, small_csv, tmp_path):
    out, _, _ = trained
    student = tmp_path / "student"
    done = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(student), "--epochs", "1",
         "--batch-size", "32", "--init", str(out / "best.keras"), "--teacher", str(out / "best.keras"),
         "--teacher-weight", "0.7", "--augment", "light"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (student / "best.keras").exists()
    assert [row["epoch"] for row in json.loads((student / "history.json").read_text())] == [1]
    refused = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(tmp_path / "no"),
         "--teacher", str(out / "best.keras"), "--teacher-weight", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert refused.returncode == 2 and "--teacher-weight" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "no").exists()


def test_saved_teacher_probabilities_train_a_student(trained, small_csv, fer2013, tmp_path):
    from model.distill import saved_teacher_probabilities, teacher_probabilities
    from model.fer2013 import DatasetError, load_fer2013

    out, _, _ = trained
    saved = tmp_path / "teacher.npz"
    done = subprocess.run(
        [sys.executable, "-m", "model.distill", str(out / "best.keras"), "--data", str(small_csv), "--out", str(saved)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "teachers on the validation split (chooses)" in done.stdout and "teachers on PublicTest" in done.stdout
    splits = load_fer2013(small_csv)
    train = splits["Training"]
    # Rows come back in the order asked for, whatever order the file holds them in.
    order = np.arange(len(train))[::-1]
    probabilities = saved_teacher_probabilities(saved, train.rows[order])
    expected = teacher_probabilities([out / "best.keras"], train.images[order])
    assert probabilities.shape == (len(train), 7) and np.allclose(probabilities, expected, atol=1e-4)
    with pytest.raises(DatasetError, match="has no probabilities for row 99999"):
        saved_teacher_probabilities(saved, np.array([99999]))
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="not a teacher-probabilities file"):
        saved_teacher_probabilities(corrupt, train.rows)

    student = tmp_path / "student"
    done = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(student), "--epochs", "1",
         "--batch-size", "32", "--teacher", str(saved), "--teacher-weight", "0.8", "--augment", "light"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert [row["epoch"] for row in json.loads((student / "history.json").read_text())] == [1]
    # Training never asks for a validation face: a teacher file without the validation rows is enough.
    from model.validation import validation_mask

    with np.load(saved) as whole:
        held_rows = set(train.rows[validation_mask(train)].tolist())
        keep = np.array([int(row) not in held_rows for row in whole["rows"]])
        np.savez(tmp_path / "no_validation.npz", rows=whole["rows"][keep], probabilities=whole["probabilities"][keep])
    assert held_rows and len(keep) - keep.sum() == len(held_rows)
    done = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(tmp_path / "blind"), "--epochs",
         "1", "--batch-size", "32", "--teacher", str(tmp_path / "no_validation.npz"), "--augment", "none"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    mixed = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--out", str(tmp_path / "no"),
         "--teacher", str(saved), str(out / "best.keras")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert mixed.returncode == 2 and "not both" in mixed.stderr and not (tmp_path / "no").exists()


def test_ferplus_camera_run_logs_both_label_sets_and_keeps_every_epoch(small_csv, fer2013, tmp_path):
    # FER+ rows for the small file's faces, in its order: its Training faces, then its PublicTest ones.
    lines = shared_path("data/fer2013/fer2013new.csv").read_text().splitlines()
    wanted = [*fer2013["Training"].rows[:FACES], *fer2013["PublicTest"].rows[:FACES]]
    ferplus = tmp_path / "fer2013new.csv"
    ferplus.write_text("\n".join([lines[0], *(lines[1 + int(row)] for row in wanted)]) + "\n")
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "model.train", "--data", str(small_csv), "--ferplus", str(ferplus), "--out", str(out),
         "--epochs", "2", "--batch-size", "32", "--augment", "camera", "--keep-epochs"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    for row in history:
        # Selection is on the validation split's FER+ majority; FER-2013's labels, the mirror-averaged reading and
        # PublicTest are logged beside it.
        for key in ("val_accuracy", "fer2013_val_accuracy", "val_flip_accuracy", "publictest_accuracy",
                    "fer2013_publictest_accuracy", "publictest_flip_accuracy"):
            assert 0 < row[key] < 1, key
    kept = sorted(path.name for path in (out / "epochs").iterdir())
    assert kept == ["epoch-001.keras", "epoch-002.keras"]

    import keras

    second = keras.models.load_model(out / "epochs" / "epoch-002.keras")
    first = keras.models.load_model(out / "epochs" / "epoch-001.keras")
    assert not np.allclose(first.get_weights()[0], second.get_weights()[0])


def test_seed_picks_the_augmentation_and_repeats_it():
    from model.train import augmenter

    faces = np.random.default_rng(0).integers(0, 256, (16, 48, 48, 1)).astype(np.float32)
    first, again, other = (np.asarray(augmenter("light", seed)(faces, training=True)) for seed in (1, 1, 2))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_average_command_merges_networks_and_refuses_a_missing_one(trained, small_csv, tmp_path):
    import keras

    from model.average import mean_weights
    from model.cnn4 import build_cnn4

    out, _, _ = trained
    merged = tmp_path / "merged.keras"
    done = subprocess.run(
        [sys.executable, "-m", "model.average", str(out / "best.keras"), str(out / "best.keras"),
         "--data", str(small_csv), "--out", str(merged)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "validation (chooses):" in done.stdout and "PublicTest (reported):" in done.stdout
    assert "with its mirror image" in done.stdout
    original, averaged = keras.models.load_model(out / "best.keras"), keras.models.load_model(merged)
    assert np.allclose(original.get_weights()[0], averaged.get_weights()[0])  # the mean of a network and itself
    with pytest.raises(ValueError, match="same architecture"):
        mean_weights([original.get_weights(), build_cnn4().get_weights()])
    refused = subprocess.run(
        [sys.executable, "-m", "model.average", str(out / "best.keras"), str(tmp_path / "gone.keras"),
         "--data", str(small_csv), "--out", str(tmp_path / "no.keras")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert refused.returncode == 2 and "gone.keras: no such model file" in refused.stderr
    assert not (tmp_path / "no.keras").exists()
