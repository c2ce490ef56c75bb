"""Choose among candidate networks on the validation split; PublicTest is reported, never compared.

`python -m model.select CANDIDATE... --data fer2013.csv.gz --ferplus fer2013new.csv [--baseline SHIPPED.tflite]`

Candidates are trained networks (.keras, float) or converted ones (.tflite, int8), each read as the app
reads a face: averaged with its mirror image. Each is scored on the validation split held out of
Training (model/validation.py) and on PublicTest, on FER+'s majority labels and FER-2013's own: accuracy,
balanced accuracy (the mean per-class recall) and the recall of the moods a model that leans on happy
and neutral misses first. The choice is the highest validation accuracy on the chosen labels (FER+ by
default), ties to the higher validation balanced accuracy; with --baseline it also says whether the
choice beats the baseline on both (step 1 of model/README.md's rule for what ships). The PublicTest
columns are printed for the record only. Writes the scores as JSON (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py

import numpy as np  # noqa: E402

from model.cli import model_file  # noqa: E402
from model.fer2013 import DatasetError, Split, ferplus_majority, load_fer2013, load_ferplus_table  # noqa: E402
from model.validation import VALIDATION, hold_out_validation  # noqa: E402
from moodtui.labels import EMOTIONS  # noqa: E402

WATCHED_EMOTIONS = ("sad", "angry", "fear", "surprise")
CHOOSING_SPLIT = "validation"
REPORTED_SPLIT = "publictest"


@dataclass(frozen=True)
class ScoredSplit:
    """Faces with FER-2013's labels and, where FER+ was given, their FER+ majority (-1: no clear one)."""

    split: Split
    ferplus: np.ndarray | None


def balanced_accuracy(labels: np.ndarray, predictions: np.ndarray) -> float:
    """The mean recall over the classes the labels hold (the paper's "Average")."""
    present = np.unique(labels)
    return float(np.mean([(predictions[labels == c] == c).mean() for c in present])) if len(present) else 0.0


def label_scores(labels: np.ndarray, predictions: np.ndarray) -> dict:
    """Accuracy, balanced accuracy and the watched moods' recall, in percent."""
    recall = {name: round(float((predictions[labels == EMOTIONS.index(name)] == EMOTIONS.index(name)).mean()) * 100
                          if (labels == EMOTIONS.index(name)).any() else 0.0, 2) for name in WATCHED_EMOTIONS}
    return {"accuracy": round(float((predictions == labels).mean()) * 100, 2),
            "balanced": round(balanced_accuracy(labels, predictions) * 100, 2),
            "recall": recall, "faces": int(len(labels))}


def split_scores(predictions: np.ndarray, scored: ScoredSplit) -> dict:
    """{"fer2013": label_scores, "ferplus": label_scores (faces with a clear FER+ majority)}."""
    result = {"fer2013": label_scores(scored.split.labels, predictions)}
    if scored.ferplus is not None:
        keep = scored.ferplus >= 0
        result["ferplus"] = label_scores(scored.ferplus[keep], predictions[keep])
    return result


def scoring_splits(data: str | Path, ferplus: str | Path | None) -> dict[str, ScoredSplit]:
    """The validation split (held out of Training) and PublicTest, with FER+ majorities when given."""
    read = load_fer2013(data)
    if "Training" not in read or "PublicTest" not in read:
        raise DatasetError(f"{data}: needs both Training and PublicTest rows")
    splits = hold_out_validation(read)
    majority = {}
    if ferplus:
        emotions, others = load_ferplus_table(ferplus, expected_rows=sum(len(s) for s in read.values()))
        majority = {name: ferplus_majority(emotions[splits[name].rows], others[splits[name].rows])
                    for name in (VALIDATION, "PublicTest")}
    return {CHOOSING_SPLIT: ScoredSplit(splits[VALIDATION], majority.get(VALIDATION)),
            REPORTED_SPLIT: ScoredSplit(splits["PublicTest"], majority.get("PublicTest"))}


def flip_predictions(candidate: str | Path, images: np.ndarray) -> np.ndarray:
    """The class a network reads in each face, averaged with its mirror image (int8 for .tflite)."""
    if str(candidate).endswith(".tflite"):
        from moodtui.vision.emotion import EmotionClassifier

        classifier = EmotionClassifier(Path(candidate), flip_average=True)
        return np.concatenate([classifier.predict(images[i : i + 256]).argmax(1) for i in range(0, len(images), 256)])
    import keras

    from model.distill import mirrored_probabilities

    return mirrored_probabilities([keras.models.load_model(candidate)], images).argmax(1)


def score_candidates(candidates: list[str], splits: dict[str, ScoredSplit]) -> dict[str, dict]:
    """{candidate: {"validation": split_scores, "publictest": split_scores}}."""
    return {str(candidate): {name: split_scores(flip_predictions(candidate, scored.split.images), scored)
                             for name, scored in splits.items()}
            for candidate in candidates}


def choose(results: dict[str, dict], labels: str = "ferplus") -> str:
    """The candidate with the best validation accuracy on `labels`, ties to the better balanced
    accuracy. Only the validation split is looked at."""
    return max(results, key=lambda name: (results[name][CHOOSING_SPLIT][labels]["accuracy"],
                                          results[name][CHOOSING_SPLIT][labels]["balanced"]))


def beats(results: dict[str, dict], candidate: str, baseline: str, labels: str = "ferplus") -> bool:
    """Whether the candidate is better than the baseline on the validation split in both accuracy and
    balanced accuracy (rule 1 of what ships)."""
    mine, theirs = results[candidate][CHOOSING_SPLIT][labels], results[baseline][CHOOSING_SPLIT][labels]
    return mine["accuracy"] > theirs["accuracy"] and mine["balanced"] > theirs["balanced"]


def markdown(results: dict[str, dict], chosen: str | None = None) -> str:
    """One row a candidate: validation, then PublicTest, accuracy / balanced on each label set."""
    labels = [key for key in ("ferplus", "fer2013") if key in next(iter(results.values()))[CHOOSING_SPLIT]]
    names = {"ferplus": "FER+", "fer2013": "FER-2013"}
    head = " | ".join(f"{split} {names[key]}" for split in ("validation", "PublicTest (report)") for key in labels)
    lines = [f"| candidate (int8 or float, + flip) | {head} |", "|---|" + "---|" * (2 * len(labels))]
    for name, result in results.items():
        cells = " | ".join(f"{result[split][key]['accuracy']:.2f} / {result[split][key]['balanced']:.1f}"
                           for split in (CHOOSING_SPLIT, REPORTED_SPLIT) for key in labels)
        lines.append(f"| {'**chosen** ' if name == chosen else ''}{name} | {cells} |")
    return "\n".join(lines) + "\n\naccuracy / balanced accuracy (mean per-class recall), percent\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.select", description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", type=model_file, help="networks to choose among (.keras, .tflite)")
    parser.add_argument("--data", required=True, help="fer2013.csv(.gz) with Training and PublicTest rows")
    parser.add_argument("--ferplus", help="fer2013new.csv: score (and choose) on FER+ majority labels too")
    parser.add_argument("--labels", choices=("ferplus", "fer2013"),
                        help="the labels the choice is made on (default: FER+ when --ferplus is given)")
    parser.add_argument("--baseline", type=model_file, help="the shipped model the choice must beat on validation")
    parser.add_argument("--out", help="write the scores and the choice here (.json)")
    args = parser.parse_args(argv)
    labels = args.labels or ("ferplus" if args.ferplus else "fer2013")
    if labels == "ferplus" and not args.ferplus:
        parser.error("--labels ferplus needs --ferplus")
    candidates = list(dict.fromkeys([*args.candidates, *([args.baseline] if args.baseline else [])]))
    try:
        results = score_candidates(candidates, scoring_splits(args.data, args.ferplus))
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    chosen = choose({name: results[name] for name in map(str, args.candidates)}, labels)
    print(markdown(results, chosen))
    print(f"chosen on the validation split ({labels}): {chosen}")
    verdict = None
    if args.baseline:
        verdict = beats(results, chosen, str(args.baseline), labels) if chosen != str(args.baseline) else False
        print(f"better than {args.baseline} on validation accuracy and balanced accuracy: {'yes' if verdict else 'no'}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps({"chosen_on": f"{CHOOSING_SPLIT} {labels}", "chosen": chosen,
                                   "beats_baseline": verdict, "candidates": results}, indent=1) + "\n")
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
