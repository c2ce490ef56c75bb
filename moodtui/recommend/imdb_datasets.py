"""IMDb's non-commercial datasets: download, index into SQLite, query top movies by genre.

Three files: title.basics (titles, years, genres), title.ratings, and title.crew (each title's
directors, as IMDb's name ids: the taste learns a liked director from any title of theirs the user
rated, and finds the director's other films in the index, without a file of names).

Information courtesy of IMDb (https://www.imdb.com). Used with permission. The datasets are for
personal and non-commercial use. A sync builds a new index beside the old one and swaps it in
only when complete, so a failed or interrupted sync never leaves a broken index.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import sqlite3
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

import httpx
import numpy as np

from moodtui.errors import UserError
from moodtui.recommend.http import HttpClient
from moodtui.recommend.items import Recommendation, normalise
from moodtui.recommend.sources import SourceRequest, SourceResult, Status, best_status

ATTRIBUTION = "Information courtesy of IMDb (https://www.imdb.com). Used with permission."
BASICS, RATINGS, CREW = "title.basics.tsv.gz", "title.ratings.tsv.gz", "title.crew.tsv.gz"
BASICS_HEADER = ["tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear",
                 "runtimeMinutes", "genres"]
RATINGS_HEADER = ["tconst", "averageRating", "numVotes"]
CREW_HEADER = ["tconst", "directors", "writers"]
BATCH = 50_000
CHUNK = 1 << 16
# Movies with at least this many votes are ranked per genre at sync time, so that a genre's best
# titles are read in rating order from an index (a millisecond) instead of sorted at every request
# (50 ms a genre over 750,000 movies). A vote floor set lower than this reads the slow way.
RANKED_VOTES = 1000

Progress = Callable[[str, int, int | None], None]  # (what, done, total or None)


class DatasetError(UserError, RuntimeError):
    """A dataset file is corrupt, truncated or not the expected TSV; or a download failed."""


def _open_tsv(path: Path):
    with open(path, "rb") as probe:
        packed = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8", newline="\n") if packed else open(path, encoding="utf-8")


def _rows(path: Path, header: list[str], progress: Progress | None) -> Iterator[str]:
    """The lines of a TSV after its header; gzip damage becomes a DatasetError naming the file."""
    size = path.stat().st_size
    try:
        with _open_tsv(path) as handle:
            first = handle.readline().rstrip("\n").split("\t")
            if first != header:
                raise DatasetError(f"{path}: not an IMDb {path.name.split('.tsv')[0]} file (header {first[:3]}...)")
            raw = getattr(handle, "buffer", None)
            for count, line in enumerate(handle, start=1):
                if progress and count % 500_000 == 0:
                    position = raw.fileobj.tell() if raw is not None and hasattr(raw, "fileobj") else 0
                    progress(f"indexing {path.name}", position, size)
                yield line
    except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: corrupt or truncated ({error or type(error).__name__}); sync again") from None


def _null(value: str) -> str | None:
    return None if value == "\\N" else value


def _insert_movies(db: sqlite3.Connection, movies: list, genres: list, keys: list) -> None:
    db.executemany("INSERT OR REPLACE INTO movies (tconst, title, year, genres, runtime) VALUES (?,?,?,?,?)", movies)
    db.executemany("INSERT INTO movie_genres VALUES (?, ?)", genres)
    db.executemany("INSERT INTO movie_titles VALUES (?, ?)", keys)


def _title_number(tconst: str) -> int:
    return int(tconst[2:]) if tconst[2:].isdigit() else -1


def _crew_rows(lines: Iterable[str], movies: np.ndarray) -> Iterator[tuple[str, str]]:
    """(tconst, director's name id) for the indexed movies among the crew lines; `movies` is the sorted
    numbers of their ids. Most of the file's 11 million lines are episodes: they are tested a batch at a
    time against the movies (a binary search each, in numpy), not one by one in Python."""
    def kept(batch: list[str]) -> Iterator[tuple[str, str]]:
        if not len(movies) or not batch:
            return
        numbers = np.fromiter((_title_number(line[: line.find("\t")]) for line in batch), np.int64, len(batch))
        where = np.minimum(np.searchsorted(movies, numbers), len(movies) - 1)
        for i in np.flatnonzero(movies[where] == numbers):
            fields = batch[i].rstrip("\n").split("\t")
            if len(fields) == 3 and fields[1] != "\\N":
                yield from ((fields[0], director) for director in fields[1].split(",") if director)

    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH:
            yield from kept(batch)
            batch = []
    yield from kept(batch)


def build_index(basics: Path, ratings: Path, out: Path, progress: Progress | None = None,
                crew: Path | None = None) -> int:
    """Index movies (titleType movie, not adult) with genres, year, rating and votes, and their directors
    when the crew file is given; returns the count."""
    building = out.with_name(out.name + ".building")
    building.unlink(missing_ok=True)
    db = sqlite3.connect(building)
    try:
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE movies (tconst TEXT PRIMARY KEY, title TEXT NOT NULL, year INTEGER, genres TEXT,
                                 rating REAL, votes INTEGER, runtime INTEGER);
            CREATE TABLE movie_genres (genre TEXT NOT NULL, tconst TEXT NOT NULL);
            -- normalised primary and original titles, for matching the lists' movies to IMDb's
            CREATE TABLE movie_titles (title_key TEXT NOT NULL, tconst TEXT NOT NULL);
            CREATE TABLE ratings (tconst TEXT PRIMARY KEY, rating REAL, votes INTEGER) WITHOUT ROWID;
            -- each movie's directors by IMDb name id (nm...), in the crew file's order
            CREATE TABLE movie_directors (tconst TEXT NOT NULL, director TEXT NOT NULL);
        """)
        movies, genres, keys = [], [], []
        numbers = array("q")  # the movies' id numbers: 6 MB for 750,000, where a set of strings is 70
        for line in _rows(basics, BASICS_HEADER, progress):
            head = line.split("\t", 2)
            if len(head) < 3 or head[1] != "movie":  # cheap test first: most rows are episodes
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9 or fields[4] == "1":
                continue
            year, runtime = _null(fields[5]), _null(fields[7])
            movies.append((fields[0], fields[2], int(year) if year and year.isdigit() else None, _null(fields[8]),
                           int(runtime) if runtime and runtime.isdigit() else None))
            genres += [(g, fields[0]) for g in (_null(fields[8]) or "").split(",") if g]
            keys += [(key, fields[0]) for key in {normalise(fields[2]), normalise(fields[3])} if key]
            numbers.append(_title_number(fields[0]))
            if len(movies) >= BATCH:
                _insert_movies(db, movies, genres, keys)
                movies, genres, keys = [], [], []
        _insert_movies(db, movies, genres, keys)
        batch = []
        for line in _rows(ratings, RATINGS_HEADER, progress):
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3:
                try:
                    batch.append((fields[0], float(fields[1]), int(fields[2])))
                except ValueError:
                    continue
            if len(batch) >= BATCH:
                db.executemany("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?)", batch)
                batch = []
        db.executemany("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?)", batch)
        if crew is not None:
            indexed = np.sort(np.frombuffer(numbers, dtype=np.int64))
            rows = _crew_rows(_rows(crew, CREW_HEADER, progress), indexed)
            while chunk := list(islice(rows, BATCH)):
                db.executemany("INSERT INTO movie_directors VALUES (?, ?)", chunk)
        db.executescript(f"""
            UPDATE movies SET rating = r.rating, votes = r.votes FROM ratings AS r WHERE r.tconst = movies.tconst;
            DROP TABLE ratings;
            CREATE INDEX movie_genres_by_genre ON movie_genres (genre, tconst);
            CREATE INDEX movies_by_votes ON movies (votes);
            CREATE INDEX movie_titles_by_key ON movie_titles (title_key);
            CREATE INDEX movie_directors_by_title ON movie_directors (tconst);
            CREATE TABLE genre_ranked (genre TEXT NOT NULL, rating REAL, votes INTEGER, tconst TEXT NOT NULL);
            INSERT INTO genre_ranked SELECT g.genre, m.rating, m.votes, g.tconst FROM movie_genres g
                JOIN movies m ON m.tconst = g.tconst WHERE m.votes >= {RANKED_VOTES};
            CREATE INDEX genre_ranked_by_rating ON genre_ranked (genre, rating DESC, votes DESC);
        """)
        db.commit()
        count = db.execute("SELECT COUNT(*) FROM movies").fetchone()[0]
    except BaseException:
        db.close()
        building.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(building, out)
    return count


def download(client: HttpClient, url: str, target: Path, progress: Progress | None = None) -> Path:
    """Stream url to target; resumes a .part left by an interrupted download when the server allows."""
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else None
    try:
        with client.stream(url, headers=headers) as response:
            if response.status_code == 416:  # the .part is already complete
                part.replace(target)
                return target
            if response.status_code not in (200, 206):
                raise DatasetError(f"{url}: HTTP {response.status_code}")
            append = response.status_code == 206
            total = int(response.headers.get("content-length", 0)) + (have if append else 0) or None
            done = have if append else 0
            with open(part, "ab" if append else "wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(f"downloading {target.name}", done, total)
    except httpx.HTTPError as error:
        raise DatasetError(f"{url}: download failed ({type(error).__name__}); run the sync again to resume") from None
    part.replace(target)
    return target


def sync(client: HttpClient, base_url: str, folder: Path, progress: Progress | None = None) -> int:
    """Download the three datasets and rebuild the index; returns the number of movies indexed."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [download(client, f"{base_url.rstrip('/')}/{name}", folder / name, progress)
             for name in (BASICS, RATINGS, CREW)]
    try:
        return build_index(files[0], files[1], folder / "imdb.sqlite", progress, crew=files[2])
    except DatasetError:
        for path in files:  # a corrupt download must not be "resumed" next time
            path.unlink(missing_ok=True)
        raise


MOVIE_COLUMNS = "m.tconst, m.title, m.year, m.genres, m.rating, m.votes, m.runtime"


def _directors_column(db: sqlite3.Connection) -> str:
    """The SQL for a movie's director ids, comma-separated; NULL in an index synced before directors were."""
    known = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'movie_directors'").fetchone()
    return ("(SELECT group_concat(d.director) FROM movie_directors d WHERE d.tconst = m.tconst)" if known
            else "NULL")


def _movie(row: tuple) -> Recommendation:
    tconst, title, year, genres, rating, votes, runtime, directors = row
    return Recommendation("movie", title, year, tuple(g for g in (genres or "").split(",") if g), rating, votes,
                          source="imdb datasets", url=f"https://www.imdb.com/title/{tconst}/", imdb_id=tconst,
                          runtime=runtime, director_ids=tuple((directors or "").split(",")) if directors else (),
                          extra={"indexed": True})  # all the index knows of it: nothing to link


class ImdbIndex:
    """Top movies by genre from the local dataset index (a source), and IMDb ids for titles from elsewhere."""

    name = "imdb datasets"
    kind = "movie"
    online = False
    fallback_for = None

    def __init__(self, path: Path, vote_floor: int = 25000, limit: int = 200) -> None:
        self.path, self.vote_floor, self.limit = path, vote_floor, limit

    def knows_directors(self) -> bool:
        """Whether the index was synced with IMDb's crew file (each film's directors)."""
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                return _directors_column(db) != "NULL"
            finally:
                db.close()
        except sqlite3.DatabaseError:
            return False

    def fetch(self, request: SourceRequest) -> SourceResult:
        results = [self.movies(genre, self.vote_floor, self.limit) for genre in request.genres]
        return SourceResult([m for r in results for m in r.items], best_status([r.status for r in results]),
                            next((r.detail for r in results if r.detail), ""))

    def movies(self, genre: str, vote_floor: int, limit: int = 200) -> SourceResult:
        if not self.path.exists():
            return SourceResult([], Status.NOT_SYNCED, "run `moodtui imdb sync` to download IMDb's datasets")
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            ranked = vote_floor >= RANKED_VOTES and db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'genre_ranked'").fetchone()
            # An index synced before genres were ranked is still read, the slow way, until the next sync.
            table = "genre_ranked g" if ranked else "movie_genres g"
            order = "g.rating DESC, g.votes DESC" if ranked else "m.rating DESC, m.votes DESC"
            rows = db.execute(
                f"SELECT {MOVIE_COLUMNS}, {_directors_column(db)} FROM {table} "
                f"JOIN movies m ON m.tconst = g.tconst WHERE g.genre = ? AND {'g' if ranked else 'm'}.votes >= ? "
                f"ORDER BY {order} LIMIT ?", (genre, vote_floor, limit)).fetchall()
        except sqlite3.DatabaseError as error:
            return SourceResult([], Status.ERROR, f"{self.path}: {error}; run `moodtui imdb sync`")
        finally:
            db.close()
        return SourceResult([_movie(row) for row in rows], Status.LOCAL)

    def by_ids(self, ids: list[str]) -> dict[str, Recommendation]:
        """The index's movies with these IMDb ids (those it has), by id."""
        if not self.path.exists() or not ids:
            return {}
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        found = {}
        try:
            directors = _directors_column(db)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = db.execute(f"SELECT {MOVIE_COLUMNS}, {directors} FROM movies m WHERE m.tconst "
                                  f"IN ({','.join('?' * len(chunk))})", chunk).fetchall()
                found.update((row[0], _movie(row)) for row in rows)
        except sqlite3.DatabaseError:
            return {}
        finally:
            db.close()
        return found

    def linked(self, movies: list[Recommendation]) -> list[Recommendation]:
        """The movies with IMDb's id, link, rating, votes and runtime where the index knows them.

        A movie matches an IMDb title whose primary or original title normalises to the same
        text and whose year is within one of its own; of several, the most-voted wins (the famous
        film, not its remake or a short of the same name). Without an index the movies come back as
        they were.
        """
        return self.linked_groups([movies])[0]

    def linked_groups(self, groups: list[list[Recommendation]]) -> list[list[Recommendation]]:
        """Each group's movies linked as by `linked`, over one connection to the index."""
        if not self.path.exists() or not any(groups):
            return groups
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            directors = _directors_column(db)
            return [[self._linked(db, movie, directors) for movie in group] for group in groups]
        except sqlite3.DatabaseError:  # an index from an older sync, or damaged: links fall back on search
            return groups
        finally:
            db.close()

    @staticmethod
    def _linked(db: sqlite3.Connection, movie: Recommendation, directors: str) -> Recommendation:
        """`directors`: the SQL of `_directors_column` for this index. The movie keeps its own genres and gains
        IMDb's (a list knows a film by one genre; a mood that avoids another must know it too)."""
        if movie.imdb_id and (movie.director_ids or directors == "NULL") and movie.extra.get("indexed"):
            return movie
        if movie.imdb_id:
            row = db.execute(f"SELECT m.tconst, m.rating, m.votes, m.runtime, m.genres, {directors} FROM movies m "
                             "WHERE m.tconst = ?", (movie.imdb_id,)).fetchone()
        else:
            row = db.execute(
                f"SELECT m.tconst, m.rating, m.votes, m.runtime, m.genres, {directors} FROM movie_titles t "
                "JOIN movies m ON m.tconst = t.tconst WHERE t.title_key = ? AND (? IS NULL OR m.year BETWEEN ? - 1 "
                "AND ? + 1) ORDER BY coalesce(m.votes, 0) DESC LIMIT 1",
                (normalise(movie.title), movie.year, movie.year, movie.year)).fetchone()
        if row is None:
            return movie
        tconst, rating, votes, runtime, genres, director_ids = row
        return dataclasses.replace(movie, imdb_id=tconst,
                                   url=movie.url if movie.imdb_id else f"https://www.imdb.com/title/{tconst}/",
                                   rating=movie.rating or rating, votes=movie.votes or votes,
                                   runtime=movie.runtime or runtime,
                                   genres=tuple(dict.fromkeys(movie.genres + tuple(g for g in (genres or "").split(",")
                                                                                    if g))),
                                   director_ids=movie.director_ids or (tuple(director_ids.split(","))
                                                                       if director_ids else ()),
                                   extra={**movie.extra, "indexed": True})
