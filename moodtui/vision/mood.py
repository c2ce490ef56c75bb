"""Two timescales: what the face shows now, and the mood.

What the face shows now is the readings smoothed over about half a second: the bars draw it, and
it may change many times a minute. The mood is what picks are for and what the history keeps, and
a person's mood is not their expression of the moment: a calm talker smiles between sentences.
On real footage (benchmarks/mood_real.py over ../shared/data/clips) a talker's face shows happy
and neutral in turns of 0.3-2.5 s; a mood that followed the face changed 6-21 times a minute there.

So the mood moves only when another emotion has been what the face shows for SUSTAIN seconds
(an interruption undoes as much as it lasted: a wide smile with a blink of neutral still counts,
a smile between two sentences does not), or when, since the mood last changed, the face has shown
another emotion clearly more of the time (over at most `window` seconds: a drift in short bursts).
No two changes come closer than MIN_GAP. A new face is named after SETTLE seconds by what it showed
most; a face out of view for less than NO_FACE_AFTER keeps its mood (a look away, a hand over the
face), after that the mood is "no face". `Mood.building` says what is on its way and how far.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from moodtui.labels import EMOTIONS

TIME_CONSTANT = 0.6  # the bars: seconds for the average to move ~63% of the way to a new level
# Chosen on the app's own readings of the twelve real clips (benchmarks/mood_real.py): 3.0 s let a
# talker's 2.5 s smiles through (9.8 changes a minute on d13), 3.5 s was the shortest that did not;
# 4.0 keeps a margin, and a sustained smile or surprise still moves the mood within about 4.5 s.
SUSTAIN = 4.0  # seconds another emotion must be what the face shows before it becomes the mood
DRAIN = 1.0  # an interruption takes back this many seconds of that per second it lasts
WINDOW = 30.0  # the slow path looks back at most this far (setting `mood_window`)
PREVAIL_SHARE = 0.3  # ... and moves to an emotion shown this share of the time more than the mood's
PREVAIL_EVIDENCE = 0.5  # ... once this share of the window has been seen since the last change
MIN_GAP = 6.0  # seconds: no two changes closer, whatever the face does (new picks get read)
SETTLE = 2.0  # seconds a new face is watched before its first mood is named (what it showed most)
NO_FACE_AFTER = 10.0  # seconds without a face before the mood is "no face"
LONGEST_STEP = 0.5  # seconds one reading may count for (a pause or a dropped frame is not evidence)


@dataclass(frozen=True)
class Mood:
    """The mood: an emotion name, or None when there is no face; plus what the face shows now."""

    emotion: str | None
    scores: tuple[float, ...]  # what the face shows now: the readings smoothed over TIME_CONSTANT
    since: float  # when this mood began (same clock as the updates)
    face: bool = False  # a face is in view (the mood may still be settling)
    manual: bool = False
    building: str | None = None  # the emotion on its way to becoming the mood
    building_for: float = 0.0  # seconds of it so far (SUSTAIN moves the mood)

    @property
    def label(self) -> str:
        return self.emotion or ("reading…" if self.face else "no face")

    @property
    def building_words(self) -> str:
        """'happy for 2 s · mood moves at 4 s' while the face shows it; '' when nothing is building."""
        if self.building is None or self.building_for < 1.0 or self.building != EMOTIONS[int(np.argmax(self.scores))]:
            return ""
        return f"{self.building} for {self.building_for:.0f} s · mood moves at {SUSTAIN:.0f} s"


class MoodTracker:
    """Feed it (probabilities or None, timestamp); read back a Mood that changes only when the face has."""

    def __init__(self, window: float = WINDOW, sustain: float = SUSTAIN, min_gap: float = MIN_GAP,
                 settle: float = SETTLE, no_face_timeout: float = NO_FACE_AFTER,
                 time_constant: float = TIME_CONSTANT) -> None:
        self.window, self.sustain, self.min_gap = window, sustain, min_gap
        self.settle, self.no_face_timeout, self.time_constant = settle, no_face_timeout, time_constant
        self._smoothed: np.ndarray | None = None
        self._last_update = -math.inf
        self._last_face = -math.inf
        self._first_seen = 0.0
        self._current: int | None = None
        self._since = 0.0
        self._changed_at = -math.inf  # the first naming of a face is not a change: no gap after it
        self._building = np.zeros(len(EMOTIONS))
        self._shown: deque[tuple[float, float, int]] = deque()  # (time, seconds, leader) since the last change
        self._shown_for = np.zeros(len(EMOTIONS))  # seconds each emotion led in _shown

    def update(self, probabilities: np.ndarray | tuple[float, ...] | None, now: float) -> Mood:
        if probabilities is None:
            if now - self._last_face >= self.no_face_timeout and self._smoothed is not None:
                self._forget_face(now)
            return self.mood
        p = np.asarray(probabilities, dtype=np.float64)
        step = min(LONGEST_STEP, max(0.0, now - self._last_update))
        if self._smoothed is None:
            self._smoothed, self._first_seen, step = p.copy(), now, 0.0
        else:
            self._smoothed += (1.0 - math.exp(-step / self.time_constant)) * (p - self._smoothed)
        self._last_update = self._last_face = now
        self._observe(int(np.argmax(self._smoothed)), step, now)
        return self.mood

    def _forget_face(self, now: float) -> None:
        self._smoothed, self._current, self._since = None, None, now
        self._reset_evidence()

    def _reset_evidence(self) -> None:
        self._building[:] = 0.0
        self._shown.clear()
        self._shown_for[:] = 0.0

    def _observe(self, leader: int, step: float, now: float) -> None:
        self._remember_shown(leader, step, now)
        if self._current is None:
            if now - self._first_seen >= self.settle:
                self._current, self._since = int(np.argmax(self._shown_for)), now
                self._reset_evidence()
            return
        for index in range(len(EMOTIONS)):
            if index == leader and index != self._current:
                self._building[index] += step
            else:
                self._building[index] = max(0.0, self._building[index] - DRAIN * step)
        if now - self._changed_at < self.min_gap:
            return
        challenger = int(np.argmax(self._building))
        if self._building[challenger] >= self.sustain:
            self._change(challenger, now)
            return
        prevailing = self._prevailing()
        if prevailing is not None:
            self._change(prevailing, now)

    def _remember_shown(self, leader: int, step: float, now: float) -> None:
        self._shown.append((now, step, leader))
        self._shown_for[leader] += step
        while self._shown and self._shown[0][0] < now - self.window:
            _, seconds, old = self._shown.popleft()
            self._shown_for[old] -= seconds

    def _prevailing(self) -> int | None:
        """An emotion the face has shown clearly more than the mood's since the mood last changed."""
        seen = float(self._shown_for.sum())
        if seen < PREVAIL_EVIDENCE * self.window:
            return None
        share = self._shown_for / seen
        top = int(np.argmax(share))
        return top if top != self._current and share[top] - share[self._current] >= PREVAIL_SHARE else None

    def _change(self, emotion: int, now: float) -> None:
        self._current, self._since, self._changed_at = emotion, now, now
        self._reset_evidence()

    @property
    def mood(self) -> Mood:
        scores = tuple(float(v) for v in self._smoothed) if self._smoothed is not None else (0.0,) * len(EMOTIONS)
        emotion = EMOTIONS[self._current] if self._current is not None else None
        top = int(np.argmax(self._building))
        building = EMOTIONS[top] if self._current is not None and self._building[top] > 0 else None
        return Mood(emotion, scores, self._since, face=self._smoothed is not None, building=building,
                    building_for=float(self._building[top]) if building else 0.0)
