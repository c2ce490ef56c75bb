"""All of a pick (`enter`): why it was picked, its link and trailer, its facts; it scrolls where it does not fit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from moodtui.recommend.items import Recommendation
from moodtui.tui.picks import details_text


class DetailsScreen(ModalScreen):
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close"), Binding("c", "copy_link", "Copy link")]

    def __init__(self, item: Recommendation, verdict: str | None) -> None:
        super().__init__()
        self.item, self.verdict = item, verdict

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(details_text(self.item, self.verdict), id="all-details")
            yield Static(Text("\nesc closes · c copies the link · arrows scroll", style="dim"))

    def action_copy_link(self) -> None:
        if self.item.url:
            self.app.copy_to_clipboard(self.item.url)  # OSC 52: works over SSH in most terminals
            self.notify(f"Copied {self.item.url}", timeout=3)
