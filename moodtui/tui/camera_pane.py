"""The camera's half of the left column: the preview and the emotion bars, and the worker that feeds them.

The worker runs the pipeline (moodtui.vision) on the newest camera frame as often as the pace
allows, and posts what changed: pictures and scores to this pane, moods, the camera's state, the
model chosen and calibration events up to the app. Keys reach the worker only through the
reader's pause switch and the calibration's request queue, both safe across threads.
"""

from __future__ import annotations

import threading
import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from moodtui.config import Settings
from moodtui.errors import UserError
from moodtui.labels import EMOTIONS
from moodtui.tui.bars import EmotionBars
from moodtui.tui.camera_feed import CameraFeed
from moodtui.tui.messages import CalibrationUpdate, CameraStatus, ModelChosen, Notice, PreviewReady, ScoresUpdate
from moodtui.tui.preview import CameraPreview, Picture, style_for
from moodtui.vision.calibration import Calibration, CalibrationEvent, CalibrationState, EventKind
from moodtui.vision.pace import Pace

NO_CAMERA = "none"
BASELINE_TIP = "baseline"
TIP_AFTER = 20.0  # seconds of a face in view, with no baseline, before the tip about b is given (once, ever)


def calibration_words(event: CalibrationEvent) -> str:
    """What the status line and the notifications say of a calibration event."""
    if event.kind == EventKind.PROGRESS:
        return f"recording ({event.seconds_left:.0f} s left)"
    if event.kind in (EventKind.FAILED, EventKind.REFUSED):
        return f"not recorded: {event.reason}"
    return event.kind.value


def baseline_word(state: str, before: str) -> str:
    """The status line's word for the baseline after a calibration update ("" when there is none)."""
    if state == "recorded":
        return "on"
    if state.startswith("not recorded"):
        return "on" if before == "on" else ""
    return "" if state in ("cleared", "none") else state


class CameraPane(Vertical):
    def __init__(self, settings: Settings, loaded, store, **kwargs) -> None:
        """`loaded`: the classifier and model choice made before the screen took the terminal, or the
        ModelError that stopped it."""
        super().__init__(**kwargs)
        self.settings, self._loaded, self._store = settings, loaded, store
        self.preview_on = settings.preview != "off"
        self.style = "ascii"  # set on mount, once the terminal's colours are known
        self.manual: str | None = None  # a mood set by hand: the bars show it, not the camera's scores
        self.calibration: Calibration | None = None  # the worker's, once it runs
        self.reader = None
        self._stop = threading.Event()
        self._mailbox: Picture | None = None
        self._mailbox_lock = threading.Lock()
        self._face_since: float | None = None
        self._tip_done = False  # the baseline tip was given (or is not needed): no more asking the store

    def compose(self) -> ComposeResult:
        yield CameraPreview(id="preview")
        yield EmotionBars(id="bars")
        yield Static(id="building")

    def on_mount(self) -> None:
        self.style = style_for(self.settings.preview, self.app.console.color_system)
        preview = self.query_one(CameraPreview)
        preview.display = self.preview_on
        preview.show_message("starting the camera…")
        self.query_one(EmotionBars).show((0.0,) * len(EMOTIONS))
        self.run_camera()

    # The worker ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="camera")
    def run_camera(self) -> None:
        from moodtui.vision.build import build_pipeline
        from moodtui.vision.camera import LatestFrameReader

        if self.settings.source == NO_CAMERA:
            self.post_message(CameraStatus("off (--source none)"))
            return
        try:
            if isinstance(self._loaded, Exception):
                raise self._loaded
            pipeline = build_pipeline(self.settings, self._store, loaded=self._loaded)
            source = self._opened_source()
        except (UserError, OSError) as error:
            self.post_message(CameraStatus(f"unavailable: {error}"))
            return
        if source is None:  # the app ended while a network camera was being waited for
            return
        self.calibration = pipeline.calibration
        if pipeline.model is not None:
            self.post_message(ModelChosen(pipeline.model.name, pipeline.model.reason))
        if pipeline.calibration.note:
            self.post_message(Notice(pipeline.calibration.note))
        self.post_message(CalibrationUpdate(pipeline.calibration.state.value))
        self.reader = reader = LatestFrameReader(source, realtime=not source.live, loop=not source.live,
                                                 on_state=lambda state: self.post_message(CameraStatus(state)))
        pace = Pace()
        preview = self.query_one(CameraPreview)
        feed = CameraFeed(self.post_message, reader, pace, lambda: preview.cells, self._deliver,
                          self.settings.preview_budget)

        def on_result(result) -> None:
            if result.calibration is not None:
                self.post_message(CalibrationUpdate(calibration_words(result.calibration)))
            feed.send(result, self.style if self.preview_on else None)

        try:
            pipeline.run(reader, self._stop, on_result, pace)
        finally:
            reader.close()
        if not self._stop.is_set():
            self.post_message(CameraStatus(reader.state))

    def _opened_source(self):
        """The camera, opened (None: the app ended first). A network camera that does not answer at start is tried
        again with the reader's backoff, as one lost later is: a phone or an IP camera is often switched on after
        the app."""
        from moodtui.urls import is_stream
        from moodtui.vision.camera import CameraError, open_source, reconnect_wait

        tries = 0
        while True:
            try:
                return open_source(self.settings.source, self.settings.frame_size())
            except CameraError as error:
                if not is_stream(str(self.settings.source)):
                    raise
                tries += 1
                self.post_message(CameraStatus(f"reconnecting ({tries})", why=str(error)))
                if self._stop.wait(reconnect_wait(tries)):
                    return None

    def _deliver(self, picture: Picture) -> bool:
        """The worker's picture, taken when the mailbox is empty (False: the last one is still waiting)."""
        with self._mailbox_lock:
            if self._mailbox is not None:
                return False
            self._mailbox = picture
            return True

    # What the worker sends -----------------------------------------------------------------
    def on_preview_ready(self, message: PreviewReady) -> None:
        message.stop()
        with self._mailbox_lock:
            picture, self._mailbox = self._mailbox, None
        if picture is not None and self.preview_on and self.is_attached:
            self.query_one(CameraPreview).show_picture(picture)

    def on_scores_update(self, message: ScoresUpdate) -> None:
        message.stop()
        self._maybe_tip_baseline(message.face)
        if self.is_attached:  # a mood set by hand is the mood line's: the bars still show the face
            self.query_one(EmotionBars).show(message.scores, message.leader, message.raw)
            self.query_one("#building", Static).update(Text(message.building, style="italic", no_wrap=True,
                                                            overflow="ellipsis"), layout=False)

    def on_camera_status(self, message: CameraStatus) -> None:
        """Why there is no picture, in the preview (the status line, the app's, has the one word)."""
        if message.state.startswith(("unavailable", "off")):
            why = message.state.removeprefix("unavailable: ")  # "No camera: no camera found at ..." said it twice
            self.show_message(f"No camera: {why}\n\nPress 1-7 to set your mood by hand.")
            if not self.preview_on:  # the pane that says why is hidden: say it once in a notification
                self.app.notify(f"No camera: {why}", severity="warning", timeout=8)
        elif message.state.startswith("reconnecting") and message.why:
            self.show_message(f"No camera yet: {message.why}\n\nTrying again: {message.state}…\n"
                              "Press 1-7 to set your mood by hand.")
        elif message.state.startswith("reconnecting"):
            self.show_message(f"Camera lost: {message.state}…")

    def on_calibration_update(self, message: CalibrationUpdate) -> None:
        if message.state == "recorded":
            unsaved = "" if self._store.saving else " (for this session only: the database cannot be written)"
            self.app.notify(f"Baseline recorded: your resting face now reads neutral. B clears it.{unsaved}", timeout=4)
        elif message.state == "cleared":
            self.app.notify("Baseline cleared.", timeout=3)
        elif message.state.startswith("not recorded"):
            self.app.notify(f"Baseline {message.state}", severity="warning", timeout=5)

    def _maybe_tip_baseline(self, face: bool) -> None:
        """Once a face has stayed in view a while with no baseline: say once, ever, what b does (on held-out
        posed faces a baseline took the share read right from 35% to 58%)."""
        now = time.monotonic()
        self._face_since = (self._face_since or now) if face else None
        if self._tip_done or self._face_since is None or now - self._face_since < TIP_AFTER \
                or self.calibration is None:
            return
        self._tip_done = True
        if self.calibration.state != CalibrationState.NONE or self._store.tip_given(BASELINE_TIP):
            return
        self._store.give_tip(BASELINE_TIP)
        self.app.notify("Tip: press b and relax your face for 3 s. Your resting face becomes the baseline, so "
                        "the mood reads you, not an average face. Said once; b again any time.", timeout=15)

    # What the keys ask -----------------------------------------------------------------------
    def show_manual(self, emotion: str | None) -> None:
        """A mood set by hand fills its bar until the camera reads a face (the bars show the face); None: back to
        the camera's mood."""
        self.manual = emotion
        if emotion is not None and self.reader is None:
            self.query_one(EmotionBars).show(tuple(float(e == emotion) for e in EMOTIONS), emotion)
            self.query_one("#building", Static).update("", layout=False)

    def show_message(self, text: str) -> None:
        self.query_one(CameraPreview).show_message(text)

    def set_paused(self, paused: bool) -> None:
        if self.reader is not None:
            self.reader.pause(paused)

    @property
    def paused(self) -> bool:
        return self.reader is not None and self.reader.paused

    def set_preview(self, on: bool) -> None:
        self.preview_on = on
        self.query_one(CameraPreview).display = on

    def record_baseline(self, camera_state: str) -> None:
        """Key b: the worker records the user's resting face over its next frames."""
        if not self.settings.calibration:
            self.app.notify("Calibration is off (--no-calibration or calibration = false).", severity="warning")
        elif self.calibration is None or self.paused or camera_state not in ("live", "starting"):
            self.app.notify("A baseline needs the camera running.", severity="warning")
        else:
            self._store.give_tip(BASELINE_TIP)  # the user knows b: the tip is never needed
            self._tip_done = True
            self.calibration.request_start()
            self.app.notify("Relax your face and look at the camera for 3 seconds…", timeout=3)

    def clear_baseline(self) -> bool:
        """Key B: the worker clears the baseline at its next frame; False when there is no worker to ask."""
        if self.calibration is None:
            return False
        self.calibration.request_clear()
        return True

    def shutdown(self) -> None:
        """Stop the worker and release the camera now, not when the process ends."""
        self._stop.set()
        if self.reader is not None:
            self.reader.close()
