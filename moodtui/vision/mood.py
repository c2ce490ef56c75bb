"""Turn a stream of per-frame emotion probabilities into a stable mood.

Per-frame predictions jitter; users hate a mood (and recommendations) that flickers. The
probabilities are smoothed with an exponential moving average whose time constant is set in
seconds (so behaviour does not depend on frame rate), and the reported mood switches only
when another emotion has led the current one by a clear margin for a minimum time. A lead that
dips for a reading is not lost: only a dip under half the margin, or another challenger, starts
the wait again, so emotions the model reads less confidently (sad, angry) switch as readily as
happy (benchmarks/mood_switching.py: 95-100% of the streams the model reads right, every emotion,
in 0.8-1.0 s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from moodtui.labels import EMOTIONS

TIME_CONSTANT = 0.6  # seconds for the moving average to move ~63% of the way to a new level
SWITCH_MARGIN = 0.08  # how far a challenger must lead the current mood
SWITCH_HOLD = 0.5  # seconds it must keep that lead (a change reads in about a second, flicker does not)
KEEP_LEAD = 0.5  # of the margin: a challenger whose lead dips to this is still waited for
NO_FACE_TIMEOUT = 2.0  # seconds without a face before the mood is "no face"
SETTLE = 0.5  # seconds a new face is watched before its first mood is named


@dataclass(frozen=True)
class Mood:
    """The stable mood: an emotion name, or None when there is no face; plus smoothed scores."""

    emotion: str | None
    scores: tuple[float, ...]
    since: float  # when this mood began (same clock as the updates)
    face: bool = False  # a face is in view (the mood may still be settling)
    manual: bool = False

    @property
    def label(self) -> str:
        return self.emotion or ("reading…" if self.face else "no face")


class MoodTracker:
    """Feed it (probabilities or None, timestamp); read back a Mood that changes calmly."""

    def __init__(self, time_constant: float = TIME_CONSTANT, switch_margin: float = SWITCH_MARGIN,
                 switch_hold: float = SWITCH_HOLD, no_face_timeout: float = NO_FACE_TIMEOUT,
                 settle: float = SETTLE) -> None:
        self.time_constant, self.switch_margin = time_constant, switch_margin
        self.switch_hold, self.no_face_timeout, self.settle = switch_hold, no_face_timeout, settle
        self._smoothed: np.ndarray | None = None
        self._samples = 0
        self._first_seen = 0.0
        self._last_update = 0.0
        self._last_face = -math.inf
        self._current: int | None = None
        self._since = 0.0
        self._challenger: int | None = None
        self._challenger_since = 0.0

    def update(self, probabilities: np.ndarray | tuple[float, ...] | None, now: float) -> Mood:
        if probabilities is None:
            if now - self._last_face >= self.no_face_timeout and self._smoothed is not None:
                self._smoothed, self._current, self._challenger, self._since = None, None, None, now
            return self.mood
        p = np.asarray(probabilities, dtype=np.float64)
        if self._smoothed is None:
            self._smoothed, self._samples, self._first_seen = np.zeros_like(p), 0, now
        # A plain mean over the first samples, so one odd first frame cannot dominate the average.
        self._samples += 1
        alpha = 1.0 - math.exp(-max(0.0, now - self._last_update) / self.time_constant)
        self._smoothed += max(alpha, 1.0 / self._samples) * (p - self._smoothed)
        self._last_update = self._last_face = now
        self._decide(now)
        return self.mood

    def _decide(self, now: float) -> None:
        leader = int(np.argmax(self._smoothed))
        if self._current is None:
            if now - self._first_seen >= self.settle:
                self._current, self._since, self._challenger = leader, now, None
            return
        lead = self._smoothed[leader] - self._smoothed[self._current]
        if self._challenger is not None:
            kept = self._smoothed[self._challenger] - self._smoothed[self._current]
            if kept < KEEP_LEAD * self.switch_margin or (leader != self._challenger and lead >= self.switch_margin):
                self._challenger = None
        if self._challenger is None and leader != self._current and lead >= self.switch_margin:
            self._challenger, self._challenger_since = leader, now
        if self._challenger is not None and now - self._challenger_since >= self.switch_hold:
            self._current, self._since, self._challenger = self._challenger, now, None

    @property
    def mood(self) -> Mood:
        scores = tuple(float(v) for v in self._smoothed) if self._smoothed is not None else (0.0,) * len(EMOTIONS)
        emotion = EMOTIONS[self._current] if self._current is not None else None
        return Mood(emotion, scores, self._since, face=self._smoothed is not None)
