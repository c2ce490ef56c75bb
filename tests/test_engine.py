import json
import subprocess
import sys

import pytest

from moodtui.recommend.engine import merge
from moodtui.recommend.items import Recommendation
from moodtui.recommend.lists import LocalLists
from tests.conftest import REPO, engine_for, shared_path
from tests.fixture_server import Reply


def movie(title, genres=("Drama",), **kw):
    return Recommendation("movie", title, kw.pop("year", 2000), tuple(genres), source=kw.pop("source", "local list"),
                          **kw)


def test_merge_dedupes_normalised_titles_and_fills_gaps():
    listed = [movie("The Godfather", ("Crime",), year=1972)]
    imdb = [movie("Godfather", ("Drama",), year=1972, rating=9.2, votes=2_000_000, source="imdb",
                  url="https://www.imdb.com/title/tt0068646/")]
    merged = merge([imdb, listed])
    assert len(merged) == 1
    assert merged[0].rating == 9.2 and merged[0].source == "imdb"
    assert merged[0].genres == ("Drama", "Crime")


def test_songs_with_featured_artists_dedupe():
    a = Recommendation("song", "Hell N Back (feat. Summer Walker)", artist="Bakar")
    b = Recommendation("song", "Hell N Back", artist="bakar", year=2019)
    assert len(merge([[a], [b]])) == 1


@pytest.fixture
def offline_engine(settings):
    engine = engine_for(settings)
    yield engine
    engine.close()


def test_strategy_changes_the_genres(offline_engine):
    match = offline_engine.recommend("sad", "match", 10, offline=True, seed=1)
    lift = offline_engine.recommend("sad", "lift", 10, offline=True, seed=1)
    assert all({"Drama", "Romance", "Biography"} & set(m.genres) for m in match.movies)
    assert all({"Comedy", "Musical", "Family", "Animation"} & set(m.genres) for m in lift.movies)
    assert {s.mood for s in match.songs} <= {"sad", "calm"}
    assert {s.mood for s in lift.songs} <= {"happy", "energetic"}


def test_same_seed_same_picks(settings):
    first = engine_for(settings).recommend("happy", count=5, offline=True, seed=7)
    settings_again = settings.__class__(**{**settings.__dict__, "data_dir": settings.data_dir + "-2"})
    second = engine_for(settings_again).recommend("happy", count=5, offline=True, seed=7)
    assert [m.title for m in first.movies] == [m.title for m in second.movies]


def test_disliked_and_seen_are_left_out_and_recent_picks_not_repeated(offline_engine):
    first = offline_engine.recommend("fear", count=5, offline=True, seed=3)
    offline_engine.store.set_feedback(first.movies[0], "dislike")
    offline_engine.store.set_feedback(first.movies[1], "seen")
    later = [offline_engine.recommend("fear", count=5, offline=True, seed=s) for s in range(4, 10)]
    titles = {m.title for picks in later for m in picks.movies}
    assert first.movies[0].title not in titles and first.movies[1].title not in titles
    assert not {m.title for m in later[0].movies} & {m.title for m in first.movies}  # fresh picks


def test_markup_titles_come_through_unchanged(settings, tmp_path):
    lists = tmp_path / "lists"
    (lists / "movies").mkdir(parents=True)
    (lists / "songs").mkdir()
    (lists / "movies" / "drama.txt").write_text("[bold]Shout[/] (1999)\n[red]Quiet (2001)\n")
    (lists / "songs" / "sad.txt").write_text("[b]Band[/b] - [/]Tears (2010)\n")
    engine = engine_for(settings, lists=LocalLists.load([lists]))
    picks = engine.recommend("sad", "match", 5, offline=True, seed=1)
    assert {m.title for m in picks.movies} == {"[bold]Shout[/]", "[red]Quiet"}
    assert picks.songs[0].title == "[/]Tears" and picks.songs[0].artist == "[b]Band[/b]"


def test_online_sources_and_fallbacks(settings, server):
    server.routes["/search/title/"] = Reply(202, b"", {"x-amzn-waf-action": "challenge"})
    server.routes["/search"] = Reply(200, shared_path("fixtures/music/deezer_search_track.json").read_bytes())
    engine = engine_for(settings)
    picks = engine.recommend("happy", "match", 5, seed=2)
    assert picks.sources["imdb pages"] == "blocked"
    assert picks.sources["deezer"] == "online"
    assert len(picks.movies) == 5  # the lists still serve
    imdb_requests = sum("/search/title/" in path for path, _ in server.requests)
    assert imdb_requests == 1  # blocked once: the other genres are not asked
    engine.close()


def test_imported_pages_join_the_recommendations(settings):
    from moodtui.recommend.imdb_pages import parse_page, to_recommendation

    engine = engine_for(settings)
    html = shared_path("fixtures/imdb/chart_top_2025-05.html").read_bytes()
    engine.store.add_to_library(to_recommendation(r, "imported") for r in parse_page(html))
    picks = engine.recommend("sad", "match", 20, offline=True, seed=5)
    assert any(m.source == "imported" and m.rating for m in picks.movies)
    assert picks.attribution and "IMDb" in picks.attribution
    engine.close()


def test_recommend_json_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "recommend", "--emotion", "sad", "--strategy", "lift",
                           "--offline", "--json", "-n", "3", "--seed", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={"MOODTUI_DATA_DIR": str(tmp_path), "MOODTUI_CONFIG": str(tmp_path / "c.toml"),
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["emotion"], data["strategy"]) == ("sad", "lift")
    assert len(data["movies"]) == 3 and len(data["songs"]) == 3
    assert set(data["movies"][0]) == {"title", "year", "genres", "rating", "votes", "runtime", "imdb_id", "source",
                                      "url", "trailer", "why"}
    assert all(m["url"].startswith("https://www.imdb.com/") and m["why"] for m in data["movies"])
    assert set(data["songs"][0]) == {"title", "artist", "year", "mood", "source", "url", "preview", "why"}
    assert data["sources"]["imdb pages"] == "offline" and data["sources"]["local lists"] == "local"
