"""What the workers tell the widgets and the app: small dataclasses (posting is thread-safe in Textual)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from moodtui.recommend.engine import Picks
from moodtui.vision.mood import Mood


@dataclass
class PreviewReady(Message):
    """A new picture waits in the camera pane's mailbox (one at a time: a slow screen drops pictures)."""


@dataclass
class ScoresUpdate(Message):
    """The smoothed scores the mood is decided on, and this frame's raw reading of the user's face."""

    scores: tuple[float, ...]
    face: bool
    raw: tuple[float, ...] | None = None
    leader: str | None = None  # the stable mood, drawn in bold
    building: str = ""  # what is on its way to becoming the mood ("happy for 2 s · mood moves at 4 s")


@dataclass
class MoodChanged(Message):
    """The stable mood changed: the largest face's, or (group=True) everyone's, with how many faces."""

    mood: Mood
    group: bool = False
    faces: int = 0


@dataclass
class CameraStatus(Message):
    """The camera's state ("live", "lost", "paused", "unavailable: why"), the readings a second and their time;
    `why`: what the last try to reach it said, while a network camera is tried again."""

    state: str
    fps: float = 0.0
    latency_ms: float = 0.0
    why: str = ""


@dataclass
class ModelChosen(Message):
    """Which model reads faces, and why (moodtui.vision.models)."""

    name: str
    reason: str


@dataclass
class CalibrationUpdate(Message):
    """The resting-face baseline: "recording (2 s left)", "recorded", "cleared", "on", "none", "off" or why not."""

    state: str


@dataclass
class Notice(Message):
    """A one-line warning for the user from a worker (a database that failed, a source that refused)."""

    text: str


@dataclass
class PicksReady(Message):
    """Picks for the request of this generation (moodtui.services.session)."""

    picks: Picks
    generation: int
    local: bool = False  # from the local sources alone (the online ones answer a moment later)
