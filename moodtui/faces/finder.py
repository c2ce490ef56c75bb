"""FaceFinder: finds faces, then keeps them, with a stable id each, largest (the user's) first.

Two regimes. Searching (no face known): the detector's thorough search, a slice a frame.
Tracking (faces known): each face is looked for by the detector close to where its motion predicts
it (a millisecond or two with the Haar cascades); where the detector misses, Lucas-Kanade flow
carries the box, and where that fails too, the place is looked at again turned by about 20 degrees
for a leaning head. A face not confirmed by the detector for TRACK_TIMEOUT is dropped. Which
detector finds the faces (moodtui.faces.detector) is none of the finder's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from moodtui.faces.cascades import Box, Hit, overlap
from moodtui.faces.detector import FaceDetector, Image, make_detector
from moodtui.faces.motion import MotionTracker
from moodtui.faces.search import ROLL

MAX_FACES = 4
NOMINAL_FPS = 30.0  # frame clock when the caller gives no timestamps
TRACK_TIMEOUT = 1.0  # seconds a face may go on motion alone
REDETECT_EVERY = 30  # frames between looks for new faces while faces are tracked
MAX_JUMP = 0.6  # of the face's side: a hit farther from the prediction belongs to someone else
CARRY_BETWEEN = 1  # readings a confirmed track is carried by motion before the detector looks again
# Smoothing, so the crop does not jitter: the centre follows quickly, the size slowly.
CENTRE_GAIN = 0.6
SIZE_GAIN = 0.2
SIZE_DEAD_ZONE = 0.05  # size changes under this share are noise
MAX_ROLL = 45.0


@dataclass(frozen=True)
class Face:
    """A face box (x, y, w, h) in frame pixels, its track id and roll in degrees.

    `tracked` when it was followed from an earlier frame rather than found by a fresh search.
    """

    box: Box
    tracked: bool = False
    id: int = 0
    angle: float = 0.0

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


@dataclass
class Track:
    id: int
    cx: float
    cy: float
    side: float
    angle: float
    confirmed_at: float
    vx: float = 0.0
    vy: float = 0.0
    motion: MotionTracker = field(default_factory=MotionTracker)
    carried: int = 0  # readings carried by motion alone since the detector last confirmed it

    def face(self, tracked: bool) -> Face:
        half = self.side / 2
        box = (int(round(self.cx - half)), int(round(self.cy - half)), int(round(self.side)), int(round(self.side)))
        return Face(box, tracked, self.id, round(self.angle, 1))

    def confirm(self, hit: Hit, now: float) -> None:
        px, py = self.cx + self.vx, self.cy + self.vy
        cx, cy = px + CENTRE_GAIN * (hit.cx - px), py + CENTRE_GAIN * (hit.cy - py)
        self.vx, self.vy = 0.5 * self.vx + 0.5 * (cx - self.cx), 0.5 * self.vy + 0.5 * (cy - self.cy)
        self.cx, self.cy = cx, cy
        if abs(hit.side - self.side) > SIZE_DEAD_ZONE * self.side:
            self.side += SIZE_GAIN * (hit.side - self.side)
        self.angle, self.confirmed_at = hit.angle, now

    def move(self, dx: float, dy: float) -> None:
        self.cx, self.cy = self.cx + dx, self.cy + dy
        self.vx, self.vy = 0.5 * self.vx + 0.5 * dx, 0.5 * self.vy + 0.5 * dy


class FaceFinder:
    """Searches, then tracks, faces; `find` returns them largest first with stable ids."""

    def __init__(self, detector: FaceDetector | None = None, redetect_every: int = REDETECT_EVERY,
                 timeout: float = TRACK_TIMEOUT) -> None:
        self.detector = detector or make_detector()
        self._redetect_every, self._timeout = redetect_every, timeout
        self._tracks: list[Track] = []
        self._previous: np.ndarray | None = None
        self._frames = 0
        self._since_search = 0
        self._next_id = 1

    # -- the two regimes -------------------------------------------------------------------

    def find(self, frame: Image | np.ndarray, now: float | None = None) -> list[Face]:
        """Faces in this frame of a video or camera (BGR or grey), tracked from the frames before it."""
        image = frame if isinstance(frame, Image) else Image(frame)
        grey = image.grey
        self._frames += 1
        now = self._frames / NOMINAL_FPS if now is None else now
        faces: list[Face] = []
        if self._tracks:
            faces = self._follow_tracks(image, now)
            self._since_search += 1
            if self._since_search >= self._redetect_every and len(self._tracks) < MAX_FACES:
                faces += self._start_tracks(self.detector.watch(image), grey, now)
        # Searching; also on the frame every track was lost, from the plan's first (likeliest) step.
        if not self._tracks:
            faces = self._start_tracks(self.detector.search(image), grey, now)
        self._previous = grey
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def detect(self, frame: Image | np.ndarray) -> list[Face]:
        """Every face in one still image (the whole search at once); no track is kept."""
        image = frame if isinstance(frame, Image) else Image(frame)
        hits = sorted(self.detector.search_all(image), key=lambda h: h.side, reverse=True)[:MAX_FACES]
        return [Face(hit.box(), False, i + 1, hit.angle) for i, hit in enumerate(hits)]

    def reset(self) -> None:
        self._tracks, self._previous, self._since_search = [], None, 0
        self.detector.restart()

    @property
    def tracking(self) -> bool:
        return bool(self._tracks)

    # -- tracking --------------------------------------------------------------------------

    def _start_tracks(self, hits: list[Hit], grey: np.ndarray, now: float) -> list[Face]:
        self._since_search = 0
        known = [t.face(True).box for t in self._tracks]
        faces = []
        for hit in sorted(hits, key=lambda h: h.side, reverse=True):
            if len(self._tracks) >= MAX_FACES or any(overlap(hit.box(), box) > 0.3 for box in known):
                continue
            track = Track(self._next_id, hit.cx, hit.cy, hit.side, hit.angle, now)
            self._next_id += 1
            track.motion.seed(grey, (hit.cx, hit.cy), hit.side)
            self._tracks.append(track)
            known.append(hit.box())
            faces.append(track.face(False))
        return faces

    def _follow_tracks(self, image: Image, now: float) -> list[Face]:
        grey = image.grey
        # A track the detector confirmed last time is carried by its motion this time (a fraction of the
        # detector's cost); the others are looked for by the detector, as is every track the flow loses.
        carried = {t.id for t in self._tracks if t.carried < CARRY_BETWEEN and self._carry(grey, t)}
        candidates = {t.id: self._look_near(image, t, t.angle) for t in self._tracks if t.id not in carried}
        claimed = self._assign(candidates)
        faces, alive = [], []
        for track in self._tracks:
            if track.id in carried:
                track.carried += 1
                alive.append(track)
                faces.append(track.face(True))
                continue
            hit = claimed.get(track.id)
            if hit is None:
                hit = self._look_turned(image, track)
            if hit is not None:
                track.confirm(hit, now)
                track.carried = 0
                track.motion.seed(grey, (track.cx, track.cy), track.side)
            elif now - track.confirmed_at > self._timeout or not self._carry(grey, track):
                continue
            alive.append(track)
            faces.append(track.face(True))
        self._tracks = alive
        if not alive:
            self.detector.restart()
        return faces

    def _carry(self, grey: np.ndarray, track: Track) -> bool:
        """Moves the track by optical flow; False when the flow cannot be trusted."""
        if self._previous is None:
            return False
        shift = track.motion.follow(self._previous, grey, track.side)
        if shift is None:
            return False
        track.move(*shift)
        return True

    def _assign(self, candidates: dict[int, list[Hit]]) -> dict[int, Hit]:
        """Each track gets the nearest hit to its prediction that no other track is nearer to."""
        tracks = {t.id: t for t in self._tracks}
        pairs = []
        for track_id, hits in candidates.items():
            t = tracks[track_id]
            for i, hit in enumerate(hits):
                distance = np.hypot(hit.cx - t.cx - t.vx, hit.cy - t.cy - t.vy) / t.side
                if distance <= MAX_JUMP:
                    pairs.append((distance, track_id, i, hit))
        claimed: dict[int, Hit] = {}
        taken: list[Box] = []
        for _, track_id, _, hit in sorted(pairs, key=lambda p: p[0]):
            if track_id in claimed or any(overlap(hit.box(), box) > 0.5 for box in taken):
                continue
            claimed[track_id] = hit
            taken.append(hit.box())
        return claimed

    def _look_turned(self, image: Image, track: Track) -> Hit | None:
        """The face searched for again, leaning further either way (a head that tilted)."""
        for angle in (track.angle + ROLL, track.angle - ROLL):
            if abs(angle) <= MAX_ROLL:
                hits = self._look_near(image, track, angle)
                if hits:
                    return min(hits, key=lambda h: np.hypot(h.cx - track.cx, h.cy - track.cy))
        return None

    def _look_near(self, image: Image, track: Track, angle: float) -> list[Hit]:
        """The detector's hits of about the track's size around its predicted place."""
        return self.detector.near(image, (track.cx + track.vx, track.cy + track.vy), track.side, angle)
