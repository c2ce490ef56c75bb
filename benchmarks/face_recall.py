"""Share of faces found, moodtui's finder against the plain `fer`-style Haar call, on scenes with known boxes.

`python -m benchmarks.face_recall [--faces N]` prints and saves benchmarks/results/face_recall.json:
- FER-2013 PublicTest faces enlarged into 320-640 px frames, plain, rolled, small, dark, blurred:
  a face counts as found when a box has IoU >= 0.5 with the truth; extra boxes are false finds.
- Synthetic 640x480 videos of the real photo in ../shared/data/faces (pans, zooms, roll sweeps, a
  moving performer, dim light, shake with motion blur, a hand over the face): per-frame recall and
  IoU for the tracking finder, and its per-frame time, tracking and searching frames apart.
One core.
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from benchmarks.common import pin_to_one_core, save, shared
from benchmarks.scenes import PERTURBATIONS, VIDEOS, fer_in_frame, video
from model.fer2013 import load_fer2013
from moodtui.faces import FaceFinder, load_cascade
from moodtui.faces.cascades import iou

DEFAULT_FACES = 400


def fer_style(cascade) -> callable:
    """What the `fer` package does with its Haar detector: the full frame at scaleFactor 1.1, 5 neighbours."""
    return lambda grey: [tuple(map(int, b)) for b in cascade.detectMultiScale(grey, 1.1, 5)]


def scored(boxes: list, truth: list) -> tuple[int, int, list[float]]:
    """(faces found, false boxes, IoU of each found face) for one image."""
    found, ious, matched = 0, [], set()
    for t in truth:
        best = max(((iou(b, t), i) for i, b in enumerate(boxes)), default=(0.0, -1))
        if best[0] >= 0.5:
            found += 1
            ious.append(best[0])
            matched.add(best[1])
    return found, len(boxes) - len(matched), ious


def fer_in_frames(count: int) -> dict:
    faces = load_fer2013(shared("data/fer2013/fer2013.csv.gz"))["PublicTest"].images[:count]
    finder, plain = FaceFinder(), fer_style(load_cascade())
    report = {}
    for kind in PERTURBATIONS:
        rng = np.random.default_rng(7)
        totals = {"ours": [0, 0, []], "fer_style": [0, 0, []]}
        times = {"ours": [], "fer_style": []}
        for face in faces:
            scene = fer_in_frame(face, kind, rng)
            for name, run in (("ours", lambda g: [f.box for f in finder.detect(g)]), ("fer_style", plain)):
                start = time.perf_counter()
                boxes = run(scene.image)
                times[name].append((time.perf_counter() - start) * 1000)
                found, false, ious = scored(boxes, scene.truth)
                totals[name][0] += found
                totals[name][1] += false
                totals[name][2] += ious
        report[kind] = {name: {"found": round(t[0] / len(faces), 3), "false_per_image": round(t[1] / len(faces), 3),
                               "median_ms": round(float(np.median(times[name])), 1)}
                        for name, t in totals.items()}
        print(kind, report[kind], flush=True)
    mean = {name: round(float(np.mean([report[k][name]["found"] for k in PERTURBATIONS])), 3)
            for name in ("ours", "fer_style")}
    return {"faces": len(faces), "perturbations": report, "mean_found": mean}


def videos() -> dict:
    photo = cv2.imread(str(shared("data/faces/astronaut.png")))
    plain = fer_style(load_cascade())
    report, all_hits, track_ms, search_ms = {}, [], [], []
    for name in VIDEOS:
        finder = FaceFinder()
        hits, ious, plain_hits, frames = 0, [], 0, 0
        for i, scene in enumerate(video(name, photo)):
            start = time.perf_counter()
            searching = not finder.tracking
            boxes = [f.box for f in finder.find(scene.image, i / 30)]
            (search_ms if searching else track_ms).append((time.perf_counter() - start) * 1000)
            found, _, frame_ious = scored(boxes, scene.truth)
            hits += found
            ious += frame_ious
            plain_hits += scored(plain(scene.image), scene.truth)[0]
            frames += 1
        report[name] = {"frames": frames, "recall": round(hits / frames, 3),
                        "mean_iou": round(float(np.mean(ious)), 3) if ious else 0.0,
                        "fer_style_recall": round(plain_hits / frames, 3)}
        all_hits.append(hits / frames)
        print(name, report[name], flush=True)
    return {"clips": report, "mean_recall": round(float(np.mean(all_hits)), 3),
            "tracking_frame_ms": {"median": round(float(np.median(track_ms)), 2),
                                  "p99": round(float(np.percentile(track_ms, 99)), 2), "frames": len(track_ms)},
            "searching_frame_ms": {"median": round(float(np.median(search_ms)), 2) if search_ms else None,
                                   "max": round(float(np.max(search_ms)), 2) if search_ms else None,
                                   "frames": len(search_ms)}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.face_recall", description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=int, default=DEFAULT_FACES, help=f"PublicTest faces (default {DEFAULT_FACES})")
    args = parser.parse_args(argv)
    core = pin_to_one_core()
    cv2.setNumThreads(1)
    save("face_recall", {"core": core, "videos": videos(), "fer_in_frames": fer_in_frames(args.faces)})


if __name__ == "__main__":
    main()
