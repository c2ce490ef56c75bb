"""camera -> faces -> emotion -> mood: one loop, the same for the TUI and the headless commands."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

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


class Pipeline:
    """Processes frames one at a time; keeps the face tracks and the mood between them."""

    def __init__(self, classifier: EmotionClassifier, finder: FaceFinder | None = None,
                 mood: MoodTracker | None = None, clahe: bool = False) -> None:
        self.classifier = classifier
        self.finder = finder or FaceFinder()
        self.mood = mood or MoodTracker()
        self.clahe = clahe

    def process(self, frame: Frame) -> FrameResult:
        start = time.perf_counter()
        grey = to_grey(frame.image)
        faces = self.finder.find(grey)
        found = time.perf_counter()
        crops = np.stack([crop_face(grey, face, self.clahe) for face in faces]) if faces else None
        cropped = time.perf_counter()
        probabilities = self.classifier.predict(crops) if crops is not None else np.empty((0, 7))
        classified = time.perf_counter()
        readings = [FaceReading(face, EmotionScores(tuple(map(float, p))))
                    for face, p in zip(faces, probabilities, strict=True)]
        mood = self.mood.update(probabilities[0] if readings else None, frame.timestamp)
        timings = {
            "detect": (found - start) * 1000,
            "crop": (cropped - found) * 1000,
            "classify": (classified - cropped) * 1000,
            "total": (time.perf_counter() - start) * 1000,
        }
        return FrameResult(frame, readings, mood, timings)

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
