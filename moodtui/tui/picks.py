"""The Movies and Songs tables and the details pane for the highlighted row."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from moodtui.recommend.imdb_datasets import ATTRIBUTION as IMDB_ATTRIBUTION
from moodtui.recommend.items import Recommendation, trailer_url

VERDICT_MARKS = {"like": "♥", "dislike": "✗", "seen": "✓"}
VERDICT_STYLES = {"like": "bold", "dislike": "dim strike", "seen": "dim"}


def _cut(text: str, width: int) -> Text:
    cell = Text(text, no_wrap=True)
    cell.truncate(width, overflow="ellipsis")
    return cell


class PicksTable(DataTable):
    """A table of recommendations; cells are plain Text, so titles like "[bold]" show literally."""

    # enter opens all of the row (the app's DetailsScreen); said in the footer in the table too.
    BINDINGS = [Binding("enter", "select_cursor", "All")]

    def __init__(self, kind: str, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.kind = kind
        self.items: list[Recommendation] = []
        self._title_width = 40
        self._marks: dict[str, str] = {}  # item key -> verdict given while these picks are shown
        self._laid_out_for = 0  # the width the columns were cut for

    def on_mount(self) -> None:
        self._add_columns(40)

    def _add_columns(self, room: int, ratings: bool = True) -> None:
        # Fixed widths from the table's own width: columns do not jump when new picks arrive. A Rating
        # column nobody has a rating for (no IMDb sync) gives its room to the titles.
        if self.kind == "movie":
            self.add_column("Title", width=room if ratings else room + 7)
            self.add_column("Year", width=4)
            if ratings:
                self.add_column("Rating", width=6)
        else:
            self.add_column("Song", width=room * 3 // 5)
            self.add_column("Artist", width=room * 2 // 5)
            self.add_column("Year", width=4)

    def on_resize(self) -> None:
        """A window made smaller or larger: the columns are cut again for the new width, the cursor stays."""
        if self.items and self.size.width != self._laid_out_for:
            row = self.cursor_row
            self.show(self.items)
            self.move_cursor(row=row, animate=False)

    def show(self, items: list[Recommendation]) -> None:
        if [item.key for item in items] != [item.key for item in self.items]:
            self._marks = {}
        self.items = list(items)
        self._laid_out_for = self.size.width
        # Long titles are cut to the table's width so year and rating stay in view at 80 columns.
        room = max(12, self.size.width - 16) if self.size.width else 40
        ratings = any(item.rating for item in self.items)
        self.clear(columns=True)
        self._add_columns(room, ratings)
        self._title_width = (room if ratings else room + 7) if self.kind == "movie" else room * 3 // 5
        for index, item in enumerate(self.items):
            year = Text(str(item.year or ""))
            if self.kind == "movie":
                rating = [Text(f"{item.rating:.1f}" if item.rating else "")] if ratings else []
                self.add_row(_cut(item.title, self._title_width), year, *rating, key=str(index))
            else:
                self.add_row(_cut(item.title, self._title_width), _cut(item.artist or "", room * 2 // 5), year,
                             key=str(index))
        for index, item in enumerate(self.items):
            if item.key in self._marks:
                self._mark_row(index, item, self._marks[item.key])

    def mark(self, item: Recommendation, verdict: str) -> None:
        """A row the user just judged shows it at once: ♥ liked, ✗ disliked (struck out), ✓ seen (dimmed)."""
        if item not in self.items:
            return
        self._marks[item.key] = verdict
        self._mark_row(self.items.index(item), item, verdict)

    def _mark_row(self, row: int, item: Recommendation, verdict: str) -> None:
        cell = _cut(f"{VERDICT_MARKS[verdict]} {item.title}", self._title_width)
        cell.stylize(VERDICT_STYLES[verdict])
        self.update_cell_at(Coordinate(row, 0), cell, update_width=False)

    @property
    def selected(self) -> Recommendation | None:
        if not self.items or self.cursor_row < 0 or self.cursor_row >= len(self.items):
            return None
        return self.items[self.cursor_row]


def details_text(item: Recommendation, verdict: str | None = None) -> Text:
    """Everything a row has, most telling first: what it is, why it was picked, its link, then the rest."""
    text = Text(no_wrap=False)
    text.append(item.title, style="bold")
    if item.artist:
        text.append(f" by {item.artist}")
    if item.year:
        text.append(f" ({item.year})")
    if verdict:
        text.append(f" · you said: {verdict}", style="bold")
    if item.why:
        text.append("\nwhy: " + item.why, style="italic")
    if item.url:
        text.append("\n" + item.url, style="underline")
    facts = [", ".join(item.genres) or item.mood, f"{item.runtime} min" if item.runtime else None,
             f"rating {item.rating:.1f}" + (f" ({item.votes:,} votes)" if item.votes else "")
             if item.rating else None, f"from {item.source}"]
    text.append("\n" + " · ".join(f for f in facts if f))
    if item.kind == "movie":
        text.append("\ntrailer: " + trailer_url(item), style="dim")
    elif item.preview:
        text.append("\npreview: press a to play 30 s", style="dim")
    if item.imdb_id:
        text.append(f"\n{IMDB_ATTRIBUTION}", style="dim")
    return text


class DetailsPane(Static):
    """The highlighted row a line a fact, each cut to the pane's width (what it is, why, its link first);
    `enter` shows all of it (DetailsScreen)."""

    def show(self, item: Recommendation | None, verdict: str | None = None) -> None:
        if item is None:
            self.update(Text("Select a row to see its details (enter: all of it).", style="dim"))
            return
        self.update(details_text(item, verdict))  # cut, not wrapped: moodtui.tcss
