"""Run the app in tmux on a 640x480 video: time to first screen, steady CPU use, bytes a second
written to the terminal, captured screens.

`python -m benchmarks.tui_tmux [--preview auto|colour|blocks|ascii]` needs tmux. It writes the
video from the real photo in ../shared, starts `moodtui --source video.avi --offline` in a
detached tmux session at 80x24 and 120x40, records everything the app writes to the pane
(`tmux pipe-pane`), and saves benchmarks/results/tui_tmux.json plus the captured screens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from benchmarks.common import REPO, RESULTS, moving_face_frames, save

STEADY_SECONDS = 20
TICKS = os.sysconf("SC_CLK_TCK")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def app_pid(shell_pid: int) -> int:
    for _ in range(100):
        children = subprocess.run(["pgrep", "-P", str(shell_pid)], capture_output=True, text=True).stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("the app did not start")


def run(size: tuple[int, int], video: Path, home: Path, preview: str) -> dict:
    session = f"moodtui-bench-{size[0]}"
    status_file = home / f"exit-{size[0]}"
    wire = home / f"wire-{size[0]}.bin"
    command = (f"cd {REPO} && MOODTUI_DATA_DIR={home} MOODTUI_CONFIG={home}/config.toml "
               f"{sys.executable} -m moodtui.cli --source {video} --offline --preview {preview}; "
               f"echo $? > {status_file}")
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), "bash", "-c", command)
    shell = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
    pid = app_pid(shell)
    first_screen = None
    while time.perf_counter() - start < 20:
        screen = tmux("capture-pane", "-p", "-t", session)
        if "Movies" in screen and "Songs" in screen and "angry" in screen:
            first_screen = time.perf_counter() - start
            break
        time.sleep(0.02)
    result = {"size": f"{size[0]}x{size[1]}", "first_screen_s": round(first_screen, 2) if first_screen else None}
    time.sleep(5)  # let the mood settle and the picks load
    tmux("pipe-pane", "-t", session, "-o", f"cat >> {wire}")
    time.sleep(0.5)
    sent_before = wire.stat().st_size if wire.exists() else 0
    before, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(STEADY_SECONDS)
    elapsed = time.perf_counter() - t0
    result["steady_cpu_percent_of_one_core"] = round(100 * (cpu_seconds(pid) - before) / elapsed, 1)
    result["terminal_kb_per_second"] = round(((wire.stat().st_size if wire.exists() else 0) - sent_before)
                                             / elapsed / 1000, 1)
    tmux("pipe-pane", "-t", session)
    (RESULTS / f"tui_screen_{size[0]}x{size[1]}.txt").write_text(tmux("capture-pane", "-p", "-t", session))
    tmux("send-keys", "-t", session, "q")
    deadline = time.time() + 5
    while not status_file.exists() and time.time() < deadline:
        time.sleep(0.05)
    result["quit_seconds"] = round(5 - (deadline - time.time()), 2)
    result["exit_status"] = int(status_file.read_text()) if status_file.exists() else None
    tmux("kill-session", "-t", session)
    return result


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", default="auto", choices=("auto", "colour", "blocks", "ascii"))
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("this benchmark needs tmux (apt install tmux)")
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        video = home / "face.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for frame in moving_face_frames(300):
            writer.write(frame)
        writer.release()
        runs = [run((80, 24), video, home, args.preview), run((120, 40), video, home, args.preview)]
    save(f"tui_tmux_{args.preview}" if args.preview != "auto" else "tui_tmux",
         {"source": "640x480 MJPG video, 30 fps, looped", "preview": args.preview,
          "term": os.environ.get("TERM"), "runs": runs})


if __name__ == "__main__":
    main()
