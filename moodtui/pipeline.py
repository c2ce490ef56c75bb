"""camera -> faces -> emotion -> mood: one loop, the same for the TUI and the headless commands."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from moodtui.calibration import Baseline, BaselineRecorder, CalibrationError
from moodtui.camera import Frame, LatestFrameReader
from moodtui.emotion import EmotionClassifier, EmotionScores
from moodtui.faces import Face, FaceFinder, crop_face, to_grey
from moodtui.mood import Mood, MoodTracker


@dataclass(frozen=True)
class FaceReading:
    """One face in a frame and what the model read on it."""

    face: Face
    scores: EmotionScores


@dataclass(frozen=True)
class FrameResult:
    """Everything the pipeline learnt from one frame; faces[0] is the user's (the largest)."""

    frame: Frame
    faces: list[FaceReading]
    mood: Mood
    timings_ms: dict[str, float] = field(default_factory=dict)
    calibration: str | None = None  # "recording", "recorded" or a failure, while or when a baseline is taken
    new_baseline: Baseline | None = None  # set on the frame a baseline was recorded, for the caller to keep
    group: Mood | None = None  # the stable mood of everyone in view: their readings averaged, then smoothed


def group_reading(probabilities: np.ndarray) -> np.ndarray:
    """Everyone's reading in one: the mean of the faces' probabilities (each face counts once)."""
    return probabilities.mean(axis=0)


class Pipeline:
    """Processes frames one at a time; keeps the face tracks and the mood between them."""

    def __init__(self, classifier: EmotionClassifier, finder: FaceFinder | None = None,
                 mood: MoodTracker | None = None, clahe: bool = False) -> None:
        self.classifier = classifier
        self.finder = finder or FaceFinder()
        self.mood = mood or MoodTracker()
        self.group = MoodTracker()
        self.clahe = clahe
        self.baseline: Baseline | None = None  # the user's resting face, subtracted from their readings
        self._recorder: BaselineRecorder | None = None

    def reset(self) -> None:
        """A new source: no face tracks, no mood carried over from the last one."""
        self.finder.reset()
        self.mood, self.group = MoodTracker(), MoodTracker()

    def start_calibration(self, now: float) -> None:
        """Record the user's resting face over the next few seconds of frames (from `now`, frame clock)."""
        self._recorder = BaselineRecorder(now)

    @property
    def calibrating(self) -> bool:
        return self._recorder is not None

    def _calibrate(self, raw: np.ndarray | None, now: float) -> tuple[str | None, Baseline | None]:
        if self._recorder is None:
            return None, None
        self._recorder.add(raw, now)
        if not self._recorder.done(now):
            return f"recording ({self._recorder.remaining(now):.0f} s left)", None
        recorder, self._recorder = self._recorder, None
        try:
            self.baseline = recorder.baseline(time.time())
        except CalibrationError as error:
            return f"not recorded: {error}", None
        return "recorded", self.baseline

    def process(self, frame: Frame, still: bool = False) -> FrameResult:
        """One frame of a stream (faces tracked from the frames before), or a `still` photo on its own."""
        start = time.perf_counter()
        grey = to_grey(frame.image)
        faces = self.finder.detect(grey) if still else self.finder.find(grey, frame.timestamp)
        found = time.perf_counter()
        crops = np.stack([crop_face(grey, face, self.clahe) for face in faces]) if faces else None
        cropped = time.perf_counter()
        probabilities = self.classifier.predict(crops) if crops is not None else np.empty((0, 7))
        classified = time.perf_counter()
        # The baseline is the user's: it corrects the largest face only, before the mood smooths it.
        user = probabilities[0] if len(probabilities) else None
        calibration, new_baseline = self._calibrate(user, frame.timestamp)
        if user is not None and self.baseline is not None:
            probabilities = probabilities.copy()
            probabilities[0] = self.baseline.apply(user)
        readings = [FaceReading(face, EmotionScores(tuple(map(float, p))))
                    for face, p in zip(faces, probabilities, strict=True)]
        mood = self.mood.update(probabilities[0] if readings else None, frame.timestamp)
        group = self.group.update(group_reading(probabilities) if readings else None, frame.timestamp)
        timings = {
            "detect": (found - start) * 1000,
            "crop": (cropped - found) * 1000,
            "classify": (classified - cropped) * 1000,
            "total": (time.perf_counter() - start) * 1000,
        }
        return FrameResult(frame, readings, mood, timings, calibration, new_baseline, group)

    def run(self, reader: LatestFrameReader, stop: threading.Event, on_result: Callable[[FrameResult], None],
            paused: Callable[[], bool] = lambda: False) -> None:
        """Process the newest frame whenever there is one, until `stop` is set (for a worker thread)."""
        last = -1
        while not stop.is_set():
            if paused():
                stop.wait(0.1)
                continue
            frame = reader.latest(newer_than=last, timeout=0.5)
            if frame is None:
                if reader.state == "ended":
                    return
                continue
            last = frame.index
            on_result(self.process(frame))
