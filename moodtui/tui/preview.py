"""The camera preview drawn in text: grey levels as characters, the face box in colour."""

from __future__ import annotations

import cv2
import numpy as np
from rich.text import Text
from textual import events
from textual.widgets import Static

RAMP = np.array(list(" .:-=+*#%@"))
CELL_ASPECT = 2.0  # terminal cells are about twice as tall as wide


def ascii_picture(image: np.ndarray, width: int, height: int,
                  boxes: list[tuple[int, int, int, int]] = ()) -> Text:
    """The frame fitted into width x height cells; face boxes outlined."""
    frame_h, frame_w = image.shape[:2]
    scale = min(width / frame_w, height * CELL_ASPECT / frame_h)
    cols, rows = max(1, int(frame_w * scale)), max(1, int(frame_h * scale / CELL_ASPECT))
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (cols, rows), interpolation=cv2.INTER_AREA)
    chars = RAMP[(small.astype(np.int32) * (len(RAMP) - 1)) // 255]
    box_cells = set()
    for x, y, w, h in boxes:
        x0, y0 = int(x * cols / frame_w), int(y * rows / frame_h)
        x1, y1 = min(cols - 1, int((x + w) * cols / frame_w)), min(rows - 1, int((y + h) * rows / frame_h))
        for cx in range(x0, x1 + 1):
            chars[y0, cx] = chars[y1, cx] = "─"
            box_cells |= {(y0, cx), (y1, cx)}
        for cy in range(y0, y1 + 1):
            chars[cy, x0] = chars[cy, x1] = "│"
            box_cells |= {(cy, x0), (cy, x1)}
        for cy, cx, corner in ((y0, x0, "┌"), (y0, x1, "┐"), (y1, x0, "└"), (y1, x1, "┘")):
            chars[cy, cx] = corner
    picture = Text("\n".join("".join(row) for row in chars), no_wrap=True, overflow="crop")
    for cy, cx in box_cells:
        offset = cy * (cols + 1) + cx
        picture.stylize("bold green", offset, offset + 1)
    return picture


class CameraPreview(Static):
    """Shows the latest picture the camera worker drew; a plain message when there is none."""

    DEFAULT_CSS = "CameraPreview { content-align: center middle; }"
    cells: tuple[int, int] = (32, 10)  # read by the camera worker, which draws pictures to fit

    def on_resize(self, event: events.Resize) -> None:
        self.cells = (event.size.width, event.size.height)

    def show_message(self, message: str) -> None:
        self.update(Text(message, style="dim", justify="center"))
