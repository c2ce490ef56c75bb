"""Picks that know the user: ratings imported from IMDb and Letterboxd, a taste learned from them and from
every key, picks that say why, songs that follow liked artists, and sources asked side by side."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest

from moodtui.recommend.items import Recommendation
from moodtui.recommend.taste import Evidence, Taste
from tests.conftest import REPO, engine_for, shared_path
from tests.fixture_server import Reply


def moodtui(*args: str, home, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MOODTUI_DATA_DIR": str(home / "data"), "MOODTUI_CONFIG": str(home / "config.toml"),
                   "MOODTUI_CACHE_DIR": str(home / "cache"), **env}
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=environment)


def stored_ratings(home) -> set[tuple]:
    path = home / "data" / "moodtui.sqlite"
    if not path.exists():
        return set()
    db = sqlite3.connect(path)
    rows = set(db.execute("SELECT item, kind, verdict, score, imdb_id, source FROM ratings"))
    db.close()
    return rows


# Importing ---------------------------------------------------------------------------------

def test_an_imdb_export_is_read_by_its_header_and_a_tv_series_is_skipped(tmp_path):
    export = tmp_path / "whatever-name.txt"  # the header decides, not the name
    export.write_bytes(shared_path("fixtures/exports/imdb_ratings.csv").read_bytes())
    done = moodtui("import", str(export), home=tmp_path)
    assert done.returncode == 0, done.stderr
    # The counts add up: 7 + 3 + 1 + 0 = 11; the series is said apart.
    assert done.stdout == (f"{export}: 11 titles (7 liked, 3 disliked, 1 seen, 0 wanted), not matched to IMDb (no "
                           "index: `moodtui imdb sync`); 1 row left out: not a movie (a series, an episode, a game)\n")
    rows = stored_ratings(tmp_path)
    assert len(rows) == 11 and "tt0903747" not in {r[4] for r in rows}  # Breaking Bad is a series
    by_id = {r[4]: r for r in rows}
    assert by_id["tt0078748"][2:4] == ("like", 1.0)  # Alien, 10/10
    assert by_id["tt0125439"][2] == "dislike" and by_id["tt0110912"][2] == "seen"  # 2/10 and 6/10


def test_the_letterboxd_zip_its_folder_and_its_loose_files_import_the_same_titles(tmp_path):
    zip_path = shared_path("fixtures/exports/letterboxd-export-2025-05-08.zip")
    zipped = moodtui("import", str(zip_path), home=tmp_path / "zip")
    folder = tmp_path / "letterboxd-export-2025-05-08"  # unzipped as a user's file manager does
    zipfile.ZipFile(zip_path).extractall(folder)
    unzipped = moodtui("import", str(folder), home=tmp_path / "folder")
    files = sorted(str(p) for p in shared_path("fixtures/exports/letterboxd").glob("*.csv"))
    loose = moodtui("import", *files, home=tmp_path / "loose")
    assert zipped.returncode == unzipped.returncode == loose.returncode == 0, zipped.stderr + unzipped.stderr
    # Matrix, Alien, Good Night and Good Luck, Parasite liked; The Notebook and Amélie disliked; Heat seen
    # (diary, no rating); Stalker, Paddington 2 and In the Mood for Love wanted: 4 + 2 + 1 + 3 = 10.
    counts = "10 titles (4 liked, 2 disliked, 1 seen, 3 wanted), not matched to IMDb (no index: `moodtui imdb sync`)"
    assert zipped.stdout == f"{zip_path}: {counts}\n" and unzipped.stdout == f"{folder}: {counts}\n"
    # Loose, each file says what it holds; titles in several files are counted once in all.
    lines = loose.stdout.splitlines()
    assert len(lines) == len(files) + 1 and lines[-1].startswith("in all: 10 titles, each counted once")
    assert stored_ratings(tmp_path / "zip") == stored_ratings(tmp_path / "folder") == stored_ratings(tmp_path / "loose")
    verdicts = {r[0]: r[2] for r in stored_ratings(tmp_path / "zip")}
    assert verdicts["movie:heat"] == "seen" and verdicts["movie:stalker"] == "wanted"
    assert verdicts["movie:amelie"] == "dislike"  # "Amélie", accents folded


def test_importing_the_same_files_twice_gives_the_same_state(tmp_path):
    files = [str(shared_path("fixtures/exports/imdb_ratings.csv")),
             str(shared_path("fixtures/exports/letterboxd-export-2025-05-08.zip"))]
    assert moodtui("import", *files, home=tmp_path).returncode == 0
    once = stored_ratings(tmp_path)
    assert moodtui("import", *files, home=tmp_path).returncode == 0
    # 11 IMDb titles, 7 Letterboxd titles and 3 wanted, less the 4 both rated (Matrix, Alien, Notebook, Parasite).
    assert stored_ratings(tmp_path) == once and len(once) == 17


def test_each_file_is_imported_or_refused_on_its_own_with_one_line_each(tmp_path):
    lines = shared_path("fixtures/exports/imdb_ratings.csv").read_text().splitlines()
    assert lines[5].startswith("tt0332280,3,")  # The Notebook, on the file's sixth line
    lines[5] = lines[5].replace(",3,", ",ten,", 1)
    bad = tmp_path / "ratings.csv"
    bad.write_text("\n".join(lines) + "\n")
    good = shared_path("fixtures/exports/letterboxd-export-2025-05-08.zip")
    other = tmp_path / "notes.csv"
    other.write_text("when,what\n2025-01-01,bought milk\n")
    done = moodtui("import", str(bad), str(good), str(other), home=tmp_path)
    assert done.returncode == 2
    refused = done.stderr.splitlines()
    assert len(refused) == 2  # one line a refused file, naming it (and the line)
    assert f"{bad}:6" in refused[0] and "'Your Rating' is not a number ('ten')" in refused[0]
    assert str(other) in refused[1] and "not an IMDb or Letterboxd export" in refused[1]
    assert done.stdout.startswith(f"{good}: 10 titles")  # the good file, imported all the same
    # Nothing of the bad file was written; all of the good one was.
    stored = {r[0] for r in stored_ratings(tmp_path)}
    assert len(stored) == 10 and "movie:alien" in stored and "movie:blade runner" not in stored


# The taste ---------------------------------------------------------------------------------

def film(title: str, year: int, *genres: str, directors: tuple[str, ...] = ()) -> Recommendation:
    return Recommendation("movie", title, year, genres, directors=directors)


def test_the_taste_gives_the_credit_to_what_the_user_likes():
    liked = [film("A", 1999, "Sci-Fi", "Drama"), film("B", 2004, "Sci-Fi", "Comedy"), film("C", 1982, "Sci-Fi")]
    disliked = [film("D", 2001, "Drama"), film("E", 2010, "Comedy", "Romance"), film("F", 1995, "Horror")]
    taste = Taste.learn([Evidence(f, 1.0, "liked") for f in liked] + [Evidence(f, -1.0, "disliked") for f in disliked])
    assert taste.score(film("G", 2015, "Sci-Fi")) > 0.5
    assert taste.score(film("H", 2015, "Drama", "Sci-Fi")) > taste.score(film("I", 2015, "Drama", "Romance"))
    assert taste.score(film("J", 2015, "Horror")) < 0
    assert taste.because(film("G", 2015, "Sci-Fi", "Drama")).title == "A"  # shares both of A's genres
    assert taste.because(film("K", 2015, "Western")) is None  # nothing the user likes in common
    summary = taste.summary()
    assert summary["movie"]["likes"][0]["value"] == "Sci-Fi" and summary["movie"]["likes"][0]["titles"] == 3


def test_the_summary_never_calls_disliked_what_the_user_mostly_liked():
    liked = [Recommendation("movie", "Back to the Future", 1985, ("Adventure", "Comedy", "Sci-Fi"), rating=8.5,
                            votes=1_300_000),
             Recommendation("movie", "Groundhog Day", 1993, ("Comedy", "Fantasy", "Romance"), rating=8.0,
                            votes=700_000),
             Recommendation("movie", "Finding Nemo", 2003, ("Animation", "Adventure", "Comedy"), rating=8.2,
                            votes=1_100_000)]
    disliked = Recommendation("movie", "Home Alone", 1990, ("Comedy", "Family"), rating=7.7, votes=650_000)
    taste = Taste.learn([Evidence(f, 1.0, "liked") for f in liked] + [Evidence(disliked, -1.0, "disliked")])
    summary = taste.summary()
    dislikes = {row["value"] for row in summary["movie"]["dislikes"]}
    assert "Comedy" not in dislikes and "blockbuster" not in dislikes  # three of four were liked
    assert "Family" in dislikes  # only the disliked film has it


def test_one_like_already_moves_the_taste():
    alien = film("Alien", 1979, "Horror", "Sci-Fi", directors=("Ridley Scott",))
    taste = Taste.learn([Evidence(alien, 1.0, "liked")])
    blade_runner = film("Blade Runner", 1982, "Sci-Fi", "Thriller", directors=("Ridley Scott",))
    assert taste.score(blade_runner) > taste.score(film("Heat", 1995, "Crime")) == 0.0
    assert taste.because(blade_runner) == alien


def test_an_export_is_weak_evidence_never_for_disliked_or_seen_titles_and_never_more_than_a_like(tmp_path):
    """One press of e exports the ten picks on screen: together they must not outweigh one like, and a title
    the user disliked or marked seen among them gains nothing."""
    from moodtui.recommend.taste import evidence_from
    from moodtui.store import open_store

    store = open_store(tmp_path / "s.sqlite")
    liked = film("Alien", 1979, "Sci-Fi")
    comedies = [film(f"Comedy {i}", 2000 + i, "Comedy") for i in range(10)]
    store.set_feedback(liked, "like")
    store.set_feedback(comedies[0], "dislike")
    store.set_feedback(comedies[1], "seen")
    store.add_signal(comedies, "export")
    store.add_signal(comedies[2:4], "export")  # exported again: still one export of each
    evidence = evidence_from(store.ratings(), store.feedback_items(), store.signals(), store.listens())
    store.close()
    exports = [e for e in evidence if e.what == "exported"]
    assert {e.item.title for e in exports} == {f"Comedy {i}" for i in range(2, 10)}  # not the disliked or seen
    assert all(0 < e.score <= 0.2 for e in exports) and sum(e.score for e in exports) <= 1.0
    assert [e.score for e in evidence if e.item.title == "Comedy 0"] == [-1.0]
    taste = Taste.learn(evidence)
    assert taste.score(film("Another", 2010, "Sci-Fi")) > taste.score(film("Another comedy", 2010, "Comedy"))


@pytest.fixture
def index(tmp_path):
    """A synced index of the titles the IMDb export rated, and others in their genres."""
    from benchmarks.catalogue import Title, write_index

    rated = [("tt0078748", "Alien", 1979, ("Horror", "Sci-Fi")),
             ("tt0133093", "The Matrix", 1999, ("Action", "Sci-Fi")),
             ("tt2543164", "Arrival", 2016, ("Drama", "Mystery", "Sci-Fi")),
             ("tt0332280", "The Notebook", 2004, ("Drama", "Romance"))]
    others = [(f"tt77000{i:02d}", f"Other {genre} Film {i}", 1990 + i, (genre,))
              for i, genre in enumerate(["Sci-Fi", "Mystery", "Fantasy"] * 10)]
    titles = [Title(tid, name, year, genres, "", 7.5, 100_000) for tid, name, year, genres in rated + others]
    return write_index(titles, tmp_path / "data")


def test_imported_titles_are_never_picked_and_picks_say_which_liked_title_they_follow(tmp_path, index):
    assert moodtui("import", str(shared_path("fixtures/exports/imdb_ratings.csv")), home=tmp_path).returncode == 0
    (tmp_path / "config.toml").write_text("vote_floor = 0\n")
    seen = {"Alien", "The Matrix", "Arrival", "The Notebook"}
    reasons = []
    for seed in range(6):
        done = moodtui("recommend", "--emotion", "surprise", "--offline", "--json", "-n", "6", "--seed", str(seed),
                       home=tmp_path)
        movies = json.loads(done.stdout)["movies"]
        assert not seen & {m["title"] for m in movies}
        reasons += [m["why"] for m in movies]
    assert any("because you liked Alien (1979)" in why or "because you liked Arrival (2016)" in why
               for why in reasons), reasons
    assert any("picked without your taste, to keep learning it" in why for why in reasons)


def test_export_liked_includes_what_was_liked_through_an_import(tmp_path):
    from moodtui.store import open_store

    assert moodtui("import", str(shared_path("fixtures/exports/imdb_ratings.csv")), home=tmp_path).returncode == 0
    store = open_store(tmp_path / "data" / "moodtui.sqlite")
    store.set_feedback(Recommendation("movie", "Alien", 1979, imdb_id="tt0078748"), "dislike")  # changed their mind
    store.set_feedback(Recommendation("movie", "Heat", 1995, imdb_id="tt0113277"), "like")
    store.close()
    done = moodtui("export", "--liked", "--format", "letterboxd", home=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    # Heat, liked in the app, then the six titles rated 7/10 or more in the import that were not disliked since.
    assert rows[0] == "Title,Year,imdbID" and rows[1] == "Heat,1995,tt0113277" and len(rows) == 1 + 1 + 6
    assert "The Matrix,1999,tt0133093" in rows and not any(row.startswith("Alien,") for row in rows)


def test_forget_taste_removes_everything_it_learned_from(tmp_path):
    assert moodtui("import", str(shared_path("fixtures/exports/imdb_ratings.csv")), home=tmp_path).returncode == 0
    learned = json.loads(moodtui("taste", "--json", home=tmp_path).stdout)
    assert learned["movie"]["likes"] and learned["evidence"]["rated"] == 11
    forgot = moodtui("forget", "--taste", home=tmp_path)
    assert forgot.returncode == 0 and "11 rows of ratings" in forgot.stdout
    assert json.loads(moodtui("taste", "--json", home=tmp_path).stdout)["movie"] == {"likes": [], "dislikes": []}
    assert "nothing learned yet" in moodtui("taste", home=tmp_path).stdout




def directed_index(tmp_path):
    """An index whose crew file gives Alien's director one other film, a drama, among ten other dramas."""
    from benchmarks.catalogue import Title, write_index

    rated = [Title("tt0078748", "Alien", 1979, ("Horror", "Sci-Fi"), "Director 1", 8.5, 900_000),
             Title("tt0133093", "The Matrix", 1999, ("Action", "Sci-Fi"), "Director 2", 8.7, 2_000_000),
             Title("tt0332280", "The Notebook", 2004, ("Drama", "Romance"), "Director 3", 7.8, 600_000)]
    # Rated and voted for like Alien: the taste has nothing against them (the Notebook, disliked, is a drama).
    dramas = [Title(f"tt77001{i:02d}", f"Another Drama {i}", 1985, ("Drama",), f"Director {10 + i}", 8.5, 900_000)
              for i in range(10)]
    same_director = Title("tt7700001", "A Quiet Drama", 1985, ("Drama",), "Director 1", 8.5, 900_000)
    return write_index([*rated, same_director, *dramas], tmp_path / "data")


def test_a_director_is_learned_through_the_index_from_ratings_that_never_name_one(tmp_path):
    """Letterboxd names no director: the index's crew does, so liking Alien there brings its director's drama
    up among the dramas of a sad evening, because of Alien, and `taste` says who it means."""
    from moodtui.config import Settings
    from moodtui.recommend.engine import learned_taste
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.recommend.lists import LocalLists
    from moodtui.store import open_store

    directed_index(tmp_path)
    ratings = shared_path("fixtures/exports/letterboxd/ratings.csv")
    assert moodtui("import", str(ratings), home=tmp_path).returncode == 0
    settings = Settings(data_dir=str(tmp_path / "data"), offline=True, vote_floor=0, picks=3)
    store = open_store(settings.store_path())
    taste = learned_taste(store, ImdbIndex(settings.index_path()))
    quiet, other = ImdbIndex(settings.index_path()).by_ids(["tt7700001", "tt7700100"]).values()
    assert taste.score(quiet) > taste.score(other) + 0.05
    assert taste.because(quiet).title == "Alien"
    engine = engine_for(settings, lists=LocalLists({}, {}))  # the index's films alone
    picked = [m for seed in range(16) for m in engine.recommend("sad", "match", seed=seed).movies]
    engine.close()
    store.close()
    # Shown titles rest for six hours, so each drama comes round; only the director's says it is because of Alien.
    because_alien = {m.title for m in picked if "because you liked Alien (1979)" in m.why}
    assert because_alien == {"A Quiet Drama"}, [(m.title, m.why) for m in picked]
    learned = json.loads(moodtui("taste", "--json", home=tmp_path).stdout)
    directors = {row["value"] for row in learned["movie"]["likes"] if row["group"] == "director"}
    assert "the director of Alien (1979)" in directors
    # An IMDb export names Alien's director: the same id is shown by that name from then on.
    assert moodtui("import", str(shared_path("fixtures/exports/imdb_ratings.csv")), home=tmp_path).returncode == 0
    learned = json.loads(moodtui("taste", "--json", home=tmp_path).stdout)
    named = {row["value"] for row in learned["movie"]["likes"] + learned["movie"]["dislikes"]
             if row["group"] == "director"}
    assert "Nick Cassavetes" in named and not any(v.startswith("nm") for v in named)  # The Notebook's, by id
    store = open_store(settings.store_path())
    assert learned_taste(store, ImdbIndex(settings.index_path())).names[("movie", "director", "nm0000001")] == \
        "Ridley Scott"
    store.close()


@pytest.mark.asyncio
async def test_likes_pressed_in_the_app_move_the_next_picks_at_once(tmp_path):
    from moodtui.config import Settings
    from moodtui.tui.app import MoodApp
    from moodtui.tui.picks import PicksTable

    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True), seed=3)

    def sci_fi_share() -> float:
        movies = app.query_one("#movies", PicksTable).items
        return sum("Sci-Fi" in m.genres for m in movies) / max(1, len(movies))

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")  # surprise: Mystery, Sci-Fi, Fantasy
        before = []
        for _ in range(4):  # the share of science fiction the emotion alone gives
            await pilot.press("n")
            await pilot.pause(0.3)
            before.append(sci_fi_share())
        table = app.query_one("#movies", PicksTable)
        table.focus()
        liked = []
        for _ in range(3):  # the user likes science fiction and nothing else
            for row, movie in enumerate(list(table.items)):
                table.move_cursor(row=row)
                await pilot.press("l" if "Sci-Fi" in movie.genres else "d")
                if "Sci-Fi" in movie.genres:
                    liked.append(movie.title)
            await pilot.press("n")
            await pilot.pause(0.3)
        after = []
        for _ in range(4):
            await pilot.press("n")
            await pilot.pause(0.3)
            after.append(sci_fi_share())
        whys = [m.why for m in table.items]
    assert sum(after) / 4 >= sum(before) / 4 + 0.3, (before, after)
    assert any(f"because you liked {title}" in why for why in whys for title in liked), whys


# Songs that follow the user --------------------------------------------------------------------

def tracks(artist: str, titles: list[str]) -> bytes:
    return json.dumps({"data": [{"id": i, "title": t, "link": f"https://www.deezer.com/track/{i}", "rank": 1,
                                 "preview": f"https://cdn.example/{i}.mp3", "artist": {"id": 1, "name": artist}}
                                for i, t in enumerate(titles)]}).encode()


def test_songs_follow_a_liked_artist_and_their_neighbours(settings, server):
    server.routes["/search/artist"] = Reply(200, json.dumps({"data": [{"id": 27, "name": "Daft Punk"}]}).encode())
    server.routes["/artist/27/related"] = Reply(200, json.dumps(
        {"data": [{"id": 4050205, "name": "The Weeknd"}, {"id": 5, "name": "Justice"}]}).encode())
    server.routes["/artist/27/top"] = Reply(200, tracks("Daft Punk", ["One More Time", "Around the World"]))
    server.routes["/artist/4050205/top"] = Reply(200, tracks("The Weeknd", ["Blinding Lights", "Starboy"]))
    server.routes["/artist/5/top"] = Reply(200, tracks("Justice", ["D.A.N.C.E."]))
    engine = engine_for(settings)
    engine.store.set_feedback(Recommendation("song", "Get Lucky", 2013, artist="Daft Punk", mood="happy"), "like")
    picks = engine.recommend("happy", "match", count=12, offline=False, seed=1)
    engine.close()
    engine.store.close()
    followed = {s.title: s for s in picks.songs if s.source == "your artists"}
    assert {"One More Time", "Blinding Lights"} & set(followed), [s.title for s in picks.songs]
    whys = {s.artist: s.why for s in followed.values()}
    assert "because you liked Daft Punk - Get Lucky" in whys["Daft Punk"]
    assert any("like Daft Punk, whose songs you liked" in why for artist, why in whys.items() if artist != "Daft Punk")
    assert picks.sources["your artists"] == "online"
    asked = [path.split("?")[0] for path, _ in server.requests]
    assert "/search/artist" in asked and "/artist/27/related" in asked


# Sources side by side --------------------------------------------------------------------------

def test_three_servers_that_never_answer_cost_one_timeout_not_three(tmp_path):
    listeners = []
    for _ in range(3):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # accepts connections, never answers
        listeners.append(listener)
    urls = [f"http://127.0.0.1:{s.getsockname()[1]}" for s in listeners]
    config = f'imdb_url = "{urls[0]}"\ndeezer_url = "{urls[1]}"\nitunes_url = "{urls[2]}"\ntimeout = 2\nbudget = 12\n'
    (tmp_path / "config.toml").write_text(config)
    try:
        started = time.monotonic()
        done = moodtui("recommend", "--emotion", "happy", "--json", home=tmp_path)
        took = time.monotonic() - started
    finally:
        for listener in listeners:
            listener.close()
    assert done.returncode == 0, done.stderr
    picks = json.loads(done.stdout)
    assert picks["movies"] and picks["songs"]  # the local lists answer regardless
    assert {picks["sources"][name] for name in ("imdb pages", "deezer", "itunes")} <= {"offline", "timed out"}
    assert took < 2 * 2 + 2.0, took  # one timeout (and start-up), where asking in turn took the whole budget


def test_the_real_people_benchmark_keeps_the_examined_people_out_of_the_catalogue(tmp_path):
    """benchmarks/taste_real.py: the catalogue's votes and ratings come from other people than those examined,
    and MovieLens titles are written as IMDb writes them (so the lists' films link to them)."""
    from benchmarks.taste_real import load_movielens, parse_title, people_to_examine, split_people, write_datasets

    assert parse_title("Shawshank Redemption, The (1994)") == ("The Shawshank Redemption",
                                                               "The Shawshank Redemption", 1994)
    assert parse_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)") == (
        "The City of Lost Children", "La Cité des enfants perdus", 1995)
    films, ratings = load_movielens(shared_path("data/movielens-100k"))
    groups = split_people(ratings)
    catalogue, tuning, held_out = (set(groups[g]) for g in ("catalogue", "tuning", "held-out"))
    assert not catalogue & tuning and not catalogue & held_out and not tuning & held_out
    examined = people_to_examine(ratings, groups, films, None)
    assert len(examined) > 300 and {p.number for p in examined} <= tuning | held_out
    known = write_datasets(films, [r for r in ratings if r.person in catalogue], tmp_path)
    toy_story = films[1].tconst
    votes = sum(r.film == 1 for r in ratings if r.person in catalogue)
    assert known[toy_story][1] == votes * 5000 and votes < sum(r.film == 1 for r in ratings)
