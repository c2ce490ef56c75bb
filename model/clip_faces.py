"""Cut the faces out of real videos as the app reads them: its own face finder (search, then tracking) and crop.

`python -m model.clip_faces ../shared/data/clips/*.mp4 --out /tmp/clip_faces.npz [--every 2] [--frames N]`

For distilling on real, unlabelled faces (issue #36, part 2): the teachers label these crops and the
student learns to agree with them where the app actually reads, not only on FER's aligned faces. The
crops are the others' data: write them outside the project (and carry them to a GPU machine), never
into it.

Each clip goes through a fresh `FaceFinder` frame by frame, on the clip's own clock (frame number /
its frame rate, so the tracking does not depend on how fast this machine is), and every face it
reports (the user's, the largest, first) is cut by `crop_face` with the app's defaults. Whole clips
are held out, not frames: a clip's frames are near-copies of each other, so agreement measured on
frames of clips the student learnt from would be agreement on faces it has as good as seen. The
held-out clips are the HELD_OUT_SHARE of them (at least one) with the lowest keyed BLAKE2b hash of
their file name: fixed, whatever order or machine.

The .npz holds `faces` (N, 48, 48) uint8, `clip` (N,) an index into `clips` (the file names),
`frame` (N,) the frame number, `rank` (N,) 0 for the largest face of its frame, `tracked` (N,) whether
the finder carried the face rather than found it, and `held_out` (N,) whether its clip is held out.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HELD_OUT_SHARE = 0.25
HASH_KEY = b"moodtui clip hold-out 1"


@dataclass
class ClipFaces:
    """The faces cut from one clip."""

    name: str
    faces: list[np.ndarray]
    frames: list[int]
    ranks: list[int]
    tracked: list[bool]
    frames_read: int = 0


def held_out_clips(names: list[str], share: float = HELD_OUT_SHARE) -> set[str]:
    """The clips (by file name) held out of distillation for measuring agreement."""
    def key(name: str) -> bytes:
        return hashlib.blake2b(name.encode(), key=HASH_KEY, digest_size=8).digest()

    unique = sorted(set(names), key=key)
    return set(unique[: max(1, round(share * len(unique)))]) if len(unique) > 1 else set()


def cut_clip(path: Path, every: int = 1, limit: int | None = None) -> ClipFaces:
    """Every face the app's finder reports in every `every`-th frame of the clip (up to `limit` frames read)."""
    from moodtui.faces import FaceFinder, Image, crop_face
    from moodtui.vision.camera import open_source

    source = open_source(str(path))
    finder = FaceFinder()
    result = ClipFaces(path.name, [], [], [], [])
    try:
        while limit is None or result.frames_read < limit:
            image = source.read()
            if image is None:
                break
            index = result.frames_read
            result.frames_read += 1
            # Every frame is tracked (tracking needs them all); only every `every`-th is cut.
            found = Image(image)
            faces = finder.find(found, index / source.fps)
            if index % every:
                continue
            for rank, face in enumerate(faces):
                result.faces.append(crop_face(found.grey, face))
                result.frames.append(index)
                result.ranks.append(rank)
                result.tracked.append(bool(face.tracked))
    finally:
        source.close()
    return result


def write_faces(clips: list[ClipFaces], out: Path) -> dict[str, int]:
    """Write the .npz (whole or not at all); returns the faces per clip."""
    names = [clip.name for clip in clips]
    held = held_out_clips(names)
    faces = [face for clip in clips for face in clip.faces]
    arrays = {
        "faces": np.stack(faces) if faces else np.zeros((0, 48, 48), np.uint8),
        "clip": np.array([i for i, clip in enumerate(clips) for _ in clip.faces], dtype=np.int32),
        "frame": np.array([f for clip in clips for f in clip.frames], dtype=np.int32),
        "rank": np.array([r for clip in clips for r in clip.ranks], dtype=np.int8),
        "tracked": np.array([t for clip in clips for t in clip.tracked], dtype=bool),
        "held_out": np.array([clip.name in held for clip in clips for _ in clip.faces], dtype=bool),
        "clips": np.array(names),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(out)
    return {clip.name: len(clip.faces) for clip in clips}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.clip_faces", description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", help="video files")
    parser.add_argument("--out", required=True, help="the .npz to write (outside the project)")
    parser.add_argument("--every", type=int, default=1, help="cut every N-th frame (all are tracked; default 1)")
    parser.add_argument("--frames", type=int, help="read at most N frames of each clip")
    args = parser.parse_args(argv)
    if args.every < 1 or (args.frames is not None and args.frames < 1):
        parser.error("--every and --frames must be 1 or more")
    names = [Path(clip).name for clip in args.clips]
    if len(set(names)) < len(names):
        parser.error("two clips have the same file name (the hold-out goes by name)")
    from moodtui.errors import UserError

    try:
        clips = [cut_clip(Path(clip), args.every, args.frames) for clip in args.clips]
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    counts = write_faces(clips, Path(args.out))
    held = held_out_clips(names)
    for clip in clips:
        print(f"{clip.name}: {counts[clip.name]} faces in {clip.frames_read} frames"
              f"{' (held out)' if clip.name in held else ''}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
