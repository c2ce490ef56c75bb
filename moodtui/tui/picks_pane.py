"""The right column: the Movies and Songs tables and the details of the highlighted row, the workers
that fetch picks, and what the keys do with a pick (judge it, link it, play it, export the picks).

The local sources answer at once on one worker; the online ones on the fetcher's single thread,
newest request only (moodtui.services.fetcher). Both post PicksReady to the app, which decides
with the session whether to show, hold or drop them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from moodtui.output import write_atomically
from moodtui.recommend.items import Recommendation
from moodtui.services.fetcher import LatestOnly
from moodtui.services.player import PreviewPlayer
from moodtui.services.session import PickRequest
from moodtui.tui.messages import Notice, PicksReady
from moodtui.tui.picks import DetailsPane, PicksTable


class PicksPane(Vertical):
    def __init__(self, recommend: Callable[[PickRequest, bool], object], latest: Callable[[], int], store,
                 **kwargs) -> None:
        """`recommend(request, offline)` makes picks (on a worker thread); `latest()` is the newest request's
        generation; `store` keeps what the user does with a pick (it teaches the taste)."""
        super().__init__(**kwargs)
        self._recommend, self._latest, self.store = recommend, latest, store
        self._online = LatestOnly(self._online_picks, self._deliver, self._failed, name="online picks")
        self.player = PreviewPlayer()

    def compose(self) -> ComposeResult:
        yield Static("Movies", classes="heading", id="movies-heading")
        yield PicksTable("movie", id="movies")
        yield Static("Songs", classes="heading")
        yield PicksTable("song", id="songs")
        yield DetailsPane(id="details")

    def on_mount(self) -> None:
        self.query_one(DetailsPane).show(None)

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
        self.post_message(PicksReady(self._recommend(request, True), request.generation, local=True))

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
        self.query_one(DetailsPane).show(item, self.store.verdict(item) if item is not None else None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        if self.is_attached:
            self.show_details()

    # What the keys do with picks ----------------------------------------------------------------
    def _unsaved(self) -> str:
        return "" if self.store.saving else " (your taste not saved: the database cannot be written)"

    def judge(self, verdict: str) -> None:
        """Like, dislike or seen: stored, and the taste learns from it at once."""
        item = self.selected
        if item is None:
            self.app.notify("Select a movie or song first.", severity="warning")
            return
        self.store.set_feedback(item, verdict)
        for table in self.query(PicksTable):
            table.mark(item, verdict)
        self.app.notify(f"{verdict.capitalize()}: {item.title}{self._unsaved()}", timeout=2)
        self.show_details()

    def copy_link(self) -> None:
        item = self.selected
        if item is None or not item.url:
            self.app.notify("This row has no link.", severity="warning")
            return
        self.app.copy_to_clipboard(item.url)  # OSC 52: works over SSH in most terminals
        self.app.notify(f"Copied {item.url}", timeout=3)

    def show_link(self) -> None:
        item = self.selected
        self.app.notify(item.url if item and item.url else "This row has no link.", title=item.title if item else "")

    def play_preview(self) -> None:
        """Plays the selected song's 30-second preview; pressed again, stops it. A play teaches the taste."""
        if self.player.playing:
            self.player.stop()
            self.app.notify("Preview stopped.", timeout=2)
            return
        item = self.selected
        if item is None or item.kind != "song" or not item.preview:
            self.app.notify("Select a song with a preview (from Deezer or iTunes) in the Songs table.",
                            severity="warning")
            return
        player = self.player.play(item.preview)
        if player is None:
            self.app.notify(f"No audio player found (install mpv, ffplay, vlc or mpg123). Preview: {item.preview}",
                            severity="warning", timeout=8)
            return
        self.store.add_signal([item], "play")
        self.app.notify(f"Playing 30 s of {item.title} with {player} (a stops it).{self._unsaved()}", timeout=3)

    def export(self, folder: Path) -> None:
        """Writes the picks on screen: movies for Letterboxd, songs as a playlist. An export teaches the taste."""
        from moodtui.recommend.export import letterboxd_csv, m3u

        shown, stamp = self.shown(), time.strftime("%Y%m%d-%H%M%S")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            written = [write_atomically(folder / f"movies-{stamp}.csv",
                                        letterboxd_csv([i for i in shown if i.kind == "movie"])),
                       write_atomically(folder / f"songs-{stamp}.m3u", m3u([i for i in shown if i.kind == "song"]))]
        except OSError as error:
            self.app.notify(f"Not exported: {error}", severity="error")
            return
        self.store.add_signal(shown, "export")
        # A line a name: a toast breaks long paths mid-word, and the home folder says itself as ~.
        home = str(Path.home())
        where = "~" + str(folder)[len(home):] if str(folder).startswith(home + "/") else str(folder)
        self.app.notify(f"Exported to {where}/\n" + "\n".join(path.name for path in written) + self._unsaved(),
                        timeout=8)
