"""The help screen (`?`): every key with what it does, grouped (from moodtui.tui.keys)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from moodtui.tui.keys import help_rows


class KeysScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(style="cyan", no_wrap=True)
        table.add_column(ratio=1)
        last = None
        for group, keys, does in help_rows():
            table.add_row(group if group != last else "", keys, does)
            last = group
        with VerticalScroll():
            yield Static(Text("Keys", style="bold") + Text("   esc closes", style="dim"))
            yield Static(table, id="keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # the arrows, page keys and end scroll a list longer than the window
