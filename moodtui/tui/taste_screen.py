"""What the user's taste has learned (`t`): the features it weighs most either way, and from what."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from moodtui.recommend.taste import Taste


def taste_table(taste: Taste) -> Table | Text:
    """The taste in a table a reader can follow; a sentence when nothing is learned yet."""
    if taste.empty:
        return Text("Nothing learned yet: like or dislike picks (l, d), play songs (a), or import your IMDb or "
                    "Letterboxd ratings with `moodtui import`.", style="dim")
    summary = taste.summary()
    table = Table(box=None, expand=True, padding=(0, 1))
    for column in ("", "likes", "weight", "titles", "dislikes", "weight", "titles"):
        table.add_column(column, no_wrap=True, style="bold" if not column else "")
    for kind in ("movie", "song"):
        likes, dislikes = summary[kind]["likes"], summary[kind]["dislikes"]
        for i in range(max(len(likes), len(dislikes))):
            cells = [f"{kind}s" if i == 0 else ""]
            for rows, style in ((likes, "green"), (dislikes, "red")):
                row = rows[i] if i < len(rows) else None
                cells += [Text(f"{row['group']}: {row['value']}", style=style), f"{row['weight']:+.2f}",
                          str(row["titles"])] if row else ["", "", ""]
            table.add_row(*cells)
    return table


class TasteScreen(ModalScreen):
    BINDINGS = [Binding("escape,t,q", "dismiss", "Close")]

    def __init__(self, taste: Taste) -> None:
        super().__init__()
        self.taste = taste

    def compose(self) -> ComposeResult:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self.taste.counts.items())) or "no evidence yet"
        with VerticalScroll():
            yield Static(Text("Your taste", style="bold") + Text("   esc closes", style="dim"))
            yield Static(Text(f"learned from: {counts}", style="dim"))
            yield Static(taste_table(self.taste), id="taste")
