"""A generated catalogue of movies, indexed the way `moodtui imdb sync` indexes IMDb's datasets, and
simulated users with hidden tastes who judge what they are shown and rate what they saw before.

Used by benchmarks/taste.py and by the taste tests: titles with one to three genres, a year, a
director, an IMDb-style rating and a vote count, written as title.basics / title.ratings / title.crew
TSV and indexed by moodtui.recommend.imdb_datasets.build_index.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from moodtui.recommend.imdb_datasets import BASICS_HEADER, CREW_HEADER, RATINGS_HEADER, build_index
from moodtui.recommend.items import Recommendation

GENRES = ["Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama", "Family",
          "Fantasy", "History", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller"]
DIRECTORS = [f"Director {i}" for i in range(120)]


def director_id(name: str) -> str:
    """The IMDb-style name id of a generated director ("Director 7" -> nm0000007)."""
    return f"nm{int(name.rsplit(' ', 1)[1]):07d}"


@dataclass(frozen=True)
class Title:
    imdb_id: str
    title: str
    year: int
    genres: tuple[str, ...]
    director: str
    rating: float
    votes: int


def catalogue(count: int, seed: int = 0) -> list[Title]:
    rng = random.Random(seed)
    titles = []
    for i in range(count):
        genres = tuple(rng.sample(GENRES, rng.choice((1, 2, 2, 3))))
        titles.append(Title(f"tt{9_000_000 + i}", f"Generated Film {i}", rng.randint(1950, 2024), genres,
                            rng.choice(DIRECTORS), round(rng.uniform(5.5, 8.9), 1), rng.randint(30_000, 900_000)))
    return titles


def write_index(titles: list[Title], folder: Path) -> Path:
    """Index the titles as a synced IMDb index at folder/imdb/imdb.sqlite; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    basics, ratings, crew = (folder / f"title.{name}.tsv" for name in ("basics", "ratings", "crew"))
    with basics.open("w") as b, ratings.open("w") as r, crew.open("w") as c:
        b.write("\t".join(BASICS_HEADER) + "\n")
        r.write("\t".join(RATINGS_HEADER) + "\n")
        c.write("\t".join(CREW_HEADER) + "\n")
        for t in titles:
            b.write(f"{t.imdb_id}\tmovie\t{t.title}\t{t.title}\t0\t{t.year}\t\\N\t110\t{','.join(t.genres)}\n")
            r.write(f"{t.imdb_id}\t{t.rating}\t{t.votes}\n")
            directors = director_id(t.director) if t.director else "\\N"  # \N: IMDb's empty field
            c.write(f"{t.imdb_id}\t{directors}\t\\N\n")
    out = folder / "imdb" / "imdb.sqlite"
    out.parent.mkdir(exist_ok=True)
    build_index(basics, ratings, out, crew=crew)
    return out


@dataclass
class User:
    """Hidden preferences: two loved genres, a loved decade, favourite directors, a hated genre."""

    loved: tuple[str, str]
    decade: int
    directors: frozenset[str]
    hated: str
    shown: list[str] = field(default_factory=list)

    @classmethod
    def draw(cls, rng: random.Random) -> User:
        genres = rng.sample(GENRES, 3)
        return cls((genres[0], genres[1]), rng.choice(range(1950, 2030, 10)), frozenset(rng.sample(DIRECTORS, 4)),
                   genres[2])

    def utility(self, genres: tuple[str, ...], year: int | None, director: str | None) -> float:
        if self.hated in genres:
            return -2.0
        return (1.0 * bool(set(self.loved) & set(genres)) + 0.8 * (year is not None and year // 10 * 10 == self.decade)
                + 1.0 * (director in self.directors))

    def likes(self, item: Recommendation, by_id: dict[str, Title]) -> bool:
        known = by_id.get(item.imdb_id or "")
        director = known.director if known else None
        return self.utility(item.genres, item.year, director) >= 1.0

    def earlier_ratings(self, titles: list[Title], count: int, rng: random.Random, path: Path) -> Path:
        """An IMDb ratings export of `count` titles this user saw before, rated by their taste."""
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type",
                             "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date",
                             "Directors"])
            for t in rng.sample(titles, count):
                rating = max(1, min(10, round(5.5 + 2.5 * self.utility(t.genres, t.year, t.director)
                                              + rng.gauss(0, 1))))
                writer.writerow([t.imdb_id, rating, "2025-01-01", t.title, t.title,
                                 f"https://www.imdb.com/title/{t.imdb_id}/", "Movie", t.rating, 110, t.year,
                                 ", ".join(t.genres), t.votes, f"{t.year}-01-01", t.director])
        return path
