"""One row of coloured cells: the mood in use over this session's last minutes, newest on the right."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moodtui.tui.bars import COLOURS

SECONDS_PER_CELL = 5.0


def mood_at(timeline: list[tuple[float, str | None]], at: float) -> str | None:
    """The mood in use at a time: the last change at or before it."""
    mood = None
    for when, emotion in timeline:
        if when > at:
            break
        mood = emotion
    return mood


class MoodTimeline(Static):
    def show(self, timeline: list[tuple[float, str | None]], now: float,
             seconds_per_cell: float = SECONDS_PER_CELL) -> None:
        width = max(1, self.size.width - 9)
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{width * seconds_per_cell / 60:>3.0f} min ", style="dim")
        for cell in range(width):
            at = now - (width - 1 - cell) * seconds_per_cell
            mood = mood_at(timeline, at) if timeline and at >= timeline[0][0] else None
            text.append("▆" if mood else " ", style=COLOURS.get(mood or "", "grey23"))
        self.update(text, layout=False)  # one line, always
