"""A bar chart of the seven emotions: the smoothed scores the mood is decided on as bars, and this
frame's raw reading as a thin marker, so a user sees why the mood did or did not switch."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moodtui.labels import EMOTIONS

COLOURS = {"angry": "red", "disgust": "green4", "fear": "magenta", "happy": "yellow", "sad": "blue",
           "surprise": "cyan", "neutral": "grey70"}


RAW_MARK = "┃"


class EmotionBars(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple = ((0.0,) * len(EMOTIONS), None, None)

    def on_resize(self) -> None:
        self.show(*self._shown)  # drawn before the widget had its width (0): drawn again at the real one

    def show(self, scores: tuple[float, ...], leader: str | None = None,
             raw: tuple[float, ...] | None = None) -> None:
        self._shown = (scores, leader, raw)
        width = max(4, self.size.width - 15)
        text = Text(no_wrap=True, overflow="crop")
        for index, (name, score) in enumerate(zip(EMOTIONS, scores, strict=True)):
            filled = round(score * width)
            bar = "█" * filled + "░" * (width - filled)
            text.append(f"{name:<8} ", style="bold" if name == leader else "")
            text.append(bar[:filled], style=COLOURS[name])
            text.append(bar[filled:], style="grey23")
            if raw is not None:
                mark = 9 + min(width - 1, round(raw[index] * width))  # after the name column
                line_start = len(text) - 9 - width
                text.plain = text.plain[:line_start + mark] + RAW_MARK + text.plain[line_start + mark + 1:]
                text.stylize("bold white", line_start + mark, line_start + mark + 1)
            text.append(f" {score:4.0%}\n")
        self.update(text, layout=False)  # seven lines, always: no layout pass five times a second
