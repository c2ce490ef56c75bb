"""moodtui's Textual app: preview, emotion bars and recommendations on one screen, keyboard only."""

from __future__ import annotations

import dataclasses
import functools
import random
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
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
from moodtui.fetcher import LatestOnly
from moodtui.mood import Mood
from moodtui.output import write_atomically
from moodtui.pipeline import FrameResult, Pipeline
from moodtui.player import PreviewPlayer
from moodtui.session import PickRequest, Session
from moodtui.tui.bars import EmotionBars
from moodtui.tui.camera_feed import CameraFeed
from moodtui.tui.keys import KeysScreen
from moodtui.tui.messages import (
    CalibrationUpdate,
    CameraStatus,
    MoodChanged,
    Notice,
    PicksReady,
    PreviewFrame,
    ScoresUpdate,
)
from moodtui.tui.picks import DetailsPane, PicksTable
from moodtui.tui.preview import CameraPreview, style_for
from moodtui.tui.status import MoodLine, StatusLine
from moodtui.tui.timeline import MoodTimeline

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
        Binding("g", "toggle_audience", "You/group"),
        Binding("l", "feedback('like')", "Like"),
        Binding("d", "feedback('dislike')", "Dislike"),
        Binding("x", "feedback('seen')", "Seen"),
        Binding("c", "copy_link", "Copy"),
        Binding("o", "show_link", "Link"),
        Binding("a", "play_preview", "Play"),
        Binding("e", "export_picks", "Export"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("v", "toggle_preview", "Preview"),
        Binding("b", "calibrate", "Baseline"),
        Binding("B", "clear_baseline", "Clear baseline", show=False),
        Binding("question_mark", "toggle_help", "Help", key_display="?"),
    ]

    def __init__(self, settings: Settings, seed: int | None = None,
                 classifier: EmotionClassifier | ModelError | None = None) -> None:
        super().__init__()
        self.settings = settings
        self._seeds = random.Random(seed) if seed is not None else None  # repeatable picks, for tests
        # Loaded before the app draws (run_app), so the runtime's own stderr lines never hit the screen.
        self._classifier = classifier
        self.session: Session = Session(settings.strategy)
        self.preview_on = settings.preview != "off"
        self.preview_style = "ascii"  # set in on_mount, once the terminal's colours are known
        self.paused = False
        self.sources: dict[str, str] = {}
        self.source_details: dict[str, str] = {}
        self._online = LatestOnly(self._online_picks, self._deliver_picks, self._picks_failed, name="online picks")
        self.camera_state = "starting"
        self.baseline_state = ""  # shown in the status line: "on", "recording (2 s left)", ...
        self._baseline_request: str | None = None  # "start" or "clear", taken up by the camera worker
        self._stop = threading.Event()
        self._reader: LatestFrameReader | None = None
        self._engine = None
        self._engine_lock = threading.Lock()
        self._player = PreviewPlayer()

    # Layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield CameraPreview(id="preview")
                yield EmotionBars(id="bars")
                yield MoodTimeline(id="timeline")
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
        self.preview_style = style_for(self.settings.preview, self.console.color_system)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one(DetailsPane).show(None)
        self._show_mood()
        self.query_one("#movies", PicksTable).focus()
        self._preview = self.query_one("#preview", CameraPreview)  # the worker thread reads its size
        self.run_camera()
        self.ask_for_picks(self.session.request())
        self.session.timeline.append((time.monotonic(), self.session.emotion))
        self.set_interval(1.0, self._show_timeline)

    @property
    def current_emotion(self) -> str:
        return self.session.emotion

    @property
    def camera_mood(self) -> Mood | None:
        return self.session.camera

    @property
    def strategy(self) -> str:
        return self.session.strategy

    # Camera worker -----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="camera")
    def run_camera(self) -> None:
        if self.settings.source == NO_CAMERA:
            self.post_message(CameraStatus("off (--source none)"))
            return
        try:
            classifier = self._classifier or EmotionClassifier(self.settings.model or None,
                                                               flip_average=self.settings.flip)
            if isinstance(classifier, ModelError):
                raise classifier
            pipeline = Pipeline(classifier, clahe=self.settings.clahe)
            source = open_source(self.settings.source)
        except (CameraError, ModelError, FaceError, OSError) as error:
            self.post_message(CameraStatus(f"unavailable: {error}"))
            return
        self._load_baseline(pipeline)
        self._reader = reader = LatestFrameReader(source, realtime=not source.live, loop=not source.live)
        preview = self._preview
        feed = CameraFeed(self.post_message, reader, lambda: preview.cells, self.settings.preview_budget)

        def on_result(result: FrameResult) -> None:
            self._baseline_work(pipeline, result)
            feed.send(result, self.preview_style if self.preview_on else None)

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

                self._engine = Engine(self.settings, on_notice=lambda text: self.post_message(Notice(text)))
            return self._engine

    def ask_for_picks(self, request: PickRequest | None) -> None:
        """The local lists answer at once; online sources fill in later, one fetch at a time."""
        if request is None:
            return
        self.fetch_local_picks(request)
        if not self.settings.offline:
            self._online.submit(request)

    def _seed(self) -> int | None:
        return self._seeds.randrange(2**31) if self._seeds else None

    @work(thread=True, exclusive=True, group="local picks")
    def fetch_local_picks(self, request: PickRequest) -> None:
        picks = self.engine().recommend(request.emotion, request.strategy, offline=True, seed=self._seed())
        self.post_message(PicksReady(picks, request.generation))

    def _online_picks(self, request: PickRequest):
        """Runs on the online fetcher's thread; skipped when the request is already stale."""
        if request.generation != self.session.latest.generation or not self.is_running:
            return None
        return self.engine().recommend(request.emotion, request.strategy, offline=False, seed=self._seed())

    def _deliver_picks(self, request: PickRequest, picks) -> None:
        if picks is not None and self.is_running:
            self.post_message(PicksReady(picks, request.generation))

    def _picks_failed(self, request: PickRequest, error: Exception) -> None:
        if self.is_running:
            self.call_from_thread(self.notify, f"Online picks failed: {error}", severity="warning")

    # Message handlers (the only place the screen changes) --------------------------------
    @while_running
    def on_preview_frame(self, message: PreviewFrame) -> None:
        if self.preview_on:
            self.query_one("#preview", CameraPreview).update(message.picture)

    @while_running
    def on_scores_update(self, message: ScoresUpdate) -> None:
        if not self.session.manual:
            self.query_one(EmotionBars).show(message.scores, self.current_emotion if message.face else None,
                                             message.raw)

    @while_running
    def on_mood_changed(self, message: MoodChanged) -> None:
        now = time.monotonic()
        if message.group:
            request = self.session.group_mood(message.mood, message.faces, now)
        else:
            request = self.session.camera_mood(message.mood, now)
            if message.mood.emotion and not self.session.manual:
                self.engine().store.log_mood(message.mood.emotion, "camera")
        if not self.session.manual:
            self._show_mood()
        self.ask_for_picks(request)

    @while_running
    def on_camera_status(self, message: CameraStatus) -> None:
        self.camera_state = "paused" if self.paused else message.state
        if message.state.startswith(("unavailable", "off")):
            self.query_one("#preview", CameraPreview).show_message(
                f"No camera: {message.state}\n\nPress 1-7 to set your mood by hand.")
            if not self.preview_on:  # the preview pane that says why is hidden: say it once here
                self.notify(f"No camera: {message.state}", severity="warning", timeout=8)
        elif message.state == "lost":
            self.query_one("#preview", CameraPreview).show_message("Camera lost, retrying…")
        self._show_status(message.fps, message.latency_ms)

    @while_running
    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity="warning", timeout=8)

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
        decision = self.session.picks_arrived(message.generation, message.picks, time.monotonic())
        if decision.action == "drop":
            return  # an answer for a mood or strategy the user has already left
        if any(status != "offline" for name, status in message.picks.sources.items() if name != "local lists") \
                or not self.sources:
            self.sources, self.source_details = message.picks.sources, message.picks.details
            self._show_status()
        if decision.action == "hold":
            self.notify("New picks are ready: press n to see them.", timeout=4)
            return
        self._apply(message.picks)

    def _apply(self, picks) -> None:
        self.query_one("#movies", PicksTable).show(picks.movies)
        self.query_one("#songs", PicksTable).show(picks.songs)
        heading = self.query(".heading").first(Static)
        heading.update("Movies" + ("  · data courtesy of IMDb" if picks.attribution else ""))
        self._show_details()

    @on(DataTable.RowHighlighted)
    @while_running
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if event.control.has_focus and event.cursor_row > 0:
            self.session.reading(time.monotonic())
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
        held = self.session.new_picks()
        if isinstance(held, PickRequest):
            self.ask_for_picks(held)
        else:
            self._apply(held)

    def action_toggle_strategy(self) -> None:
        request = self.session.toggle_strategy()
        self._persist(strategy=self.session.strategy)
        self._show_mood()
        self.ask_for_picks(request)

    def action_set_mood(self, index: int) -> None:
        request = self.session.set_manual(EMOTIONS[index], time.monotonic())
        self.engine().store.log_mood(EMOTIONS[index], "manual")
        self.query_one(EmotionBars).show(tuple(1.0 if i == index else 0.0 for i in range(7)), EMOTIONS[index])
        self._show_mood()
        self.ask_for_picks(request)

    def action_toggle_audience(self) -> None:
        request = self.session.toggle_audience(time.monotonic())
        self._show_mood()
        self.notify("Picks for everyone in view." if self.session.audience == "group" else "Picks for you.",
                    timeout=2)
        self.ask_for_picks(request)

    def action_camera_mood(self) -> None:
        request = self.session.clear_manual(time.monotonic())
        if request is not None:
            self._show_mood()
            self.ask_for_picks(request)

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

    def action_play_preview(self) -> None:
        """Plays the selected song's 30-second preview; pressed again, stops it."""
        if self._player.playing:
            self._player.stop()
            self.notify("Preview stopped.", timeout=2)
            return
        item = self._selected()
        if item is None or item.kind != "song" or not item.preview:
            self.notify("Select a song with a preview (from Deezer or iTunes) in the Songs table.",
                        severity="warning")
            return
        player = self._player.play(item.preview)
        if player is None:
            self.notify(f"No audio player found (install mpv, ffplay, vlc or mpg123). Preview: {item.preview}",
                        severity="warning", timeout=8)
        else:
            self.notify(f"Playing 30 s of {item.title} with {player} (a stops it).", timeout=3)

    def action_export_picks(self) -> None:
        """Writes the picks on screen to the data dir: movies for Letterboxd, songs as a playlist."""
        from moodtui.recommend.export import letterboxd_csv, m3u

        movies, songs = self.query_one("#movies", PicksTable).items, self.query_one("#songs", PicksTable).items
        folder = self.settings.data_path() / "exports"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            written = [write_atomically(folder / f"movies-{stamp}.csv", letterboxd_csv(movies)),
                       write_atomically(folder / f"songs-{stamp}.m3u", m3u(songs))]
        except OSError as error:
            self.notify(f"Not exported: {error}", severity="error")
            return
        self.notify("Exported to " + " and ".join(str(path) for path in written), timeout=8)

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.camera_state = "paused" if self.paused else "live"
        self._show_status()

    def action_toggle_preview(self) -> None:
        self.preview_on = not self.preview_on
        self.query_one("#preview").display = self.preview_on
        shown = self.settings.preview if self.settings.preview != "off" else "auto"
        self._persist(preview=shown if self.preview_on else "off")

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

    def _theme_changed(self, theme) -> None:
        if theme.name != self.settings.theme:
            self._persist(theme=theme.name)

    def action_toggle_help(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.pop_screen()
        else:
            self.push_screen(KeysScreen(self.BINDINGS))

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
        self._player.stop()
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
        self.query_one(MoodLine).show(self.session.label, self.strategy, bool(self.session.manual))
        self._show_timeline()  # a new mood shows in its cells at once, not at the next second's redraw

    def _show_timeline(self) -> None:
        self.query_one(MoodTimeline).show(self.session.timeline, time.monotonic())

    def _show_status(self, fps: float = 0.0, latency_ms: float = 0.0) -> None:
        self.query_one(StatusLine).show(self.camera_state, fps, latency_ms, self.sources, self.baseline_state,
                                        self.source_details)

    def _persist(self, **changes) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)
        try:
            save_settings(self.settings, tuple(changes))
        except OSError as error:
            self.notify(f"Settings not saved: {error}", severity="warning")


def run_app(settings: Settings) -> int:
    """The app; exit status 0, or 1 with a one-line message when it crashed (traceback in a log file)."""
    import sys
    import traceback

    from platformdirs import user_state_dir

    try:  # before Textual takes the terminal: the runtime's own stderr lines are hidden only here
        classifier: EmotionClassifier | ModelError = EmotionClassifier(settings.model or None,
                                                                       flip_average=settings.flip)
    except ModelError as error:
        classifier = error  # the app still starts and says so in the preview pane
    app = MoodApp(settings, classifier=classifier)
    try:
        app.run()
    except Exception:  # noqa: BLE001 - a crash is logged, never shown as a bare traceback
        log = Path(user_state_dir("moodtui")) / "crash.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        print(f"moodtui: error: the app crashed; the details are in {log}", file=sys.stderr)
        return 1
    code = app.return_code or 0
    if code:
        print("moodtui: error: the app stopped on an error (see above)", file=sys.stderr)
    return code
