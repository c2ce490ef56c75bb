"""moodtui's Textual app: a view over the session (moodtui.services.session) that dispatches keys.

Left: what the camera sees (CameraPane: the preview and bars, with the camera worker), the mood's
timeline, the mood line and the status line. Right: the picks (PicksPane, with the pick workers).
The app turns the panes' messages into session events and the session's answers into what the
panes show; keys are declared once, in moodtui.tui.keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from moodtui.config import Settings, save_settings
from moodtui.labels import EMOTIONS
from moodtui.output import write_atomically
from moodtui.services.player import PreviewPlayer
from moodtui.services.session import PickRequest, Session
from moodtui.store import open_store
from moodtui.tui.camera_pane import CameraPane
from moodtui.tui.help_screen import KeysScreen
from moodtui.tui.keys import BINDINGS
from moodtui.tui.messages import CalibrationUpdate, CameraStatus, ModelChosen, MoodChanged, Notice, PicksReady
from moodtui.tui.picks_pane import PicksPane
from moodtui.tui.small_screen import TooSmallScreen, too_small
from moodtui.tui.status import MoodLine, StatusLine
from moodtui.tui.timeline import SECONDS_PER_CELL, MoodTimeline

MessageT = TypeVar("MessageT")


def while_running(handler: Callable[[MoodApp, MessageT], None]) -> Callable[[MoodApp, MessageT], None]:
    """Drops a message handled after shutdown began: Textual still delivers what is queued after it has
    closed the screens, and drawing it then would raise ScreenStackError."""

    @functools.wraps(handler)
    def guarded(app: MoodApp, message: MessageT) -> None:
        if app.is_running and app.screen_stack:
            handler(app, message)

    return guarded


@dataclasses.dataclass
class TerminalLost(Notice):
    """The terminal went away (end of file or an error reading it): the app ends with status 1."""


class MoodApp(App[int]):
    CSS_PATH = "moodtui.tcss"
    TITLE = "moodtui"
    BINDINGS = BINDINGS

    def __init__(self, settings: Settings, seed: int | None = None, classifier=None, **kwargs) -> None:
        """`classifier`: (classifier, model choice) loaded before the screen took the terminal, or the
        ModelError that stopped it; None: the camera worker loads it."""
        super().__init__(**kwargs)
        self.settings = settings
        self.session: Session = Session(settings.strategy)
        self._seeds = random.Random(seed) if seed is not None else None  # repeatable picks, for tests
        self._loaded = classifier
        self.store = open_store(settings.store_path())
        self._engine = None
        self._engine_lock = threading.Lock()
        self.player = PreviewPlayer()
        self.camera = CameraPane(settings, classifier, self.store, id="camera")  # kept: shut down after the screen

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield self.camera
                yield MoodTimeline(id="timeline")
                yield MoodLine(id="mood")
                yield StatusLine(id="status")
            yield PicksPane(self._recommend, lambda: self.session.latest.generation, self.store.verdict, id="picks")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for notice in self.store.notices:
            self.notify(notice, severity="warning", timeout=8)
        self.store.on_notice = lambda text: self.post_message(Notice(text))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            try:  # the terminal restored and the camera released, as for q, with 128 + the signal's number
                loop.add_signal_handler(signum, self.leave, 128 + signum)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
                break
        self.session.timeline.append((time.monotonic(), self.session.emotion))
        self._show_mood()
        self.ask_for_picks(self.session.request())
        self.set_interval(SECONDS_PER_CELL, self._show_timeline)
        self._check_size()

    # Picks -------------------------------------------------------------------------------
    @property
    def engine(self):
        with self._engine_lock:
            if self._engine is None:
                from moodtui.recommend.engine import Engine

                self._engine = Engine(self.settings, self.store)
            return self._engine

    def _recommend(self, request: PickRequest, offline: bool):
        seed = self._seeds.randrange(2**31) if self._seeds else None
        return self.engine.recommend(request.emotion, request.strategy, offline=offline, seed=seed)

    def ask_for_picks(self, request: PickRequest | None) -> None:
        if request is not None:
            self.query_one(PicksPane).fetch(request, self.settings.offline)

    # Messages: the only place the screen changes -----------------------------------------
    @while_running
    def on_mood_changed(self, message: MoodChanged) -> None:
        now = time.monotonic()
        if message.group:
            request = self.session.group_mood(message.mood, message.faces, now)
        else:
            request = self.session.camera_mood(message.mood, now)
            if message.mood.emotion and not self.session.manual:
                self.store.log_mood(message.mood.emotion, "camera")
        if not self.session.manual:
            self._show_mood()
        self.ask_for_picks(request)

    @while_running
    def on_camera_status(self, message: CameraStatus) -> None:
        camera = self.camera
        state = "paused" if camera.paused else message.state
        if state.startswith(("unavailable", "off")):
            camera.show_message(f"No camera: {state}\n\nPress 1-7 to set your mood by hand.")
            if not camera.preview_on:  # the pane that says why is hidden: say it once here
                self.notify(f"No camera: {state}", severity="warning", timeout=8)
        elif state == "lost":
            camera.show_message("Camera lost, retrying…")
        self.query_one(StatusLine).set_camera(state, message.fps, message.latency_ms)

    @while_running
    def on_model_chosen(self, message: ModelChosen) -> None:
        self.query_one(StatusLine).set_model(message.name)

    @while_running
    def on_notice(self, message: Notice) -> None:
        if isinstance(message, TerminalLost):
            self.leave(1)
            return
        self.notify(message.text, severity="warning", timeout=8)

    @while_running
    def on_calibration_update(self, message: CalibrationUpdate) -> None:
        state, status = message.state, self.query_one(StatusLine)
        if state == "recorded":
            self.notify("Baseline recorded: your resting face now reads neutral. B clears it.", timeout=4)
            state = "on"
        elif state == "cleared":
            self.notify("Baseline cleared.", timeout=3)
            state = ""
        elif state.startswith("not recorded"):
            self.notify(f"Baseline {state}", severity="warning", timeout=5)
            state = "on" if status.baseline == "on" else ""
        status.set_baseline("" if state == "none" else state)

    @while_running
    def on_picks_ready(self, message: PicksReady) -> None:
        decision = self.session.picks_arrived(message.generation, message.picks, time.monotonic())
        if decision.action == "drop":
            return  # an answer for a mood or strategy the user has already left
        status = self.query_one(StatusLine)
        if any(s != "offline" for n, s in message.picks.sources.items() if n != "local lists") or not status.sources:
            status.set_sources(message.picks.sources, message.picks.details)
        if decision.action == "hold":
            self.notify("New picks are ready: press n to see them.", timeout=4)
            return
        self.query_one(PicksPane).show(message.picks)

    @on(DataTable.RowHighlighted)
    @while_running
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if event.control.has_focus and event.cursor_row > 0:
            self.session.reading(time.monotonic())

    @on(DataTable.RowSelected)
    @while_running
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        item = self.query_one(PicksPane).selected
        if item is not None:
            self.notify(f"{item.title}: {item.url or 'no link'}", title="Details", timeout=5)

    def on_resize(self) -> None:
        self._check_size()

    # Actions -------------------------------------------------------------------------------
    def action_new_picks(self) -> None:
        held = self.session.new_picks()
        if isinstance(held, PickRequest):
            self.ask_for_picks(held)
        else:
            self.query_one(PicksPane).show(held)

    def action_toggle_strategy(self) -> None:
        request = self.session.toggle_strategy()
        self._persist(strategy=self.session.strategy)
        self._show_mood()
        self.ask_for_picks(request)

    def action_set_mood(self, index: int) -> None:
        request = self.session.set_manual(EMOTIONS[index], time.monotonic())
        self.store.log_mood(EMOTIONS[index], "manual")
        self.camera.show_manual(EMOTIONS[index])
        self._show_mood()
        self.ask_for_picks(request)

    def action_camera_mood(self) -> None:
        request = self.session.clear_manual(time.monotonic())
        if request is not None:
            self.camera.show_manual(None)
            self._show_mood()
            self.ask_for_picks(request)

    def action_toggle_audience(self) -> None:
        request = self.session.toggle_audience(time.monotonic())
        self._show_mood()
        self.notify("Picks for everyone in view." if self.session.audience == "group" else "Picks for you.",
                    timeout=2)
        self.ask_for_picks(request)

    def action_feedback(self, verdict: str) -> None:
        item = self._selected_or_warn()
        if item is not None:
            self.store.set_feedback(item, verdict)
            self.notify(f"{verdict.capitalize()}: {item.title}{self._unsaved()}", timeout=2)
            self.query_one(PicksPane).show_details()

    def action_copy_link(self) -> None:
        item = self.query_one(PicksPane).selected
        if item is None or not item.url:
            self.notify("This row has no link.", severity="warning")
            return
        self.copy_to_clipboard(item.url)  # OSC 52: works over SSH in most terminals
        self.notify(f"Copied {item.url}", timeout=3)

    def action_show_link(self) -> None:
        item = self.query_one(PicksPane).selected
        self.notify(item.url if item and item.url else "This row has no link.", title=item.title if item else "")

    def action_play_preview(self) -> None:
        """Plays the selected song's 30-second preview; pressed again, stops it. A play teaches the taste."""
        if self.player.playing:
            self.player.stop()
            self.notify("Preview stopped.", timeout=2)
            return
        item = self.query_one(PicksPane).selected
        if item is None or item.kind != "song" or not item.preview:
            self.notify("Select a song with a preview (from Deezer or iTunes) in the Songs table.", severity="warning")
            return
        player = self.player.play(item.preview)
        if player is None:
            self.notify(f"No audio player found (install mpv, ffplay, vlc or mpg123). Preview: {item.preview}",
                        severity="warning", timeout=8)
            return
        self.store.add_signal([item], "play")
        self.notify(f"Playing 30 s of {item.title} with {player} (a stops it).", timeout=3)

    def action_export_picks(self) -> None:
        """Writes the picks on screen to the data dir: movies for Letterboxd, songs as a playlist."""
        from moodtui.recommend.export import letterboxd_csv, m3u

        shown = self.query_one(PicksPane).shown()
        folder, stamp = self.settings.data_path() / "exports", time.strftime("%Y%m%d-%H%M%S")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            written = [write_atomically(folder / f"movies-{stamp}.csv", letterboxd_csv([i for i in shown
                                                                                       if i.kind == "movie"])),
                       write_atomically(folder / f"songs-{stamp}.m3u", m3u([i for i in shown if i.kind == "song"]))]
        except OSError as error:
            self.notify(f"Not exported: {error}", severity="error")
            return
        self.store.add_signal(shown, "export")
        self.notify("Exported to " + " and ".join(str(path) for path in written), timeout=8)

    def action_show_taste(self) -> None:
        from moodtui.tui.taste_screen import TasteScreen

        self.push_screen(TasteScreen(self.engine.taste()))

    def action_toggle_pause(self) -> None:
        camera = self.camera
        camera.set_paused(not camera.paused)
        self.query_one(StatusLine).set_camera("paused" if camera.paused else "live")

    def action_toggle_preview(self) -> None:
        camera = self.camera
        camera.set_preview(not camera.preview_on)
        shown = self.settings.preview if self.settings.preview != "off" else "auto"
        self._persist(preview=shown if camera.preview_on else "off")

    def action_calibrate(self) -> None:
        camera = self.camera
        if not self.settings.calibration:
            self.notify("Calibration is off (--no-calibration or calibration = false).", severity="warning")
        elif camera.calibration is None or camera.paused or self.query_one(StatusLine).camera not in ("live",
                                                                                                     "starting"):
            self.notify("A baseline needs the camera running.", severity="warning")
        else:
            camera.calibration.request_start()
            self.notify("Relax your face and look at the camera for 3 seconds…", timeout=3)

    def action_clear_baseline(self) -> None:
        camera = self.camera
        if camera.calibration is not None:
            camera.calibration.request_clear()
        else:  # no camera worker to take the request: clear the stored one here
            self.store.clear_baseline()
            self.on_calibration_update(CalibrationUpdate("cleared"))

    def action_toggle_help(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.pop_screen()
        else:
            self.push_screen(KeysScreen())

    async def action_quit(self) -> None:
        self.leave(0)

    def leave(self, code: int) -> None:
        """Stop the camera at once and exit with `code` (q: 0; a signal: 128 + its number; a lost terminal: 1)."""
        self.camera.shutdown()
        self.exit(code, return_code=code)

    def on_unmount(self) -> None:
        self.camera.shutdown()
        self.player.stop()
        if self._engine is not None:
            self._engine.close()
        self.store.close()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.show and binding.action not in ("quit", "toggle_help"):
                yield SystemCommand(binding.description, f"key {binding.key_display or binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    # Helpers -------------------------------------------------------------------------------
    def _selected_or_warn(self):
        item = self.query_one(PicksPane).selected
        if item is None:
            self.notify("Select a movie or song first.", severity="warning")
        return item

    def _unsaved(self) -> str:
        return "" if self.store.saving else " (not saved: the database cannot be written)"

    def _show_mood(self) -> None:
        self.query_one(MoodLine).show(self.session.label, self.session.strategy, bool(self.session.manual))
        self._show_timeline()  # a new mood shows in its cells at once, not at the next cell's redraw

    def _show_timeline(self) -> None:
        self.query_one(MoodTimeline).show(self.session.timeline, time.monotonic())

    def _check_size(self) -> None:
        """A window too small gets the screen that says so; it goes by itself once the window is big enough."""
        if too_small(self.size) and not isinstance(self.screen, TooSmallScreen):
            self.push_screen(TooSmallScreen())

    def _theme_changed(self, theme) -> None:
        if theme.name != self.settings.theme:
            self._persist(theme=theme.name)

    def _persist(self, **changes) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)
        try:
            save_settings(self.settings, tuple(changes))
        except OSError as error:
            self.notify(f"Settings not saved: {error}", severity="warning")
