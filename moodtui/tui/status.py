"""The mood line and the status line: frames per second, latency, camera and sources."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moodtui.recommend.imdb_datasets import ImdbIndex
from moodtui.recommend.imdb_pages import ImdbPages
from moodtui.recommend.library import Library
from moodtui.recommend.lists import ListSource
from moodtui.recommend.music import DeezerArtists
from moodtui.recommend.sources import Status, status_words

CAMERA_STYLES = {"live": "green", "starting": "cyan", "paused": "yellow", "reconnecting": "red", "ended": "yellow",
                 "unavailable": "red", "off": "grey50"}
STATUS_STYLES = {Status.ONLINE: "green", Status.CACHED: "cyan", Status.LOCAL: "green", Status.OFFLINE: "yellow",
                 Status.BLOCKED: "red", Status.RATE_LIMITED: "yellow", Status.ERROR: "red", Status.NOT_SYNCED: "grey50",
                 Status.TIMED_OUT: "yellow"}


QUIET_WHEN_LOCAL = {Library.name, DeezerArtists.name}  # said only when they bring something
SHORT_NAMES = {ListSource.name: "lists", ImdbIndex.name: "imdb-db", ImdbPages.name: "imdb-web", Library.name: "library",
               DeezerArtists.name: "artists"}


class MoodLine(Static):
    def show(self, label: str, strategy: str, manual: bool) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Mood ", style="dim")
        text.append(label, style="bold")
        text.append(" (hand)" if manual else "", style="dim")
        text.append(" · ", style="dim")
        text.append(strategy, style="bold")
        self.update(text, layout=False)  # one line, always


class StatusLine(Static):
    """The camera's state and speed, the model, the baseline and each source's status; redrawn when one changes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.camera, self.fps, self.latency_ms = "starting", 0.0, 0.0
        self.model = ""
        self.baseline = ""
        self.sources: dict[str, Status] = {}
        self.details: dict[str, str] = {}
        self.waiting: str | None = None  # the emotion of picks held while the user is in the tables
        self._drawn_length = -1

    def set_camera(self, state: str, fps: float | None = None, latency_ms: float | None = None) -> None:
        self.camera = state
        if fps is not None:
            self.fps, self.latency_ms = fps, latency_ms or 0.0
        self._draw()

    def set_model(self, name: str) -> None:
        self.model = name
        self._draw()

    def set_baseline(self, state: str) -> None:
        self.baseline = state
        self._draw()

    def set_sources(self, sources: dict[str, Status], details: dict[str, str]) -> None:
        self.sources, self.details = dict(sources), dict(details)
        self._draw()

    def set_waiting(self, emotion: str | None) -> None:
        if emotion != self.waiting:
            self.waiting = emotion
            self._draw()

    def _draw(self) -> None:
        text = Text(no_wrap=False)
        if self.waiting:
            text.append(f"new picks for {self.waiting}: n", style="bold reverse")
            text.append(" · ")
        # One word: the reason ("unavailable: no camera found at ...") is in the preview pane already.
        word = self.camera.split(":", 1)[0].split(" (", 1)[0]
        text.append("camera ")
        text.append(self.camera if word == "reconnecting" else word, style=CAMERA_STYLES.get(word, ""))
        if self.fps and word == "live":
            text.append(f" · {self.fps:.0f}/s · {self.latency_ms:.0f} ms")
        if self.model:
            text.append(f" · model {self.model}")
        if self.baseline:
            text.append(" · baseline ")
            text.append(self.baseline, style="cyan" if self.baseline == "on" else "yellow")
        offline = [name for name, status in self.sources.items() if status == Status.OFFLINE]
        for name, status in self.sources.items():
            if status == Status.OFFLINE or (name in QUIET_WHEN_LOCAL and status == Status.LOCAL):
                continue
            text.append(f" · {SHORT_NAMES.get(name, name)} ")
            text.append(status_words(status, self.details.get(name, "")), style=STATUS_STYLES.get(status, ""))
        if offline:
            text.append(" · ")
            text.append(Status.OFFLINE if len(offline) > 2 else " ".join(SHORT_NAMES.get(n, n) for n in offline)
                        + f" {Status.OFFLINE}", style=STATUS_STYLES[Status.OFFLINE])
        # A layout pass only when the line may wrap differently (its length changed), not every second.
        self.update(text, layout=len(text) != self._drawn_length)
        self._drawn_length = len(text)
