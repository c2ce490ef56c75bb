"""Settings -> a ready pipeline: the one way the app and every command that reads faces make one.

The model (auto: chosen for this machine), flip averaging, CLAHE and the user's stored resting-face
baseline all come from the same merged settings (config file, then flags: moodtui.config), so
`detect`, `calibrate`, `bench`, `doctor` and the app read a face the same way.
"""

from __future__ import annotations

from moodtui.config import Settings
from moodtui.faces import FaceFinder, make_detector
from moodtui.vision.calibration import Baseline, Calibration
from moodtui.vision.emotion import EmotionClassifier
from moodtui.vision.models import ModelChoice, choose_model
from moodtui.vision.pipeline import Pipeline


def load_classifier(settings: Settings, fresh: bool = False) -> tuple[EmotionClassifier, ModelChoice]:
    """The emotion classifier the settings ask for, and which model it is and why (raises ModelError)."""
    choice = choose_model(settings.model, settings.flip, fresh)
    return EmotionClassifier(choice.path, flip_average=settings.flip), choice


def calibration_for(settings: Settings, store, model: str) -> Calibration:
    """The user's calibration: their stored baseline when calibration is on and it was recorded with
    this model (another model reads the same resting face differently); kept in `store` when
    recorded or cleared."""
    def keep(baseline: Baseline | None) -> None:
        if store is None:
            return
        if baseline is None:
            store.clear_baseline()
        else:
            store.save_baseline(baseline.offsets, baseline.recorded_at, baseline.model)

    saved = store.baseline() if store is not None and settings.calibration else None
    calibration = Calibration(None, settings.calibration, model, keep)
    if saved is not None:
        offsets, at, recorded_with = saved
        if recorded_with == model:
            calibration.baseline = Baseline(offsets, at, recorded_with)
        else:
            calibration.note = (f"your resting-face baseline was recorded with the {recorded_with} model and "
                                f"faces are read with the {model} model now: record it again (b, or "
                                "`moodtui calibrate`)")
    return calibration


def build_pipeline(settings: Settings, store=None,
                   loaded: tuple[EmotionClassifier, ModelChoice] | None = None) -> Pipeline:
    """The pipeline for these settings; `loaded` is a classifier already made by load_classifier."""
    import cv2

    # A pipeline reads faces on one core: OpenCV's pool of threads, woken and left spinning around each
    # of its small calls (a 640x480 colour conversion, an 84x84 cascade), cost more than they gave
    # (benchmarks/tui_tmux.py, compare_fer.py).
    cv2.setNumThreads(1)
    classifier, choice = loaded or load_classifier(settings)
    return Pipeline(classifier, FaceFinder(make_detector()), clahe=settings.clahe,
                    calibration=calibration_for(settings, store, choice.name), model=choice,
                    mood_window=settings.mood_window)
