"""A bar chart of the seven emotion probabilities, with the current mood above it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moodtui.emotion import EMOTIONS

COLOURS = {"angry": "red", "disgust": "green4", "fear": "magenta", "happy": "yellow", "sad": "blue",
           "surprise": "cyan", "neutral": "grey70"}


class EmotionBars(Static):
    def show(self, scores: tuple[float, ...], leader: str | None = None) -> None:
        width = max(4, self.size.width - 15)
        text = Text(no_wrap=True, overflow="crop")
        for name, score in zip(EMOTIONS, scores, strict=True):
            filled = round(score * width)
            text.append(f"{name:<8} ", style="bold" if name == leader else "")
            text.append("█" * filled, style=COLOURS[name])
            text.append("░" * (width - filled), style="grey23")
            text.append(f" {score:4.0%}\n")
        self.update(text)
