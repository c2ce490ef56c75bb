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
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import DataTable

from moodtui.config import Settings, save_settings
from moodtui.labels import EMOTIONS
from moodtui.services.session import PickRequest, Session
from moodtui.store import open_store
from moodtui.tui.camera_pane import CameraPane, baseline_word
from moodtui.tui.footer import KeysFooter
from moodtui.tui.help_screen import KeysScreen
from moodtui.tui.keys import BINDINGS, palette_entries
from moodtui.tui.messages import CalibrationUpdate, CameraStatus, ModelChosen, MoodChanged, Notice, PicksReady
from moodtui.tui.picks import PicksTable
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
    # Nothing has the focus until the user goes into a table (tab, an arrow): while the focus is in
    # one, picks for a new camera mood wait for n (moodtui.services.session).
    AUTO_FOCUS = None

    def __init__(self, settings: Settings, seed: int | None = None, classifier=None, **kwargs) -> None:
        """`classifier`: (classifier, model choice) loaded before the screen took the terminal, or the
        ModelError that stopped it; None: the camera worker loads it."""
        super().__init__(**kwargs)
        self.settings = settings
        self.session: Session = Session(settings.strategy)
        self._seeds = random.Random(seed) if seed is not None else None  # repeatable picks, for tests
        self.store = open_store(settings.store_path())
        self._engine = None
        self._engine_lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None  # the app's event loop, once it runs (for signals)
        self.deadline = None  # moodtui.tui.deadline.ExitDeadline in a real terminal (moodtui.tui.run)
        # Kept: both are shut down after the screen is gone.
        self.camera = CameraPane(settings, classifier, self.store, id="camera")
        self.picks = PicksPane(self._recommend, lambda: self.session.latest.generation, self.store, id="picks")

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield self.camera
                yield MoodTimeline(id="timeline")
                yield MoodLine(id="mood")
                yield StatusLine(id="status")
            yield self.picks
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for notice in self.store.notices:
            self.notify(notice, severity="warning", timeout=8)
        self.store.on_notice = lambda text: self.post_message(Notice(text))
        self.loop = asyncio.get_running_loop()
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
            self.picks.fetch(request, self.settings.offline)

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
        if message.state.startswith(("unavailable", "off")) and not self.session.no_camera:
            self.session.no_camera = True
            self._show_mood()
        self.query_one(StatusLine).set_camera("paused" if self.camera.paused else message.state, message.fps,
                                              message.latency_ms)

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
        status = self.query_one(StatusLine)
        status.set_baseline(baseline_word(message.state, status.baseline))

    @while_running
    def on_picks_ready(self, message: PicksReady) -> None:
        decision = self.session.picks_arrived(message.generation, message.picks, time.monotonic(),
                                              in_table=isinstance(self.focused, PicksTable))
        if decision.action == "drop":
            return  # an answer for a mood or strategy the user has already left
        status = self.query_one(StatusLine)
        # The local answer marks every online source offline: it says nothing the online answer has not.
        if not message.local or not status.sources or self.settings.offline:
            status.set_sources(message.picks.sources, message.picks.details)
        if decision.action == "hold":
            status.set_waiting(self.session.latest.emotion)
            return
        self._show_picks(message.picks)

    def _show_picks(self, picks) -> None:
        self.query_one(StatusLine).set_waiting(None)
        self.picks.show(picks)

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key):  # every key, before any binding or widget takes it
            self.session.key_pressed(time.monotonic())
        await super().on_event(event)

    @on(DataTable.RowHighlighted)
    @while_running
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if event.control.has_focus and event.cursor_row > 0:
            self.session.reading(time.monotonic())

    @on(DataTable.RowSelected)
    @while_running
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_show_details()

    def action_show_details(self) -> None:
        """enter: all of the selected pick, in a screen of its own."""
        from moodtui.tui.details_screen import DetailsScreen

        item = self.picks.selected
        if item is not None and self.screen is self.screen_stack[0]:
            self.push_screen(DetailsScreen(item, self.store.verdict(item)))

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)  # the event's size: this handler runs before Textual's own records it

    # Actions -------------------------------------------------------------------------------
    def action_new_picks(self) -> None:
        held = self.session.new_picks()
        if isinstance(held, PickRequest):
            self.ask_for_picks(held)
        else:
            self._show_picks(held)

    def action_enter_tables(self) -> None:
        """An arrow with nothing focused: into the movies table (the arrows then move in it)."""
        if self.screen is self.screen_stack[0]:  # not under the help or taste screen
            self.query_one("#movies", PicksTable).focus()

    def action_leave_tables(self) -> None:
        """escape: out of the tables; picks that waited show now, later ones by themselves."""
        self.set_focus(None)
        held = self.session.left_tables()
        if held is not None:
            self._show_picks(held)

    def action_toggle_strategy(self) -> None:
        request = self.session.toggle_strategy()
        self.notify(f"Strategy {self.session.strategy} for this session (ctrl+p, Keep settings: for next time too)",
                    timeout=4)
        self._show_mood()
        self.ask_for_picks(request)

    def action_set_mood(self, index: int) -> None:
        request = self.session.set_manual(EMOTIONS[index], time.monotonic())
        self.store.log_mood(EMOTIONS[index], "manual")
        if not self.store.saving:
            self.notify(f"Mood {EMOTIONS[index]} (not saved: the database cannot be written)", timeout=2)
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
        words = "Picks for everyone in view." if self.session.audience == "group" else "Picks for you."
        if self.session.no_camera:  # nobody is in view of a camera that is not there: say what g will do
            words += " (once a camera reads faces; for now the mood is set by hand)"
        self.notify(words, timeout=3)
        self.ask_for_picks(request)

    def action_feedback(self, verdict: str) -> None:
        self.picks.judge(verdict)

    def action_copy_link(self) -> None:
        self.picks.copy_link()

    def action_show_link(self) -> None:
        self.picks.show_link()

    def action_play_preview(self) -> None:
        self.picks.play_preview()

    def action_export_picks(self) -> None:
        self.picks.export(self.settings.data_path() / "exports")

    def action_show_taste(self) -> None:
        from moodtui.tui.taste_screen import TasteScreen

        self.push_screen(TasteScreen(self.engine.taste()))

    def action_toggle_pause(self) -> None:
        reader = self.camera.reader
        if reader is None:  # nothing to pause: the status line keeps saying why
            self.notify("No camera is running: nothing to pause.", timeout=3)
            return
        self.camera.set_paused(not self.camera.paused)
        self.query_one(StatusLine).set_camera("paused" if self.camera.paused else reader.state)

    def action_toggle_preview(self) -> None:
        self.camera.set_preview(not self.camera.preview_on)

    def action_calibrate(self) -> None:
        self.camera.record_baseline(self.query_one(StatusLine).camera)

    def action_clear_baseline(self) -> None:
        if not self.camera.clear_baseline():  # no camera worker to take the request: cleared here
            self.store.clear_baseline()
            self.camera.post_message(CalibrationUpdate("cleared"))  # said by the pane, shown by the status line

    def action_toggle_help(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.pop_screen()
        else:
            self.push_screen(KeysScreen())

    async def action_quit(self) -> None:
        self.leave(0)

    def leave(self, code: int) -> None:
        """Stop the camera at once and exit with `code` (q: 0; a signal: 128 + its number; a lost terminal: 1),
        within the deadline whatever Textual's shutdown does."""
        if self.deadline is not None:
            self.deadline.arm(code)
        self.camera.shutdown()
        self.exit(code, return_code=code)

    def on_unmount(self) -> None:
        self.camera.shutdown()
        self.picks.player.stop()
        if self._engine is not None:
            self._engine.close()
        self.store.close()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Not Textual's "Keys" (`?` lists every key) nor "Screenshot", which would write the camera's preview to a
        # file: frames never leave memory.
        yield from (c for c in super().get_system_commands(screen) if c.title not in ("Keys", "Screenshot"))
        yield SystemCommand("Keep settings", "keep this session's strategy and preview for next time (config.toml)",
                            self.keep_settings)
        for title, does, action in palette_entries():
            yield SystemCommand(title, does, lambda action=action: self.run_action(action))

    def keep_settings(self) -> None:
        """The session's strategy and preview become the defaults (the s and v keys change them for this run)."""
        shown = self.settings.preview if self.settings.preview != "off" else "auto"
        if self._persist(strategy=self.session.strategy, preview=shown if self.camera.preview_on else "off"):
            self.notify(f"Kept for next time: strategy {self.settings.strategy}, preview {self.settings.preview}.",
                        timeout=4)

    # Helpers -------------------------------------------------------------------------------
    def _show_mood(self) -> None:
        self.query_one(MoodLine).show(self.session.label, self.session.strategy, bool(self.session.manual))
        self._show_timeline()  # a new mood shows in its cells at once, not at the next cell's redraw

    def _show_timeline(self) -> None:
        self.query_one(MoodTimeline).show(self.session.timeline, time.monotonic())

    def _check_size(self, size: Size | None = None) -> None:
        """A window too small gets the screen that says so; it goes by itself once the window is big enough."""
        if too_small(size or self.size) and not isinstance(self.screen, TooSmallScreen):
            self.push_screen(TooSmallScreen())

    def _theme_changed(self, theme) -> None:
        if theme.name != self.settings.theme:
            self._persist(theme=theme.name)

    def _persist(self, **changes) -> bool:
        self.settings = dataclasses.replace(self.settings, **changes)
        try:
            save_settings(self.settings, tuple(changes))
        except OSError as error:
            self.notify(f"Settings not saved: {error}", severity="warning")
            return False
        return True
