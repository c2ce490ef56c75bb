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
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import Static

RAMP = np.array(list(" .:-=+*#%@"))
CELL_ASPECT = 2.0  # terminal cells are about twice as tall as wide
STYLES = ("colour", "blocks", "ascii")  # colour and grey half blocks, characters
GREY_LEVELS = 24  # the xterm grey ramp: neighbouring cells share styles, fewer bytes per frame
COLOUR_LEVELS = 6  # per channel, in colour: longer runs of one colour, fewer segments and bytes a picture
STYLE_BYTES = 34  # what one change of style costs on the wire (an SGR sequence with two colours and a reset)
BOX = (60, 220, 60)  # face box colour (RGB)


@dataclass(frozen=True)
class Picture:
    """A frame drawn as terminal lines, ready for the screen: built on the camera worker, so the app's
    thread only hands the lines over (Textual's line API) instead of laying out a styled text."""

    lines: list[Strip]
    width: int
    bytes: int  # about what drawing it costs the terminal link

    @property
    def text(self) -> Text:
        """The same picture as a rich Text (what the snapshot test and a plain reading see)."""
        text = Text(no_wrap=True, overflow="crop")
        for index, line in enumerate(self.lines):
            for segment in line:
                text.append(segment.text, segment.style)
            if index < len(self.lines) - 1:
                text.append("\n")
        return text


@lru_cache(maxsize=8192)
def _cell_style(top: int, bottom: int) -> Style:
    """The style of a half-block cell whose upper pixel is `top` and lower `bottom` (RGB packed in an int)."""
    upper, lower = _unpack(top), _unpack(bottom)
    if upper[0] == upper[1] == upper[2] and lower[0] == lower[1] == lower[2]:
        # Greys as the 256-colour grey ramp: shorter escape sequences than RGB, and every terminal has them.
        return Style(color=Color.from_ansi(_grey_index(upper[0])), bgcolor=Color.from_ansi(_grey_index(lower[0])))
    return Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower))


def _unpack(rgb: int) -> tuple[int, int, int]:
    return rgb >> 16, (rgb >> 8) & 255, rgb & 255


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


def _lines(chars: np.ndarray, keys: np.ndarray, style_of) -> tuple[list[Strip], int]:
    """One strip a row: a segment for each run of cells with the same style key; and how many runs."""
    lines, runs = [], 0
    for row_chars, row_keys in zip(chars, keys, strict=True):
        edges = [0, *(np.flatnonzero(row_keys[1:] != row_keys[:-1]) + 1).tolist(), len(row_keys)]
        segments = [Segment("".join(row_chars[a:b]), style_of(int(row_keys[a])))
                    for a, b in zip(edges, edges[1:], strict=False)]
        runs += len(segments)
        lines.append(Strip(segments, len(row_keys)))
    return lines, runs


def _label(chars: np.ndarray, keys: np.ndarray, boxes, ids, sx: float, sy: float) -> None:
    """Writes each face's track id on its box's top edge (LABEL as their style key)."""
    rows, cols = chars.shape
    for (x, y, _, _), track in zip(boxes, ids, strict=False):
        if track is None:
            continue
        label = f"#{track}"
        row, col = min(rows - 1, int(y * sy)), min(max(0, cols - len(label)), int(x * sx) + 1)
        width = min(len(label), cols - col)
        chars[row, col:col + width] = list(label)[:width]
        keys[row, col:col + width] = LABEL


LABEL = -1  # the style key of a box's id label
LABEL_STYLE = Style.parse("bold black on green")
BOX_STYLE = Style.parse("bold green")


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
    packed = (small[..., 0].astype(np.int64) << 16) | (small[..., 1].astype(np.int64) << 8) | small[..., 2]
    keys = (packed[0::2] << 24) | packed[1::2]  # the upper and the lower pixel of each cell
    chars = np.full((rows, cols), "▀", dtype="<U1")
    _label(chars, keys, boxes, ids, sx, sy / 2)
    lines, runs = _lines(chars, keys, lambda key: LABEL_STYLE if key == LABEL else _cell_style(key >> 24,
                                                                                               key & 0xFFFFFF))
    return Picture(lines, cols, runs * STYLE_BYTES + rows * cols * 3)


def ascii_picture(image: np.ndarray, width: int, height: int, boxes: list[tuple[int, int, int, int]] = (),
                  ids: list[int | None] = ()) -> Picture:
    """The frame fitted into width x height cells of grey-level characters; face boxes outlined."""
    frame_h, frame_w = image.shape[:2]
    scale = min(width / frame_w, height * CELL_ASPECT / frame_h)
    cols, rows = max(1, int(frame_w * scale)), max(1, int(frame_h * scale / CELL_ASPECT))
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (cols, rows), interpolation=cv2.INTER_AREA)
    chars = RAMP[(small.astype(np.int32) * (len(RAMP) - 1)) // 255]
    keys = np.zeros((rows, cols), dtype=np.int64)  # 0 plain, 1 box
    for x, y, w, h in boxes:
        x0, y0 = int(x * cols / frame_w), int(y * rows / frame_h)
        x1, y1 = min(cols - 1, int((x + w) * cols / frame_w)), min(rows - 1, int((y + h) * rows / frame_h))
        chars[[y0, y1], x0:x1 + 1] = "─"
        chars[y0:y1 + 1, [x0, x1]] = "│"
        keys[[y0, y1], x0:x1 + 1] = 1
        keys[y0:y1 + 1, [x0, x1]] = 1
        for cy, cx, corner in ((y0, x0, "┌"), (y0, x1, "┐"), (y1, x0, "└"), (y1, x1, "┘")):
            chars[cy, cx] = corner
    _label(chars, keys, boxes, ids, cols / frame_w, rows / frame_h)
    keys[keys == LABEL] = 1  # labels are drawn as the box is
    lines, _ = _lines(chars, keys, lambda key: BOX_STYLE if key else NO_STYLE)
    return Picture(lines, cols, rows * (cols + 1) + int((keys == 1).sum()) * 12)


NO_STYLE = Style()


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
    """Shows the latest picture the camera worker drew, centred; a plain message when there is none."""

    DEFAULT_CSS = "CameraPreview { content-align: center middle; }"
    cells: tuple[int, int] = (32, 10)  # read by the camera worker, which draws pictures to fit

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.picture: Picture | None = None

    @property
    def plain(self) -> str:
        """What the preview shows, as plain text."""
        return self.picture.text.plain if self.picture is not None else str(self.content)

    def on_resize(self, event: events.Resize) -> None:
        self.cells = (event.size.width, event.size.height)

    def show_picture(self, picture: Picture) -> None:
        self.picture = picture
        self.refresh()

    def show_message(self, message: str) -> None:
        self.picture = None
        self.update(Text(message, style="dim", justify="center"))

    def render_line(self, y: int) -> Strip:
        if self.picture is None:
            return super().render_line(y)
        width, height = self.size
        top = (height - len(self.picture.lines)) // 2
        if not 0 <= y - top < len(self.picture.lines):
            return Strip.blank(width)
        left = max(0, (width - self.picture.width) // 2)
        line = self.picture.lines[y - top]
        return Strip([Segment(" " * left), *line], left + line.cell_length).crop(0, width) if left else line
