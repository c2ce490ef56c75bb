"""Print the paper's Table 2 for our models: per-class accuracy (recall) on PublicTest.

`python -m model.evaluate --data fer2013.csv.gz` evaluates the float ResNet-38, the shipped
int8 model (also with horizontal-flip test-time averaging), the 4-layer CNN and the Gabor SVM
baselines, and writes table2.json, table2.md and confusion_int8.png into model/artifacts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py

import numpy as np  # noqa: E402

from model.fer2013 import DatasetError, load_fer2013  # noqa: E402
from moodtui.emotion import EMOTIONS, EmotionClassifier, default_model_path  # noqa: E402

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


def converted_from(artifacts: Path) -> Path:
    """The float network the shipped .tflite was converted from, as conversion.json records it."""
    try:
        return Path(json.loads((artifacts / "conversion.json").read_text())["model"])
    except (OSError, ValueError, KeyError):
        return artifacts / "resnet38" / "best.keras"


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


def scores_row(labels: np.ndarray, predictions: np.ndarray) -> dict:
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


def evaluate(data: str, artifacts: Path, tflite: Path, svm: bool, float_model: Path) -> dict:
    splits = load_fer2013(data)
    test = splits["PublicTest"]
    rows: dict[str, dict] = {}
    if float_model.exists():
        rows["ResNet-38 float (ours)"] = scores_row(test.labels, keras_predictions(float_model, test.images))
    plain = int8_probabilities(test.images, tflite, flip=False).argmax(1)
    rows["ResNet-38 int8, one pass (ours)"] = scores_row(test.labels, plain)
    flipped = int8_probabilities(test.images, tflite, flip=True).argmax(1)
    rows["ResNet-38 int8 + flip averaging, shipped (ours)"] = scores_row(test.labels, flipped)
    cnn4 = artifacts / "cnn4" / "best.keras"
    if cnn4.exists():
        rows["4-layer CNN (ours)"] = scores_row(test.labels, keras_predictions(cnn4, test.images))
    if svm:
        from model.gabor_svm import gabor_features, train_gabor_svm

        train = splits["Training"]
        fitted = train_gabor_svm(train.images, train.labels)
        rows[SVM_ROW] = scores_row(test.labels, fitted.predict(gabor_features(test.images)))
    elif SVM_ROW in (earlier := earlier_rows(artifacts)):
        # The SVM does not depend on the network: keep the row from the last full evaluation.
        rows[SVM_ROW] = earlier[SVM_ROW]
    return {"split": "PublicTest", "faces": int(len(test)), "tflite": str(tflite), "float_model": str(float_model),
            "rows": rows}


def markdown(result: dict) -> str:
    head = "| Model | " + " | ".join(COLUMNS) + " | Overall | Average |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 3)]
    for name, row in result["rows"].items():
        cells = [f"{v:.1f}" for v in row["per_class"].values()]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{row['overall']:.2f}** | {row['average']:.1f} |")
    for name, values in PAPER.items():
        overall = PAPER_OVERALL.get(name)
        lines.append(f"| {name} | " + " | ".join(f"{v:.1f}" for v in values)
                     + f" | {overall if overall else '-'} | {PAPER_AVERAGE[name]}* |")
    means = ", ".join(f"{np.mean(v):.1f}" for v in PAPER.values())
    return "\n".join(lines) + f"\n\n*As the paper states them; the means of its per-class figures are {means}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz) with Training and PublicTest rows")
    parser.add_argument("--artifacts", default=str(ARTIFACTS), help="folder with resnet38/ and cnn4/ checkpoints")
    parser.add_argument("--tflite", default=str(default_model_path()), help="int8 model (default: the shipped one)")
    parser.add_argument("--float-model", help="the float model the .tflite came from "
                        "(default: the one named in artifacts/conversion.json)")
    parser.add_argument("--no-svm", action="store_true",
                        help="do not retrain the Gabor SVM (a few minutes); keep its row from the last table2.json")
    args = parser.parse_args(argv)
    artifacts = Path(args.artifacts)
    try:
        float_model = Path(args.float_model) if args.float_model else converted_from(artifacts)
        result = evaluate(args.data, artifacts, Path(args.tflite), svm=not args.no_svm, float_model=float_model)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "table2.json").write_text(json.dumps(result, indent=1) + "\n")
    table = markdown(result)
    (artifacts / "table2.md").write_text(table)
    from model.plots import plot_confusion

    shipped = result["rows"]["ResNet-38 int8 + flip averaging, shipped (ours)"]
    plot_confusion(np.array(shipped["confusion"]), artifacts / "confusion_int8.png",
                   f"int8 ResNet-38 on PublicTest ({shipped['overall']:.2f}%)")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
