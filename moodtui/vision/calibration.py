"""Per-user neutral calibration: a user's resting face, measured once, corrected for afterwards.

People's relaxed faces differ, and one user's neutral reads a little sad to any model. While
the user relaxes for a few seconds, the mean log-probabilities of their face are recorded; the
offset is how far that is from what a relaxed face should read (NEUTRAL_TARGET). Later readings
have the offset subtracted in log space before the mood smooths them, so the recorded face reads
as the target and every other expression is read relative to this user's own resting face.
Only the seven offsets and a time are kept (in the SQLite store), never a frame.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from moodtui.errors import UserError
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


class CalibrationError(UserError, ValueError):
    """Too few faces were seen to record a baseline."""


@dataclass(frozen=True)
class Baseline:
    """Seven log-probability offsets in FER-2013 order, when they were recorded (time.time()) and
    the model that read the face: another model reads the same face differently."""

    offsets: tuple[float, ...]
    recorded_at: float
    model: str = ""

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """Probabilities (7,) or (N, 7) with this user's resting-face offset taken out, renormalised."""
        logits = np.log(np.maximum(np.asarray(probabilities, dtype=np.float64), FLOOR)) - np.asarray(self.offsets)
        logits -= logits.max(axis=-1, keepdims=True)
        corrected = np.exp(logits)
        return corrected / corrected.sum(axis=-1, keepdims=True)


def baseline_from(readings, recorded_at: float, min_frames: int = MIN_FRAMES, model: str = "") -> Baseline:
    """The baseline for a relaxed face's readings (N, 7); photos may count as few as one."""
    readings = np.asarray(readings, dtype=np.float64).reshape(-1, len(EMOTIONS))
    if len(readings) < min_frames:
        raise CalibrationError(f"a baseline needs at least {min_frames} frames with a face, got {len(readings)}")
    mean_log = np.log(np.maximum(readings, FLOOR)).mean(axis=0)
    offsets = mean_log - np.log(NEUTRAL_TARGET)
    offsets -= np.median(offsets)  # only differences between classes matter
    return Baseline(tuple(float(v) for v in np.clip(offsets, -MAX_BOOST, MAX_DISCOUNT)), recorded_at, model)


class CalibrationState(Enum):
    OFF = "off"  # calibration is switched off (--no-calibration): raw readings
    NONE = "none"  # on, but no baseline is recorded (for this model)
    RECORDING = "recording"
    ACTIVE = "on"  # a baseline corrects the user's readings


class EventKind(Enum):
    PROGRESS = "progress"  # recording, `seconds_left` to go
    RECORDED = "recorded"
    FAILED = "failed"  # `reason` says why (too few faces)
    CLEARED = "cleared"
    REFUSED = "refused"  # a start asked for while calibration is off


@dataclass(frozen=True)
class CalibrationEvent:
    """What a frame changed about calibration, for the screen or the command to say."""

    kind: EventKind
    seconds_left: float = 0.0
    reason: str = ""


class Calibration:
    """The user's resting-face baseline as one object for the app and the commands alike.

    Keys (any thread) ask for a recording or a clearing with `request_start` / `request_clear`;
    the frame loop takes the request up at its next frame (`step`), so the two threads never share
    a half-written flag. `keep` persists a recorded baseline, or None when it is cleared.
    """

    def __init__(self, baseline: Baseline | None = None, enabled: bool = True, model: str = "",
                 keep: Callable[[Baseline | None], None] | None = None) -> None:
        self.enabled, self.model, self._keep = enabled, model, keep
        self.baseline = baseline if enabled else None
        self.note = ""  # why a stored baseline is not used, for the user to read once
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._recording: tuple[float | None, float, int, list[np.ndarray]] | None = None

    @property
    def state(self) -> CalibrationState:
        if not self.enabled:
            return CalibrationState.OFF
        if self._recording is not None:
            return CalibrationState.RECORDING
        return CalibrationState.ACTIVE if self.baseline is not None else CalibrationState.NONE

    def request_start(self, seconds: float = CALIBRATION_SECONDS, min_frames: int = MIN_FRAMES) -> None:
        self._requests.put(("start", seconds, min_frames))

    def request_clear(self) -> None:
        self._requests.put(("clear", 0.0, 0))

    def step(self, raw: np.ndarray | None, now: float) -> CalibrationEvent | None:
        """Take up requests, then record this frame's raw reading of the user's face (frame loop)."""
        event = None
        while not self._requests.empty():
            event = self._take(self._requests.get_nowait()) or event
        if self._recording is None:
            return event
        started, seconds, min_frames, readings = self._recording
        if started is None:  # the clock of the frames, not of the key press
            started = now
        if raw is not None and now - started < seconds:
            readings.append(np.asarray(raw, dtype=np.float64))
        self._recording = (started, seconds, min_frames, readings)
        if now - started < seconds:
            return CalibrationEvent(EventKind.PROGRESS, seconds_left=seconds - (now - started))
        return self.finish()

    def finish(self) -> CalibrationEvent | None:
        """End a recording now with the faces it has (a source that ran out of frames)."""
        if self._recording is None:
            return None
        _, _, min_frames, readings = self._recording
        self._recording = None
        try:
            baseline = baseline_from(np.array(readings).reshape(-1, len(EMOTIONS)), time.time(), min_frames,
                                     self.model)
        except CalibrationError as error:
            return CalibrationEvent(EventKind.FAILED, reason=str(error))
        self.baseline = baseline
        if self._keep is not None:
            self._keep(baseline)
        return CalibrationEvent(EventKind.RECORDED)

    def _take(self, request: tuple[str, float, int]) -> CalibrationEvent | None:
        what, seconds, min_frames = request
        if what == "clear":
            self.baseline, self._recording = None, None
            if self._keep is not None:
                self._keep(None)
            return CalibrationEvent(EventKind.CLEARED)
        if not self.enabled:
            return CalibrationEvent(EventKind.REFUSED, reason="calibration is off")
        self._recording = (None, seconds, min_frames, [])
        return None

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """The user's reading with their resting face taken out, when a baseline is active."""
        if self.baseline is None:
            return probabilities
        return self.baseline.apply(probabilities)
