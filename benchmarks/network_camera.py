"""A network camera that stalls and that dies: how soon moodtui notices, how soon it reads again, and what it costs
while the camera is down.

Real servers on 127.0.0.1, each its own process: the MJPEG-over-HTTP camera of tests/mjpeg_server.py and, where
GStreamer's RTSP server is installed (see tests/rtsp_server.py), RTSP cameras sending MJPEG and H.264, all serving
frames of a real clip from ../shared at 15 a second. The reader is the app's (LatestFrameReader over open_source),
asked for the newest frame ten times a second as the pipeline asks. Each round:

- stall: the server is stopped (SIGSTOP: the connection stays open, nothing comes), noticed when the state leaves
  "live", counted from the last frame that arrived; then continued (SIGCONT), and the time to "live" again;
- drop: the server is killed (SIGKILL), left down for --down seconds while this process's CPU time is measured,
  then started again on the same port, and the time to the first new frame.

`--before` also times one read across a stall with OpenCV's own defaults (cv2.VideoCapture(url)), which is how long
a plain capture blocks. Run: python -m benchmarks.network_camera [--rounds 3] [--down 10] [--before]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import REPO, SHARED, save
from moodtui.vision.camera import LatestFrameReader, open_source
from moodtui.vision.network import OPEN_TIMEOUT, READ_TIMEOUT
from tests.mjpeg_server import MjpegCamera, jpeg_frames

CLIP = SHARED / "data" / "clips" / "d0.mp4"
SYSTEM_PYTHON = "/usr/bin/python3"


class Server:
    """One camera process: started, stopped, continued, killed, started again on its port."""

    def __init__(self, kind: str, frames: Path) -> None:
        self.kind, self.frames, self.port, self.process = kind, frames, 0, None
        self._mjpeg = MjpegCamera("--clip", str(CLIP)) if kind == "mjpeg" else None

    def start(self) -> None:
        if self._mjpeg is not None:
            self._mjpeg.start()
            self.port, self.process = self._mjpeg.port, self._mjpeg.process
            return
        self.process = subprocess.Popen([SYSTEM_PYTHON, str(REPO / "tests" / "rtsp_server.py"), "--port",
                                         str(self.port), "--frames", str(self.frames), "--codec",
                                         self.kind.removeprefix("rtsp-"), "--gop", "30"], stdout=subprocess.PIPE,
                                        text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def url(self) -> str:
        if self.kind == "mjpeg":
            return f"http://admin:secret@127.0.0.1:{self.port}/video"
        return f"rtsp://admin:secret@127.0.0.1:{self.port}/live"

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


class Watcher:
    """The reader, asked for frames ten times a second on its own thread; when each frame and state came."""

    def __init__(self, url: str) -> None:
        self.states: list[tuple[float, str]] = []
        self.arrivals: list[float] = []
        self.reader = LatestFrameReader(open_source(url), on_state=lambda s: self.states.append((time.monotonic(), s)))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ask, daemon=True)
        self._thread.start()

    def _ask(self) -> None:
        last = -1
        while not self._stop.is_set():
            frame = self.reader.latest(newer_than=last, timeout=0.5)
            if frame is not None:
                last = frame.index
                self.arrivals.append(time.monotonic())
            self._stop.wait(0.1)

    def wait_for(self, predicate, timeout: float) -> float:
        start = time.monotonic()
        while not predicate():
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"state {self.reader.state} after {timeout} s")
            time.sleep(0.01)
        return time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self.reader.close()


def one_round(server: Server, watcher: Watcher, down: float) -> dict:
    live = watcher.wait_for(lambda: watcher.reader.state == "live" and watcher.arrivals, 20)
    time.sleep(2.0)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(3.0)
    live_cpu = (time.process_time() - cpu) / (time.monotonic() - wall)
    server.signal(signal.SIGSTOP)
    stopped = time.monotonic()
    noticed = watcher.wait_for(lambda: watcher.reader.state.startswith("reconnecting"), 30)
    last_frame = max(t for t in watcher.arrivals if t <= noticed)
    server.signal(signal.SIGCONT)
    continued = time.monotonic()
    again = watcher.wait_for(lambda: watcher.reader.state == "live", 30)
    time.sleep(2.0)
    server.kill()
    killed = time.monotonic()
    dropped = watcher.wait_for(lambda: watcher.reader.state.startswith("reconnecting"), 10)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(down)
    down_cpu = (time.process_time() - cpu) / (time.monotonic() - wall)
    tries = watcher.reader.state
    server.start()
    restarted = time.monotonic()
    first_new = watcher.wait_for(lambda: watcher.arrivals[-1] > restarted, 30)
    del live
    return {"stall_noticed_after_last_frame_s": round(noticed - last_frame, 2),
            "stall_noticed_after_stop_s": round(noticed - stopped, 2),
            "live_again_after_continue_s": round(again - continued, 2),
            "drop_noticed_s": round(dropped - killed, 3),
            "cpu_share_while_down": round(down_cpu, 4), "cpu_share_while_live": round(live_cpu, 4),
            "state_when_restarted": tries,
            "first_frame_after_restart_s": round(first_new - restarted, 2)}


def before_stall(server: Server, limit: float = 70.0) -> dict:
    """What a capture with OpenCV's defaults does when the camera stalls (no deadline of ours): how long its reads
    block, how many stale frames it still returns, and when a read first fails (None: not within `limit`)."""
    import cv2

    capture = cv2.VideoCapture(server.url(), cv2.CAP_FFMPEG)
    for _ in range(10):
        capture.grab()
    server.signal(signal.SIGSTOP)
    start, longest, late_frames, failed = time.monotonic(), 0.0, 0, None
    while time.monotonic() - start < limit:
        asked = time.monotonic()
        grabbed = capture.grab()
        took = time.monotonic() - asked
        longest = max(longest, took)
        if not grabbed:
            failed = round(time.monotonic() - start, 1)
            break
        late_frames += took > 1.0
    server.signal(signal.SIGCONT)
    capture.release()
    return {"longest_read_s": round(longest, 1), "frames_after_a_blocked_read": late_frames,
            "first_failed_read_after_s": failed}


def rtsp_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    check = subprocess.run([SYSTEM_PYTHON, str(REPO / "tests" / "rtsp_server.py"), "--check", "--frames", "."],
                           capture_output=True, text=True)
    return check.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--down", type=float, default=10.0, help="seconds the camera stays down each round")
    parser.add_argument("--before", action="store_true", help="also time a read across a stall with OpenCV defaults")
    args = parser.parse_args()
    if not CLIP.exists():
        sys.exit(f"benchmark needs {CLIP} (the project's shared data beside the checkout)")
    folder = Path(tempfile.mkdtemp(prefix="moodtui-frames-"))
    for index, jpeg in enumerate(jpeg_frames(str(CLIP), 60)):
        (folder / f"frame{index:03d}.jpg").write_bytes(jpeg)
    kinds = ["mjpeg"] + (["rtsp-jpeg", "rtsp-h264"] if rtsp_available() else [])
    results = {}
    for kind in kinds:
        server = Server(kind, folder)
        server.start()
        watcher = Watcher(server.url())
        try:
            rounds = [one_round(server, watcher, args.down) for _ in range(args.rounds)]
        finally:
            watcher.close()
        entry = {"rounds": rounds}
        for key in rounds[0]:
            values = [r[key] for r in rounds if isinstance(r[key], int | float)]
            if values:
                entry[key] = {"median": statistics.median(values), "max": max(values)}
        if args.before:
            entry["opencv_defaults"] = before_stall(server)
        server.kill()
        results[kind] = entry
        print(kind, {k: v for k, v in entry.items() if k != "rounds"}, flush=True)
    save("network_camera", {"read_timeout_s": READ_TIMEOUT, "open_timeout_s": OPEN_TIMEOUT, "rounds": args.rounds,
                            "down_s": args.down, "clip": CLIP.name, "fps_served": 15, "results": results})


if __name__ == "__main__":
    main()
