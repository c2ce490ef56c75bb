"""Teachers trained on camera-like faces, then the ResNet-38 taught by them on the very faces it sees.

`KERAS_BACKEND=jax python -m model.consistent_distill --pack fer.npz --out DIR --student tuned=best.keras --bf16`

Meant for a GPU (model/README.md has the run, its timings and what it gave); it runs anywhere, slowly.

Offline distillation (`model.distill`, then `model.train --teacher`) tells the student what the
teachers think of the clean face while it learns from a distorted one; after a blur or a dark
gamma the two can disagree, and the student is taught a wrong answer. Here every epoch's
camera-like faces (model/camera_augment.py) go through the teacher ensemble first, each face
and its mirror image, so the target describes exactly the image the student sees: "consistent"
distillation, which pays most over long schedules (Beyer et al., "Knowledge distillation: A good
teacher is patient and consistent", CVPR 2022).

1. Teachers: wide VGG networks (model/teacher.py), each from its own random start, trained on
   the camera-like faces with FER_PLUS_WEIGHT of the FER+ vote shares and the rest the FER-2013
   label as targets (as the previous default was).
2. Students: ResNet-38s (the paper's network, or the same network N times wider: `NAME=xN`; from
   a trained network or from scratch) trained side by side on the same stream of faces, each in
   its own order, on the ensemble's probabilities alone.

Epoch counts are upper bounds; with --teacher-seconds / --student-seconds a phase re-plans after
every epoch to end inside its time (`EpochPlan`), so a run on a lent machine ends when it must (the
plan is logged; passing it as the epoch count repeats the run); --deadline bounds the whole run,
the students taking what the teachers left.

Teachers and students train on Training less the validation split (model/validation.py); every
check scores the validation split, which alone chooses, and PublicTest beside it as a report.
Writes to --out: teachers/teacher-N.keras, teacher_probabilities.npz (the ensemble on the clean
training, validation and PublicTest faces, for `model.train --teacher`), students/NAME/epoch-NNN.keras
(every tenth and the last KEEP_LAST epochs), students/NAME/best.keras (the checked epoch with the best
validation FER+ accuracy, when --eval-every checks) and history.json (accuracy float + flip, as the
app reads, on FER+ and FER-2013, validation and PublicTest).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py: oneDNN's depthwise gradient crashes

import numpy as np  # noqa: E402

from model.camera_augment import camera_epochs  # noqa: E402
from model.cli import model_file  # noqa: E402
from model.distill import mirrored_probabilities  # noqa: E402
from model.fer2013 import DatasetError, Split, load_fer2013, load_ferplus_table  # noqa: E402
from model.validation import VALIDATION, hold_out_validation  # noqa: E402

# Hyper-parameters.
TEACHERS = 3
TEACHER_EPOCHS = 60
TEACHER_PEAK_LR = 1e-3
STUDENT_EPOCHS = 200
FINETUNE_PEAK_LR = 1e-3  # a student that starts from a trained network
SCRATCH_PEAK_LR = 3e-3
TEACHER_BATCH = 128
STUDENT_BATCH = 256  # the ResNet-38's steps are launch-bound on a GPU: bigger batches, fewer launches
WARMUP_EPOCHS = 2
L2 = 1e-4
FER_PLUS_WEIGHT = 0.8
EVAL_EVERY = 5  # epochs between the students' checks (validation chooses, PublicTest is reported)
KEEP_LAST = 10  # the students' last epochs all saved (for choosing or averaging after int8 conversion)
SAVE_RESERVE = 20.0  # seconds --deadline keeps for the last saves and the final evaluation
SEED = 2026

HISTORY = "history.json"
TEACHER_PROBABILITIES = "teacher_probabilities.npz"
BEST_STUDENT = "best.keras"
# What a student's best.keras is chosen by: float + flip accuracy on the validation split's FER+
# majority labels. The "publictest_*" figures are logged beside it and never compared.
SELECT_ON = "val_fer_plus"


@dataclass
class FaceData:
    """Training faces with their label targets; the validation split and PublicTest on both label sets."""

    train: Split  # Training less the validation split, the faces FER+ can train on
    targets: np.ndarray  # (N, 7): FER_PLUS_WEIGHT of the FER+ shares, the rest the FER-2013 label
    val_ferplus: Split  # validation faces with a clear FER+ majority, labelled with it: what chooses
    val_fer2013: Split  # every validation face, FER-2013's own label
    test_ferplus: Split  # PublicTest faces with a clear FER+ majority: reported, never chosen on
    test_fer2013: Split  # every PublicTest face, FER-2013's own label


@dataclass
class Student:
    """One ResNet-38 being taught, with its own data order and peak learning rate."""

    name: str
    width: int
    net: object
    peak_lr: float
    order: np.random.Generator
    history: list[dict] = field(default_factory=list)
    best: float = -1.0  # the best SELECT_ON so far, the epoch in students/NAME/best.keras


def load_faces(args: argparse.Namespace) -> FaceData:
    from model.train import ferplus_scored_set, ferplus_training_set

    if args.pack:
        from model.pack import read_pack

        splits, emotions, others = read_pack(args.pack)  # the validation split is held out in the pack
    else:
        splits = load_fer2013(args.data)
        emotions, others = load_ferplus_table(args.ferplus, expected_rows=sum(len(s) for s in splits.values()))
    if "Training" not in splits or "PublicTest" not in splits:
        raise DatasetError("the data needs both Training and PublicTest rows")
    splits = hold_out_validation(splits)
    train, val, test = splits["Training"], splits[VALIDATION], splits["PublicTest"]
    if args.limit:
        train, val, test = (s.take(slice(args.limit)) for s in (train, val, test))
    train, targets = ferplus_training_set(train, emotions, others, FER_PLUS_WEIGHT)
    return FaceData(train, targets, ferplus_scored_set(val, emotions, others), val,
                    ferplus_scored_set(test, emotions, others), test)


def learning_rate(epoch: int, epochs: int, peak: float) -> float:
    """The rate for a 0-based epoch: a linear warm-up from peak/10, then a cosine down to zero."""
    if epoch < WARMUP_EPOCHS:
        return peak * (0.1 + 0.9 * epoch / WARMUP_EPOCHS)
    progress = (epoch - WARMUP_EPOCHS) / max(1, epochs - WARMUP_EPOCHS)
    return 0.5 * peak * (1 + np.cos(np.pi * progress))


class EpochPlan:
    """How many epochs a phase runs: at most `most`, and inside `seconds` when given.

    The first epoch compiles, so it says little; after each later one the plan becomes the epochs
    done plus as many as the mean epoch so far fits in the time left, never more than planned
    before (later epochs cost more than early ones: evaluations, saved networks). Two runs on a
    lent GPU planned once from their second epoch and overran their time by 15%.
    """

    def __init__(self, most: int, seconds: float | None) -> None:
        self.epochs, self.seconds = most, seconds
        self.start = time.monotonic()
        self.durations: list[float] = []

    def epoch_done(self, seconds: float) -> None:
        self.durations.append(seconds)
        done = len(self.durations)
        if self.seconds is None or done < 2:
            return
        left = self.seconds - (time.monotonic() - self.start)
        # The median, not the mean: an epoch that compiled an evaluation or saved networks must not
        # shrink the plan for good (a lent-GPU run planned 66 student epochs and ran 10).
        fits = done + int(max(left, 0.0) / max(float(np.median(self.durations[1:])), 1e-6))
        self.epochs = max(done, min(self.epochs, fits))


def compiled(net, peak_lr: float):
    import keras

    net.compile(optimizer=keras.optimizers.Adam(peak_lr / 10), loss=keras.losses.CategoricalCrossentropy())
    return net


def fit_epoch(net, faces: np.ndarray, targets: np.ndarray, rate: float, order: np.random.Generator,
              batch: int) -> float:
    """One pass over the faces in a fresh order at this learning rate (whole batches only: one
    compiled step shape); returns the mean loss."""
    picks = order.permutation(len(faces))
    picks = picks[: max(batch, len(picks) - len(picks) % batch)]
    net.optimizer.learning_rate = rate
    done = net.fit(faces[picks, ..., None].astype(np.float32), targets[picks], batch_size=batch,
                   epochs=1, shuffle=False, verbose=0)
    return float(done.history["loss"][-1])


def accuracies(nets, data: FaceData) -> dict[str, float]:
    """Float accuracy of the networks' mirror-averaged mean, as the app reads, on both label sets of the
    validation split ("val_*", what chooses) and of PublicTest ("publictest_*", reported), and the
    balanced FER+ accuracy (mean per-class recall) of each."""
    from model.select import balanced_accuracy

    result = {}
    for prefix, ferplus, fer2013 in (("val", data.val_ferplus, data.val_fer2013),
                                     ("publictest", data.test_ferplus, data.test_fer2013)):
        # One pass over the split's faces; the FER+ faces are among them.
        predictions = mirrored_probabilities(nets, fer2013.images).argmax(1)
        position = {int(row): i for i, row in enumerate(fer2013.rows)}
        on_ferplus = predictions[[position[int(row)] for row in ferplus.rows]]
        result[f"{prefix}_fer_plus"] = float((on_ferplus == ferplus.labels).mean())
        result[f"{prefix}_fer_plus_balanced"] = balanced_accuracy(ferplus.labels, on_ferplus)
        result[f"{prefix}_fer2013"] = float((predictions == fer2013.labels).mean())
    return result


def keep_if_best(student: Student, out: Path) -> None:
    """Save the student as its best.keras when its last check beats every earlier one on SELECT_ON."""
    row = student.history[-1]
    if SELECT_ON in row and row[SELECT_ON] > student.best:
        student.best = row[SELECT_ON]
        save_bare(student.net, out / "students" / student.name / BEST_STUDENT)
        row["best"] = True


class Log:
    """history.json, rewritten whole after every event so that a stopped run keeps what it did."""

    def __init__(self, out: Path, settings: dict) -> None:
        self.path = out / HISTORY
        self.record: dict = {"settings": settings, "teachers": [], "ensemble": None, "students": {}}

    def save(self) -> None:
        tmp = self.path.with_name(HISTORY + ".tmp")
        tmp.write_text(json.dumps(self.record, indent=1))
        tmp.replace(self.path)

    def say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def train_teacher(index: int, data: FaceData, stream: Iterator[np.ndarray], args: argparse.Namespace, log: Log):
    import keras

    from model.teacher import build_vgg_teacher

    keras.utils.set_random_seed(args.seed + 100 * index)
    if args.bf16:
        keras.config.set_dtype_policy("mixed_bfloat16")
    net = compiled(build_vgg_teacher(l2=L2), TEACHER_PEAK_LR)
    keras.config.set_dtype_policy("float32")
    order = np.random.default_rng(args.seed + 100 * index)
    budget = args.teacher_seconds / args.teachers if args.teacher_seconds else None
    plan, losses = EpochPlan(args.teacher_epochs, budget), []
    while len(losses) < plan.epochs:
        began = time.monotonic()
        rate = learning_rate(len(losses), plan.epochs, TEACHER_PEAK_LR)
        losses.append(fit_epoch(net, next(stream), data.targets, rate, order, TEACHER_BATCH))
        plan.epoch_done(time.monotonic() - began)
        if len(losses) == 2:
            log.say(f"teacher {index}: {plan.durations[-1]:.1f} s an epoch, {plan.epochs} epochs planned")
    result = {"epochs": len(losses), "seconds": round(time.monotonic() - plan.start, 1), "last_loss": losses[-1],
              **accuracies([net], data)}
    log.record["teachers"].append(result)
    log.save()
    log.say(f"teacher {index}: {result}")
    return net


def new_student(spec: StudentSpec, args: argparse.Namespace, index: int) -> Student:
    import keras

    from model.resnet38 import build_resnet38

    keras.utils.set_random_seed(args.seed + 1000 + index)
    net = build_resnet38(l2=L2, width=spec.width)
    if spec.init:
        net.set_weights(keras.models.load_model(spec.init).get_weights())
    peak = args.student_lr or (FINETUNE_PEAK_LR if spec.init else SCRATCH_PEAK_LR)
    return Student(spec.name, spec.width, compiled(net, peak), peak, np.random.default_rng(args.seed + 1000 + index))


def save_bare(net, path: Path) -> None:
    """The network without its optimizer state (a third of the size); what conversion needs."""
    import keras

    bare = keras.Model(net.inputs, net.outputs, name=net.name)  # same layers, no optimizer (clone_model keeps it)
    bare.set_weights(net.get_weights())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: a run stopped mid-save must not leave a cut network behind.
    tmp = path.with_name(path.stem + ".tmp.keras")
    bare.save(tmp)
    tmp.replace(path)


def train_students(students: list[Student], teachers, data: FaceData, stream: Iterator[np.ndarray],
                   args: argparse.Namespace, log: Log, out: Path, seconds: float | None) -> None:
    plan, epoch = EpochPlan(args.student_epochs, seconds), 0
    while epoch < plan.epochs:
        began = time.monotonic()
        faces = next(stream)
        targets = mirrored_probabilities(teachers, faces)
        for student in students:
            rate = learning_rate(epoch, plan.epochs, student.peak_lr)
            row = {"epoch": epoch + 1, "lr": rate, "loss": fit_epoch(student.net, faces, targets, rate, student.order,
                                                                   STUDENT_BATCH)}
            if args.eval_every and (epoch + 1) % args.eval_every == 0:
                row.update(accuracies([student.net], data))
            student.history.append(row)
        epoch += 1
        plan.epoch_done(time.monotonic() - began)
        epochs = plan.epochs
        if epoch == 2:
            log.say(f"students: {plan.durations[-1]:.1f} s an epoch, {epochs} epochs planned")
        for student in students:
            if epoch % 10 == 0 or epoch > epochs - KEEP_LAST:
                save_bare(student.net, out / "students" / student.name / f"epoch-{epoch:03d}.keras")
            if args.eval_every and epoch == epochs and SELECT_ON not in student.history[-1]:
                student.history[-1].update(accuracies([student.net], data))
            keep_if_best(student, out)
            log.record["students"][student.name] = student.history
        log.record["student_epochs"] = epochs
        log.save()
        if epoch % (args.eval_every or 5) == 0 or epoch == epochs:
            log.say(f"epoch {epoch}/{epochs}: " + "; ".join(
                f"{s.name} loss {s.history[-1]['loss']:.4f} validation FER+ "
                f"{s.history[-1].get(SELECT_ON, float('nan')):.4f} (PublicTest "
                f"{s.history[-1].get('publictest_fer_plus', float('nan')):.4f})" for s in students))


def save_teacher_probabilities(teachers, data: FaceData, out: Path) -> None:
    """The ensemble on the clean training, validation and PublicTest faces, in model.distill's format."""
    images = np.concatenate([data.train.images, data.val_fer2013.images, data.test_fer2013.images])
    rows = np.concatenate([data.train.rows, data.val_fer2013.rows, data.test_fer2013.rows])
    tmp = out / (TEACHER_PROBABILITIES + ".tmp.npz")
    np.savez_compressed(tmp, rows=rows, probabilities=mirrored_probabilities(teachers, images))
    tmp.replace(out / TEACHER_PROBABILITIES)


def student_seconds(args: argparse.Namespace, started: float) -> float | None:
    """The students' time: --student-seconds, cut to what --deadline leaves (less SAVE_RESERVE)."""
    if args.deadline is None:
        return args.student_seconds
    left = max(1.0, args.deadline - (time.monotonic() - started) - SAVE_RESERVE)
    return min(left, args.student_seconds or left)


def run(args: argparse.Namespace) -> Path:
    import keras

    started = time.monotonic()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_faces(args)
    settings = vars(args) | {"student": [asdict(spec) for spec in args.student]}
    log = Log(out, settings | {"backend": keras.backend.backend(), "training_faces": len(data.train),
                               "validation_faces": len(data.val_fer2013), "selected_on": SELECT_ON})
    log.say(f"{len(data.train)} training faces; validation {len(data.val_ferplus)} FER+ / {len(data.val_fer2013)} "
            f"FER-2013 faces (chooses); PublicTest {len(data.test_ferplus)} / {len(data.test_fer2013)} (reported); "
            f"Keras on {keras.backend.backend()}")
    stream = camera_epochs(data.train.images, args.seed, args.workers)
    try:
        if args.use_teachers:
            teachers = [keras.models.load_model(path) for path in args.use_teachers]
        else:
            teachers = []
            for i in range(args.teachers):
                teachers.append(train_teacher(i, data, stream, args, log))
                save_bare(teachers[-1], out / "teachers" / f"teacher-{i}.keras")
        log.record["ensemble"] = accuracies(teachers, data)
        log.save()
        log.say(f"teacher ensemble: {log.record['ensemble']}")
        save_teacher_probabilities(teachers, data, out)
        students = [new_student(spec, args, i) for i, spec in enumerate(args.student)]
        if students:
            train_students(students, teachers, data, stream, args, log, out, student_seconds(args, started))
    finally:
        stream.close()
    return out


@dataclass(frozen=True)
class StudentSpec:
    name: str
    init: str | None = None  # a trained network to start from
    width: int = 1  # the ResNet-38's block filters times this


def student_spec(text: str) -> StudentSpec:
    """argparse type: NAME (the ResNet-38 from scratch), NAME=xN (N times as wide, from scratch) or
    NAME=NETWORK.keras (starts from that network)."""
    name, _, init = text.partition("=")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise argparse.ArgumentTypeError(f"{name!r}: a student's name is letters, digits, '-' and '_'")
    if init[:1] == "x" and init[1:].isdigit():
        if not 1 <= int(init[1:]) <= 8:
            raise argparse.ArgumentTypeError(f"{init}: a student's width is x1 to x8")
        return StudentSpec(name, width=int(init[1:]))
    return StudentSpec(name, model_file(init) if init else None)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m model.consistent_distill", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pack", type=model_file, help="FER-2013 and FER+ packed by `python -m model.pack`")
    source.add_argument("--data", help="fer2013.csv(.gz) (then --ferplus is needed too)")
    parser.add_argument("--ferplus", help="fer2013new.csv, the FER+ votes")
    parser.add_argument("--out", required=True, help="folder for teachers, students and history.json")
    parser.add_argument("--teachers", type=int, default=TEACHERS, help=f"how many teachers (default {TEACHERS})")
    parser.add_argument("--use-teachers", nargs="+", type=model_file, metavar="TEACHER",
                        help="trained teacher networks (.keras) to use instead of training new ones")
    parser.add_argument("--teacher-epochs", type=int, default=TEACHER_EPOCHS,
                        help=f"epochs per teacher at most (default {TEACHER_EPOCHS})")
    parser.add_argument("--teacher-seconds", type=float, help="time for all teachers; fewer epochs if needed")
    parser.add_argument("--student", type=student_spec, action="append", default=[], metavar="NAME[=INIT.keras|=xN]",
                        help="a student to train (repeat for several): from scratch, from INIT, or N times as "
                        "wide from scratch")
    parser.add_argument("--student-epochs", type=int, default=STUDENT_EPOCHS,
                        help=f"student epochs at most (default {STUDENT_EPOCHS})")
    parser.add_argument("--student-seconds", type=float, help="time for the students; fewer epochs if needed")
    parser.add_argument("--eval-every", type=int, default=EVAL_EVERY, metavar="EPOCHS",
                        help=f"epochs between the students' checks on the validation split (the best kept as "
                        f"{BEST_STUDENT}; PublicTest reported beside it); 0: none, choose later with "
                        f"`python -m model.select` (default {EVAL_EVERY})")
    parser.add_argument("--deadline", type=float, metavar="SECONDS",
                        help="the whole run ends within this many seconds: the students get what the teachers leave")
    parser.add_argument("--student-lr", type=float, help=f"peak learning rate of every student (default "
                        f"{FINETUNE_PEAK_LR} from a network, {SCRATCH_PEAK_LR} from scratch; lower to anneal "
                        "a student that stopped early)")
    parser.add_argument("--bf16", action="store_true",
                        help="teachers in mixed bfloat16 (on a GPU; students stay float32)")
    parser.add_argument("--workers", type=int, help="processes making the camera-like faces (default: cores - 2)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N faces of each split (tests)")
    args = parser.parse_args(argv)
    if args.data and not args.ferplus:
        parser.error("--data needs --ferplus (the FER+ votes are the teachers' targets)")
    for name in ("teachers", "teacher_epochs", "student_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be 1 or more")
    if len({spec.name for spec in args.student}) < len(args.student):
        parser.error("two students have the same name")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        out = run(args)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
