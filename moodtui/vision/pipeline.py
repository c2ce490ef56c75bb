"""camera -> faces -> emotion -> mood: one loop, the same for the TUI and the headless commands."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from moodtui.faces import Face, FaceFinder, Image, crop_face
from moodtui.vision.calibration import Calibration, CalibrationEvent
from moodtui.vision.camera import Frame, LatestFrameReader
from moodtui.vision.emotion import EmotionClassifier, EmotionScores
from moodtui.vision.mood import WINDOW, Mood, MoodTracker
from moodtui.vision.pace import Pace


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
    calibration: CalibrationEvent | None = None  # what this frame changed about the resting-face baseline
    group: Mood | None = None  # the mood of everyone in view: their readings averaged, under the same rules


def group_reading(probabilities: np.ndarray) -> np.ndarray:
    """Everyone's reading in one: the mean of the faces' probabilities (each face counts once)."""
    return probabilities.mean(axis=0)


class Pipeline:
    """Processes frames one at a time; keeps the face tracks, the calibration and the mood between them.

    Made by moodtui.vision.build.build_pipeline from the settings; `model` says which model reads
    the faces and why (moodtui.vision.models).
    """

    def __init__(self, classifier: EmotionClassifier, finder: FaceFinder | None = None,
                 clahe: bool = False, calibration: Calibration | None = None, model=None,
                 mood_window: float = WINDOW) -> None:
        self.classifier = classifier
        self.finder = finder or FaceFinder()
        self.mood_window = mood_window
        self.mood, self.group = MoodTracker(mood_window), MoodTracker(mood_window)
        self.clahe = clahe
        self.calibration = calibration or Calibration()
        self.model = model

    def reset(self) -> None:
        """A new source: no face tracks, no mood carried over from the last one."""
        self.finder.reset()
        self.mood, self.group = MoodTracker(self.mood_window), MoodTracker(self.mood_window)

    def process(self, frame: Frame, still: bool = False) -> FrameResult:
        """One frame of a stream (faces tracked from the frames before), or a `still` photo on its own."""
        start = time.perf_counter()
        image = Image(frame.image)
        faces = self.finder.detect(image) if still else self.finder.find(image, frame.timestamp)
        found = time.perf_counter()
        crops = np.stack([crop_face(image.grey, face, self.clahe) for face in faces]) if faces else None
        cropped = time.perf_counter()
        probabilities = self.classifier.predict(crops) if crops is not None else np.empty((0, 7))
        classified = time.perf_counter()
        # The baseline is the user's: it corrects the largest face only, before the mood smooths it.
        user = probabilities[0] if len(probabilities) else None
        event = self.calibration.step(user, frame.timestamp)
        if user is not None:
            probabilities = probabilities.copy()
            probabilities[0] = self.calibration.apply(user)
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
        return FrameResult(frame, readings, mood, timings, event, group)

    def run(self, reader: LatestFrameReader, stop: threading.Event, on_result: Callable[[FrameResult], None],
            pace: Pace | None = None) -> None:
        """Read the newest frame as often as `pace` says, until `stop` is set or a file ends (a worker thread)."""
        pace = pace or Pace()
        last, due = -1, 0.0
        while not stop.is_set():
            if reader.paused:
                stop.wait(0.25)
                continue
            wait = due - time.monotonic()
            if wait > 0:
                stop.wait(wait)
                continue
            frame = reader.latest(newer_than=last, timeout=0.5)
            if frame is None:
                if reader.state == "ended":
                    return
                continue
            last, started = frame.index, time.monotonic()
            result = self.process(frame)
            on_result(result)
            user = result.faces[0].face.box if result.faces else None
            interval = pace.interval(self.finder.tracking, user)
            pace.took(time.monotonic() - started, started - frame.timestamp, interval)
            # A steady cadence: waiting for the next camera frame (up to a frame's time) does not add to
            # the interval, so ten readings a second are ten, not seven or eight; a loop that fell behind
            # still waits half an interval (no burst to catch up).
            due = max(due + interval, started + interval / 2)
