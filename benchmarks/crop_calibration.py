"""How much around the detected box should the crop take, for the model to read the face best?

`python -m benchmarks.crop_calibration [--model M.tflite] [--faces N]` places FER-2013
PublicTest faces in larger frames (on a textured background, and with the face's own edges
mirrored outwards as a stand-in for hair and neck), finds them with moodtui's own finder, and
measures the model's accuracy for crop scales 0.9-1.3 of the box. Also records where the
cascade puts its box on FER-2013's own faces. Prints and saves
benchmarks/results/crop_calibration.json (or crop_calibration_<model>.json with --model).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from benchmarks.common import save, shared
from benchmarks.scenes import place, textured_background
from model.fer2013 import load_fer2013
from moodtui.faces import FaceFinder, crop_face, load_cascade
from moodtui.faces.cascades import iou
from moodtui.vision.emotion import EmotionClassifier, default_model_path

SCALES = (0.9, 0.95, 1.0, 1.02, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3)
DEFAULT_FACES = 1000
UPSCALE = 4  # the cascade's 24-pixel window needs the 48-pixel faces enlarged
PAD = 64


def box_on_fer_faces(faces: np.ndarray) -> dict:
    """Median cascade box on FER-2013 faces, as a fraction of the 48x48 image."""
    cascade, side, boxes = load_cascade(), 48 * UPSCALE, []
    for face in faces:
        big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        padded = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        found = cascade.detectMultiScale(padded, 1.1, 5, minSize=(side // 2, side // 2))
        if len(found) == 1:
            x, y, w, h = found[0]
            boxes.append(((x - PAD) / side, (y - PAD) / side, w / side, h / side))
    median = np.median(np.array(boxes), axis=0)
    return {"faces_detected": len(boxes), "median_box_fraction": [round(float(v), 3) for v in median]}


def framed(face: np.ndarray, setting: str, rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    side = int(rng.integers(120, 240))
    if setting == "mirrored edges":
        big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        pad = side
        return cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REFLECT_101), (pad, pad, side, side)
    w, h = 640, 480
    x, y = int(rng.integers(0, w - side)), int(rng.integers(0, h - side))
    return place(face, textured_background((w, h), rng), x, y, side), (x, y, side, side)


def sweep(faces: np.ndarray, labels: np.ndarray, classifier: EmotionClassifier, setting: str) -> dict:
    finder, rng = FaceFinder(), np.random.default_rng(3)
    crops = {scale: [] for scale in SCALES}
    kept = []
    for face, label in zip(faces, labels, strict=True):
        image, truth = framed(face, setting, rng)
        found = [f for f in finder.detect(image) if iou(f.box, truth) >= 0.5]
        if not found:
            continue
        kept.append(label)
        for scale in SCALES:
            crops[scale].append(crop_face(image, found[0], scale=scale))
    kept = np.array(kept)
    accuracy = {str(scale): round(float((classifier.predict(np.stack(c)).argmax(1) == kept).mean()), 4)
                for scale, c in crops.items()}
    best = max(accuracy, key=accuracy.get)
    return {"faces_found": int(len(kept)), "accuracy_by_crop_scale": accuracy, "best_scale": float(best)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crop_calibration", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(default_model_path()), help="int8 model (default: the shipped one)")
    parser.add_argument("--faces", type=int, default=DEFAULT_FACES, help=f"PublicTest faces (default {DEFAULT_FACES})")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    splits = load_fer2013(shared("data/fer2013/fer2013.csv.gz"))
    test = splits["PublicTest"]
    faces, labels = test.images[: args.faces], test.labels[: args.faces]
    classifier = EmotionClassifier(args.model)
    result = {"model": Path(args.model).name, "faces": int(len(faces)),
              "cascade_box_on_fer_training_faces": box_on_fer_faces(splits["Training"].images[:1000]),
              "settings": {setting: sweep(faces, labels, classifier, setting)
                           for setting in ("textured background", "mirrored edges")}}
    shipped = Path(args.model).resolve() == default_model_path().resolve()
    save("crop_calibration" if shipped else f"crop_calibration_{Path(args.model).stem}", result)


if __name__ == "__main__":
    main()
