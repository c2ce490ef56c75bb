"""Faces cut from real clips by the app's own finder and crop, for distilling where the app reads (#36, part 2)."""

import subprocess
import sys

import numpy as np

from model.clip_faces import held_out_clips, main
from tests.conftest import REPO, shared_path


def test_clips_are_cut_into_app_crops_with_whole_clips_held_out(tmp_path, capsys):
    clips = [shared_path("data/clips/d0.mp4"), shared_path("data/clips/d20.mp4")]
    out = tmp_path / "faces.npz"
    assert main([*map(str, clips), "--out", str(out), "--frames", "20", "--every", "2"]) == 0
    with np.load(out) as saved:
        faces, clip, frame, held = saved["faces"], saved["clip"], saved["frame"], saved["held_out"]
        names, rank = saved["clips"].tolist(), saved["rank"]
    assert names == ["d0.mp4", "d20.mp4"]
    assert faces.dtype == np.uint8 and faces.shape[1:] == (48, 48)
    for index in range(2):
        mine = clip == index
        # A face in (nearly) every cut frame of these webcam-framed clips; frames 0, 2, ..., 18 only.
        assert set(frame[mine & (rank == 0)]) >= set(range(0, 20, 2)) - {0, 2}
        assert set(frame[mine]) <= set(range(0, 20, 2))
        assert len(set(held[mine])) == 1  # a clip is held out whole or not at all
    assert held.any() and not held.all()
    assert (faces.reshape(len(faces), -1).std(axis=1) > 20).all()  # faces, not flat patches
    assert "(held out)" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.tmp*"))


def test_the_hold_out_is_fixed_by_name():
    names = [f"c{i}.mp4" for i in range(12)]
    held = held_out_clips(names)
    assert len(held) == 3 and held == held_out_clips(names[::-1]) == held_out_clips(names + names[:2])
    assert held_out_clips(["one.mp4"]) == set()


def test_a_file_that_is_not_a_video_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    done = subprocess.run([sys.executable, "-m", "model.clip_faces", str(bad), "--out", str(tmp_path / "x.npz")],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert not (tmp_path / "x.npz").exists()
