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


# Made-up crews for the extract's titles (the name ids are invented): the two Wyrmwood films share a
# director, one film has two, one none; the episodes have directors too, and are not movies.
DIRECTED = {"tt2535470": "nm9000001,nm9000002", "tt3002254": "nm9000001", "tt2363483": "nm9000003",
            "tt1754912": "\\N"}


@pytest.fixture
def crew(extracts, tmp_path):
    ids = [line.split("\t", 1)[0] for line in extracts[0].read_text().splitlines()[1:]]
    path = tmp_path / "title.crew.tsv"
    path.write_text("tconst\tdirectors\twriters\n" + "".join(
        f"{tconst}\t{DIRECTED.get(tconst, f'nm80{i:05d}')}\t\\N\n" for i, tconst in enumerate(ids)))
    return path


def test_the_index_knows_each_movies_directors_by_imdb_id(extracts, crew, tmp_path):
    out = tmp_path / "imdb.sqlite"
    build_index(*extracts, out, crew=crew)
    db = sqlite3.connect(out)
    kept = db.execute("SELECT COUNT(DISTINCT tconst), COUNT(*) FROM movie_directors").fetchone()
    assert kept == (8, 9)  # the 9 movies less the one without a director; no episode's crew
    index = ImdbIndex(out)
    horror = {m.title: m.director_ids for m in index.movies("Horror", vote_floor=0).items}
    assert sorted(horror["Wyrmwood: Road of the Dead"]) == ["nm9000001", "nm9000002"]
    assert index.by_ids(["tt2363483"])["tt2363483"].director_ids == ("nm9000003",)
    assert index.by_ids(["tt1754912"])["tt1754912"].director_ids == ()
    # A title from elsewhere, matched by its name and year, gets them too.
    from moodtui.recommend.items import Recommendation

    linked = index.linked([Recommendation("movie", "Turbines", 2019)])[0]
    assert linked.imdb_id == "tt2363483" and linked.director_ids == ("nm9000003",)


def test_an_index_synced_before_directors_is_still_read(extracts, tmp_path):
    out = tmp_path / "imdb.sqlite"
    build_index(*extracts, out)
    sqlite3.connect(out).execute("DROP TABLE movie_directors").connection.commit()
    index = ImdbIndex(out)
    assert [m.director_ids for m in index.movies("Horror", vote_floor=50).items] == [(), ()]
    assert index.by_ids(["tt2363483"])["tt2363483"].title == "Turbines"


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


def test_sync_over_http_builds_the_index(server, extracts, crew, tmp_path):
    server.routes["/title.basics.tsv.gz"] = Reply(200, gz(extracts[0]))
    server.routes["/title.ratings.tsv.gz"] = Reply(200, gz(extracts[1]))
    server.routes["/title.crew.tsv.gz"] = Reply(200, gz(crew))
    client = HttpClient(timeout=2)
    seen = []
    folder = tmp_path / "synced"
    assert sync(client, server.url, folder, lambda what, done, total: seen.append(what)) == 9
    assert ImdbIndex(folder / "imdb.sqlite").by_ids(["tt3002254"])["tt3002254"].director_ids == ("nm9000001",)
    assert any(w.startswith("downloading title.crew") for w in seen)
    client.close()


@pytest.mark.parametrize("damaged", ["title.basics.tsv.gz", "title.crew.tsv.gz"])
def test_truncated_gzip_is_a_clear_error_and_the_old_index_stays(server, extracts, crew, tmp_path, damaged):
    build_index(*extracts, tmp_path / "imdb.sqlite")
    before = (tmp_path / "imdb.sqlite").read_bytes()
    for name, path in zip(("title.basics.tsv.gz", "title.ratings.tsv.gz", "title.crew.tsv.gz"), (*extracts, crew),
                          strict=True):
        server.routes[f"/{name}"] = Reply(200, gz(path)[:-300] if name == damaged else gz(path))
    client = HttpClient(timeout=2)
    with pytest.raises(DatasetError, match=f"{damaged}: corrupt or truncated"):
        sync(client, server.url, tmp_path)
    client.close()
    assert (tmp_path / "imdb.sqlite").read_bytes() == before
    assert not list(tmp_path.glob("*.building"))
    assert not (tmp_path / damaged).exists()  # not reused by the next sync


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
