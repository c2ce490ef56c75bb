"""A real MJPEG-over-HTTP camera on 127.0.0.1, as phone "IP webcam" apps and many network cameras serve one:
`multipart/x-mixed-replace` with JPEG frames encoded by OpenCV (from a real clip, or drawn).

It runs as its own process so that a test can kill it (SIGKILL: the kernel resets its connections, as when a
camera loses power) and start it again on the same port:

    python -m tests.mjpeg_server --port 8081 [--clip F.mp4] [--fps 15] [--user U --password P]
                                 [--stall-after N] [--silent]

`--stall-after N` sends N frames and then nothing, holding the connection open; `--silent` accepts and never
answers. It prints "ready PORT" once it listens.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BOUNDARY = b"moodtuiframe"
REPO = Path(__file__).resolve().parents[1]


def jpeg_frames(clip: str | None, count: int) -> list[bytes]:
    """`count` JPEG frames encoded by OpenCV: a clip's first frames, or drawn ones (numbered, moving)."""
    import cv2
    import numpy as np

    images = []
    if clip:
        capture = cv2.VideoCapture(clip)
        while len(images) < count:
            ok, image = capture.read()
            if not ok:
                break
            images.append(image)
        capture.release()
    if not images:
        for index in range(count):
            image = np.zeros((480, 640, 3), np.uint8)
            image[:] = (40 + 3 * (index % 60), 90, 160)
            cv2.circle(image, (100 + 7 * (index % 60), 240), 60, (255, 255, 255), -1)
            cv2.putText(image, f"frame {index}", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 255, 255), 3)
            images.append(image)
    return [cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for image in images]


def serve(port: int, frames: list[bytes], fps: float, auth: str | None, stall_after: int | None,
          silent: bool) -> None:
    class Camera(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if silent:
                time.sleep(3600)
            if self.path.split("?")[0] != "/video":
                self.send_error(404)
                return
            if auth and self.headers.get("Authorization") != f"Basic {auth}":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            sent = 0
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                while True:
                    if stall_after is not None and sent >= stall_after:
                        time.sleep(3600)
                    jpeg = frames[sent % len(frames)]
                    self.wfile.write(b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                     + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                    self.wfile.flush()
                    sent += 1
                    time.sleep(1 / fps)

    server = ThreadingHTTPServer(("127.0.0.1", port), Camera)
    server.daemon_threads = True
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()


class MjpegCamera:
    """The server as a process the test controls: start, kill (as a camera losing power), start again."""

    def __init__(self, *args: str) -> None:
        self.args, self.port, self.process = list(args), 0, None

    def url(self, path: str = "/video", credentials: str = "") -> str:
        return f"http://{credentials + '@' if credentials else ''}127.0.0.1:{self.port}{path}"

    def start(self, *extra: str) -> MjpegCamera:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.mjpeg_server", "--port", str(self.port),
                                         *self.args, *extra], stdout=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"the MJPEG server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> MjpegCamera:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--clip", help="a video whose frames are served (default: drawn frames)")
    parser.add_argument("--frames", type=int, default=60, help="frames to loop over")
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--stall-after", type=int)
    parser.add_argument("--silent", action="store_true")
    args = parser.parse_args()
    auth = base64.b64encode(f"{args.user}:{args.password}".encode()).decode() if args.user else None
    frames = jpeg_frames(args.clip, args.frames)
    threading.excepthook = lambda hook_args: None  # a client that went away is not news
    serve(args.port, frames, args.fps, auth, args.stall_after, args.silent)


if __name__ == "__main__":
    main()
