"""What a window too small for the app shows: how big it must be. It goes away once the window is."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_SIZE = Size(60, 16)  # below this the tables and the bars cannot both be read


def too_small(size: Size) -> bool:
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height


class TooSmallScreen(Screen):
    DEFAULT_CSS = "TooSmallScreen { align: center middle; } TooSmallScreen Static { width: auto; }"

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self._say()

    def on_resize(self) -> None:
        if not too_small(self.app.size):
            if self.app.screen is self:  # a second resize may come before the first is done with
                self.app.pop_screen()
            return
        self._say()

    def _say(self) -> None:
        size = self.app.size
        self.query_one("#too-small", Static).update(Text(
            f"Make the window at least {MIN_SIZE.width}x{MIN_SIZE.height}\n(it is {size.width}x{size.height}); "
            "q quits", justify="center"))
