import gzip
import sqlite3

import pytest

from moodtui.recommend.http import HttpClient
from moodtui.recommend.imdb_datasets import DatasetError, ImdbIndex, build_index, download, sync
from tests.conftest import shared_path
from tests.fixture_server import Reply


@pytest.fixture
def extracts():
    folder = "fixtures/imdb_datasets"
    return shared_path(f"{folder}/title.basics.tsv"), shared_path(f"{folder}/title.ratings.tsv")


def test_index_keeps_movies_only_with_ratings_joined(extracts, tmp_path):
    out = tmp_path / "imdb.sqlite"
    assert build_index(*extracts, out) == 9  # the extract's 9 movies; episodes, shorts and series dropped
    db = sqlite3.connect(out)
    row = db.execute("SELECT title, year, genres, rating, votes FROM movies WHERE tconst = 'tt2535470'").fetchone()
    assert row == ("Wyrmwood: Road of the Dead", 2014, "Action,Comedy,Horror", 6.2, 15169)
    assert db.execute("SELECT COUNT(*) FROM movies WHERE rating IS NULL").fetchone()[0] == 5  # no rating row


def test_top_titles_for_a_genre_respect_the_vote_floor(extracts, tmp_path):
    out = tmp_path / "imdb.sqlite"
    build_index(*extracts, out)
    index = ImdbIndex(out)
    horror = index.movies("Horror", vote_floor=50)
    # Best rated first; "A Night of Horror" has no genres in the dataset, so it is not Horror.
    assert [m.title for m in horror.items] == ["Wyrmwood: Road of the Dead", "Turbines"]
    assert all(m.votes >= 50 for m in horror.items)
    assert [m.title for m in index.movies("Horror", vote_floor=10_000).items] == ["Wyrmwood: Road of the Dead"]
    assert horror.items[0].url == "https://www.imdb.com/title/tt2535470/"
    assert ImdbIndex(tmp_path / "none.sqlite").movies("Drama", 0).status == "not synced"


def gz(path) -> bytes:
    return gzip.compress(path.read_bytes())


def test_sync_over_http_builds_the_index(server, extracts, tmp_path):
    server.routes["/title.basics.tsv.gz"] = Reply(200, gz(extracts[0]))
    server.routes["/title.ratings.tsv.gz"] = Reply(200, gz(extracts[1]))
    client = HttpClient(timeout=2)
    seen = []
    assert sync(client, server.url, tmp_path, lambda what, done, total: seen.append(what)) == 9
    assert (tmp_path / "imdb.sqlite").exists()
    assert any(w.startswith("downloading title.basics") for w in seen)
    client.close()


def test_truncated_gzip_is_a_clear_error_and_the_old_index_stays(server, extracts, tmp_path):
    build_index(*extracts, tmp_path / "imdb.sqlite")
    before = (tmp_path / "imdb.sqlite").read_bytes()
    server.routes["/title.basics.tsv.gz"] = Reply(200, gz(extracts[0])[:-300])
    server.routes["/title.ratings.tsv.gz"] = Reply(200, gz(extracts[1]))
    client = HttpClient(timeout=2)
    with pytest.raises(DatasetError, match="corrupt or truncated"):
        sync(client, server.url, tmp_path)
    client.close()
    assert (tmp_path / "imdb.sqlite").read_bytes() == before
    assert not list(tmp_path.glob("*.building"))
    assert not (tmp_path / "title.basics.tsv.gz").exists()  # not reused by the next sync


def test_interrupted_download_resumes(server, extracts, tmp_path):
    body = gz(extracts[0]) * 3
    server.routes["/big.gz"] = Reply(200, body, ranges=True)
    (tmp_path / "big.gz.part").write_bytes(body[:1000])
    client = HttpClient(timeout=2)
    download(client, f"{server.url}/big.gz", tmp_path / "big.gz")
    client.close()
    assert (tmp_path / "big.gz").read_bytes() == body
    assert server.requests[-1][1]["Range"] == "bytes=1000-"


def test_http_error_during_download_says_how_to_continue(server, tmp_path):
    server.routes["/x.gz"] = Reply(500, b"oops")
    client = HttpClient(timeout=2)
    with pytest.raises(DatasetError, match="HTTP 500"):
        download(client, f"{server.url}/x.gz", tmp_path / "x.gz")
    client.close()
    assert not (tmp_path / "x.gz").exists()
