"""Songs learn from what the user listened to elsewhere: Spotify's account data and extended streaming history,
and ListenBrainz's export, as users download them (the files in tests/fixtures/listening are written for this
project in those formats: real songs, invented listening)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

from moodtui.config import Settings
from moodtui.recommend.items import Recommendation
from moodtui.recommend.lists import LocalLists
from tests.conftest import engine_for
from tests.test_taste import moodtui

FIXTURES = Path(__file__).parent / "fixtures" / "listening"
ACCOUNT = FIXTURES / "spotify_account"
EXTENDED = FIXTURES / "Streaming_History_Audio_2024-2025_0.json"
LISTENBRAINZ = FIXTURES / "listenbrainz_listens.jsonl"


def stored_listens(home) -> dict[tuple[str, str], tuple[int, int]]:
    """(artist, title) -> (plays, early skips), added up over months and sources."""
    db = sqlite3.connect(home / "data" / "moodtui.sqlite")
    rows = db.execute("SELECT artist, title, sum(plays), sum(skips) FROM listens GROUP BY item").fetchall()
    db.close()
    return {(artist, title): (plays, skips) for artist, title, plays, skips in rows}


def test_spotify_account_data_is_read_from_its_folder_and_its_zip_and_nothing_else_of_the_download(tmp_path):
    done = moodtui("import", str(ACCOUNT), home=tmp_path / "folder")
    assert done.returncode == 0, done.stderr
    # 23 listens = 19 played + 3 skipped early + 1 partly played; the podcast and the unnamed row are said apart.
    assert done.stdout == (f"{ACCOUNT}: 23 listens of 5 songs by 4 artists (Spotify): 19 played, 3 skipped in the "
                           "first seconds, 1 partly played; left out: 1 listen without an artist or title, "
                           "1 podcast episode\n")
    listens = stored_listens(tmp_path / "folder")
    assert listens[("Daft Punk", "One More Time")] == (8, 0)
    assert listens[("Nickelback", "How You Remind Me")] == (0, 3)
    assert listens[("Coldplay", "Yellow")] == (0, 0)  # 18 s: neither a play nor an early skip
    zipped = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in ACCOUNT.rglob("*.json"):
            archive.write(path, path.relative_to(ACCOUNT).as_posix())
    assert moodtui("import", str(zipped), home=tmp_path / "zip").returncode == 0
    assert stored_listens(tmp_path / "zip") == listens
    stored = (tmp_path / "folder" / "data" / "moodtui.sqlite").read_bytes()
    for private in (b"listener@example.org", b"private search", b"AB1 2CD"):  # Userdata.json, SearchQueries.json
        assert private not in stored


def test_extended_history_never_stores_the_ip_address_or_platform_and_skips_private_sessions(tmp_path):
    done = moodtui("import", str(EXTENDED), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "11 listens of 4 songs by 3 artists (Spotify): 7 played, 3 skipped in the first seconds, 1 partly played" \
        in done.stdout
    assert "1 listen in a private session" in done.stdout and "1 podcast episode" in done.stdout
    listens = stored_listens(tmp_path)
    assert listens[("Fleetwood Mac", "Dreams")] == (6, 0)
    assert listens[("Nickelback", "Photograph")] == (0, 3)  # skipped forward within seconds
    assert listens[("Radiohead", "Creep")] == (0, 0)  # stopped after 6 s, but not skipped
    assert ("Taylor Swift", "Shake It Off") not in listens  # the private session
    data = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("moodtui.sqlite*"))
    for private in (b"203.0.113.77", b"android", b"spotify:track"):
        assert private not in data


def test_listenbrainz_json_lines_and_importing_twice_counts_once(tmp_path):
    first = moodtui("import", str(LISTENBRAINZ), home=tmp_path)
    assert first.returncode == 0 and "6 listens of 2 songs by 2 artists (ListenBrainz): 6 played" in first.stdout
    once = stored_listens(tmp_path)
    assert once == {("Massive Attack", "Teardrop"): (5, 0), ("Portishead", "Glory Box"): (1, 0)}
    assert moodtui("import", str(LISTENBRAINZ), home=tmp_path).returncode == 0
    assert stored_listens(tmp_path) == once


def test_a_broken_history_is_refused_with_its_line_and_the_others_are_imported(tmp_path):
    broken = tmp_path / "listens.jsonl"
    lines = LISTENBRAINZ.read_text().splitlines()
    broken.write_text("\n".join([lines[0], lines[1][:40], *lines[2:]]) + "\n")
    not_listening = tmp_path / "Userdata.json"
    not_listening.write_text(json.dumps({"username": "someone"}))
    done = moodtui("import", str(broken), str(EXTENDED), str(not_listening), home=tmp_path)
    assert done.returncode == 2
    refused = done.stderr.splitlines()
    assert len(refused) == 2 and f"{broken}:2: not a JSON line" in refused[0]
    assert "not a Spotify or ListenBrainz listening history" in refused[1]
    assert ("Massive Attack", "Teardrop") not in stored_listens(tmp_path)  # nothing of the broken file
    assert ("Fleetwood Mac", "Dreams") in stored_listens(tmp_path)


def test_taste_shows_the_listening_and_forget_removes_it(tmp_path):
    assert moodtui("import", str(ACCOUNT), str(EXTENDED), str(LISTENBRAINZ), home=tmp_path).returncode == 0
    shown = moodtui("taste", home=tmp_path).stdout
    assert "listening history (listenbrainz, spotify): 32 plays and 6 early skips of 11 songs by 8 artists" in shown
    played_most = shown.split("played most: ")[1].splitlines()[0]
    assert played_most.startswith("Daft Punk (16 plays, 1.4 h)") and "Nickelback" not in played_most
    liked = moodtui("export", "--liked", "--format", "m3u", home=tmp_path).stdout  # played often is liked
    assert "#EXTINF:-1,Daft Punk - One More Time" in liked and "Fleetwood Mac - Dreams" in liked
    assert "Nickelback" not in liked and "Portishead" not in liked  # skipped early; played once
    learned = json.loads(moodtui("taste", "--json", home=tmp_path).stdout)
    likes = [row["value"] for row in learned["song"]["likes"]]
    assert likes[0] == "Daft Punk" and "Nickelback" in [row["value"] for row in learned["song"]["dislikes"]]
    assert moodtui("recommend", "--emotion", "happy", "--offline", home=tmp_path).returncode == 0
    assert moodtui("export", "--format", "json", home=tmp_path).returncode == 0  # the last picks, with reasons
    forgot = moodtui("forget", "--taste", home=tmp_path)
    assert forgot.returncode == 0 and "rows of listens" in forgot.stdout
    assert stored_listens(tmp_path) == {}
    # The last picks went too: their reasons ("because you played ...") named what was learned.
    assert "no picks shown yet" in moodtui("export", "--format", "json", home=tmp_path).stderr
    assert json.loads(moodtui("taste", "--json", home=tmp_path).stdout)["listening"]["songs"] == 0


def test_artists_played_long_come_first_and_songs_skipped_early_never_come(tmp_path):
    songs = {"happy": [Recommendation("song", title, 2000, artist=artist, mood="happy", source="local list")
                       for artist, title in [("Daft Punk", "Around the World"), ("Nickelback", "How You Remind Me"),
                                             ("Nickelback", "Rockstar"), *((f"Band {i}", f"Song {i}")
                                                                          for i in range(12))]]}
    home = tmp_path / "home"
    assert moodtui("import", str(ACCOUNT), home=home).returncode == 0
    settings = Settings(data_dir=str(home / "data"), offline=True, picks=4)
    engine = engine_for(settings, lists=LocalLists({}, songs))
    picked = [engine.recommend("happy", "match", seed=seed).songs for seed in range(12)]
    engine.close()
    engine.store.close()
    firsts = [next(s for s in picks if "your taste" not in s.why) for picks in picked]
    assert sum(s.artist == "Daft Punk" for s in firsts) >= 3  # one song of 15 drawn first in at least a quarter
    daft = next(s for picks in picked for s in picks if s.artist == "Daft Punk")
    assert "because you played Daft Punk - " in daft.why
    titles = {s.title for picks in picked for s in picks}
    assert "How You Remind Me" not in titles  # skipped within seconds three times


def test_an_unzipped_spotify_download_with_other_files_is_still_one_import(tmp_path):
    folder = tmp_path / "my_spotify_data"
    shutil.copytree(ACCOUNT, folder)
    (folder / "Spotify Account Data" / "ReadMeFirst_YourAccountData.pdf").write_bytes(b"%PDF-1.4 not read")
    done = moodtui("import", str(folder), home=tmp_path)
    assert done.returncode == 0 and done.stdout.count("\n") == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = moodtui("import", str(empty), home=tmp_path)
    assert refused.returncode == 2 and "no IMDb, Letterboxd, Spotify or ListenBrainz export in it" in refused.stderr


def test_names_from_a_history_never_reach_the_terminal_with_control_characters(tmp_path):
    history = tmp_path / "StreamingHistory_music_0.json"
    history.write_text(json.dumps([{"endTime": "2025-01-01 10:00", "artistName": "Evil\x1b[2J\x1b]0;pwned\x07 Band",
                                    "trackName": "[bold]Song[/bold]\x1b[31m", "msPlayed": 200000}] * 3))
    assert moodtui("import", str(history), home=tmp_path).returncode == 0
    shown = moodtui("taste", home=tmp_path)
    assert shown.returncode == 0 and "Evil" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout


def test_files_as_downloads_leave_them_are_said_plainly(tmp_path):
    """A download cut short, a CSV saved again by a spreadsheet, a month with no listening, a history of podcasts
    only."""
    whole = tmp_path / "letterboxd.zip"
    with zipfile.ZipFile(whole, "w") as archive:
        archive.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n"
                         + "2024-01-01,Heat,1995,https://boxd.it/x,4\n" * 40)
    cut = tmp_path / "letterboxd-cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    latin = tmp_path / "ratings.csv"
    latin.write_bytes("Const,Your Rating,Title\ntt0113277,8,Heat\ntt0211915,9,Amélie\n".encode("latin-1"))
    empty = tmp_path / "StreamingHistory_music_3.json"
    empty.write_text("[]")
    podcasts = tmp_path / "Streaming_History_Audio_2024.json"
    podcasts.write_text(json.dumps([{"ts": "2024-03-01T10:00:00Z", "ms_played": 900_000, "ip_addr": "203.0.113.9",
                                     "master_metadata_track_name": None, "master_metadata_album_artist_name": None,
                                     "episode_name": "An episode", "episode_show_name": "A show"}]))
    done = moodtui("import", str(cut), str(latin), str(empty), str(podcasts), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"not imported: {cut}: a damaged zip (cut short or corrupted): download the export again"]
    said = done.stdout.splitlines()
    assert any(line.startswith(f"{latin}: 2 titles (2 liked") for line in said), said  # saved again by a spreadsheet
    db = sqlite3.connect(tmp_path / "data" / "moodtui.sqlite")
    assert "Amélie" in {title for (title,) in db.execute("SELECT json_extract(record, '$.title') FROM ratings")}
    db.close()
    assert f"{empty}: no songs listened to" in said
    assert f"{podcasts}: no songs listened to; left out: 1 podcast episode" in said
    assert "titles" not in " ".join(line for line in said if line.startswith((str(empty), str(podcasts))))
