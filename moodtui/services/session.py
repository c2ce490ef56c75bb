"""What the app knows and decides, without a screen: the mood in use, the strategy, the picks.

The TUI forwards events here (a frame's mood, a key's intent, picks that arrived) and draws what
comes back. Every request for picks carries a generation number; an answer for an older
generation (the user changed mood or strategy since) is dropped, however late it comes.

Picks never move under the user. Picks the user asked for (n, a mood set by hand, a strategy, g, 0)
are shown as they arrive until the user moves in a table. Picks for a mood the camera changed to
are shown only while the user is not using the tables: not while the focus is in one, and not
within KEY_GRACE seconds of any key; otherwise they are held, the status line says so, and n shows
them. A face that leaves the view keeps the picks of its last mood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from moodtui.vision.mood import Mood

KEY_GRACE = 10.0  # seconds after any key during which picks the user did not ask for wait
FALLBACK_EMOTION = "neutral"  # what picks are for before any face was read
AUDIENCES = ("you", "group")  # whose mood the picks are for: the largest face, or everyone in view

PicksT = TypeVar("PicksT")


@dataclass(frozen=True)
class PickRequest:
    """Picks wanted for this emotion and strategy; `generation` orders requests."""

    generation: int
    emotion: str
    strategy: str
    asked: bool = False  # the user asked for these picks (a key), not the camera


@dataclass(frozen=True)
class PicksDecision(Generic[PicksT]):
    """What to do with picks that arrived: "show" them, "hold" them until asked, or "drop" them."""

    action: str
    picks: PicksT | None = None


class Session(Generic[PicksT]):
    def __init__(self, strategy: str = "match", grace: float = KEY_GRACE) -> None:
        self.strategy = strategy
        self.grace = grace
        self.manual: str | None = None
        self.camera: Mood | None = None
        self.group: Mood | None = None
        self.group_size = 0
        self.audience = "you"
        self.timeline: list[tuple[float, str | None]] = []  # (time, mood in use) at each change
        self.latest = PickRequest(0, FALLBACK_EMOTION, strategy)
        self.pending: PicksT | None = None
        self._last_key = float("-inf")
        self._moved = False  # the user moved in a table since picks were last shown
        self._last_seen: dict[str, str] = {}  # audience -> the last emotion its camera mood named
        self.no_camera = False  # no camera to read a mood from: the mood is set by hand (1-7)

    @property
    def emotion(self) -> str:
        """The mood picks are for: set by hand, else the camera's stable mood (yours or the group's),
        else neutral."""
        if self.manual:
            return self.manual
        return self._last_seen.get(self.audience, FALLBACK_EMOTION)

    @property
    def watched(self) -> Mood | None:
        """The camera mood in use: the largest face's, or the group's."""
        return self.group if self.audience == "group" else self.camera

    @property
    def label(self) -> str:
        """The mood line's words: "happy", "group of 3 · happy", "no face yet"."""
        if self.manual:
            return self.manual
        mood = self.watched
        words = mood.label if mood else "no face yet"
        if self.no_camera and mood is None:
            words = f"{self.emotion} (no camera: 1-7 set it)"
        if mood is not None and mood.emotion is None and self.audience in self._last_seen:
            words = f"{self._last_seen[self.audience]} ({words})"  # the picks stay with the last mood
        return f"group of {self.group_size} · {words}" if self.audience == "group" else words

    def _changed(self, before: str, now: float, asked: bool) -> PickRequest | None:
        if self.emotion == before:
            return None
        self.timeline.append((now, self.emotion))
        return self.request(asked)

    def _seen(self, audience: str, mood: Mood) -> None:
        if mood.emotion is not None:
            self._last_seen[audience] = mood.emotion

    def request(self, asked: bool = True) -> PickRequest:
        """A new request for the current emotion and strategy (`asked`: by a key); older answers become stale."""
        self.latest = PickRequest(self.latest.generation + 1, self.emotion, self.strategy, asked)
        self.pending = None
        if asked:
            self._moved = False
        return self.latest

    # Events -------------------------------------------------------------------------------
    def camera_mood(self, mood: Mood, now: float = 0.0) -> PickRequest | None:
        """The camera's stable mood changed; a request when that changes the mood in use."""
        before = self.emotion
        self.camera = mood
        self._seen("you", mood)
        return self._changed(before, now, asked=False)

    def group_mood(self, mood: Mood, faces: int, now: float = 0.0) -> PickRequest | None:
        """Everyone's stable mood, or the number of faces, changed."""
        before = self.emotion
        self.group, self.group_size = mood, faces
        self._seen("group", mood)
        return self._changed(before, now, asked=False)

    def toggle_audience(self, now: float = 0.0) -> PickRequest | None:
        """Key g: picks for you (the largest face) or for everyone in view."""
        before = self.emotion
        self.audience = "group" if self.audience == "you" else "you"
        return self._changed(before, now, asked=True)

    def set_manual(self, emotion: str, now: float = 0.0) -> PickRequest:
        self.manual = emotion
        self.timeline.append((now, emotion))
        return self.request()

    def clear_manual(self, now: float = 0.0) -> PickRequest | None:
        """Back to the camera's mood (key 0); a request only when it was set by hand."""
        if self.manual is None:
            return None
        self.manual = None
        self.timeline.append((now, self.emotion))
        return self.request()

    def toggle_strategy(self) -> PickRequest:
        self.strategy = "lift" if self.strategy == "match" else "match"
        return self.request()

    def key_pressed(self, now: float) -> None:
        """Any key: picks the user did not ask for wait KEY_GRACE seconds."""
        self._last_key = now

    def reading(self, now: float) -> None:
        """The user moved in a table: what arrives next waits, even for picks they asked for."""
        self._last_key = now
        self._moved = True

    def left_tables(self) -> PicksT | None:
        """esc: the user left the tables; the picks that waited, to show now (None: nothing waited)."""
        held, self.pending, self._moved = self.pending, None, False
        self._last_key = float("-inf")  # leaving is a choice: what comes next need not wait for the grace
        return held

    def new_picks(self) -> PicksT | PickRequest:
        """Key n: the picks that were held back, or else a fresh request."""
        if self.pending is not None:
            held, self.pending = self.pending, None
            self._moved = False
            return held
        return self.request()

    def picks_arrived(self, generation: int, picks: PicksT, now: float,
                      in_table: bool = False) -> PicksDecision[PicksT]:
        """Show, hold or drop picks that arrived; `in_table`: the focus is in a table of picks."""
        if generation != self.latest.generation:
            return PicksDecision("drop")
        asked_and_untouched = self.latest.asked and not self._moved
        if not asked_and_untouched and (in_table or self._moved or now - self._last_key < self.grace):
            self.pending = picks
            return PicksDecision("hold", picks)
        self.pending = None
        self._moved = False
        return PicksDecision("show", picks)
