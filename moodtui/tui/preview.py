"""The camera preview drawn in text.

"blocks": half-block characters (`▀`, its foreground the upper pixel, its background the lower),
two pixels a cell, in grey or colour: a face you can recognise. "ascii": grey levels as
characters, for terminals without colour. Both outline the face boxes with their track ids.
Each picture comes with an estimate of the bytes it costs on the wire, so the app can keep the
preview's frame rate under a bandwidth budget over SSH.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Static

RAMP = np.array(list(" .:-=+*#%@"))
CELL_ASPECT = 2.0  # terminal cells are about twice as tall as wide
STYLES = ("colour", "blocks", "ascii")  # colour and grey half blocks, characters
GREY_LEVELS = 24  # the xterm grey ramp: neighbouring cells share styles, fewer bytes per frame
COLOUR_LEVELS = 8  # per channel, in colour
STYLE_BYTES = 34  # what one change of style costs on the wire (an SGR sequence with two colours and a reset)
BOX = (60, 220, 60)  # face box colour (RGB)


@dataclass(frozen=True)
class Picture:
    text: Text
    bytes: int  # about what drawing it costs the terminal link


@lru_cache(maxsize=8192)
def _cell_style(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Style:
    if top[0] == top[1] == top[2] and bottom[0] == bottom[1] == bottom[2]:
        # Greys as the 256-colour grey ramp: shorter escape sequences than RGB, and every terminal has them.
        return Style(color=Color.from_ansi(_grey_index(top[0])), bgcolor=Color.from_ansi(_grey_index(bottom[0])))
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


def _grey_index(level: int) -> int:
    return 232 + min(23, level * GREY_LEVELS // 256)


def _quantised(image: np.ndarray, colour: bool) -> np.ndarray:
    """RGB pixels on a coarse grid: in colour COLOUR_LEVELS a channel, else GREY_LEVELS greys."""
    if colour:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        step = 256 // COLOUR_LEVELS
        return (rgb // step) * step + step // 2
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    step = 256 / GREY_LEVELS
    levels = (np.floor(grey / step) * step + step / 2).astype(np.uint8)
    return np.repeat(levels[..., None], 3, axis=2)


def block_picture(image: np.ndarray, width: int, height: int, boxes: list[tuple[int, int, int, int]] = (),
                  ids: list[int | None] = (), colour: bool = False) -> Picture:
    """The frame fitted into width x height cells of half blocks; face boxes outlined, ids on them."""
    frame_h, frame_w = image.shape[:2]
    scale = min(width / frame_w, 2 * height / frame_h)  # a half-block pixel is about square
    cols, rows = max(1, int(frame_w * scale)), max(1, int(frame_h * scale / 2))
    small = _quantised(cv2.resize(image, (cols, 2 * rows), interpolation=cv2.INTER_AREA), colour)
    sx, sy = cols / frame_w, 2 * rows / frame_h
    for x, y, w, h in boxes:
        cv2.rectangle(small, (int(x * sx), int(y * sy)), (int((x + w) * sx), int((y + h) * sy)), BOX, 1)
    text = Text(no_wrap=True, overflow="crop")
    runs = 0
    for row in range(rows):
        top, bottom = small[2 * row], small[2 * row + 1]
        start, current = 0, None
        for col in range(cols + 1):
            pair = None if col == cols else (tuple(top[col].tolist()), tuple(bottom[col].tolist()))
            if pair != current:
                if current is not None:
                    text.append("▀" * (col - start), _cell_style(*current))
                    runs += 1
                start, current = col, pair
        if row < rows - 1:
            text.append("\n")
    _label_boxes(text, cols, rows, boxes, ids, sx, sy / 2)
    return Picture(text, runs * STYLE_BYTES + rows * cols * 3)


def _label_boxes(text: Text, cols: int, rows: int, boxes, ids, sx: float, sy: float) -> None:
    """Writes each face's track id on its box's top edge."""
    plain = list(text.plain)
    for (x, y, _, _), track in zip(boxes, ids, strict=False):
        if track is None:
            continue
        label = f"#{track}"
        row, col = min(rows - 1, int(y * sy)), min(max(0, cols - len(label)), int(x * sx) + 1)
        offset = row * (cols + 1) + col
        plain[offset:offset + len(label)] = label
        text.stylize("bold black on green", offset, offset + len(label))
    text.plain = "".join(plain)


def ascii_picture(image: np.ndarray, width: int, height: int, boxes: list[tuple[int, int, int, int]] = (),
                  ids: list[int | None] = ()) -> Picture:
    """The frame fitted into width x height cells of grey-level characters; face boxes outlined."""
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
    for (x, y, _, _), track in zip(boxes, ids, strict=False):
        if track is not None:
            label = f"#{track}"
            row, col = int(y * rows / frame_h), min(max(0, cols - len(label)), int(x * cols / frame_w) + 1)
            chars[row, col:col + len(label)] = list(label)[: cols - col]
            box_cells |= {(row, c) for c in range(col, min(cols, col + len(label)))}
    picture = Text("\n".join("".join(row) for row in chars), no_wrap=True, overflow="crop")
    for cy, cx in box_cells:
        offset = cy * (cols + 1) + cx
        picture.stylize("bold green", offset, offset + 1)
    return Picture(picture, rows * (cols + 1) + len(box_cells) * 12)


def draw_picture(style: str, image: np.ndarray, width: int, height: int, boxes=(), ids=()) -> Picture:
    """The frame in one of STYLES."""
    if style in ("blocks", "colour"):
        return block_picture(image, width, height, boxes, ids, colour=style == "colour")
    return ascii_picture(image, width, height, boxes, ids)


def style_for(setting: str, color_system: str | None) -> str:
    """The preview style for a setting ("auto" follows what the terminal can show)."""
    if setting in STYLES:
        return setting
    if color_system == "truecolor":
        return "colour"
    return "blocks" if color_system in ("256", "eight_bit") else "ascii"


class CameraPreview(Static):
    """Shows the latest picture the camera worker drew; a plain message when there is none."""

    DEFAULT_CSS = "CameraPreview { content-align: center middle; }"
    cells: tuple[int, int] = (32, 10)  # read by the camera worker, which draws pictures to fit

    def on_resize(self, event: events.Resize) -> None:
        self.cells = (event.size.width, event.size.height)

    def show_message(self, message: str) -> None:
        self.update(Text(message, style="dim", justify="center"))
