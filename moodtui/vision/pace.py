"""How often the camera's frames are read for faces and drawn: as often as the mood needs, and less
when the machine falls behind.

The camera is read at its own rate by its capture thread (so the newest frame is always fresh),
but faces are searched and read only READ_HZ times a second while one is tracked and keeps still
(the mood smooths over 0.8 s: ten readings a second follow a real change within it), and up to
BUSY_HZ while searching or while the face moves. The preview and the bars have their own caps
(the camera feed in the TUI). When frames come to the loop older than LAG_LIMIT, or a reading takes
longer than its share of the interval, the machine is behind (a slow CPU, a CPU limit, another busy
process): the interval grows, up to SLOWEST times, and shrinks back once it keeps up.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_HZ = 10.0  # readings a second while a face is tracked and still
BUSY_HZ = 12.0  # while searching for a face, or while it moves
MOVING = 0.08  # a face whose centre moved this share of its side since the last reading is moving
LAG_LIMIT = 0.25  # seconds: a frame this old when its reading starts means the loop is behind
BUSY_SHARE = 0.5  # a reading may take this share of its interval before the loop slows down
SLOWEST = 4.0  # the interval grows at most this many times
GROWTH, RECOVERY = 1.5, 0.9  # per reading: how fast the interval grows when behind, shrinks when not


@dataclass
class Pace:
    """The time to wait before the next reading, from how the last one went."""

    slowdown: float = 1.0
    _last_centre: tuple[float, float, float] | None = None  # (x, y, side) of the user's face

    def interval(self, tracking: bool, face: tuple[int, int, int, int] | None) -> float:
        """Seconds from one reading to the next, for a frame whose user's face box was `face`."""
        moving = False
        if face is not None:
            x, y, w, h = face
            centre = (x + w / 2, y + h / 2, float(max(w, h)))
            if self._last_centre is not None:
                px, py, side = self._last_centre
                moving = max(abs(centre[0] - px), abs(centre[1] - py)) > MOVING * side
            self._last_centre = centre
        else:
            self._last_centre = None
        hz = READ_HZ if tracking and face is not None and not moving else BUSY_HZ
        return self.slowdown / hz

    def took(self, seconds: float, lag: float, interval: float) -> None:
        """A reading took `seconds` and started on a frame `lag` seconds old: slow down or speed up."""
        if lag > LAG_LIMIT or seconds > BUSY_SHARE * interval:
            self.slowdown = min(SLOWEST, self.slowdown * GROWTH)
        else:
            self.slowdown = max(1.0, self.slowdown * RECOVERY)
