"""From the pipeline's frame results to the camera pane's messages, each kind at its own pace, and only
when it changed.

Runs on the camera worker thread (posting is thread-safe in Textual). The preview is drawn at most
PREVIEW_HZ times a second, only when the picture changed (a still scene is drawn once), never while
the last picture waits to be shown (a slow screen drops pictures, never falls behind), less often
over a slow link (its bytes against the bandwidth budget) and, first of all, when the machine
falls behind (moodtui.vision.pace). The bars are sent at most BARS_HZ times a second when their
rounded values changed; the mood when it changed; the status once a second when its words change.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np
from textual.message import Message

from moodtui.tui.messages import CameraStatus, MoodChanged, PreviewReady, ScoresUpdate
from moodtui.tui.preview import Picture, draw_picture
from moodtui.vision.camera import LatestFrameReader
from moodtui.vision.pace import Pace
from moodtui.vision.pipeline import FrameResult

PREVIEW_HZ = 5  # enough to see yourself move; the pictures are most of the app's CPU (benchmarks/tui_tmux.py)
BARS_HZ = 5  # what the face shows is smoothed over 0.6 s: its bars need not move faster
STATUS_HZ = 1
FPS_WINDOW = 2.0  # seconds of readings the rate is measured over
SIGNATURE = (16, 12)  # a picture's thumbnail, compared to tell whether it changed
STILL = 3.0  # mean grey levels of difference under which the thumbnail has not changed


class Throttle:
    """True at most `hz` times a second."""

    def __init__(self, hz: float) -> None:
        self.period, self._last = 1.0 / hz, float("-inf")

    def due(self, now: float) -> bool:
        if now - self._last >= self.period:
            self._last = now
            return True
        return False


def signature(image: np.ndarray) -> np.ndarray:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, SIGNATURE, interpolation=cv2.INTER_AREA).astype(np.int16)


class CameraFeed:
    def __init__(self, post: Callable[[Message], None], reader: LatestFrameReader, pace: Pace,
                 preview_cells: Callable[[], tuple[int, int]], deliver: Callable[[Picture], bool],
                 budget_kb: float) -> None:
        """`deliver` hands a picture to the pane and says whether its mailbox was empty (else it is dropped)."""
        self.post, self.reader, self.pace = post, reader, pace
        self.preview_cells, self.deliver, self.budget_kb = preview_cells, deliver, budget_kb
        self.bars, self.status = Throttle(BARS_HZ), Throttle(STATUS_HZ)
        self._picture_at, self._picture_period = float("-inf"), 1 / PREVIEW_HZ
        self._last_picture: tuple | None = None
        self._last_bars: tuple | None = None
        self._last_status: tuple | None = None
        self._mood: str | None = None
        self._group: tuple[str | None, int] = (None, 0)
        self._readings: list[float] = []

    def send(self, result: FrameResult, preview_style: str | None) -> None:
        """Posts what this frame changed; `preview_style` None while the preview is hidden."""
        now = time.monotonic()
        self._readings.append(now)
        if preview_style is not None:
            self._send_picture(result, preview_style, now)
        if self.bars.due(now):
            raw = result.faces[0].scores.probabilities if result.faces else None
            # Whole percents: what the bars' numbers and cells can show at all.
            shown = (tuple(round(s * 100) for s in result.mood.scores), result.mood.face,
                     tuple(round(r * 100) for r in raw) if raw else None, result.mood.emotion,
                     result.mood.building_words)
            if shown != self._last_bars:
                self._last_bars = shown
                self.post(ScoresUpdate(result.mood.scores, result.mood.face, raw, result.mood.emotion,
                                       result.mood.building_words))
        if result.mood.emotion != self._mood:
            self._mood = result.mood.emotion
            self.post(MoodChanged(result.mood))
        if result.group is not None and (result.group.emotion, len(result.faces)) != self._group:
            self._group = (result.group.emotion, len(result.faces))
            self.post(MoodChanged(result.group, group=True, faces=len(result.faces)))
        if self.status.due(now):
            status = (self.reader.state, round(self._rate(now)), round(result.timings_ms["total"]))
            if (*status, self.reader.connections) != self._last_status:  # after a reconnection, said again
                self._last_status = (*status, self.reader.connections)
                self.post(CameraStatus(*status))

    def _send_picture(self, result: FrameResult, style: str, now: float) -> None:
        # A machine that falls behind gives up pictures first: their pace slows twice as fast as the readings.
        wait = self._picture_period * (2 * self.pace.slowdown if self.pace.slowdown > 1 else 1)
        if now - self._picture_at < wait:
            return
        cells = self.preview_cells()
        boxes = [r.face.box for r in result.faces]
        ids = [r.face.id for r in result.faces]
        key = (style, cells, tuple(boxes), tuple(ids), self.reader.connections)  # a reconnected camera is drawn anew
        thumb = signature(result.frame.image)
        if self._last_picture is not None and self._last_picture[0] == key \
                and float(np.abs(thumb - self._last_picture[1]).mean()) < STILL:
            return  # nothing on screen would change
        picture = draw_picture(style, result.frame.image, *cells, boxes, ids)
        if not self.deliver(picture):
            return  # the screen has not drawn the last one yet
        self._picture_at, self._last_picture = now, (key, thumb)
        self._picture_period = max(1 / PREVIEW_HZ, picture.bytes / (self.budget_kb * 1000))
        self.post(PreviewReady())

    def _rate(self, now: float) -> float:
        self._readings = [t for t in self._readings if now - t <= FPS_WINDOW]
        if len(self._readings) < 2:
            return 0.0
        return (len(self._readings) - 1) / max(self._readings[-1] - self._readings[0], 1e-6)
