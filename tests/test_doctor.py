"""`moodtui doctor` on real setups: a local server for the online sources, a missing model, an
unwritable data dir, no camera."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO, shared_path
from tests.fixture_server import Reply


def doctor(tmp_path, *args: str, config: str = "", data_dir=None) -> tuple[int, dict]:
    (tmp_path / "config.toml").write_text(config)
    env = {**os.environ, "MOODTUI_CONFIG": str(tmp_path / "config.toml"),
           "MOODTUI_DATA_DIR": str(data_dir or tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "doctor", "--json", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO, env=env)
    return done.returncode, {c["name"]: c for c in json.loads(done.stdout)["checks"]}


def local_sources(url: str) -> str:
    return "".join(f'{key} = "{url}"\n' for key in ("deezer_url", "itunes_url", "imdb_url", "imdb_datasets_url"))


def test_a_working_setup_passes_and_reports_each_source(tmp_path, server):
    server.routes["/genre"] = Reply(200, shared_path("fixtures/music/deezer_genre.json").read_bytes())
    server.routes["/search"] = Reply(200, b'{"resultCount": 0, "results": []}')
    server.routes["/"] = Reply(202, b"", {"x-amzn-waf-action": "challenge"})  # IMDb's challenge
    photo = shared_path("data/faces/astronaut.png")
    status, checks = doctor(tmp_path, "--source", str(photo), config=local_sources(server.url) + "timeout = 2\n")
    assert status == 0
    assert checks["emotion model"]["ok"] and "ms a face" in checks["emotion model"]["detail"]
    assert checks["face cascades"]["ok"] and checks["config file"]["ok"]
    assert checks["configured source"]["ok"] and "512x512" in checks["configured source"]["detail"]
    assert checks["online: deezer"]["ok"] and checks["online: itunes"]["ok"]
    imdb = checks["online: imdb pages"]
    assert not imdb["ok"] and "blocked" in imdb["detail"] and "--offline" in imdb["fix"]
    assert checks["data dir"]["ok"] and not checks["imdb index"]["ok"] and checks["imdb index"]["fix"] == \
        "moodtui imdb sync"
    # One request a source, and none carries anything about the user.
    assert sorted(path.split("?")[0] for path, _ in server.requests) == ["/", "/", "/genre", "/search"]


def test_a_missing_model_is_essential(tmp_path):
    status, checks = doctor(tmp_path, "--offline", "--model", str(tmp_path / "gone.tflite"))
    assert status == 1
    model = checks["emotion model"]
    assert not model["ok"] and model["essential"] and "not found" in model["detail"] and "--model" in model["fix"]
    assert "online: deezer" not in checks


def test_an_unwritable_data_dir_and_no_camera_are_warnings_with_fixes(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status, checks = doctor(tmp_path, "--offline", "--source", "/dev/video99", data_dir=blocker / "data")
    assert status == 0  # the app still runs: moods by hand, an in-memory store
    assert not checks["data dir"]["ok"] and "MOODTUI_DATA_DIR" in checks["data dir"]["fix"]
    source = checks["configured source"]
    assert not source["ok"] and "/dev/video99" in source["detail"] and "--source" in source["fix"]


def test_a_broken_config_fails_with_the_key_named(tmp_path):
    status, checks = doctor(tmp_path, "--offline", config="picks = 0\n")
    assert status == 1 and not checks["config file"]["ok"] and "picks" in checks["config file"]["detail"]


def test_an_index_synced_before_directors_is_flagged_and_a_new_one_passes(tmp_path):
    import sqlite3

    from moodtui.recommend.imdb_datasets import build_index

    folder = "fixtures/imdb_datasets"
    index = tmp_path / "data" / "imdb" / "imdb.sqlite"
    index.parent.mkdir(parents=True)
    build_index(shared_path(f"{folder}/title.basics.tsv"), shared_path(f"{folder}/title.ratings.tsv"), index)
    _, checks = doctor(tmp_path, "--offline")
    assert checks["imdb index"]["ok"] and "days old" in checks["imdb index"]["detail"]
    sqlite3.connect(index).execute("DROP TABLE movie_directors").connection.commit()
    _, checks = doctor(tmp_path, "--offline")
    old = checks["imdb index"]
    assert not old["ok"] and "no directors" in old["detail"] and old["fix"] == "moodtui imdb sync"
