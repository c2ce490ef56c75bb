"""Per-user neutral calibration: a user's resting face, measured once, corrected for afterwards.

People's relaxed faces differ, and one user's neutral reads a little sad to any model. While
the user relaxes for a few seconds, the mean log-probabilities of their face are recorded; the
offset is how far that is from what a relaxed face should read (NEUTRAL_TARGET). Later readings
have the offset subtracted in log space before the mood smooths them, so the recorded face reads
as the target and every other expression is read relative to this user's own resting face.
Only the seven offsets and a time are kept (in the SQLite store), never a frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moodtui.labels import EMOTIONS

CALIBRATION_SECONDS = 3.0
MIN_FRAMES = 5  # fewer faces than this in the window is too little to go on
# What a relaxed face should read after calibration: clearly neutral, a little of everything else.
NEUTRAL_TARGET = np.array([0.06, 0.02, 0.06, 0.06, 0.06, 0.04, 0.70])
# In natural-log units, from the typical (median) class. A class the resting face never shows is
# floored, so its offset says little: it may be raised at most about 12x. A class the resting face
# does show is what calibration is for: it may be discounted up to about 1,100x (a confident model
# reads a relaxed smiler's face as 0.99 happy, and that must come down to neutral).
MAX_BOOST = 2.5
MAX_DISCOUNT = 7.0
FLOOR = 1e-4  # probabilities are floored before their log


class CalibrationError(ValueError):
    """Too few faces were seen to record a baseline."""


@dataclass(frozen=True)
class Baseline:
    """Seven log-probability offsets in FER-2013 order and when they were recorded (time.time())."""

    offsets: tuple[float, ...]
    recorded_at: float

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """Probabilities (7,) or (N, 7) with this user's resting-face offset taken out, renormalised."""
        logits = np.log(np.maximum(np.asarray(probabilities, dtype=np.float64), FLOOR)) - np.asarray(self.offsets)
        logits -= logits.max(axis=-1, keepdims=True)
        corrected = np.exp(logits)
        return corrected / corrected.sum(axis=-1, keepdims=True)


def baseline_from(readings, recorded_at: float, min_frames: int = MIN_FRAMES) -> Baseline:
    """The baseline for a relaxed face's readings (N, 7); photos may count as few as one."""
    readings = np.asarray(readings, dtype=np.float64).reshape(-1, len(EMOTIONS))
    if len(readings) < min_frames:
        raise CalibrationError(f"a baseline needs at least {min_frames} frames with a face, got {len(readings)}")
    mean_log = np.log(np.maximum(readings, FLOOR)).mean(axis=0)
    offsets = mean_log - np.log(NEUTRAL_TARGET)
    offsets -= np.median(offsets)  # only differences between classes matter
    return Baseline(tuple(float(v) for v in np.clip(offsets, -MAX_BOOST, MAX_DISCOUNT)), recorded_at)


class BaselineRecorder:
    """Collects the user's face readings for CALIBRATION_SECONDS of stream time."""

    def __init__(self, started: float, seconds: float = CALIBRATION_SECONDS) -> None:
        self.started, self.seconds = started, seconds
        self.readings: list[np.ndarray] = []

    def add(self, probabilities: np.ndarray | None, now: float) -> None:
        if probabilities is not None and not self.done(now):
            self.readings.append(np.asarray(probabilities, dtype=np.float64))

    def done(self, now: float) -> bool:
        return now - self.started >= self.seconds

    def remaining(self, now: float) -> float:
        return max(0.0, self.seconds - (now - self.started))

    def baseline(self, recorded_at: float) -> Baseline:
        return baseline_from(np.array(self.readings).reshape(-1, len(EMOTIONS)), recorded_at)


def stored_baseline(store) -> Baseline | None:
    """The baseline kept in the SQLite store (moodtui.recommend.store.Store), if any."""
    saved = store.baseline()
    return Baseline(*saved) if saved else None


def keep_baseline(store, baseline: Baseline) -> None:
    store.save_baseline(baseline.offsets, baseline.recorded_at)
