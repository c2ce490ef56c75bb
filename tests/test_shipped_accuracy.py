"""The shipped int8 model is as good on PublicTest as the README says (minus one point)."""

import re

import numpy as np

from moodtui.emotion import EmotionClassifier
from tests.conftest import REPO

CLAIM = re.compile(r"Shipped model \(int8\) on PublicTest: \*\*(\d+\.\d+)%\*\*")
MARGIN = 1.0


def readme_claim() -> float:
    match = CLAIM.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md must state 'Shipped model (int8) on PublicTest: **NN.NN%**'"
    return float(match.group(1))


def test_shipped_model_accuracy_is_not_below_the_readme(fer2013):
    test = fer2013["PublicTest"]
    classifier = EmotionClassifier()
    predictions = np.concatenate([classifier.predict(test.images[i : i + 256]).argmax(1)
                                  for i in range(0, len(test), 256)])
    accuracy = float((predictions == test.labels).mean()) * 100
    assert accuracy >= readme_claim() - MARGIN, f"{accuracy:.2f}% on PublicTest"
