"""Print the paper's Table 2 for our models: per-class accuracy (recall) on PublicTest.

`python -m model.evaluate --data fer2013.csv.gz --ferplus fer2013new.csv` evaluates the three shipped
int8 models (the large student and the default, trained on FER+ votes, and the paper's FER-2013 model; one pass and
with horizontal-flip averaging) and the float networks they came from, the 4-layer CNN and the
Gabor SVM baselines, on FER-2013's labels and on FER+'s majority labels (PublicTest faces with a
clear majority emotion), and writes table2.json, table2.md and confusion_int8.png into
model/artifacts. The Gabor SVM is fitted on Training less the validation split (model/validation.py).

`python -m model.evaluate --validation --data fer2013.csv.gz --ferplus fer2013new.csv` scores the three
shipped int8 models (+ flip) on the validation split beside PublicTest instead, and writes
validation.json and validation.md. The shipped models were trained on all of Training, the validation
faces included, so their validation figures are optimistic: they say how the split reads a network,
not how these networks generalise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py

import numpy as np  # noqa: E402

from model.fer2013 import DatasetError, ferplus_majority, load_fer2013, load_ferplus_table  # noqa: E402
from model.validation import hold_out_validation  # noqa: E402
from moodtui.labels import EMOTIONS  # noqa: E402
from moodtui.vision.emotion import EmotionClassifier, default_model_path  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
COLUMNS = ("Anger", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
# Zhang (2020), Table 2 and text: per-class accuracy in percent.
PAPER = {
    "Paper: SVM (Gabor)": [57.7, 12.6, 23.0, 67.0, 44.0, 56.0, 43.0],
    "Paper: 4-layer CNN": [60.0, 21.0, 33.0, 81.0, 52.0, 74.0, 54.0],
    "Paper: ResNet-38": [64.5, 23.0, 36.0, 80.0, 58.0, 77.0, 52.7],
}
PAPER_OVERALL = {"Paper: ResNet-38": 64.02}
# The averages the paper states; they are not the means of its per-class figures.
PAPER_AVERAGE = {"Paper: SVM (Gabor)": 40.7, "Paper: 4-layer CNN": 60.7, "Paper: ResNet-38": 64.15}
SVM_ROW = "SVM, Gabor features (ours)"
SHIPPED_ROW = "ResNet-38 FER+ distilled, int8 + flip, shipped default (ours)"
PAPER_MODEL_ROW = "ResNet-38 FER-2013, int8 + flip, the paper's model (ours)"
LARGE_ROW = "ResNet-38 x3 FER+ distilled, int8 + flip, shipped large (ours)"
# Which float network each shipped .tflite came from, as its conversion report records it.
CONVERSIONS = {"large": "conversion_large.json", "default": "conversion.json", "fer2013": "conversion_fer2013.json"}


def converted_from(artifacts: Path, name: str = "default") -> Path | None:
    """The float network a shipped .tflite was converted from, as its conversion report records it."""
    try:
        return Path(json.loads((artifacts / CONVERSIONS[name]).read_text())["model"])
    except (OSError, ValueError, KeyError):
        return None


def earlier_rows(artifacts: Path) -> dict[str, dict]:
    """The rows of the table2.json already in artifacts, or none."""
    try:
        return json.loads((artifacts / "table2.json").read_text())["rows"]
    except (OSError, ValueError, KeyError):
        return {}


def confusion(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    matrix = np.zeros((7, 7), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def scores_row(labels: np.ndarray, predictions: np.ndarray, ferplus: np.ndarray | None = None) -> dict:
    """Per-class recall, overall and average accuracy on FER-2013's labels; the same on FER+'s
    majority labels (where they are >= 0) under "ferplus" when given."""
    row = _scores(labels, predictions)
    if ferplus is not None:
        scored = ferplus >= 0
        row["ferplus"] = _scores(ferplus[scored], predictions[scored])
    return row


def _scores(labels: np.ndarray, predictions: np.ndarray) -> dict:
    matrix = confusion(labels, predictions)
    recall = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    return {
        "per_class": {name: round(float(r) * 100, 2) for name, r in zip(EMOTIONS, recall, strict=True)},
        "overall": round(float((labels == predictions).mean()) * 100, 2),
        "average": round(float(recall.mean()) * 100, 2),
        "confusion": matrix.tolist(),
    }


def int8_probabilities(images: np.ndarray, tflite: Path, flip: bool = False) -> np.ndarray:
    classifier = EmotionClassifier(tflite, flip_average=flip)
    return np.concatenate([classifier.predict(images[i : i + 256]) for i in range(0, len(images), 256)])


def keras_predictions(path: Path, images: np.ndarray) -> np.ndarray:
    import keras

    model = keras.models.load_model(path)
    return model.predict(images[..., None].astype(np.float32), batch_size=256, verbose=0).argmax(1)


def evaluate(data: str, artifacts: Path, models: dict[str, Path], svm: bool, ferplus_path: str | None) -> dict:
    splits = load_fer2013(data)
    test = splits["PublicTest"]
    ferplus = None
    if ferplus_path:
        emotions, others = load_ferplus_table(ferplus_path, expected_rows=sum(len(s) for s in splits.values()))
        ferplus = ferplus_majority(emotions[test.rows], others[test.rows])
    rows: dict[str, dict] = {}
    shipped = (("large", "x3 FER+ distilled", LARGE_ROW), ("default", "FER+ distilled", SHIPPED_ROW),
               ("fer2013", "FER-2013", PAPER_MODEL_ROW))
    for name, label, shipped_row in shipped:
        tflite = models.get(name)
        if tflite is None or not tflite.exists():
            continue
        float_model = converted_from(artifacts, name)
        if float_model is not None and float_model.exists():
            rows[f"ResNet-38 {label}, float (ours)"] = scores_row(
                test.labels, keras_predictions(float_model, test.images), ferplus)
        plain = int8_probabilities(test.images, tflite, flip=False).argmax(1)
        rows[f"ResNet-38 {label}, int8 one pass (ours)"] = scores_row(test.labels, plain, ferplus)
        flipped = int8_probabilities(test.images, tflite, flip=True).argmax(1)
        rows[shipped_row] = scores_row(test.labels, flipped, ferplus)
    cnn4 = artifacts / "cnn4" / "best.keras"
    if cnn4.exists():
        rows["4-layer CNN (ours)"] = scores_row(test.labels, keras_predictions(cnn4, test.images), ferplus)
    if svm:
        from model.gabor_svm import gabor_features, train_gabor_svm

        train = hold_out_validation(splits)["Training"]
        fitted = train_gabor_svm(train.images, train.labels)
        rows[SVM_ROW] = scores_row(test.labels, fitted.predict(gabor_features(test.images)), ferplus)
    elif SVM_ROW in (earlier := earlier_rows(artifacts)):
        # The SVM does not depend on the network: keep the row from the last full evaluation.
        rows[SVM_ROW] = earlier[SVM_ROW]
    return {"split": "PublicTest", "faces": int(len(test)),
            "ferplus_scored": int((ferplus >= 0).sum()) if ferplus is not None else 0,
            "tflite": {name: str(path) for name, path in models.items()}, "rows": rows}


def validation_report(data: str, ferplus_path: str | None, models: dict[str, Path]) -> dict:
    """The shipped int8 models (+ flip) on the validation split and on PublicTest, both label sets."""
    from model.select import CHOOSING_SPLIT, REPORTED_SPLIT, score_candidates, scoring_splits

    splits = scoring_splits(data, ferplus_path)
    present = {name: path for name, path in models.items() if path.exists()}
    scored = score_candidates([str(path) for path in present.values()], splits)
    return {"note": "int8 + flip; the shipped models were trained on all of Training, the validation faces "
                    "included: their validation figures are optimistic",
            "faces": {name: len(split.split) for name, split in splits.items()},
            "ferplus_scored": {name: int((split.ferplus >= 0).sum()) for name, split in splits.items()
                               if split.ferplus is not None},
            "splits": [CHOOSING_SPLIT, REPORTED_SPLIT],
            "tflite": {name: shown_path(path) for name, path in present.items()},
            "models": {name: scored[str(path)] for name, path in present.items()}}


def shown_path(path: Path) -> str:
    """The path relative to the working directory where it lies inside it (no checkout's location in artifacts)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def markdown(result: dict) -> str:
    head = "| Model | " + " | ".join(COLUMNS) + " | Overall | Balanced | FER+ overall |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 4)]
    for name, row in result["rows"].items():
        cells = [f"{v:.1f}" for v in row["per_class"].values()]
        ferplus = f"**{row['ferplus']['overall']:.2f}**" if "ferplus" in row else "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{row['overall']:.2f}** | {row['average']:.1f} "
                     f"| {ferplus} |")
    for name, values in PAPER.items():
        overall = PAPER_OVERALL.get(name)
        lines.append(f"| {name} | " + " | ".join(f"{v:.1f}" for v in values)
                     + f" | {overall if overall else '-'} | {PAPER_AVERAGE[name]}* | - |")
    means = ", ".join(f"{np.mean(v):.1f}" for v in PAPER.values())
    table = "\n".join(lines) + f"\n\n*As the paper states them; the means of its per-class figures are {means}.\n"
    scored = [(name, row["ferplus"]) for name, row in result["rows"].items() if "ferplus" in row]
    if scored:
        table += (f"\nOn FER+ majority labels ({result['ferplus_scored']} PublicTest faces with a clear majority "
                  "emotion), per class:\n\n| Model | " + " | ".join(COLUMNS) + " | Overall | Balanced |\n|"
                  + "---|" * (len(COLUMNS) + 3) + "\n")
        for name, row in scored:
            cells = " | ".join(f"{v:.1f}" for v in row["per_class"].values())
            table += f"| {name} | {cells} | **{row['overall']:.2f}** | {row['average']:.1f} |\n"
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz) with Training and PublicTest rows")
    parser.add_argument("--ferplus", help="fer2013new.csv: also score on FER+ majority labels")
    parser.add_argument("--artifacts", default=str(ARTIFACTS),
                        help="folder with the checkpoints and conversion reports")
    parser.add_argument("--large-tflite", default=str(default_model_path("large")),
                        help="the larger student, int8 (default: the shipped one)")
    parser.add_argument("--tflite", default=str(default_model_path()),
                        help="the default int8 model (default: the shipped one)")
    parser.add_argument("--paper-tflite", default=str(default_model_path("fer2013")),
                        help="the paper's FER-2013 int8 model (default: the shipped one)")
    parser.add_argument("--no-svm", action="store_true",
                        help="do not retrain the Gabor SVM (a few minutes); keep its row from the last table2.json")
    parser.add_argument("--validation", action="store_true",
                        help="instead of Table 2: the shipped int8 models (+ flip) on the validation split held "
                        "out of Training beside PublicTest (validation.json, validation.md)")
    args = parser.parse_args(argv)
    artifacts = Path(args.artifacts)
    models = {"large": Path(args.large_tflite), "default": Path(args.tflite), "fer2013": Path(args.paper_tflite)}
    if args.validation:
        return write_validation_report(args.data, args.ferplus, models, artifacts)
    try:
        result = evaluate(args.data, artifacts, models, svm=not args.no_svm, ferplus_path=args.ferplus)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "table2.json").write_text(json.dumps(result, indent=1) + "\n")
    table = markdown(result)
    (artifacts / "table2.md").write_text(table)
    from model.plots import plot_confusion

    shipped = result["rows"].get(SHIPPED_ROW) or result["rows"].get(PAPER_MODEL_ROW)  # the paper's network
    if shipped:
        plot_confusion(np.array(shipped["confusion"]), artifacts / "confusion_int8.png",
                       f"int8 ResNet-38 on PublicTest ({shipped['overall']:.2f}%)")
    print(table)
    return 0


def write_validation_report(data: str, ferplus: str | None, models: dict[str, Path], artifacts: Path) -> int:
    from model.select import markdown as select_markdown

    try:
        result = validation_report(data, ferplus, models)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not result["models"]:
        print("error: none of the shipped models was found", file=sys.stderr)
        return 2
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "validation.json").write_text(json.dumps(result, indent=1) + "\n")
    table = (select_markdown(result["models"]) + f"\nFaces: {result['faces']}; with a clear FER+ majority: "
             f"{result['ferplus_scored']}. {result['note']}.\n")
    (artifacts / "validation.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
