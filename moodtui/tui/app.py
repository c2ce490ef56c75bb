"""moodtui's Textual app: preview, emotion bars and recommendations on one screen, keyboard only."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from moodtui.camera import CameraError, LatestFrameReader, open_source
from moodtui.config import Settings, save_settings
from moodtui.emotion import EMOTIONS, EmotionClassifier, ModelError
from moodtui.faces import FaceError
from moodtui.mood import Mood
from moodtui.pipeline import FrameResult, Pipeline
from moodtui.tui.bars import EmotionBars
from moodtui.tui.messages import CalibrationUpdate, CameraStatus, MoodChanged, PicksReady, PreviewFrame, ScoresUpdate
from moodtui.tui.picks import DetailsPane, PicksTable
from moodtui.tui.preview import CameraPreview, ascii_picture
from moodtui.tui.status import MoodLine, StatusLine

PREVIEW_FPS = 12  # enough to look live, little enough for a slow SSH link
BARS_HZ = 4
STATUS_HZ = 1
READING_GRACE = 15.0  # seconds after the user moved in a table during which new picks wait
NO_CAMERA = "none"

MessageT = TypeVar("MessageT")


def while_running(handler: Callable[[MoodApp, MessageT], None]) -> Callable[[MoodApp, MessageT], None]:
    """Drops a message handled after shutdown began: the screen and its widgets are gone by then.

    Workers and tables keep posting until the app stops, and Textual still delivers what is
    queued after it has closed the screens; drawing it then would raise ScreenStackError.
    """

    @functools.wraps(handler)
    def guarded(app: MoodApp, message: MessageT) -> None:
        if app.is_running:
            handler(app, message)

    return guarded


class MoodApp(App[int]):
    CSS_PATH = "moodtui.tcss"
    TITLE = "moodtui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("n", "new_picks", "Picks"),
        Binding("s", "toggle_strategy", "Lift/match"),
        Binding("1", "set_mood(0)", "Mood", key_display="1-7"),
        *[Binding(str(i + 1), f"set_mood({i})", EMOTIONS[i].capitalize(), show=False) for i in range(1, 7)],
        Binding("0", "camera_mood", "Cam"),
        Binding("l", "feedback('like')", "Like"),
        Binding("d", "feedback('dislike')", "Dislike"),
        Binding("x", "feedback('seen')", "Seen"),
        Binding("c", "copy_link", "Copy"),
        Binding("o", "show_link", "Link"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("v", "toggle_preview", "Preview"),
        Binding("b", "calibrate", "Baseline"),
        Binding("B", "clear_baseline", "Clear baseline", show=False),
        Binding("question_mark", "toggle_help", "Help", key_display="?"),
    ]

    def __init__(self, settings: Settings, seed: int | None = None) -> None:
        super().__init__()
        self.settings = settings
        self._seeds = random.Random(seed) if seed is not None else None  # repeatable picks, for tests
        self.strategy = settings.strategy
        self.preview_on = settings.preview
        self.paused = False
        self.manual: str | None = None
        self.camera_mood: Mood | None = None
        self.pending = None
        self.last_reading = 0.0
        self.sources: dict[str, str] = {}
        self.camera_state = "starting"
        self.baseline_state = ""  # shown in the status line: "on", "recording (2 s left)", ...
        self._baseline_request: str | None = None  # "start" or "clear", taken up by the camera worker
        self._stop = threading.Event()
        self._reader: LatestFrameReader | None = None
        self._engine = None
        self._engine_lock = threading.Lock()

    # Layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield CameraPreview(id="preview")
                yield EmotionBars(id="bars")
                yield MoodLine(id="mood")
                yield StatusLine(id="status")
            with Vertical(id="right"):
                yield Static("Movies", classes="heading")
                yield PicksTable("movie", id="movies")
                yield Static("Songs", classes="heading")
                yield PicksTable("song", id="songs")
                yield DetailsPane(id="details")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(EmotionBars).show((0.0,) * 7)
        self.query_one("#preview", CameraPreview).show_message("starting the camera…")
        self.query_one("#preview").display = self.preview_on
        self.query_one(DetailsPane).show(None)
        self._show_mood()
        self.query_one("#movies", PicksTable).focus()
        self._preview = self.query_one("#preview", CameraPreview)  # the worker thread reads its size
        self.run_camera()
        self.fetch_picks(self.current_emotion)

    @property
    def current_emotion(self) -> str:
        if self.manual:
            return self.manual
        return (self.camera_mood.emotion if self.camera_mood else None) or "neutral"

    # Camera worker -----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="camera")
    def run_camera(self) -> None:
        if self.settings.source == NO_CAMERA:
            self.post_message(CameraStatus("off (--source none)"))
            return
        try:
            classifier = EmotionClassifier(self.settings.model or None, flip_average=self.settings.flip)
            pipeline = Pipeline(classifier, clahe=self.settings.clahe)
            source = open_source(self.settings.source)
        except (CameraError, ModelError, FaceError, OSError) as error:
            self.post_message(CameraStatus(f"unavailable: {error}"))
            return
        self._load_baseline(pipeline)
        self._reader = reader = LatestFrameReader(source, realtime=not source.live, loop=not source.live)
        preview = self._preview
        clock = {"preview": 0.0, "bars": 0.0, "status": 0.0}
        mood: list[str | None] = [None]
        frames: list[float] = []

        def due(kind: str, hz: float, now: float) -> bool:
            if now - clock[kind] >= 1.0 / hz:
                clock[kind] = now
                return True
            return False

        def on_result(result: FrameResult) -> None:
            now = time.monotonic()
            frames.append(now)
            self._baseline_work(pipeline, result)
            if self.preview_on and due("preview", PREVIEW_FPS, now):
                width, height = preview.cells
                boxes = [r.face.box for r in result.faces]
                self.post_message(PreviewFrame(ascii_picture(result.frame.image, width, height, boxes)))
            if due("bars", BARS_HZ, now):
                self.post_message(ScoresUpdate(result.mood.scores, result.mood.face))
            if result.mood.emotion != mood[0]:
                mood[0] = result.mood.emotion
                self.post_message(MoodChanged(result.mood))
            if due("status", STATUS_HZ, now):
                recent = [t for t in frames if now - t <= 2.0]
                frames[:] = recent
                fps = (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6) if len(recent) > 1 else 0.0
                self.post_message(CameraStatus(reader.state, fps, result.timings_ms["total"]))

        try:
            pipeline.run(reader, self._stop, on_result, paused=lambda: self.paused)
        finally:
            reader.close()
        if not self._stop.is_set():
            self.post_message(CameraStatus(reader.state))

    def _load_baseline(self, pipeline: Pipeline) -> None:
        """The stored resting-face baseline, unless calibration is off (camera worker thread)."""
        from moodtui.calibration import stored_baseline

        if self.settings.calibration:
            pipeline.baseline = stored_baseline(self.engine().store)
        self.post_message(CalibrationUpdate("on" if pipeline.baseline else ("" if self.settings.calibration
                                                                              else "off")))

    def _baseline_work(self, pipeline: Pipeline, result: FrameResult) -> None:
        """Starts or clears a baseline when a key asked for it; keeps one when it is recorded (worker thread)."""
        from moodtui.calibration import keep_baseline

        request, self._baseline_request = self._baseline_request, None
        if request == "start":
            pipeline.start_calibration(result.frame.timestamp)
        elif request == "clear":
            pipeline.baseline = None
            self.engine().store.clear_baseline()
            self.post_message(CalibrationUpdate("cleared"))
        if result.new_baseline is not None:
            keep_baseline(self.engine().store, result.new_baseline)
        if result.calibration:
            self.post_message(CalibrationUpdate(result.calibration))

    # Recommendation worker ---------------------------------------------------------------
    def engine(self):
        with self._engine_lock:
            if self._engine is None:
                from moodtui.recommend.engine import Engine

                self._engine = Engine(self.settings)
            return self._engine

    @work(thread=True, exclusive=True, group="picks")
    def fetch_picks(self, emotion: str) -> None:
        seed = self._seeds.randrange(2**31) if self._seeds else None
        picks = self.engine().recommend(emotion, self.strategy, seed=seed)
        self.post_message(PicksReady(picks))

    # Message handlers (the only place the screen changes) --------------------------------
    @while_running
    def on_preview_frame(self, message: PreviewFrame) -> None:
        if self.preview_on:
            self.query_one("#preview", CameraPreview).update(message.picture)

    @while_running
    def on_scores_update(self, message: ScoresUpdate) -> None:
        if not self.manual:
            self.query_one(EmotionBars).show(message.scores, self.current_emotion if message.face else None)

    @while_running
    def on_mood_changed(self, message: MoodChanged) -> None:
        before = self.current_emotion
        self.camera_mood = message.mood
        if not self.manual:
            self._show_mood()
            if message.mood.emotion:
                self.engine().store.log_mood(message.mood.emotion, "camera")
            if self.current_emotion != before:
                self.fetch_picks(self.current_emotion)

    @while_running
    def on_camera_status(self, message: CameraStatus) -> None:
        self.camera_state = "paused" if self.paused else message.state
        if message.state.startswith(("unavailable", "off")):
            self.query_one("#preview", CameraPreview).show_message(
                f"No camera: {message.state}\n\nPress 1-7 to set your mood by hand.")
        elif message.state == "lost":
            self.query_one("#preview", CameraPreview).show_message("Camera lost, retrying…")
        self._show_status(message.fps, message.latency_ms)

    @while_running
    def on_calibration_update(self, message: CalibrationUpdate) -> None:
        state = message.state
        if state == "recorded":
            self.notify("Baseline recorded: your resting face now reads neutral. B clears it.", timeout=4)
            state = "on"
        elif state == "cleared":
            self.notify("Baseline cleared.", timeout=3)
            state = ""
        elif state.startswith("not recorded"):
            self.notify(f"Baseline {state}", severity="warning", timeout=5)
            state = "on" if self.baseline_state == "on" else ""
        self.baseline_state = state
        self._show_status()

    @while_running
    def on_picks_ready(self, message: PicksReady) -> None:
        self.sources = message.picks.sources
        self._show_status()
        if message.picks.emotion != self.current_emotion:
            return  # an answer for a mood the user has already left
        if time.monotonic() - self.last_reading < READING_GRACE:
            self.pending = message.picks
            self.notify("New picks are ready: press n to see them.", timeout=4)
            return
        self._apply(message.picks)

    def _apply(self, picks) -> None:
        self.pending = None
        self.query_one("#movies", PicksTable).show(picks.movies)
        self.query_one("#songs", PicksTable).show(picks.songs)
        heading = self.query(".heading").first(Static)
        heading.update("Movies" + ("  · data courtesy of IMDb" if picks.attribution else ""))
        self._show_details()

    @on(DataTable.RowHighlighted)
    @while_running
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if event.control.has_focus and event.cursor_row > 0:
            self.last_reading = time.monotonic()
        self._show_details()

    @on(DataTable.RowSelected)
    @while_running
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self._show_details()
        item = self._selected()
        if item is not None:
            self.notify(f"{item.title}: {item.url or 'no link'}", title="Details", timeout=5)

    # Actions -------------------------------------------------------------------------------
    def action_new_picks(self) -> None:
        if self.pending:
            self._apply(self.pending)
        else:
            self.last_reading = 0.0
            self.fetch_picks(self.current_emotion)

    def action_toggle_strategy(self) -> None:
        self.strategy = "lift" if self.strategy == "match" else "match"
        self._persist(strategy=self.strategy)
        self._show_mood()
        self.last_reading = 0.0
        self.fetch_picks(self.current_emotion)

    def action_set_mood(self, index: int) -> None:
        self.manual = EMOTIONS[index]
        self.engine().store.log_mood(self.manual, "manual")
        self.query_one(EmotionBars).show(tuple(1.0 if i == index else 0.0 for i in range(7)), self.manual)
        self._show_mood()
        self.last_reading = 0.0
        self.fetch_picks(self.manual)

    def action_camera_mood(self) -> None:
        if self.manual:
            self.manual = None
            self._show_mood()
            self.last_reading = 0.0
            self.fetch_picks(self.current_emotion)

    def action_feedback(self, verdict: str) -> None:
        item = self._selected()
        if item is None:
            self.notify("Select a movie or song first.", severity="warning")
            return
        self.engine().store.set_feedback(item, verdict)
        self.notify(f"{verdict.capitalize()}: {item.title}", timeout=2)
        self._show_details()

    def action_copy_link(self) -> None:
        item = self._selected()
        if item is None or not item.url:
            self.notify("This row has no link.", severity="warning")
            return
        self.copy_to_clipboard(item.url)  # OSC 52: works over SSH in most terminals
        self.notify(f"Copied {item.url}", timeout=3)

    def action_show_link(self) -> None:
        item = self._selected()
        self.notify(item.url if item and item.url else "This row has no link.", title=item.title if item else "")

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.camera_state = "paused" if self.paused else "live"
        self._show_status()

    def action_toggle_preview(self) -> None:
        self.preview_on = not self.preview_on
        self.query_one("#preview").display = self.preview_on
        self._persist(preview=self.preview_on)

    def action_calibrate(self) -> None:
        if not self.settings.calibration:
            self.notify("Calibration is off (--no-calibration or calibration = false).", severity="warning")
        elif self.camera_state not in ("live", "starting"):
            self.notify("A baseline needs the camera: it is " + self.camera_state + ".", severity="warning")
        else:
            self._baseline_request = "start"
            self.notify("Relax your face and look at the camera for 3 seconds…", timeout=3)

    def action_clear_baseline(self) -> None:
        if self.camera_state in ("live", "paused", "lost", "starting"):
            self._baseline_request = "clear"
        else:  # no camera worker to take the request: clear the stored one here
            self.engine().store.clear_baseline()
            self.on_calibration_update(CalibrationUpdate("cleared"))

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    async def action_quit(self) -> None:
        self.shutdown_camera()
        self.exit(0)

    def shutdown_camera(self) -> None:
        """Stop the pipeline and release the camera now, not when the process ends."""
        self._stop.set()
        if self._reader is not None:
            self._reader.close()

    def on_unmount(self) -> None:
        self.shutdown_camera()
        if self._engine is not None:
            self._engine.close()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.show and binding.action not in ("quit", "toggle_help"):
                yield SystemCommand(binding.description, f"key {binding.key_display or binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    # Helpers -------------------------------------------------------------------------------
    def _selected(self):
        focused = self.focused if isinstance(self.focused, PicksTable) else self.query_one("#movies", PicksTable)
        return focused.selected

    def _show_details(self) -> None:
        item = self._selected()
        verdict = self._engine.store.verdict(item) if item and self._engine else None
        self.query_one(DetailsPane).show(item, verdict)

    def _show_mood(self) -> None:
        label = self.manual or (self.camera_mood.label if self.camera_mood else "no face yet")
        self.query_one(MoodLine).show(label, self.strategy, bool(self.manual))

    def _show_status(self, fps: float = 0.0, latency_ms: float = 0.0) -> None:
        self.query_one(StatusLine).show(self.camera_state, fps, latency_ms, self.sources, self.baseline_state)

    def _persist(self, **changes) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)
        try:
            save_settings(self.settings, tuple(changes))
        except OSError as error:
            self.notify(f"Settings not saved: {error}", severity="warning")


def run_app(args: argparse.Namespace) -> int:
    from moodtui.cli import settings_from

    app = MoodApp(settings_from(args))
    return app.run() or 0
