"""No escape sequence from outside reaches the terminal: list files and service answers, printed by the CLI."""

import json
import os
import subprocess
import sys

import pytest

from moodtui.recommend.http import HttpClient
from moodtui.recommend.lists import read_movie_list, read_song_list
from moodtui.recommend.music import deezer
from moodtui.store import Store
from moodtui.text import terminal_safe
from tests.fixture_server import Reply

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
CSI = "\x1b[2J\x1b[31m"
BEL = "\x07"


@pytest.mark.parametrize("hostile, shown", [
    (f"Happy{OSC52} Song", "Happy Song"), (f"{CSI}Red", "Red"), (f"Ding{BEL}", "Ding"),
    ("C1\x9b2J CSI", "C1 CSI"), ("OSC \x1b]0;title\x1b\\ends", "OSC ends"), ("[bold]kept[/bold]", "[bold]kept[/bold]"),
])
def test_escape_sequences_and_controls_are_removed_and_markup_kept(hostile, shown):
    assert terminal_safe(hostile) == shown


def test_a_list_file_cannot_set_the_clipboard(tmp_path):
    movies = tmp_path / "comedy.txt"
    movies.write_text(f"Evil{OSC52} Film (1999)\n", encoding="utf-8")
    songs = tmp_path / "happy.txt"
    songs.write_text(f"Band{CSI} - Tune{BEL} (2001)\n", encoding="utf-8")
    (movie,), (song,) = read_movie_list(movies), read_song_list(songs)
    assert movie.title == "Evil Film" and (song.artist, song.title) == ("Band", "Tune")


def test_a_service_answer_cannot_set_the_clipboard(server, tmp_path):
    answer = {"data": [{"title": f"Sad{OSC52}", "link": f"https://example.org/{BEL}x",
                        "artist": {"name": f"Artist{CSI}"}}]}
    server.routes["/search"] = Reply(200, json.dumps(answer).encode())
    client = HttpClient(timeout=2)
    try:
        (song,) = deezer(client, Store(tmp_path / "s.sqlite"), server.url).songs("sad", "sad").items
    finally:
        client.close()
    assert (song.title, song.artist, song.url) == ("Sad", "Artist", "https://example.org/x")


def test_recommend_prints_no_escape_from_a_users_list(tmp_path):
    data = tmp_path / "userdata"
    (data / "lists" / "movies").mkdir(parents=True)
    (data / "lists" / "movies" / "comedy.txt").write_text(f"Clipboard{OSC52} Thief (2001)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "recommend", "--emotion", "happy", "--offline",
                           "-n", "1000"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MOODTUI_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert "Clipboard Thief" in done.stdout and "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_detect_prints_a_hostile_file_name_safely(tmp_path):
    import cv2
    import numpy as np

    image = tmp_path / "wall\x1b]52;c;aGk=\x07.png"
    cv2.imwrite(str(image), np.full((120, 160, 3), 128, np.uint8))
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "detect", str(image)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "wall.png frame 0: no face" in done.stdout


def test_counts_are_said_in_words():
    from moodtui.text import counted

    assert [counted(n, "title") for n in (0, 1, 2)] == ["0 titles", "1 title", "2 titles"]
