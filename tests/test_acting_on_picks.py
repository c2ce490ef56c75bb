"""Picks a user can act on: linked and rated movies, songs in a mood with previews, export, a preview
player, the group mood and the mood's history. Real servers, files, SQLite and the real app."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from moodtui.recommend.export import letterboxd_csv, m3u
from moodtui.recommend.http import HttpClient
from moodtui.recommend.imdb_datasets import BASICS_HEADER, RATINGS_HEADER, ImdbIndex, build_index
from moodtui.recommend.items import Recommendation
from moodtui.recommend.music import DeezerPlan, deezer
from moodtui.store import Store
from moodtui.tui.picks_pane import PicksPane
from tests.conftest import REPO, engine_for, shared_path
from tests.fixture_server import Reply


def moodtui(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOODTUI_DATA_DIR": str(home / "data"), "MOODTUI_CONFIG": str(home / "config.toml")}
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env=env)


# Movies: linked and rated -----------------------------------------------------------------

def write_tsv(path, header, rows) -> None:
    path.write_text("\t".join(header) + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))


@pytest.fixture
def index(tmp_path):
    """The shared extract, plus rows written here: a remake, a short of the same name, an original title."""
    basics, ratings = tmp_path / "basics.tsv", tmp_path / "ratings.tsv"
    extract = shared_path("fixtures/imdb_datasets/title.basics.tsv").read_text().splitlines()[1:]
    extra = [
        ("tt0100001", "movie", "Heat", "Heat", 0, 1995, r"\N", 170, "Action,Crime,Drama"),
        ("tt0100002", "movie", "Heat", "Heat", 0, 1986, r"\N", 101, "Action"),  # same title, other film
        ("tt0100003", "short", "Heat", "Heat", 0, 1995, r"\N", 9, "Drama"),  # not a movie
        ("tt0100004", "movie", "The Lives of Others", "Das Leben der Anderen", 0, 2006, r"\N", 137, "Drama"),
        ("tt0100005", "movie", "Psycho", "Psycho", 0, 1960, r"\N", 109, "Horror"),
        ("tt0100006", "movie", "Psycho", "Psycho", 0, 1998, r"\N", 105, "Horror"),  # the remake
    ]
    basics.write_text("\t".join(BASICS_HEADER) + "\n" + "\n".join(extract) + "\n"
                      + "".join("\t".join(map(str, r)) + "\n" for r in extra))
    rating_rows = shared_path("fixtures/imdb_datasets/title.ratings.tsv").read_text().splitlines()[1:]
    ratings.write_text("\t".join(RATINGS_HEADER) + "\n" + "\n".join(rating_rows) + "\n"
                       + "tt0100001\t8.3\t720000\ntt0100002\t5.9\t3000\ntt0100004\t8.4\t410000\n"
                       + "tt0100005\t8.5\t760000\ntt0100006\t4.6\t44000\n")
    out = tmp_path / "imdb" / "imdb.sqlite"
    out.parent.mkdir()
    build_index(basics, ratings, out)
    return ImdbIndex(out)


def test_list_movies_are_matched_to_imdb_titles(index):
    wanted = [Recommendation("movie", "Heat", 1995, ("Crime",), source="local list"),
              Recommendation("movie", "Heat", 1996, ("Crime",)),  # a year off: still the 1995 film
              Recommendation("movie", "Das Leben der Anderen", 2006),  # by its original title
              Recommendation("movie", "Psycho", None),  # no year: the most-voted wins, not the remake
              Recommendation("movie", "Wyrmwood", 2014),  # the shared extract's original title
              Recommendation("movie", "Heat", 2010)]  # no such year: left alone
    linked = index.linked(wanted)
    assert [m.imdb_id for m in linked] == ["tt0100001", "tt0100001", "tt0100004", "tt0100005", "tt2535470", None]
    heat = linked[0]
    assert (heat.rating, heat.votes, heat.runtime, heat.url) == (8.3, 720000, 170,
                                                                 "https://www.imdb.com/title/tt0100001/")
    # The list's genre first, then IMDb's: a mood that avoids one of them knows it of the list's film too.
    assert heat.source == "local list" and heat.genres == ("Crime", "Action", "Drama")


def test_recommended_movies_are_rated_explained_and_linked(settings, index):
    settings = replace(settings, data_dir=str(index.path.parent.parent), offline=True)
    engine = engine_for(settings)
    picks = engine.recommend("angry", "match", 500, seed=3)  # every candidate, so Heat is among them
    engine.close()
    heat = next((m for m in picks.movies if m.title == "Heat"), None)
    assert heat is not None and heat.rating == 8.3 and heat.url.endswith("/title/tt0100001/")
    assert all(m.url for m in picks.movies) and all(m.why for m in picks.movies + picks.songs)
    assert heat.runtime == 170 and "action matches angry" in heat.why and "rated 8.3 by 720,000 IMDb users" in heat.why
    unlinked = [m for m in picks.movies if not m.imdb_id]
    assert all("/find/?q=" in m.url for m in unlinked)  # without a match: IMDb's search for the title
    assert all(m.movie_json()["trailer"].startswith("https://www.youtube.com/results?search_query=")
               for m in picks.movies)


# Songs that fit the mood -------------------------------------------------------------------

def deezer_playlist(pid, title, tracks, fans=None) -> dict:
    entry = {"id": pid, "title": title, "nb_tracks": tracks, "link": f"https://www.deezer.com/playlist/{pid}",
             "tracklist": f"https://api.deezer.com/playlist/{pid}/tracks", "type": "playlist",
             "user": {"id": 1, "name": "Deezer Editor", "type": "user"}}
    if fans is not None:
        entry["fans"] = fans
    return entry


def deezer_tracks(*titles) -> bytes:
    return json.dumps({"data": [{"id": i, "title": t, "link": f"https://www.deezer.com/track/{i}",
                                 "preview": f"https://cdnt-preview.dzcdn.net/{i}.mp3", "rank": 1000 - i,
                                 "artist": {"id": i, "name": f"Artist {i}", "type": "artist"}, "type": "track"}
                                for i, t in enumerate(titles, start=1)], "total": len(titles)}).encode()


def test_deezer_is_asked_for_playlists_in_the_mood_not_titles_with_its_word(server, tmp_path):
    playlists = {"data": [deezer_playlist(11, "sad", 1), deezer_playlist(12, "Sad Songs", 80),
                          deezer_playlist(13, "Tearjerkers", 60), deezer_playlist(14, "Empty", 0)], "total": 4}
    server.routes["/search/playlist"] = Reply(200, json.dumps(playlists).encode())
    server.routes["/playlist/12/tracks"] = Reply(200, deezer_tracks("Someone Like You", "Hurt"))
    server.routes["/playlist/13/tracks"] = Reply(200, deezer_tracks("Everybody Hurts"))
    server.routes["/search"] = Reply(200, deezer_tracks("Sad Sad Sad"))  # the keyword search: not asked
    client = HttpClient(timeout=2.0)
    result = deezer(client, Store(tmp_path / "s.sqlite"), server.url, DeezerPlan(playlists=2)).songs("sad", "sad songs")
    client.close()
    assert result.status == "online"
    assert [s.title for s in result.items] == ["Someone Like You", "Hurt", "Everybody Hurts"]
    assert all(s.preview and s.preview.endswith(".mp3") for s in result.items)
    asked = [path.split("?")[0] for path, _ in server.requests]
    assert asked == ["/search/playlist", "/playlist/12/tracks", "/playlist/13/tracks"]
    assert "q=sad+songs" in server.requests[0][0]


def test_cheerful_moods_get_the_pop_chart(server, tmp_path):
    server.routes["/chart/132/tracks"] = Reply(200, shared_path("fixtures/music/deezer_chart_tracks.json").read_bytes())
    server.routes["/search/playlist"] = Reply(200, json.dumps({"data": [], "total": 0}).encode())
    client = HttpClient(timeout=2.0)
    result = deezer(client, Store(tmp_path / "s.sqlite"), server.url).songs("happy", "happy")
    client.close()
    assert result.status == "online" and len(result.items) == 10
    assert result.items[0].title == "Hell N Back (feat. Summer Walker)"
    assert not any(path.startswith("/search?") for path, _ in server.requests)


def test_itunes_previews_are_kept(settings, server):
    server.routes["/search"] = Reply(200, shared_path("fixtures/music/itunes_search_song.json").read_bytes())
    from moodtui.recommend.music import itunes

    client = HttpClient(timeout=2.0)
    result = itunes(client, Store(settings.data_path() / "s.sqlite"), server.url).songs("happy", "happy")
    client.close()
    assert result.items and all(s.preview and s.preview.startswith("https://") for s in result.items)


# Export -----------------------------------------------------------------------------------

def test_letterboxd_csv_and_m3u_read_back():
    movies = [Recommendation("movie", 'Heat, "the" [bold]', 1995, imdb_id="tt0113277"),
              Recommendation("movie", "Unknown", None)]
    rows = list(csv.DictReader(io.StringIO(letterboxd_csv(movies))))
    assert rows == [{"Title": 'Heat, "the" [bold]', "Year": "1995", "imdbID": "tt0113277"},
                    {"Title": "Unknown", "Year": "", "imdbID": ""}]
    songs = [Recommendation("song", "Hurt", artist="Johnny Cash", url="https://www.deezer.com/track/1",
                            preview="https://cdn/1.mp3"),
             Recommendation("song", "Linked", artist="A", url="https://www.deezer.com/track/2")]
    lines = m3u(songs).splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [line for line in lines if not line.startswith("#")]
    assert entries == ["https://cdn/1.mp3", "https://www.deezer.com/track/2"]
    assert "#EXTINF:30,Johnny Cash - Hurt" in lines


def test_export_of_picks_and_liked_titles(tmp_path):
    home = tmp_path / "home"
    assert moodtui("recommend", "--emotion", "happy", "--offline", "--seed", "4", "-n", "3", home=home).returncode == 0
    out = tmp_path / "films.csv"
    done = moodtui("export", "--format", "letterboxd", "-o", str(out), home=home)
    assert done.returncode == 0 and "wrote 3 movies to" in done.stderr
    assert "left out 3 songs (a Letterboxd CSV holds films)" in done.stderr  # one line says what and why
    films = list(csv.DictReader(out.open()))
    shown = json.loads(moodtui("export", "--format", "json", home=home).stdout)
    plain = moodtui("export", home=home)  # no format asked: CSV, which holds everything
    assert plain.returncode == 0 and plain.stdout.splitlines()[0].startswith("kind,title,year")
    assert len(plain.stdout.splitlines()) == 1 + 6
    assert [f["Title"] for f in films] == [m["title"] for m in shown if "genres" in m]
    assert not list(tmp_path.glob(".*.tmp"))

    nothing = moodtui("export", "--liked", "--format", "csv", home=home)
    assert nothing.returncode == 2 and "no liked titles yet" in nothing.stderr
    store = Store(home / "data" / "moodtui.sqlite")
    store.set_feedback(Recommendation("movie", "Heat", 1995, ("Crime",), imdb_id="tt0113277"), "like")
    store.close()
    liked = moodtui("export", "--liked", "--format", "letterboxd", home=home)
    assert liked.stdout == "Title,Year,imdbID\nHeat,1995,tt0113277\n"
    store = Store(home / "data" / "moodtui.sqlite")
    store.set_feedback(Recommendation("song", "Hurt", 2002, artist="Johnny Cash", url="https://www.deezer.com/t/1"),
                       "like")
    store.close()
    songs_only = moodtui("export", "--liked", "--format", "m3u", home=home)
    assert songs_only.stdout.splitlines()[-1] == "https://www.deezer.com/t/1"
    assert "left out 1 film (a playlist holds songs)" in songs_only.stderr


def test_feedback_from_an_older_store_still_exports(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE feedback (item TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, "
               "verdict TEXT NOT NULL, at REAL NOT NULL)")
    db.execute("INSERT INTO feedback VALUES ('movie:heat', 'movie', 'Heat', 'like', 1.0)")
    db.commit()
    db.close()
    store = Store(path)
    assert [m.title for m in store.with_verdict("like")] == ["Heat"]
    store.set_feedback(Recommendation("movie", "Alien", 1979), "like")
    assert [(m.title, m.year) for m in store.with_verdict("like")] == [("Heat", None), ("Alien", 1979)]
    store.close()


# The preview player -----------------------------------------------------------------------

def fake_player(folder, name="mpv"):
    """A player on PATH that writes down its arguments and then plays for a while."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {folder / 'played.txt'}\nsleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder / "played.txt"


def songs_with_previews(app):
    from moodtui.tui.picks import PicksTable

    table = app.query_one("#songs", PicksTable)
    table.show([Recommendation("song", "Hurt", artist="Johnny Cash", preview="https://cdn.example/1.mp3",
                               url="https://www.deezer.com/track/1", source="deezer")])
    table.focus()


@pytest.mark.asyncio
@pytest.mark.parametrize("installed", [True, False])
async def test_a_plays_the_preview_with_a_local_player_and_stops(tmp_path, monkeypatch, installed):
    from moodtui.config import Settings
    from moodtui.tui.app import MoodApp

    bin_dir = tmp_path / "bin"
    played = fake_player(bin_dir) if installed else None
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin" if installed else str(tmp_path / "empty"))
    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True))
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.query_one("#songs").items:
            await pilot.pause(0.1)
        app.session.reading(time.monotonic())  # hold new picks: the test's song stays on screen
        songs_with_previews(app)
        await pilot.press("a")
        notes = [str(n.message) for n in app._notifications]
        if not installed:
            assert any("No audio player found" in n and "https://cdn.example/1.mp3" in n for n in notes)
            assert not app.query_one(PicksPane).player.playing
            return
        assert any("Playing 30 s of Hurt with mpv" in n for n in notes)
        deadline = time.monotonic() + 5
        while not played.exists() and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert "--no-video" in played.read_text() and "https://cdn.example/1.mp3" in played.read_text()
        assert app.query_one(PicksPane).player.playing
        process = app.query_one(PicksPane).player._process
        await pilot.press("a")
        assert not app.query_one(PicksPane).player.playing and process.poll() is not None
        await pilot.press("a")  # again, then quit: quitting stops it too
        process = app.query_one(PicksPane).player._process
        await pilot.press("q")
    assert process.poll() is not None


@pytest.mark.asyncio
async def test_e_exports_the_picks_on_screen(tmp_path):
    from moodtui.config import Settings
    from moodtui.tui.app import MoodApp
    from moodtui.tui.picks import PicksTable

    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True))
    async with app.run_test(size=(100, 30)) as pilot:
        while not (app.query_one("#movies", PicksTable).items and app.query_one("#songs", PicksTable).items):
            await pilot.pause(0.1)
        movies = [m.title for m in app.query_one("#movies", PicksTable).items]
        await pilot.press("e")
        await pilot.pause(0.2)
        said = [str(n.message) for n in app._notifications]
    exported = sorted((tmp_path / "data" / "exports").iterdir())
    # The folder on a line of its own, then a file name a line: never a path broken mid-word.
    assert any(m.splitlines()[0] == f"Exported to {tmp_path / 'data' / 'exports'}/" and
               m.splitlines()[1:3] == [p.name for p in exported] for m in said), said
    assert [p.suffix for p in exported] == [".csv", ".m3u"]
    assert [row["Title"] for row in csv.DictReader(exported[0].open())] == movies
    assert exported[1].read_text().startswith("#EXTM3U\n")


# The group mood ---------------------------------------------------------------------------

def test_group_mood_from_synthetic_scores():
    from moodtui.services.session import Session
    from moodtui.vision.mood import MoodTracker
    from moodtui.vision.pipeline import group_reading

    happy, sad = np.eye(7)[3] * 0.9 + 0.1 / 7, np.eye(7)[4] * 0.9 + 0.1 / 7
    you, group = MoodTracker(), MoodTracker()
    for i in range(40):  # you are happy; two friends are sad
        now = i / 10
        mine = you.update(happy, now)
        ours = group.update(group_reading(np.stack([happy, sad, sad])), now)
    assert mine.emotion == "happy" and ours.emotion == "sad"
    session = Session()
    session.camera_mood(mine, 4.0)
    assert session.group_mood(ours, 3, 4.0) is None  # you are watched: no new picks
    request = session.toggle_audience(5.0)
    assert request is not None and request.emotion == "sad" and session.label == "group of 3 · sad"
    assert session.toggle_audience(6.0).emotion == "happy" and session.label == "happy"
    assert [e for _, e in session.timeline] == ["happy", "sad", "happy"]


def test_detect_group_on_a_two_face_video(tmp_path):
    import cv2

    face = cv2.imread(str(shared_path("data/faces/astronaut.png")))[40:200, 150:300]
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:260, 40:190] = face
    frame[120:280, 400:550] = face
    video = tmp_path / "two.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(30):  # three seconds: a new face is named after two
        writer.write(frame)
    writer.release()
    done = moodtui("detect", "--json", "--group", str(video), home=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(r["group"]["faces"] == len(r["faces"]) for r in records)
    assert records[-1]["group"] == {"emotion": "happy", "faces": 2}
    assert records[0]["group"]["emotion"] is None  # a moment to settle, as for one face


# The mood's history -----------------------------------------------------------------------

def test_history_per_day_with_a_timeline(tmp_path):
    import datetime as dt

    home = tmp_path / "home"
    store = Store(home / "data" / "moodtui.sqlite")
    today = dt.datetime.now().replace(hour=9, minute=10, second=0, microsecond=0)
    yesterday = today - dt.timedelta(days=1)
    long_ago = today - dt.timedelta(days=30)
    for when, emotion in ((yesterday, "sad"), (yesterday.replace(hour=21, minute=40), "happy"),
                          (today, "neutral"), (today.replace(hour=9, minute=20), "happy"), (long_ago, "angry")):
        store.db.execute("INSERT INTO moods VALUES (?, ?, 'camera')", (when.timestamp(), emotion))
    store.close()
    done = moodtui("history", "--json", home=home)
    days = json.loads(done.stdout)["days"]
    assert [d["date"] for d in days] == [yesterday.date().isoformat(), today.date().isoformat()]
    assert days[0]["moods"] == {"happy": 1, "sad": 1} and days[1]["moods"] == {"happy": 1, "neutral": 1}
    assert days[0]["timeline"][18] == "S" and days[0]["timeline"][43] == "H" and len(days[0]["timeline"]) == 48
    assert days[1]["timeline"][18] == "H"  # the last mood of the half hour
    text = moodtui("history", "--days", "40", home=home).stdout
    assert long_ago.date().isoformat() in text and "A angry" in text
    assert moodtui("history", "--days", "0", home=home).returncode == 2
