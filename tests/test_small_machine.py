"""Living on a small machine over SSH: the app ends cleanly whatever ends it, refuses a terminal it cannot
drive, says when its window is too small, waits for a busy database, and the plain commands read the
database on a full disk."""

from __future__ import annotations

import fcntl
import os
import pty
import resource
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time

import cv2
import pytest

from moodtui.config import Settings
from tests.conftest import REPO, shared_path

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def clip(tmp_path, frames: int = 90):
    """A short video of the real photo, to play as the camera (looped by the app)."""
    face = cv2.resize(cv2.imread(str(shared_path("data/faces/astronaut.png"))), (320, 240))
    video = tmp_path / "face.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (320, 240))
    for _ in range(frames):
        writer.write(face)
    writer.release()
    return video


def app_in_a_pty(tmp_path, *args: str, new_session: bool = False):
    """The app on a pseudo-terminal of 100x30: (process, the terminal's master side)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "MOODTUI_DATA_DIR": str(tmp_path / "data"),
           "MOODTUI_CONFIG": str(tmp_path / "config.toml"), "MOODTUI_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "moodtui.cli", "--offline", *args], stdin=slave, stdout=slave,
                               stderr=slave, env=env, cwd=REPO, start_new_session=new_session, close_fds=True)
    os.close(slave)
    return process, master


def read_until(master: int, wanted: bytes, seconds: float) -> bytes:
    """What the app wrote to its terminal, until `wanted` shows (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def test_a_terminal_that_goes_away_ends_the_app_and_releases_the_camera(tmp_path):
    """The pty closes, and no SIGHUP reaches the app (it is in a session of its own, as behind a shell that
    ignores the hangup): reading the terminal ends, and the app must notice, not spin."""
    process, master = app_in_a_pty(tmp_path, "--source", str(clip(tmp_path)), new_session=True)
    try:
        assert b"Movies" in read_until(master, b"Movies", 20)
        os.close(master)
        started = time.monotonic()
        assert process.wait(timeout=10) == 1  # a lost terminal
        assert time.monotonic() - started < 3
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_the_app_with_the_terminal_restored(tmp_path, signum):
    process, master = app_in_a_pty(tmp_path, "--source", str(clip(tmp_path)))
    try:
        assert b"Movies" in read_until(master, b"Movies", 20)
        started = time.monotonic()
        process.send_signal(signum)
        after = read_until(master, LEAVE_ALTERNATE_SCREEN, 5)
        assert process.wait(timeout=5) == 128 + signum
        after += read_until(master, b"never comes", 0.3)  # the last of what it wrote
        assert time.monotonic() - started < 2
        assert LEAVE_ALTERNATE_SCREEN in after  # the shell gets its screen back
        assert b"\x1b[?25h" in after  # and its cursor
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)


# The app with Textual's output thread made to die on purpose once a flag file exists: what the app draws
# next fills the output queue, and the event loop blocks for ever on the next write (as seen after an SSH
# link dropped). A plain `python -c`, so the fault is Textual's own code path, not a stand-in for the app.
DYING_WRITER = """
import os, sys
from textual.drivers import _writer_thread

def run(self):
    while True:
        text = self._queue.get()
        if text is None or os.path.exists(os.environ["DIE_FLAG"]):
            return  # gone: nothing takes what is queued from now on
        self._file.write(text)
        self._file.flush()

_writer_thread.WriterThread.run = run
from moodtui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("ending", ["SIGTERM", "SIGHUP", "terminal closed"])
def test_the_app_ends_within_3_s_even_when_textuals_output_thread_is_dead(tmp_path, ending):
    flag = tmp_path / "die"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "MOODTUI_DATA_DIR": str(tmp_path / "data"),
           "MOODTUI_CONFIG": str(tmp_path / "config.toml"), "MOODTUI_CACHE_DIR": str(tmp_path / "cache"),
           "DIE_FLAG": str(flag)}
    process = subprocess.Popen([sys.executable, "-c", DYING_WRITER, "--offline", "--source", str(clip(tmp_path))],
                               stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO, close_fds=True,
                               start_new_session=ending == "terminal closed")  # no SIGHUP when the pty goes
    os.close(slave)
    try:
        assert b"Movies" in read_until(master, b"Movies", 20)
        os.write(master, b"4")  # happy, by hand: a mood to keep
        read_until(master, b"happy", 5)
        flag.touch()
        for _ in range(25):  # moods set by hand, each redrawn: more writes than the queue holds (30)
            os.write(master, b"54")
            time.sleep(0.05)
        read_until(master, b"never comes", 2)
        started = time.monotonic()
        if ending == "terminal closed":
            os.close(master)
        else:
            process.send_signal(getattr(signal, ending))
        code = process.wait(timeout=10)
        took = time.monotonic() - started
        assert took < 3.0, f"the app took {took:.1f} s to end"
        assert code == {"SIGTERM": 128 + signal.SIGTERM, "SIGHUP": 128 + signal.SIGHUP, "terminal closed": 1}[ending]
        moods = sqlite3.connect(tmp_path / "data" / "moodtui.sqlite").execute(
            "SELECT emotion, origin FROM moods").fetchall()
        assert ("happy", "manual") in moods  # what was queued for the store was committed
    finally:
        if process.poll() is None:
            process.kill()
        if ending != "terminal closed":
            os.close(master)


def test_a_model_that_cannot_load_stops_the_app_before_it_takes_the_terminal(tmp_path):
    process, master = app_in_a_pty(tmp_path, "--source", "none", "--model", "nonsense")
    try:
        assert process.wait(timeout=30) == 2
        said = read_until(master, b"never comes", 0.5)
        # One line, no screen drawn, and what the user may give instead.
        assert said.strip() == (b"moodtui: error: nonsense: model file not found (give auto, large, default, "
                                b"fer2013 or a .tflite file)")
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)


def test_a_dumb_terminal_gets_one_line_and_exit_status_2(tmp_path):
    env = {**os.environ, "TERM": "dumb", "MOODTUI_DATA_DIR": str(tmp_path / "data"),
           "MOODTUI_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "--source", "none"], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "TERM=dumb" in done.stderr and "moodtui detect" in done.stderr


@pytest.mark.asyncio
async def test_a_window_too_small_says_how_big_it_must_be(tmp_path):
    from moodtui.tui.app import MoodApp

    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True))
    async with app.run_test(size=(20, 8)) as pilot:
        await pilot.pause(0.5)
        said = str(app.screen.query_one("#too-small").content)
        assert "at least 60x16" in said and "it is 20x8" in said
        await pilot.press("5")  # the keys still work behind it
        await pilot.pause(0.2)
        assert app.session.emotion == "sad"
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.3)
        assert type(app.screen).__name__ != "TooSmallScreen"


@pytest.mark.asyncio
async def test_one_resize_to_a_window_too_small_says_so_at_once(tmp_path):
    from moodtui.tui.app import MoodApp

    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.resize_terminal(50, 14)  # one resize, as a user drags the window smaller
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "TooSmallScreen"
        assert "it is 50x14" in str(app.screen.query_one("#too-small").content)


@pytest.mark.asyncio
async def test_moods_set_while_another_process_holds_the_database_are_kept(tmp_path):
    from moodtui.tui.app import MoodApp

    data = tmp_path / "data"
    app = MoodApp(Settings(source="none", data_dir=str(data), offline=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        holder = subprocess.Popen([sys.executable, "-c", (
            "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "db.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(4); db.execute('COMMIT')"),
            str(data / "moodtui.sqlite")], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        await pilot.press("5")  # sad, while the file is held
        assert time.monotonic() - started < 1  # the key did not wait for the file
        await pilot.pause(0.2)
        assert not app.store.in_memory
        holder.wait(timeout=20)
        await pilot.press("4")  # happy, after
        await pilot.pause(0.2)
    db = sqlite3.connect(data / "moodtui.sqlite")
    assert [row[0] for row in db.execute("SELECT emotion FROM moods ORDER BY at")] == ["sad", "happy"]
    db.close()


def test_history_and_export_read_the_database_on_a_full_disk(tmp_path):
    from moodtui.recommend.items import Recommendation
    from moodtui.store import Store

    store = Store(tmp_path / "data" / "moodtui.sqlite")
    store.log_mood("sad", "manual")
    store.set_feedback(Recommendation("movie", "Heat", 1995, ("Crime",)), "like")
    store.close()
    env = {**os.environ, "MOODTUI_DATA_DIR": str(tmp_path / "data"), "MOODTUI_CONFIG": str(tmp_path / "config.toml")}

    def full_disk() -> None:  # no file may grow by a byte, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=60, preexec_fn=full_disk)

    history = run("history", "--json")
    assert history.returncode == 0, history.stderr
    assert '"sad"' in history.stdout
    liked = run("export", "--liked", "--format", "csv")
    assert liked.returncode == 0 and "Heat" in liked.stdout, liked.stderr
    assert run("taste", "--json").returncode == 0
