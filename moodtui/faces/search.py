"""The searching regime: a thorough Haar search for faces when none is known.

A finer pyramid (scale factor 1.1 instead of 1.2), two frontal cascades, the frame turned by
about 22 degrees either way for rolled heads, and the profile cascade on the frame and its mirror
for turned heads: one full pass costs 60-100 ms on a 2020s laptop core, far over a frame's budget.
So the pass is a plan of small steps, each one cascade call over one band of face sizes, and a
live frame runs only SEARCH_CALLS_PER_FRAME of them: a full cycle takes a quarter of a second at
30 fps and no frame is late. A still image runs the whole plan at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from moodtui.faces.cascades import Hit, detect, load_cascade, overlap

SEARCH_WIDTH = 320  # the frame is searched at this width; faces a tenth of it wide are 32 px there
MIN_FACE_FRACTION = 0.09  # of the frame width; smaller faces are too far away to read
MIN_SIDE = 24  # the cascades' own window
BAND_EDGE = 56  # search-width pixels where the small-face band ends and the large-face band starts
TURNED_MIN = 44  # rolled faces are looked for from this size up (a user near the camera)
PROFILE_EDGE = 100  # the profile cascade is the slowest: its faces come in two bands
ROLL = 22.0  # degrees; the upright cascade tolerates about 10-15 either way
SEARCH_CALLS_PER_FRAME = 1
MERGE_OVERLAP = 0.5  # hits overlapping more than this (over the smaller box) are one face


@dataclass(frozen=True)
class Step:
    """One cascade call of the plan: which cascade, which face sizes (search-width pixels), which pose."""

    cascade: str
    min_side: int
    max_side: int = 0
    angle: float = 0.0
    mirror: bool = False
    scale_factor: float = 1.1
    neighbours: int = 4
    verify: bool = False  # a looser step: each hit must be confirmed by a second cascade close up


# Upright frontal faces first, largest band first: the common case is found on the first frame.
PLAN = (
    Step("default", BAND_EDGE),
    Step("default", MIN_SIDE, BAND_EDGE),
    Step("alt2", BAND_EDGE, neighbours=3),
    Step("alt2", MIN_SIDE, BAND_EDGE, neighbours=3),
    Step("default", TURNED_MIN, angle=ROLL, verify=True),
    Step("default", TURNED_MIN, angle=-ROLL, verify=True),
    Step("profile", BAND_EDGE, PROFILE_EDGE, verify=True),
    Step("profile", PROFILE_EDGE, verify=True),
    Step("profile", BAND_EDGE, PROFILE_EDGE, mirror=True, verify=True),
    Step("profile", PROFILE_EDGE, mirror=True, verify=True),
)
UPRIGHT_STEPS = 4  # the first steps of PLAN: both frontal cascades, upright, every size

# While faces are tracked, new ones are watched for with the cheapest step alone, now and then.
WATCH_PLAN = (Step("default", BAND_EDGE, scale_factor=1.2, neighbours=5),)
# Who checks a looser step's hit: the other frontal cascade, or the profile cascade more strictly.
VERIFIER = {"default": ("alt2", 3), "alt2": ("default", 4), "profile": ("profile", 6)}
VERIFY_FACE_PIXELS = 40
VERIFY_SIZE_RANGE = (0.7, 1.4)


def _agreed(found_by: list[tuple[str, Hit]]) -> bool:
    """Whether both frontal cascades found one same face."""
    default = [hit for cascade, hit in found_by if cascade == "default"]
    alt2 = [hit for cascade, hit in found_by if cascade == "alt2"]
    return any(overlap(a.box(), b.box()) > MERGE_OVERLAP for a in default for b in alt2)


def merged(hits: list[Hit]) -> list[Hit]:
    """One hit per face: of overlapping hits the first (the earlier, more trusted step) is kept."""
    kept: list[Hit] = []
    for hit in hits:
        if all(overlap(hit.box(), other.box()) <= MERGE_OVERLAP for other in kept):
            kept.append(hit)
    return kept


class Search:
    """Runs the plan a few steps per frame (`next_hits`) or whole (`all_hits`); counts its cascade calls."""

    def __init__(self, plan: tuple[Step, ...] = PLAN, width: int = SEARCH_WIDTH) -> None:
        self.plan, self.width = plan, width
        self._cascades: dict[str, object] = {}  # each loaded when a step first needs it: start-up stays short
        self._cursor = 0
        self.calls = 0  # full-frame cascade calls made, over the finder's life: the per-frame budget
        self.checks = 0  # close-up verifications of looser steps' hits (a small region each)
        self.steps_run: list[Step] = []  # the last frame's steps, for tests and benchmarks
        self._found_by: list[tuple[str, Hit]] = []  # a still image's hits so far, with the cascade of each

    def restart(self) -> None:
        self._cursor = 0

    def _small(self, grey: np.ndarray) -> tuple[np.ndarray, float]:
        scale = min(1.0, self.width / grey.shape[1])
        if scale == 1.0:
            return grey, scale
        return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale

    def _run(self, step: Step, small: np.ndarray, scale: float) -> list[Hit]:
        self.calls += 1
        floor = max(MIN_SIDE, int(MIN_FACE_FRACTION * small.shape[1]))
        hits = detect(self._cascade(step.cascade), small, step.scale_factor, step.neighbours,
                      max(floor, step.min_side), step.max_side, step.angle, step.mirror)
        if step.verify:
            hits = [hit for hit in hits if self._confirmed(small, hit, step)]
        return [Hit(h.cx / scale, h.cy / scale, h.side / scale, h.angle) for h in hits]

    def _confirmed(self, small: np.ndarray, hit: Hit, step: Step) -> bool:
        """Whether a second cascade, close up on a finer pyramid, also sees a face of that size there."""
        name, neighbours = VERIFIER[step.cascade]
        pad = hit.side * 0.8
        x0, y0 = max(0, int(hit.cx - pad)), max(0, int(hit.cy - pad))
        x1, y1 = min(small.shape[1], int(hit.cx + pad)), min(small.shape[0], int(hit.cy + pad))
        zoom = VERIFY_FACE_PIXELS / hit.side
        region = cv2.resize(small[y0:y1, x0:x1], None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
        lo, hi = (int(VERIFY_FACE_PIXELS * r) for r in VERIFY_SIZE_RANGE)
        self.checks += 1
        found = detect(self._cascade(name), region, 1.05, neighbours, max(MIN_SIDE, lo), hi, step.angle, step.mirror)
        centre = np.array([(hit.cx - x0) * zoom, (hit.cy - y0) * zoom])
        return any(np.hypot(f.cx - centre[0], f.cy - centre[1]) < 0.3 * VERIFY_FACE_PIXELS for f in found)

    def _cascade(self, name: str):
        if name not in self._cascades:
            self._cascades[name] = load_cascade(name)
        return self._cascades[name]

    def next_hits(self, grey: np.ndarray, calls: int = SEARCH_CALLS_PER_FRAME) -> list[Hit]:
        """The faces the next `calls` steps of the plan find (full-frame coordinates)."""
        small, scale = self._small(grey)
        hits: list[Hit] = []
        self.steps_run = []
        for _ in range(calls):
            step = self.plan[self._cursor]
            self.steps_run.append(step)
            hits += self._run(step, small, scale)
            self._cursor = (self._cursor + 1) % len(self.plan)
        return merged(hits)

    def all_hits(self, grey: np.ndarray) -> list[Hit]:
        """Every face of one image, as for a still photo: the upright steps first and, unless both frontal
        cascades agree on a face there (a false box is seldom found by two), the turned and profile
        steps too. A photo with an upright face is read in half the time (75 ms instead of 155 on a
        desktop core), and a rolled or turned face the upright steps miss is still looked for.

        A photo is one call, not one of thirty a second: each cascade call spreads its pyramid over every
        core here (a third less time on two cores), then OpenCV goes back to the threads it had."""
        small, scale = self._small(grey)
        hits: list[Hit] = []
        threads = cv2.getNumThreads()
        cv2.setNumThreads(-1)  # OpenCV's default: every core
        try:
            for index, step in enumerate(self.plan):
                if index == UPRIGHT_STEPS and _agreed(self._found_by):
                    break
                found = self._run(step, small, scale)
                self._found_by.extend((step.cascade, hit) for hit in found)
                hits += found
        finally:
            cv2.setNumThreads(threads)
            self._found_by = []
        return merged(hits)
