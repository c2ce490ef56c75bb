"""The shipped int8 models score on PublicTest what the README says, within 0.2 points (it is deterministic)."""

import re

import numpy as np
import pytest

from model.fer2013 import ferplus_majority, load_ferplus_table
from moodtui.vision.emotion import EmotionClassifier, default_model_path
from tests.conftest import REPO, shared_path

MARGIN = 0.2
CLAIMS = {
    "default": re.compile(r"Shipped default model \(int8 \+ flip\) on PublicTest: \*\*(\d+\.\d+)%\*\* with FER-2013 "
                          r"labels, \*\*(\d+\.\d+)%\*\* with FER\+ majority labels"),
    "fer2013": re.compile(r"The paper's model \(`--model fer2013`, int8 \+ flip\) on PublicTest: \*\*(\d+\.\d+)%\*\* "
                          r"with FER-2013 labels, \*\*(\d+\.\d+)%\*\* with FER\+ majority labels"),
}


def readme_claims(name: str) -> tuple[float, float]:
    match = CLAIMS[name].search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match, f"README.md must state the {name} model's accuracy as {CLAIMS[name].pattern}"
    return float(match.group(1)), float(match.group(2))


@pytest.mark.parametrize("name", ["default", "fer2013"])
def test_shipped_model_scores_what_the_readme_claims_on_both_label_sets(fer2013, name):
    test = fer2013["PublicTest"]
    emotions, others = load_ferplus_table(shared_path("data/fer2013/fer2013new.csv"),
                                          expected_rows=sum(len(s) for s in fer2013.values()))
    majority = ferplus_majority(emotions[test.rows], others[test.rows])
    classifier = EmotionClassifier(default_model_path(name))
    predictions = np.concatenate([classifier.predict(test.images[i : i + 256]).argmax(1)
                                  for i in range(0, len(test), 256)])
    fer_claim, ferplus_claim = readme_claims(name)
    scored = majority >= 0
    assert abs(float((predictions == test.labels).mean()) * 100 - fer_claim) <= MARGIN
    assert abs(float((predictions[scored] == majority[scored]).mean()) * 100 - ferplus_claim) <= MARGIN
