"""Train the ResNet-38 (or the 4-layer CNN baseline) on FER-2013.

`python -m model.train --data fer2013.csv.gz --out DIR`

Trains on the Training split less the validation split (model/validation.py) and keeps the
checkpoint with the best validation accuracy; PublicTest is logged beside it as a report, never used
to choose (PrivateTest is never looked at). Interrupt it at any time: running the same command again
resumes from the last finished epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

# TensorFlow 2.21's oneDNN depthwise-conv weight gradient (MklConvCustomBackpropFilterOp,
# depthwise) corrupts the heap: a segfault within the first full FER-2013 epoch, with any input
# pipeline, on both the AMD EPYC and the Intel Xeon machines ("free(): invalid next size"). The
# stock kernels are slower (~65 s an epoch on 2 EPYC cores, ~84 s on 2 Xeon cores, against ~40 s)
# but sound; TF_ENABLE_ONEDNN_OPTS=1 in the environment still overrides this.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from model.average import with_training_statistics
from model.cli import model_file
from model.distill import blend_with_teacher, saved_teacher_probabilities, teacher_probabilities
from model.fer2013 import (
    DatasetError,
    Split,
    ferplus_majority,
    ferplus_shares,
    load_fer2013,
    load_ferplus_table,
)
from model.resnet38 import L2
from model.validation import VALIDATION, description, hold_out_validation

# Hyper-parameters. The recipe, not the epoch count, is what lifts accuracy on FER-2013.
EPOCHS = 60
BATCH_SIZE = 64
PEAK_LEARNING_RATE = 2e-3
WARMUP_EPOCHS = 2
LABEL_SMOOTHING = 0.1
FERPLUS_WEIGHT = 0.3  # share of the target taken from FER+ vote distributions, when given
TEACHER_WEIGHT = 0.5  # share of the target taken from the teachers' probabilities, when given
ROTATION = 10 / 360  # fraction of a full turn
SHIFT = 0.1
ZOOM = 0.1
CONTRAST = 0.2
ERASE_PROBABILITY = 0.5  # share of faces that get one random patch replaced by noise
SEED = 1234

BEST_MODEL = "best.keras"
AVERAGE_MODEL = "average.keras"
EPOCHS_FOLDER = "epochs"  # every epoch's network, with --keep-epochs
HISTORY = "history.json"
SPLIT_RECORD = "split.json"  # what the run trained and chose on; a run started before it is not resumed
# The one number best.keras is chosen by: Keras's accuracy on `validation_data`, which is the
# validation split held out of Training. PublicTest is logged as "publictest_*" and never compared.
SELECT_ON = "val_accuracy"


def onehot_targets(split: Split) -> np.ndarray:
    """FER-2013's own labels as training targets (the FER+ blend is `ferplus_training_set`)."""
    return np.eye(7, dtype=np.float32)[split.labels]


def augmenter(strength: str = "full", seed: int = SEED):
    """Training-only augmentation; "light" (mirror and shift) lets this small network fit closer.

    "erase" is light plus random erasing: hiding part of the face regularises without the
    geometric distortions of "full", which made the network underfit. "shift" is light in
    whole pixels, written in keras.ops: the one that stays fast under the JAX backend on a GPU.
    """
    import keras
    from keras import layers

    from model.augment import FlipShift

    if strength == "shift":
        return keras.Sequential([FlipShift(SHIFT, seed=seed)], name="augment")
    flip = layers.RandomFlip("horizontal", seed=seed)
    shift = layers.RandomTranslation(SHIFT, SHIFT, fill_mode="nearest", seed=seed)
    if strength == "light":
        return keras.Sequential([flip, shift], name="augment")
    if strength == "erase":
        erase = layers.RandomErasing(factor=(ERASE_PROBABILITY, ERASE_PROBABILITY), value_range=(0, 255), seed=seed)
        return keras.Sequential([flip, shift, erase], name="augment")
    return keras.Sequential(
        [
            flip,
            layers.RandomRotation(ROTATION, fill_mode="nearest", seed=seed),
            shift,
            layers.RandomZoom(ZOOM, fill_mode="nearest", seed=seed),
            layers.RandomContrast(CONTRAST, value_range=(0, 255), seed=seed),
            layers.Lambda(lambda x: keras.ops.clip(x, 0.0, 255.0)),
        ],
        name="augment",
    )


def camera_faces(images: np.ndarray, targets: np.ndarray, batch_size: int, seed: int):
    """Training batches with fresh webcam-like distortions every epoch (model/camera_augment.py).

    A keras.utils.PyDataset: the distortions run in NumPy/OpenCV on the CPU, so the network is
    trained bare and nothing of the augmentation is saved with it.
    """
    import keras

    from model.camera_augment import camera_batch

    class CameraFaces(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(images))

        def __len__(self) -> int:
            return int(np.ceil(len(images) / batch_size))

        def __getitem__(self, index: int):
            picks = self.order[index * batch_size : (index + 1) * batch_size]
            faces = camera_batch(images[picks], self.rng)
            return faces[..., None].astype(np.float32), targets[picks]

        def on_epoch_end(self) -> None:
            self.order = self.rng.permutation(len(images))

    return CameraFaces()


def ferplus_training_set(split: Split, emotions: np.ndarray, others: np.ndarray,
                         weight: float) -> tuple[Split, np.ndarray]:
    """The Training faces FER+ calls a face with an emotion, and their targets: `weight` of the
    FER+ vote shares, the rest the FER-2013 label."""
    shares, usable = ferplus_shares(emotions[split.rows], others[split.rows])
    kept = split.take(usable)
    onehot = np.eye(7, dtype=np.float32)[kept.labels]
    return kept, (1 - weight) * onehot + weight * shares[usable]


def ferplus_scored_set(split: Split, emotions: np.ndarray, others: np.ndarray) -> Split:
    """The faces of a split (validation, PublicTest) with a clear FER+ majority emotion, labelled with it."""
    majority = ferplus_majority(emotions[split.rows], others[split.rows])
    keep = majority >= 0
    return Split(split.images[keep], majority[keep], split.rows[keep])


def accuracy_logger(net, split: Split, name: str, flip: bool = False):
    """A callback logging accuracy on a labelled split each epoch as `name` (a report: the Saver
    chooses on SELECT_ON alone); with `flip`, of each face's and its mirror image's probabilities
    averaged, as the app reads."""
    import keras

    faces = split.images[..., None].astype(np.float32)

    class LogAccuracy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            probabilities = net.predict(faces, batch_size=256, verbose=0)
            if flip:
                probabilities = probabilities + net.predict(faces[:, :, ::-1], batch_size=256, verbose=0)
            if logs is not None:
                logs[name] = float((probabilities.argmax(1) == split.labels).mean())

    return LogAccuracy()


def arrays(train: Split, targets: np.ndarray, validation: Split) -> tuple[tuple, tuple]:
    """(faces, targets) for training and validation as float arrays `fit` takes on every Keras backend."""
    x_train = train.images[..., None].astype(np.float32)
    x_val = validation.images[..., None].astype(np.float32)
    return (x_train, targets.astype(np.float32)), (x_val, np.eye(7, dtype=np.float32)[validation.labels])


def with_augmentation(net, strength: str, seed: int = SEED):
    """The network with the augmenter in front, for training; the bare network for "none"."""
    import keras

    if strength == "none":
        return net
    return keras.Sequential([keras.Input(net.input_shape[1:]), augmenter(strength, seed), net])


def learning_rate(steps_per_epoch: int, epochs: int, peak: float = PEAK_LEARNING_RATE,
                  constant: bool = False):
    import keras

    if constant:
        return peak

    warmup = WARMUP_EPOCHS * steps_per_epoch
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 10,
        decay_steps=max(1, epochs * steps_per_epoch - warmup),
        warmup_target=peak,
        warmup_steps=warmup,
    )


def load_history(out: Path) -> list[dict]:
    path = out / HISTORY
    return json.loads(path.read_text()) if path.exists() else []


class Saver:
    """Callbacks that keep history.json and the best network on disk after every epoch.

    The best network is the one with the highest SELECT_ON, the validation split's accuracy.
    """

    def __init__(self, out: Path, net, keep_epochs: bool = False) -> None:
        self.out, self.net, self.keep_epochs = out, net, keep_epochs

    def callback(self):
        import keras

        saver = self

        class SaveProgress(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                saver.epoch_done(epoch + 1, logs or {})

        return SaveProgress()

    def epoch_done(self, epoch: int, logs: dict) -> None:
        earlier = [row for row in load_history(self.out) if row["epoch"] < epoch]
        best = max((row[SELECT_ON] for row in earlier), default=-1.0)
        if logs[SELECT_ON] > best or not (self.out / BEST_MODEL).exists():
            # Only the bare network is saved: augmentation is a training-time wrapper.
            self.net.save(self.out / BEST_MODEL)
        if self.keep_epochs:
            # What ships is int8 + flip, which the float one-pass accuracy ranks only roughly:
            # keeping every epoch lets the convert-and-score step choose (or average) them.
            (self.out / EPOCHS_FOLDER).mkdir(exist_ok=True)
            self.net.save(self.out / EPOCHS_FOLDER / f"epoch-{epoch:03d}.keras")
        rows = [*earlier, {"epoch": epoch, **{k: float(v) for k, v in logs.items()}}]
        tmp = self.out / (HISTORY + ".tmp")
        tmp.write_text(json.dumps(rows, indent=1))
        tmp.replace(self.out / HISTORY)


class WeightAverage:
    """Stochastic weight averaging: the mean of the network's weights over the last epochs.

    The mean of several nearby solutions sits in a flatter part of the loss surface than any
    one of them, which is what generalises; batch-norm statistics do not average linearly, so
    they are re-estimated on the training faces before the averaged network is judged. Nothing is
    chosen here (the last average is kept); its validation accuracy is logged as
    "average_val_accuracy", its PublicTest accuracy beside it as "average_publictest_accuracy".
    """

    def __init__(self, out: Path, net, start: int, train: Split, validation: Split, test: Split | None = None) -> None:
        self.out, self.net, self.start = out, net, start
        self.train_images = train.images  # uint8; made float a batch at a time, not a second full copy
        self.scored = {"val": validation, **({"publictest": test} if test is not None else {})}
        self.mean: list[np.ndarray] | None = None
        self.count = 0
        # The running mean is kept on disk so that a resumed run goes on averaging where it stopped.
        self.state = out / "backup" / "average.npz"
        if self.state.exists():
            with np.load(self.state) as saved:
                self.count = int(saved["count"])
                self.mean = [saved[f"w{i}"] for i in range(len(saved.files) - 1)]

    def callback(self):
        import keras

        average = self

        class Average(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch + 1 >= average.start:
                    accuracies = average.add(average.net.get_weights())
                    if logs is not None:
                        logs.update({f"average_{name}_accuracy": value for name, value in accuracies.items()})

        return Average()

    def add(self, weights: list[np.ndarray]) -> dict[str, float]:
        """Folds one epoch's weights into the mean; returns the averaged network's accuracy on the
        validation split ("val") and, when given, PublicTest ("publictest")."""
        self.count += 1
        if self.mean is None:
            self.mean = [w.astype(np.float64) for w in weights]
        else:
            self.mean = [m + (w - m) / self.count for m, w in zip(self.mean, weights, strict=True)]
        self.state.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state.with_suffix(".tmp.npz")
        np.savez(tmp, count=self.count, **{f"w{i}": m for i, m in enumerate(self.mean)})
        tmp.replace(self.state)
        averaged = self.averaged_network()
        averaged.save(self.out / AVERAGE_MODEL)
        return {name: float((averaged.predict(split.images[..., None].astype(np.float32), batch_size=256,
                                              verbose=0).argmax(axis=1) == split.labels).mean())
                for name, split in self.scored.items()}

    def averaged_network(self):
        return with_training_statistics(self.net, self.mean, self.train_images)


def build_network(arch: str, l2: float):
    from model.cnn4 import build_cnn4
    from model.resnet38 import build_resnet38
    from model.teacher import build_vgg_teacher

    if arch == "vgg":
        return build_vgg_teacher(l2=l2)
    return build_resnet38(l2=l2) if arch == "resnet38" else build_cnn4()


def check_split_record(out: Path, record: dict) -> None:
    """Refuse to resume a run in `out` that trained or chose on other faces than this one would."""
    path = out / SPLIT_RECORD
    if path.exists():
        if json.loads(path.read_text()) != record:
            raise DatasetError(f"{out}: holds a run on other faces ({path} differs): give a new --out")
    elif (out / HISTORY).exists():
        raise DatasetError(f"{out}: holds a run started before the validation split (its {BEST_MODEL} was chosen "
                           "on PublicTest and it trained on the validation faces): give a new --out")


def train(args: argparse.Namespace) -> Path:
    import keras

    keras.utils.set_random_seed(args.seed)
    read = load_fer2013(args.data)
    if "Training" not in read or "PublicTest" not in read:
        raise DatasetError(f"{args.data}: needs both Training and PublicTest rows")
    splits = hold_out_validation(read)
    if args.limit:
        splits = {name: split.take(slice(args.limit)) for name, split in splits.items()}
    train_split, val_split, test_split = splits["Training"], splits[VALIDATION], splits["PublicTest"]
    fer2013_val, fer2013_test = val_split, test_split
    if args.ferplus:
        rows = sum(len(s) for s in read.values())
        emotions, others = load_ferplus_table(args.ferplus, expected_rows=rows)
        train_split, targets = ferplus_training_set(train_split, emotions, others, args.ferplus_weight)
        # Validation, and so best.keras, follow the FER+ majority; FER-2013's labels are logged beside it.
        val_split = ferplus_scored_set(val_split, emotions, others)
        test_split = ferplus_scored_set(test_split, emotions, others)
    else:
        targets = onehot_targets(train_split)
    if args.teacher:
        saved = [path for path in args.teacher if path.endswith(".npz")]
        if saved:
            teacher = np.mean([saved_teacher_probabilities(path, train_split.rows) for path in saved], axis=0)
        else:
            teacher = teacher_probabilities(args.teacher, train_split.images)
        targets = blend_with_teacher(targets, teacher, args.teacher_weight)

    out = Path(args.out)
    record = description({"Training": train_split, VALIDATION: val_split, "PublicTest": test_split}) | {
        "labels": "FER+ majority" if args.ferplus else "FER-2013", "select_metric": SELECT_ON}
    check_split_record(out, record)
    out.mkdir(parents=True, exist_ok=True)
    (out / SPLIT_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    (x_train, y_train), val_arrays = arrays(train_split, targets, val_split)
    steps = int(np.ceil(len(train_split) / args.batch_size))

    net = build_network(args.arch, args.l2)
    if args.init:
        # Fine-tuning: start from a trained network's weights (the L2 penalty may differ).
        net.set_weights(keras.models.load_model(args.init).get_weights())
    # Augmentation layers run inside the training graph (they pass faces through unchanged
    # at inference); running them in tf.data worker threads crashed TensorFlow here.
    model = with_augmentation(net, "none" if args.augment == "camera" else args.augment, args.seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate(steps, args.epochs, args.peak_lr,
                                                      constant=args.average_from > 0)),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
        metrics=["accuracy"],
    )
    callbacks = [keras.callbacks.BackupAndRestore(str(out / "backup")),
                 accuracy_logger(net, test_split, "publictest_accuracy")]
    if args.ferplus:
        callbacks += [accuracy_logger(net, fer2013_val, "fer2013_val_accuracy"),
                      accuracy_logger(net, fer2013_test, "fer2013_publictest_accuracy"),
                      accuracy_logger(net, val_split, "val_flip_accuracy", flip=True),
                      accuracy_logger(net, test_split, "publictest_flip_accuracy", flip=True)]
    if args.average_from > 0:
        callbacks.append(WeightAverage(out, net, args.average_from, train_split, val_split, test_split).callback())
    # Keras shuffles the in-memory arrays each epoch (seeded by set_random_seed above).
    if args.augment == "camera":
        batches = {"x": camera_faces(train_split.images, y_train, args.batch_size, args.seed)}
    else:
        batches = {"x": x_train, "y": y_train, "batch_size": args.batch_size, "shuffle": True}
    model.fit(
        **batches,
        validation_data=val_arrays,
        validation_batch_size=256,
        epochs=args.epochs,
        callbacks=[*callbacks, Saver(out, net, args.keep_epochs).callback()],
        verbose=1 if sys.stdout.isatty() else 2,
    )
    from model.plots import plot_history

    plot_history(load_history(out), out)
    return out / BEST_MODEL


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m model.train",
        description="Train the ResNet-38 emotion network on FER-2013 (Training less the validation split; "
        "the best validation epoch is kept, PublicTest is reported beside it). Re-run the same command to resume.",
    )
    parser.add_argument("--data", required=True, help="fer2013.csv or fer2013.csv.gz (Kaggle format)")
    parser.add_argument("--out", required=True, help="folder for checkpoints, history.json and plots")
    parser.add_argument("--arch", choices=("resnet38", "cnn4", "vgg"), default="resnet38",
                        help="the paper's ResNet-38 (default), its 4-layer CNN baseline, or the wide VGG "
                        "distillation teacher (model/teacher.py; meant for a GPU)")
    parser.add_argument("--ferplus", help="fer2013new.csv: train on FER+ vote shares (faces FER+ calls not-a-face "
                        "or unknown are left out) and select on the validation split's FER+ majority labels")
    parser.add_argument("--ferplus-weight", type=float, default=FERPLUS_WEIGHT,
                        help=f"share of each target taken from the FER+ votes, the rest from the FER-2013 label "
                        f"(default {FERPLUS_WEIGHT}; 1 = FER+ alone)")
    parser.add_argument("--teacher", nargs="+", metavar="MODEL", type=model_file,
                        help="distillation: blend these trained .keras networks' probabilities (each face and "
                        "its mirror, averaged) into the targets, or those saved by `python -m model.distill` (.npz)")
    parser.add_argument("--teacher-weight", type=float, default=TEACHER_WEIGHT,
                        help=f"share of the target taken from the teachers (default {TEACHER_WEIGHT})")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"total epochs (default {EPOCHS})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"default {BATCH_SIZE}")
    parser.add_argument("--init", type=model_file, help="start from this trained .keras network (fine-tuning)")
    parser.add_argument("--l2", type=float, default=L2, help=f"L2 penalty on conv weights (default {L2}, the paper's)")
    parser.add_argument("--peak-lr", type=float, default=PEAK_LEARNING_RATE,
                        help=f"peak learning rate of the cosine schedule (default {PEAK_LEARNING_RATE})")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed of data order and augmentation (default {SEED}): another seed, another run")
    parser.add_argument("--limit", type=int, default=0,
                        help="use only the first N faces of each split (training, validation, PublicTest; tests)")
    parser.add_argument("--augment", choices=("full", "light", "erase", "shift", "camera", "none"), default="full",
                        help="full: mirror, shift, rotation, zoom, contrast (default); "
                        "light: mirror and shift only (the shipped model's recipe); "
                        "erase: light plus a noise patch on half the faces; "
                        "shift: light in whole pixels, fast on a GPU under KERAS_BACKEND=jax; "
                        "camera: webcam-like faces (roll, zoom, light, blur, noise, JPEG, occlusion; "
                        "model/camera_augment.py); none")
    parser.add_argument("--average-from", type=int, default=0, metavar="EPOCH",
                        help="stochastic weight averaging: hold the learning rate at --peak-lr and "
                        f"average the weights of every epoch from EPOCH on into {AVERAGE_MODEL}")
    parser.add_argument("--keep-epochs", action="store_true",
                        help=f"also save every epoch's network in {EPOCHS_FOLDER}/ under --out")
    args = parser.parse_args(argv)
    if args.teacher and len({path.endswith(".npz") for path in args.teacher}) > 1:
        parser.error("--teacher takes either .keras networks or saved probabilities (.npz), not both")
    if not 0.0 <= args.ferplus_weight <= 1.0:
        parser.error(f"--ferplus-weight must lie between 0 and 1, not {args.ferplus_weight}")
    if not 0.0 <= args.teacher_weight <= 1.0:
        parser.error(f"--teacher-weight must lie between 0 and 1, not {args.teacher_weight}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        best = train(args)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"best model: {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
