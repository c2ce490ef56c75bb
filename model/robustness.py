"""Accuracy under the distortions a webcam adds: `python -m model.robustness MODEL.tflite [MODEL...]`.

Each PublicTest face is evaluated clean and under each perturbation below (fixed seeds, so every
model sees the same faces), on FER-2013's labels and on FER+'s majority labels. Writes
model/artifacts/robustness.json and prints a Markdown table (model/README.md keeps it).
The models run as the app runs them: int8, averaged with the mirror image.

PublicTest's report is for the record. To choose between candidates (rule 2 of what ships), run it
with `--split validation`: the faces held out of Training (model/validation.py), written to
model/artifacts/robustness_validation.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from model.fer2013 import DatasetError, ferplus_majority, load_fer2013, load_ferplus_table
from model.validation import VALIDATION, hold_out_validation
from moodtui.labels import EMOTIONS

ARTIFACTS = Path(__file__).parent / "artifacts"
# The moods a model that leans on happy and neutral misses first; reported beside accuracy.
WATCHED_EMOTIONS = ("sad", "angry", "fear", "surprise")
SPLITS = {"publictest": "PublicTest", "validation": VALIDATION}
SIZE = 48
SEED = 99


def _affine(face: np.ndarray, angle: float = 0.0, scale: float = 1.0, shift: tuple[float, float] = (0, 0)):
    turn = cv2.getRotationMatrix2D((SIZE / 2 - 0.5, SIZE / 2 - 0.5), angle, scale)
    turn[:, 2] += np.array(shift) * SIZE
    return cv2.warpAffine(face, turn, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _side_light(face: np.ndarray) -> np.ndarray:
    ramp = np.linspace(0.45, 1.35, SIZE)[None, :]
    return np.clip(face * ramp, 0, 255).astype(np.uint8)


def _low_light_from_below(face: np.ndarray) -> np.ndarray:
    ramp = np.linspace(0.35, 1.2, SIZE)[::-1, None]
    return np.clip(face * ramp, 0, 255).astype(np.uint8)


def _noise(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(face + rng.normal(0, 12, face.shape), 0, 255).astype(np.uint8)


def _jpeg(face: np.ndarray) -> np.ndarray:
    _, encoded = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, 20])
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


# name -> function of (face, rng); each face gets each perturbation alone.
PERTURBATIONS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "rotated 15": lambda f, r: _affine(f, angle=15 * r.choice([-1, 1])),
    "zoomed out 0.8": lambda f, r: _affine(f, scale=0.8),
    "zoomed in 1.2": lambda f, r: _affine(f, scale=1.2),
    "shifted 10%": lambda f, r: _affine(f, shift=(0.1 * r.choice([-1, 1]), 0.1 * r.choice([-1, 1]))),
    "dark (gamma 2)": lambda f, r: (255.0 * (f / 255.0) ** 2).astype(np.uint8),
    "low contrast": lambda f, r: (f.mean() + 0.4 * (f - f.mean())).astype(np.uint8),
    "side light": lambda f, r: _side_light(f[:, ::-1] if r.random() < 0.5 else f),
    "lit from below": lambda f, r: _low_light_from_below(f),
    "blur (sigma 1.2)": lambda f, r: cv2.GaussianBlur(f, (0, 0), 1.2),
    "noise (sigma 12)": _noise,
    "16 px and back": lambda f, r: cv2.resize(cv2.resize(f, (16, 16), interpolation=cv2.INTER_AREA), (SIZE, SIZE),
                                              interpolation=cv2.INTER_LINEAR),
    "JPEG quality 20": lambda f, r: _jpeg(f),
}


def percent(share: float) -> float:
    return round(float(share) * 100, 2)


def per_class_recall(predictions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Recall of each of the seven classes (0 for a class with no faces)."""
    matrix = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)


def perturbed(images: np.ndarray, name: str) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return np.stack([PERTURBATIONS[name](face, rng) for face in images])


def scores(predictions: np.ndarray, labels: np.ndarray, ferplus: np.ndarray) -> dict:
    """Accuracy and balanced accuracy (mean per-class recall) on both label sets, and the FER+
    recall of the moods a frequent-class model misses first, in percent."""
    scored = ferplus >= 0
    fer_plus_recall = per_class_recall(predictions[scored], ferplus[scored])
    return {"fer2013": percent((predictions == labels).mean()),
            "ferplus": percent((predictions[scored] == ferplus[scored]).mean()),
            "fer2013_balanced": percent(per_class_recall(predictions, labels).mean()),
            "ferplus_balanced": percent(fer_plus_recall.mean()),
            "ferplus_recall": {name: percent(fer_plus_recall[EMOTIONS.index(name)]) for name in WATCHED_EMOTIONS}}


def accuracies(model: Path, images: np.ndarray, labels: np.ndarray, ferplus: np.ndarray) -> dict:
    """{condition: scores(...)} for clean and each perturbation, and their mean over the perturbations."""
    from moodtui.vision.emotion import EmotionClassifier

    classifier = EmotionClassifier(model, flip_average=True)

    def run(faces: np.ndarray) -> dict:
        predictions = np.concatenate([classifier.predict(faces[i : i + 256]).argmax(1)
                                      for i in range(0, len(faces), 256)])
        return scores(predictions, labels, ferplus)

    result = {"clean": run(images)}
    for name in PERTURBATIONS:
        result[name] = run(perturbed(images, name))
    mean: dict = {key: percent(np.mean([result[name][key] for name in PERTURBATIONS]) / 100)
                  for key in ("fer2013", "ferplus", "fer2013_balanced", "ferplus_balanced")}
    mean["ferplus_recall"] = {emotion: percent(np.mean([result[name]["ferplus_recall"][emotion]
                                                          for name in PERTURBATIONS]) / 100)
                              for emotion in WATCHED_EMOTIONS}
    result["mean perturbed"] = mean
    return result


def markdown(results: dict[str, dict]) -> str:
    """Accuracy / balanced accuracy per condition on both label sets, then the watched recalls."""
    names = list(results)
    head = "| Condition | " + " | ".join(f"{n} FER-2013 | {n} FER+" for n in names) + " |"
    lines = [head, "|---|" + "---|---|" * len(names)]
    for condition in next(iter(results.values())):
        cells = " | ".join(f"{r['fer2013']:.1f} / {r['fer2013_balanced']:.1f} | {r['ferplus']:.1f} / "
                           f"{r['ferplus_balanced']:.1f}" for r in (results[n][condition] for n in names))
        lines.append(f"| {condition} | {cells} |")
    lines += ["", "FER+ recall of " + ", ".join(WATCHED_EMOTIONS) + " (clean / mean perturbed):", "",
              "| Model | " + " | ".join(WATCHED_EMOTIONS) + " |", "|---|" + "---|" * len(WATCHED_EMOTIONS)]
    for n in names:
        clean, moved = results[n]["clean"]["ferplus_recall"], results[n]["mean perturbed"]["ferplus_recall"]
        lines.append(f"| {n} | " + " | ".join(f"{clean[e]:.1f} / {moved[e]:.1f}" for e in WATCHED_EMOTIONS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.robustness", description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", help="int8 .tflite models to compare")
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz) with Training and PublicTest rows")
    parser.add_argument("--ferplus", required=True, help="fer2013new.csv (FER+ votes, same row order)")
    parser.add_argument("--split", choices=tuple(SPLITS), default="publictest",
                        help="PublicTest (the report, default) or the validation split held out of Training "
                        "(what candidates are chosen on)")
    parser.add_argument("--out", help="where the JSON goes (default: model/artifacts/robustness.json, "
                        "robustness_validation.json for --split validation)")
    args = parser.parse_args(argv)
    missing = [m for m in args.models if not Path(m).is_file()]
    if missing:
        parser.error(f"{missing[0]}: no such model file")
    split_name = SPLITS[args.split]
    try:
        read = load_fer2013(args.data)
        splits = hold_out_validation(read) if "Training" in read else read
        if split_name not in splits:
            raise DatasetError(f"{args.data}: has no {split_name} rows")
        test = splits[split_name]
        emotions, others = load_ferplus_table(args.ferplus, expected_rows=sum(len(s) for s in read.values()))
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    majority = ferplus_majority(emotions[test.rows], others[test.rows])
    results = {Path(m).stem: accuracies(Path(m), test.images, test.labels, majority) for m in args.models}
    default = "robustness.json" if args.split == "publictest" else "robustness_validation.json"
    out = Path(args.out) if args.out else ARTIFACTS / default
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"split": split_name, "faces": int(len(test)),
                               "ferplus_scored": int((majority >= 0).sum()), "models": results}, indent=1) + "\n")
    tmp.replace(out)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
