"""Faults at run time and bad values: a real SQLite file broken under the store, a real server that
says 429, real files that are not images, a real video cut in half; never a traceback."""

from __future__ import annotations

import email.utils
import json
import sqlite3
import subprocess
import sys
import time
import warnings

import cv2
import numpy as np
import pytest

from moodtui.config import ConfigError, Settings, load_settings
from moodtui.recommend.http import DEFAULT_BACKOFF, HttpClient, retry_after_seconds
from moodtui.recommend.music import deezer
from moodtui.store import TABLES, Store
from tests.conftest import REPO, engine_for, shared_path
from tests.fixture_server import Reply


def moodtui(*args: str, env_dir=None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_dir is not None:
        env.update(MOODTUI_DATA_DIR=str(env_dir / "data"), MOODTUI_CONFIG=str(env_dir / "config.toml"),
                   XDG_STATE_HOME=str(env_dir / "state"), XDG_CACHE_HOME=str(env_dir / "cache"))
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env=env)


# Retry-After -----------------------------------------------------------------------------

def test_retry_after_reads_seconds_and_http_dates():
    now = time.time()
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds(email.utils.formatdate(now + 600, usegmt=True), now) == pytest.approx(600, abs=1)
    assert retry_after_seconds("soon", now) == DEFAULT_BACKOFF and retry_after_seconds(None, now) == DEFAULT_BACKOFF


def test_a_429_is_honoured_and_remembered_across_runs(server, tmp_path):
    server.routes["/search"] = Reply(429, b"slow down", headers={"Retry-After": "3600"})
    store = Store(tmp_path / "s.sqlite")
    first = HttpClient(timeout=1.0, store=store)
    result = deezer(first, store, server.url).songs("sad", "sad")
    assert result.status == "rate-limited" and result.detail.startswith("rate-limited until ")
    expected = time.strftime("%H:%M", time.localtime(time.time() + 3600))
    assert result.detail == f"rate-limited until {expected}"
    asked = len(server.requests)
    first.close()
    store.close()

    # The next run: a new client and store on the same file does not ask again before the time.
    store = Store(tmp_path / "s.sqlite")
    second = HttpClient(timeout=1.0, store=store)
    again = deezer(second, store, server.url).songs("happy", "happy")
    assert again.status == "rate-limited" and len(server.requests) == asked
    second.close()
    store.close()


def test_rate_limit_is_shown_with_its_time_by_recommend(settings, server):
    from dataclasses import replace

    server.routes["/search"] = Reply(429, b"", headers={"Retry-After": "600"})

    engine = engine_for(replace(settings, budget=5.0))
    picks = engine.recommend("happy", "match", seed=1)
    engine.close()
    assert picks.sources["deezer"] == "rate-limited" and picks.details["deezer"].startswith("rate-limited until ")
    assert picks.movies and picks.songs  # the local lists answer regardless


# The database breaking while the app runs ------------------------------------------------

def break_lock(path):
    """Another process holds the database's write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def break_corrupt(path):
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is no database" * 1000)


def break_delete(path):
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@pytest.mark.parametrize("fault", [break_corrupt, break_delete])
def test_a_store_whose_file_breaks_carries_on_in_memory(tmp_path, fault):
    from moodtui.recommend.items import Recommendation

    path = tmp_path / "s.sqlite"
    seen: list[str] = []
    store = Store(path, on_notice=seen.append)
    film = Recommendation("movie", "Heat", 1995, ("Crime",))
    store.set_feedback(film, "like")
    store.close()  # the next call opens a new connection, as a new thread of the app would
    fault(path)
    assert store.saving
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        store.log_mood("sad", "camera")
        store.set_feedback(film, "seen")
        assert store.verdict(film) == "seen" and [m[1] for m in store.moods()] == ["sad"]
    assert store.in_memory and len(seen) == 1 and "in-memory store" in seen[0]
    assert not store.saving  # what the keys say: "not saved"


def test_a_busy_database_is_waited_for_and_nothing_is_lost(tmp_path):
    """Another process holds the write lock for 4 s: what is stored meanwhile lands once it lets go."""
    from moodtui.recommend.items import Recommendation

    path = tmp_path / "s.sqlite"
    Store(path).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "db.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(4); db.execute('COMMIT')"),
        str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    store = Store(path)
    started = time.monotonic()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        store.log_mood("sad", "manual")
        store.set_feedback(Recommendation("movie", "Heat", 1995), "like")
        assert time.monotonic() - started < 0.5  # the keys never wait for the file
        holder.wait(timeout=30)
        assert store.flush(timeout=10)
    assert not store.in_memory and store.saving and not store.notices
    store.close()
    db = sqlite3.connect(path)
    assert [row[1] for row in db.execute("SELECT at, emotion FROM moods")] == ["sad"]
    assert db.execute("SELECT verdict FROM feedback").fetchone() == ("like",)
    db.close()


def test_an_unwritable_data_dir_gives_an_in_memory_store_and_the_app_says_so(tmp_path):
    import asyncio

    from moodtui.tui.app import MoodApp

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings(source="none", data_dir=str(blocker / "data"), offline=True)

    async def run() -> list[str]:
        app = MoodApp(settings)
        async with app.run_test(size=(80, 24)) as pilot:
            deadline = time.monotonic() + 10
            while not app.query_one("#movies").items and time.monotonic() < deadline:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            assert app.query_one("#movies").items  # picks from the lists all the same
            await pilot.press("l")  # a key that stores something says it was not saved
            await pilot.press("5")
            await pilot.pause(0.2)
            return [str(n.message) for n in app._notifications]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        notes = asyncio.run(run())
    assert any("in-memory store" in n and "a-file" in n for n in notes)
    assert any(n.startswith("Like: ") and "not saved" in n for n in notes)
    assert any(n.startswith("Mood sad") and "not saved" in n for n in notes)


# Bad values ----------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "named"), [
    ("picks = -1", "picks"), ("timeout = 0", "timeout"), ("timeout = -1", "timeout"), ("budget = -3", "budget"),
    ('[mapping.match]\nsad = "Drama"', "mapping.match.sad"),
    ('[mapping.match]\nsad = { genres = "Drama" }', "mapping.match.sad.genres"),
    ('[mapping.match]\nglum = { genres = ["Drama"] }', "mapping.match.glum"),
])
def test_bad_config_values_are_one_line_errors_naming_the_key(tmp_path, line, named):
    path = tmp_path / "config.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(path)
    result = moodtui("recommend", "--emotion", "sad", "--offline", env_dir=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr


def test_an_unknown_genre_in_the_mapping_is_a_warning(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[mapping.match]\nsad = { genres = ["Dramma"], moods = ["sad"] }\n')
    with pytest.warns(UserWarning, match="Dramma"):
        assert load_settings(path).mapping["match"]["sad"]["genres"] == ["Dramma"]


@pytest.mark.parametrize("args", [("detect", "--frames", "0", "x.png"), ("detect", "--frames", "-1", "x.png"),
                                  ("recommend", "--emotion", "sad", "-n", "-2"), ("bench", "--frames", "0")])
def test_counts_below_one_are_refused(args):
    result = moodtui(*args)
    assert result.returncode == 2 and "must be 1 or more" in result.stderr and "Traceback" not in result.stderr


# detect on folders, bad files, cut videos and huge photos --------------------------------

def test_detect_reads_a_folder_recursively_and_skips_what_is_not_an_image(tmp_path):
    photo = shared_path("data/faces/astronaut.png")
    (tmp_path / "in" / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "in" / "folder.jpg").mkdir()  # a folder with an image's name
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    for name in ("in/a.png", "in/b/deeper/c.png"):
        (tmp_path / name).write_bytes(photo.read_bytes())
    result = moodtui("detect", "--json", str(tmp_path / "in"))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in records] == [str(tmp_path / "in" / "a.png"), str(tmp_path / "in/b/deeper/c.png")]
    # Tracking starts afresh for each photo: the same photo gives the same box, id and reading.
    assert records[0]["faces"] == records[1]["faces"] and records[0]["frame"] == records[1]["frame"] == 0
    assert "broken.jpg: not a readable image; skipped" in result.stderr and "Traceback" not in result.stderr


def test_detect_reads_a_folders_videos_and_skips_its_one_bad_image(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    writer = cv2.VideoWriter(str(folder / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(5):
        writer.write(np.full((120, 160, 3), 40 + i, np.uint8))
    writer.release()
    (folder / "bad.jpg").write_bytes(b"junk")  # the folder's only image, and unreadable: skipped, not fatal
    result = moodtui("detect", "--json", str(folder))
    assert result.returncode == 0, result.stderr
    assert {json.loads(line)["source"] for line in result.stdout.splitlines()} == {str(folder / "clip.avi")}
    assert "bad.jpg: not a readable image; skipped" in result.stderr


def test_detect_with_nothing_readable_fails_with_one_line(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"junk")
    result = moodtui("detect", str(tmp_path / "broken.png"), str(tmp_path / "missing.jpg"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "broken.png" in result.stderr and "missing.jpg" in result.stderr and "nothing could be read" in result.stderr


def test_a_video_cut_in_half_says_so(tmp_path):
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(60):
        writer.write(np.full((120, 160, 3), i * 4, np.uint8))
    writer.release()
    data = video.read_bytes()
    (tmp_path / "cut.avi").write_bytes(data[: len(data) // 2])
    whole = moodtui("detect", str(video))
    cut = moodtui("detect", str(tmp_path / "cut.avi"))
    assert whole.returncode == 0 and "ends after" not in whole.stderr
    assert cut.returncode == 0 and "cut.avi: the video ends after" in cut.stderr and "of its 60 frames" in cut.stderr


def test_a_huge_photo_is_read_reduced_and_boxes_are_in_its_own_pixels(tmp_path):
    photo = cv2.imread(str(shared_path("data/faces/astronaut.png")))
    big = tmp_path / "big.png"
    cv2.imwrite(str(big), cv2.resize(photo, (6144, 6144)))
    small = json.loads(moodtui("detect", "--json", str(shared_path("data/faces/astronaut.png"))).stdout)
    # A wrapper process whose only child is `detect`, so the peak it reports is detect's own.
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "moodtui.cli", "detect", "--json",
                             str(big)], capture_output=True, text=True, timeout=120, cwd=REPO)
    record = json.loads(result.stdout)
    assert record["faces"][0]["emotion"] == small["faces"][0]["emotion"]
    assert np.allclose(record["faces"][0]["box"], np.array(small["faces"][0]["box"]) * 12, rtol=0.1)
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mb < 200  # the README's promise; the photo alone is 108 MB decoded whole


# Privacy: what a run writes --------------------------------------------------------------

def test_a_run_writes_no_image_and_only_the_listed_tables(tmp_path):
    video = tmp_path / "in" / "face.avi"
    video.parent.mkdir()
    photo = cv2.resize(cv2.imread(str(shared_path("data/faces/astronaut.png"))), (640, 480))
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(20):
        writer.write(photo)
    writer.release()
    before = set((tmp_path / "in").rglob("*"))
    home = tmp_path / "home"
    assert moodtui("calibrate", "--source", str(video), env_dir=home).returncode == 0
    assert moodtui("detect", str(video), env_dir=home).returncode == 0
    assert moodtui("recommend", "--emotion", "sad", "--offline", env_dir=home).returncode == 0
    written = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    assert set(written) <= {"data/moodtui.sqlite", "data/moodtui.sqlite-wal", "data/moodtui.sqlite-shm"}, written
    assert set((tmp_path / "in").rglob("*")) == before
    db = sqlite3.connect(home / "data" / "moodtui.sqlite")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(TABLES)
    assert db.execute("SELECT count(*) FROM baseline").fetchone()[0] == 1
    blobs = db.execute("SELECT count(*) FROM baseline WHERE length(offsets) > 400").fetchone()[0]
    assert blobs == 0  # seven numbers, not a picture
    db.close()


def test_forget_deletes_and_vacuums(tmp_path):
    home = tmp_path / "home"
    assert moodtui("recommend", "--emotion", "sad", "--offline", env_dir=home).returncode == 0
    store = Store(home / "data" / "moodtui.sqlite")
    from moodtui.recommend.items import Recommendation

    store.set_feedback(Recommendation("movie", "Secret Title Nobody Else Has", 1999), "like")
    store.log_mood("sad", "camera")
    store.close()
    history = moodtui("forget", "--history", env_dir=home)
    assert history.returncode == 0 and "rows of shown" in history.stdout
    store = Store(home / "data" / "moodtui.sqlite")
    assert store.moods() == [] and store.recently_shown() == set() and len(store.feedback()) == 1
    store.close()
    assert moodtui("forget", "--all", env_dir=home).returncode == 0
    raw = b"".join(p.read_bytes() for p in (home / "data").glob("moodtui.sqlite*"))
    assert b"Secret Title Nobody Else Has" not in raw
    assert moodtui("forget", env_dir=home).returncode == 2


# Deadlines and body caps -----------------------------------------------------------------

@pytest.fixture
def dripping_server():
    """Answers 200 with a long body, one byte every 0.1 s."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                try:
                    while not stop.wait(0.1):
                        connection.sendall(b"x")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    listener.close()


def test_a_dripping_body_is_cut_off_at_the_request_deadline(dripping_server):
    client = HttpClient(timeout=1.0)
    started = time.monotonic()
    fetched = client.get(dripping_server)
    took = time.monotonic() - started
    client.close()
    assert fetched.status == "offline" and "timed out" in fetched.detail
    assert took < 2.0  # one deadline for the whole request, not one per byte read


def test_a_body_over_the_cap_is_not_read_whole(server):
    server.routes["/big"] = Reply(200, b"x" * (3 * 1024 * 1024))
    client = HttpClient(timeout=5.0, max_body=1024 * 1024)
    fetched = client.get(server.url + "/big")
    client.close()
    assert fetched.status == "error" and "larger than" in fetched.detail and fetched.body == b""


def test_a_toggle_new_to_the_file_goes_before_its_tables(tmp_path):
    from moodtui.config import save_settings

    path = tmp_path / "config.toml"
    path.write_text('# mine\nstrategy = "lift"\n\n[mapping.lift]\nsad = { genres = ["Drama"] }  # keep\n')
    save_settings(Settings(strategy="lift", preview="off"), ("preview",), path)
    written = path.read_text()
    assert written.startswith('# mine\nstrategy = "lift"\npreview = "off"\n') and "# keep" in written
    assert load_settings(path).preview == "off" and load_settings(path).mapping["lift"]["sad"] == {"genres": ["Drama"]}


def test_a_database_moved_aside_at_start_is_said_in_the_app(tmp_path):
    import asyncio

    from moodtui.tui.app import MoodApp

    data = tmp_path / "data"
    data.mkdir()
    (data / "moodtui.sqlite").write_bytes(b"garbage, not SQLite" * 100)

    async def run() -> list[str]:
        app = MoodApp(Settings(source="none", data_dir=str(data), offline=True))
        async with app.run_test(size=(80, 24)) as pilot:
            deadline = time.monotonic() + 10
            while not app._notifications and time.monotonic() < deadline:
                await pilot.pause(0.1)
            await pilot.pause(0.2)
            return [str(n.message) for n in app._notifications]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        notes = asyncio.run(run())
    assert any("was not a readable database" in n and "moved it to moodtui.sqlite.corrupt-" in n for n in notes)
    assert len(list(data.glob("moodtui.sqlite.corrupt-*"))) == 1
