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
    """The smoothed scores the mood is decided on, and this frame's raw reading of the user's face."""

    def __init__(self, scores: tuple[float, ...], face: bool, raw: tuple[float, ...] | None = None) -> None:
        super().__init__()
        self.scores, self.face, self.raw = scores, face, raw


class MoodChanged(Message):
    """The stable mood changed: the largest face's, or (group=True) everyone's, with how many faces."""

    def __init__(self, mood: Mood, group: bool = False, faces: int = 0) -> None:
        super().__init__()
        self.mood, self.group, self.faces = mood, group, faces


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


class Notice(Message):
    """A one-line warning for the user from a worker (a database that failed, a source that refused)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
