"""Convert a trained Keras emotion model to a full-integer int8 TFLite model and check it.

`python -m convert.to_tflite --model best.keras --data fer2013.csv.gz --out emotion_int8.tflite`

The .tflite takes a batch of raw 48x48x1 grey pixels as uint8 (scale 1, zero point 0, so
pixels go in unchanged) and returns 7 uint8 scores in FER-2013 order. Representative data are
training faces (never the validation split's, model/validation.py); the check compares float and
int8 on PublicTest, and on the validation split under "validation".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from model.fer2013 import DatasetError, load_fer2013
from model.validation import VALIDATION, hold_out_validation

REPRESENTATIVE_FACES = 1000
SEED = 1234


def representative_faces(images: np.ndarray, count: int = REPRESENTATIVE_FACES) -> np.ndarray:
    """A random sample of training faces, float32 (N, 48, 48, 1), for calibrating int8 ranges."""
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(images), size=min(count, len(images)), replace=False)
    return images[picks][..., None].astype(np.float32)


def convert(model, calibration: np.ndarray) -> bytes:
    """Return the bytes of a full-integer (uint8 in, uint8 out) TFLite version of `model`."""
    import tensorflow as tf

    # Keras 3 models convert through a SavedModel export; its serving signature keeps the
    # batch size free, so batched inference stays possible.
    with tempfile.TemporaryDirectory() as saved:
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        return _quantised(converter, calibration)


def _quantised(converter, calibration: np.ndarray) -> bytes:
    import tensorflow as tf

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([face[None]] for face in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.uint8
    converter.inference_output_type = tf.uint8
    return converter.convert()


def compare(model, tflite_path: Path, images: np.ndarray, labels: np.ndarray) -> dict:
    """Float vs int8 accuracy on the given faces and how often their predictions agree."""
    from moodtui.vision.emotion import EmotionClassifier

    float_pred = model.predict(images[..., None].astype(np.float32), batch_size=256, verbose=0).argmax(1)
    # One pass, like the float model: flip averaging would blur what quantisation alone costs.
    classifier = EmotionClassifier(tflite_path, flip_average=False)
    int8_pred = np.concatenate([classifier.predict(images[i : i + 256]).argmax(1) for i in range(0, len(images), 256)])
    return {
        "faces": int(len(labels)),
        "float_accuracy": float((float_pred == labels).mean()),
        "int8_accuracy": float((int8_pred == labels).mean()),
        "agreement": float((float_pred == int8_pred).mean()),
    }


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convert.to_tflite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="trained Keras model (.keras)")
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz): training faces (less the validation split) "
                        "calibrate; PublicTest and the validation split check")
    parser.add_argument("--out", required=True, help="where to write the .tflite")
    parser.add_argument("--report", help="JSON file for the float-vs-int8 check (default: beside --out)")
    args = parser.parse_args(argv)

    import keras

    try:
        splits = hold_out_validation(load_fer2013(args.data))
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model = keras.models.load_model(args.model)
    out = Path(args.out)
    write_atomically(out, convert(model, representative_faces(splits["Training"].images)))
    test = splits.get("PublicTest", splits["Training"])
    report = {"model": str(args.model), "tflite": str(out), "tflite_bytes": out.stat().st_size,
              **compare(model, out, test.images, test.labels),
              "validation": compare(model, out, splits[VALIDATION].images, splits[VALIDATION].labels)}
    report_path = Path(args.report) if args.report else out.with_suffix(".json")
    report_path.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
