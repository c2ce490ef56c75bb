"""The mood line and the status line: frames per second, latency, camera and sources."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moodtui.recommend.sources import status_words

CAMERA_STYLES = {"live": "green", "starting": "cyan", "paused": "yellow", "lost": "red", "ended": "yellow",
                 "unavailable": "red", "off": "grey50"}
STATUS_STYLES = {"online": "green", "cached": "cyan", "local": "green", "offline": "yellow", "blocked": "red",
                 "rate-limited": "yellow", "error": "red", "not synced": "grey50"}


SHORT_NAMES = {"local lists": "lists", "imdb datasets": "imdb-db", "imdb pages": "imdb-web"}


class MoodLine(Static):
    def show(self, label: str, strategy: str, manual: bool) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Mood ", style="dim")
        text.append(label, style="bold")
        text.append(" (hand)" if manual else "", style="dim")
        text.append(" · ", style="dim")
        text.append(strategy, style="bold")
        self.update(text)


class StatusLine(Static):
    def show(self, camera: str, fps: float, latency_ms: float, sources: dict[str, str], baseline: str = "",
             details: dict[str, str] | None = None) -> None:
        text = Text(no_wrap=False)
        # One word: the reason ("unavailable: no camera found at ...") is in the preview pane already.
        word = camera.split(":", 1)[0].split(" (", 1)[0]
        text.append("camera ")
        text.append(word, style=CAMERA_STYLES.get(word, ""))
        if fps:
            text.append(f" · {fps:.0f} fps · {latency_ms:.1f} ms")
        if baseline:
            text.append(" · baseline ")
            text.append(baseline, style="cyan" if baseline == "on" else "yellow")
        for name, status in sources.items():
            text.append(f" · {SHORT_NAMES.get(name, name)} ")
            text.append(status_words(status, (details or {}).get(name, "")), style=STATUS_STYLES.get(status, ""))
        self.update(text)
