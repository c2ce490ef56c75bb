"""The right column: the Movies and Songs tables and the details of the highlighted row, and the
workers that fetch picks.

The local sources answer at once on one worker; the online ones on the fetcher's single thread,
newest request only (moodtui.services.fetcher). Both post PicksReady to the app, which decides
with the session whether to show, hold or drop them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from moodtui.recommend.items import Recommendation
from moodtui.services.fetcher import LatestOnly
from moodtui.services.session import PickRequest
from moodtui.tui.messages import Notice, PicksReady
from moodtui.tui.picks import DetailsPane, PicksTable


class PicksPane(Vertical):
    def __init__(self, recommend: Callable[[PickRequest, bool], object], latest: Callable[[], int],
                 verdict: Callable[[Recommendation], str | None], **kwargs) -> None:
        """`recommend(request, offline)` makes picks (on a worker thread); `latest()` is the newest request's
        generation; `verdict(item)` what the user said of a title."""
        super().__init__(**kwargs)
        self._recommend, self._latest, self._verdict = recommend, latest, verdict
        self._online = LatestOnly(self._online_picks, self._deliver, self._failed, name="online picks")

    def compose(self) -> ComposeResult:
        yield Static("Movies", classes="heading", id="movies-heading")
        yield PicksTable("movie", id="movies")
        yield Static("Songs", classes="heading")
        yield PicksTable("song", id="songs")
        yield DetailsPane(id="details")

    def on_mount(self) -> None:
        self.query_one(DetailsPane).show(None)
        self.query_one("#movies", PicksTable).focus()

    # Fetching ------------------------------------------------------------------------------
    def fetch(self, request: PickRequest, offline: bool) -> None:
        """The local lists answer at once; online sources fill in later, one fetch at a time."""
        self._fetch_local(request)
        if not offline:
            self._online.submit(request)

    @property
    def online_threads(self) -> int:
        return self._online.threads_started

    @work(thread=True, exclusive=True, group="local picks")
    def _fetch_local(self, request: PickRequest) -> None:
        self.post_message(PicksReady(self._recommend(request, True), request.generation))

    def _online_picks(self, request: PickRequest):
        """Runs on the online fetcher's thread; skipped when the request is already stale."""
        if request.generation != self._latest() or not self.is_attached:
            return None
        return self._recommend(request, False)

    def _deliver(self, request: PickRequest, picks) -> None:
        if picks is not None and self.is_attached:
            self.post_message(PicksReady(picks, request.generation))

    def _failed(self, request: PickRequest, error: Exception) -> None:
        if self.is_attached:
            self.post_message(Notice(f"Online picks failed: {error}"))

    # Showing -------------------------------------------------------------------------------
    def show(self, picks) -> None:
        self.query_one("#movies", PicksTable).show(picks.movies)
        self.query_one("#songs", PicksTable).show(picks.songs)
        self.query_one("#movies-heading", Static).update(
            "Movies" + ("  · data courtesy of IMDb" if picks.attribution else ""))
        self.show_details()

    def shown(self) -> list[Recommendation]:
        return self.query_one("#movies", PicksTable).items + self.query_one("#songs", PicksTable).items

    @property
    def selected(self) -> Recommendation | None:
        focused = self.app.focused
        table = focused if isinstance(focused, PicksTable) else self.query_one("#movies", PicksTable)
        return table.selected

    def show_details(self) -> None:
        item = self.selected
        self.query_one(DetailsPane).show(item, self._verdict(item) if item is not None else None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        if self.is_attached:
            self.show_details()
