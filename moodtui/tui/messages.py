"""Messages the worker threads post to the app (posting is thread-safe in Textual)."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from moodtui.mood import Mood
from moodtui.recommend.engine import Picks


class PreviewFrame(Message):
    def __init__(self, picture: Text) -> None:
        super().__init__()
        self.picture = picture


class ScoresUpdate(Message):
    def __init__(self, scores: tuple[float, ...], face: bool) -> None:
        super().__init__()
        self.scores, self.face = scores, face


class MoodChanged(Message):
    def __init__(self, mood: Mood) -> None:
        super().__init__()
        self.mood = mood


class CameraStatus(Message):
    """The camera's state ("live", "lost", "paused", "none: why") and the pipeline's speed."""

    def __init__(self, state: str, fps: float = 0.0, latency_ms: float = 0.0) -> None:
        super().__init__()
        self.state, self.fps, self.latency_ms = state, fps, latency_ms


class PicksReady(Message):
    """Picks for the request of this generation (see moodtui.session)."""

    def __init__(self, picks: Picks, generation: int) -> None:
        super().__init__()
        self.picks, self.generation = picks, generation


class CalibrationUpdate(Message):
    """The resting-face baseline: "recording (2 s left)", "recorded", "cleared", "on", "off" or why it failed."""

    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state
