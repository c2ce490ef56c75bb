"""Where does OpenCV's Haar cascade put its box on FER-2013's own faces?

The answer sets how `faces.crop_face` frames a detected face so that it fills the 48x48
input the way the training faces do. Prints and saves benchmarks/results/crop_calibration.json.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.common import save, shared
from model.fer2013 import load_fer2013
from moodtui.faces import load_cascade

SAMPLE = 2000
UPSCALE = 4  # the cascade's 24-pixel window needs the 48-pixel faces enlarged
PAD = 64  # replicated border so boxes may reach past the image edge


def main() -> None:
    faces = load_fer2013(shared("data/fer2013/fer2013.csv.gz"))["Training"].images
    picks = np.random.default_rng(0).choice(len(faces), SAMPLE, replace=False)
    cascade, side, boxes = load_cascade(), 48 * UPSCALE, []
    for i in picks:
        big = cv2.resize(faces[i], (side, side), interpolation=cv2.INTER_CUBIC)
        padded = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        found = cascade.detectMultiScale(padded, 1.1, 5, minSize=(side // 2, side // 2))
        if len(found) == 1:
            x, y, w, h = found[0]
            boxes.append(((x - PAD) / side, (y - PAD) / side, w / side, h / side))
    boxes = np.array(boxes)
    median = np.median(boxes, axis=0)
    save("crop_calibration", {
        "faces_sampled": SAMPLE, "faces_detected": len(boxes),
        "median_box_fraction": {"x": round(float(median[0]), 3), "y": round(float(median[1]), 3),
                                "w": round(float(median[2]), 3), "h": round(float(median[3]), 3)},
        "width_quartiles": [round(float(v), 3) for v in np.percentile(boxes[:, 2], [25, 75])],
        "crop_scale_implied": round(float(1 / median[2]), 3),
    })


if __name__ == "__main__":
    main()
