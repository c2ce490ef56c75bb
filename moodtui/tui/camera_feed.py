"""From the pipeline's frame results to the app's messages, each kind at its own pace.

Runs on the camera worker thread (posting is thread-safe in Textual). The preview's pace also
follows the bandwidth budget: over SSH every picture is bytes on the wire, so big pictures come
less often, while the bars, the mood and the status keep theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message import Message

from moodtui.camera import LatestFrameReader
from moodtui.pipeline import FrameResult
from moodtui.session import Throttle
from moodtui.tui.messages import CameraStatus, MoodChanged, PreviewFrame, ScoresUpdate
from moodtui.tui.preview import draw_picture

PREVIEW_FPS = 12  # enough to look live, little enough for a slow SSH link
BARS_HZ = 4
STATUS_HZ = 1
FPS_WINDOW = 2.0  # seconds of frames the frame rate is measured over


class CameraFeed:
    def __init__(self, post: Callable[[Message], None], reader: LatestFrameReader,
                 preview_cells: Callable[[], tuple[int, int]], budget_kb: float) -> None:
        self.post, self.reader, self.preview_cells, self.budget_kb = post, reader, preview_cells, budget_kb
        self.preview, self.bars, self.status = Throttle(PREVIEW_FPS), Throttle(BARS_HZ), Throttle(STATUS_HZ)
        self._mood: str | None = None
        self._group: tuple[str | None, int] = (None, 0)
        self._frames: list[float] = []

    def send(self, result: FrameResult, preview_style: str | None) -> None:
        """Posts what this frame changed; `preview_style` None while the preview is hidden."""
        now = time.monotonic()
        self._frames.append(now)
        if preview_style is not None and self.preview.due(now):
            self._send_picture(result, preview_style)
        if self.bars.due(now):
            raw = result.faces[0].scores.probabilities if result.faces else None
            self.post(ScoresUpdate(result.mood.scores, result.mood.face, raw))
        if result.mood.emotion != self._mood:
            self._mood = result.mood.emotion
            self.post(MoodChanged(result.mood))
        if result.group is not None and (result.group.emotion, len(result.faces)) != self._group:
            self._group = (result.group.emotion, len(result.faces))
            self.post(MoodChanged(result.group, group=True, faces=len(result.faces)))
        if self.status.due(now):
            self.post(CameraStatus(self.reader.state, self._fps(now), result.timings_ms["total"]))

    def _send_picture(self, result: FrameResult, style: str) -> None:
        width, height = self.preview_cells()
        picture = draw_picture(style, result.frame.image, width, height, [r.face.box for r in result.faces],
                               [r.face.id for r in result.faces])
        self.preview.period = max(1 / PREVIEW_FPS, picture.bytes / (self.budget_kb * 1000))
        self.post(PreviewFrame(picture.text))

    def _fps(self, now: float) -> float:
        self._frames = [t for t in self._frames if now - t <= FPS_WINDOW]
        if len(self._frames) < 2:
            return 0.0
        return (len(self._frames) - 1) / max(self._frames[-1] - self._frames[0], 1e-6)
