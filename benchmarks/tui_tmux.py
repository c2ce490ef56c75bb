"""The app in tmux on a 30 fps video, as a user over SSH would run it: time to first screen, steady CPU
use, bytes a second to the terminal, bytes a minute to the disk, the camera paused, and how long a key
takes to reach the screen with and without a CPU limit of 30% of one core.

`python -m benchmarks.tui_tmux [--preview auto|colour|blocks|ascii] [--size 120x40] [--repo DIR ...]`
needs tmux. It writes a 640x480 MJPG video of the real photo in ../shared (a moving face), starts
`moodtui --source video.avi --offline` in a detached tmux session, records what the app writes to the
pane (`tmux pipe-pane`) and reads the app's CPU time and `write_bytes` from /proc. The CPU limit is a
cgroup's `cpu.cfs_quota_us` (cgroup v1) or `cpu.max` (v2) where one can be made, else the app is
stopped and continued in the same 100 ms rhythm. Each `--repo` is a checkout to run (an older commit
in a worktree, say: before and after in one run); saves benchmarks/results/tui_tmux.json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.common import REPO, RESULTS, moving_face_frames, save

STEADY_SECONDS = 30
PAUSED_SECONDS = 10
KEY_PRESSES = 20
DISK_WINDOW = 70.0  # seconds after the first mood key: the store's write-behind (60 s) has written by then
LIMIT = 0.30  # of one core
PERIOD_US = 100_000
TICKS = os.sysconf("SC_CLK_TCK")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def written_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def app_pid(shell_pid: int) -> int:
    for _ in range(100):
        children = subprocess.run(["pgrep", "-P", str(shell_pid)], capture_output=True, text=True).stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("the app did not start")


class CpuLimit:
    """At most LIMIT of one core for a process: a cgroup where one can be made, else stop-and-continue."""

    def __init__(self, pid: int) -> None:
        self.pid, self.how, self._stop = pid, "", threading.Event()
        self._group = self._cgroup()
        if self._group is None:
            self.how = f"SIGSTOP/SIGCONT duty cycle, {LIMIT:.0%} of each {PERIOD_US // 1000} ms"
            threading.Thread(target=self._duty_cycle, daemon=True).start()

    def _cgroup(self) -> Path | None:
        for root, quota in ((Path("/sys/fs/cgroup/cpu"), "cpu.cfs_quota_us"), (Path("/sys/fs/cgroup"), "cpu.max")):
            group = root / f"moodtui-bench-{os.getpid()}"
            try:
                group.mkdir(exist_ok=True)
                if quota == "cpu.max":
                    (group / quota).write_text(f"{int(LIMIT * PERIOD_US)} {PERIOD_US}")
                else:
                    (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                    (group / quota).write_text(str(int(LIMIT * PERIOD_US)))
                for task in os.listdir(f"/proc/{self.pid}/task"):  # every thread of the app
                    (group / ("tasks" if quota != "cpu.max" else "cgroup.threads")).write_text(task)
                self.how = f"cgroup {group / quota} = {LIMIT:.0%} of one core"
                return group
            except OSError:
                continue
        return None

    def _duty_cycle(self) -> None:
        on = PERIOD_US / 1e6 * LIMIT
        while not self._stop.is_set():
            os.kill(self.pid, signal.SIGCONT)
            time.sleep(on)
            os.kill(self.pid, signal.SIGSTOP)
            time.sleep(PERIOD_US / 1e6 - on)

    def lift(self) -> None:
        self._stop.set()
        if self._group is None:  # only the duty cycle stops the app (Textual takes a stray SIGCONT as a resume)
            time.sleep(0.2)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGCONT)
        else:
            parent = self._group.parent
            tasks = parent / ("tasks" if (parent / "tasks").exists() else "cgroup.threads")
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with contextlib.suppress(OSError):  # a thread that ended meanwhile
                    tasks.write_text(task)
            time.sleep(0.2)  # the kernel lets go of the threads it moved
            with contextlib.suppress(OSError):
                self._group.rmdir()


def key_to_screen_ms(session: str, presses: int) -> list[float]:
    """Times from a mood key to the mood line showing it, alternating happy and sad."""
    times = []
    for i in range(presses):
        key, word = ("4", "Mood happy (hand)") if i % 2 else ("5", "Mood sad (hand)")
        start = time.perf_counter()
        tmux("send-keys", "-t", session, key)
        while word not in tmux("capture-pane", "-p", "-t", session) and time.perf_counter() - start < 5:
            time.sleep(0.005)
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(0.3)
    return times


def summary(times: list[float]) -> dict:
    return {"median_ms": round(float(np.median(times)), 1), "p95_ms": round(float(np.percentile(times, 95)), 1),
            "max_ms": round(max(times), 1)}


def run(repo: Path, size: tuple[int, int], video: Path, home: Path, preview: str) -> dict:
    session = f"moodtui-bench-{os.getpid()}"
    status_file, wire = home / "exit", home / "wire.bin"
    command = (f"cd {repo} && MOODTUI_DATA_DIR={home}/data MOODTUI_CONFIG={home}/config.toml "
               f"MOODTUI_CACHE_DIR={home}/cache {sys.executable} -m moodtui.cli --source {video} --offline "
               f"--preview {preview}; echo $? > {status_file}")
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), "bash", "-c", command)
    pid = app_pid(int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip()))
    first_screen = None
    while time.perf_counter() - start < 30:
        screen = tmux("capture-pane", "-p", "-t", session)
        if "Movies" in screen and "Songs" in screen and "angry" in screen:
            first_screen = time.perf_counter() - start
            break
        time.sleep(0.02)
    result = {"repo": str(repo), "size": f"{size[0]}x{size[1]}",
              "first_screen_s": round(first_screen, 2) if first_screen else None}
    time.sleep(8)  # the mood settles, the picks load, the first records are written
    tmux("pipe-pane", "-t", session, "-o", f"cat >> {wire}")
    time.sleep(0.5)
    sent, cpu, disk, t0 = wire.stat().st_size if wire.exists() else 0, cpu_seconds(pid), written_bytes(pid), \
        time.perf_counter()
    time.sleep(STEADY_SECONDS)
    elapsed = time.perf_counter() - t0
    result["steady_cpu_percent_of_one_core"] = round(100 * (cpu_seconds(pid) - cpu) / elapsed, 1)
    result["terminal_kb_per_second"] = round(((wire.stat().st_size if wire.exists() else 0) - sent) / elapsed / 1000, 1)
    result["disk_kb_written_per_minute"] = round((written_bytes(pid) - disk) / elapsed * 60 / 1000, 1)
    tmux("pipe-pane", "-t", session)
    (RESULTS / f"tui_screen_{size[0]}x{size[1]}.txt").write_text(tmux("capture-pane", "-p", "-t", session))
    # Each key changes the mood by hand: a mood logged, new picks found, shown and kept. What that writes
    # is counted until the record-keeping writes, which wait up to a minute to share a transaction, are in.
    disk, changes_started = written_bytes(pid), time.perf_counter()
    result["key_to_screen"] = summary(key_to_screen_ms(session, KEY_PRESSES))
    tmux("send-keys", "-t", session, "p")  # the camera paused
    time.sleep(2)
    cpu, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(PAUSED_SECONDS)
    result["paused_cpu_percent_of_one_core"] = round(100 * (cpu_seconds(pid) - cpu) / (time.perf_counter() - t0), 1)
    tmux("send-keys", "-t", session, "p")
    time.sleep(2)
    limit = CpuLimit(pid)
    time.sleep(3)
    cpu, t0 = cpu_seconds(pid), time.perf_counter()
    limited = key_to_screen_ms(session, KEY_PRESSES)
    result["cpu_limited"] = {"how": limit.how, **summary(limited),
                             "cpu_percent_of_one_core": round(100 * (cpu_seconds(pid) - cpu)
                                                              / (time.perf_counter() - t0), 1)}
    limit.lift()
    time.sleep(max(0.0, changes_started + DISK_WINDOW - time.perf_counter()))
    changes = 2 * KEY_PRESSES
    result["disk_kb_per_mood_change"] = round((written_bytes(pid) - disk) / changes / 1000, 2)
    result["disk_kb_for_mood_changes_window"] = {"mood_changes": changes, "seconds": DISK_WINDOW,
                                                 "kb": round((written_bytes(pid) - disk) / 1000, 1)}
    tmux("send-keys", "-t", session, "q")
    deadline = time.time() + 5
    while not status_file.exists() and time.time() < deadline:
        time.sleep(0.05)
    result["quit_seconds"] = round(5 - (deadline - time.time()), 2)
    result["exit_status"] = int(status_file.read_text()) if status_file.exists() else None
    tmux("kill-session", "-t", session)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", default="colour", choices=("auto", "colour", "blocks", "ascii"))
    parser.add_argument("--size", default="120x40", help="terminal size, WIDTHxHEIGHT (default 120x40)")
    parser.add_argument("--repo", action="append", type=Path, help="a checkout to run (repeat; default: this one)")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("this benchmark needs tmux (apt install tmux)")
    width, height = (int(v) for v in args.size.split("x"))
    RESULTS.mkdir(exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "face.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for frame in moving_face_frames(300):
            writer.write(frame)
        writer.release()
        for i, repo in enumerate(args.repo or [REPO]):
            home = Path(tmp) / f"run{i}"
            home.mkdir()
            runs.append(run(repo.resolve(), (width, height), video, home, args.preview))
            print(runs[-1], flush=True)
    save(f"tui_tmux_{args.preview}" if args.preview != "auto" else "tui_tmux",
         {"source": "640x480 MJPG video, 30 fps, looped", "preview": args.preview, "steady_seconds": STEADY_SECONDS,
          "term": os.environ.get("TERM"), "cpu_limit_of_one_core": LIMIT, "runs": runs})


if __name__ == "__main__":
    main()
