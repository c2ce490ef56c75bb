"""Read the local movie and song lists (format: moodtui/lists/README.md)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from moodtui.recommend.items import Recommendation

MOVIE_LINE = re.compile(r"^(?P<title>.+?)\s+\((?P<year>\d{4})\)$")
SONG_LINE = re.compile(r"^(?P<artist>.+?)\s+-\s+(?P<title>.+?)\s+\((?P<year>\d{4})\)$")
MIN_YEAR, MAX_YEAR = 1880, 2100


class ListWarning(UserWarning):
    """A list line was skipped; the message names the file and line."""


def shipped_lists_dir() -> Path:
    return Path(str(resources.files("moodtui") / "lists"))


def genre_name(path: Path) -> str:
    """`sci-fi.txt` -> "Sci-Fi": IMDb's spelling of the genre."""
    return "-".join(part.capitalize() for part in path.stem.split("-"))


def _lines(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        warnings.warn(f"{path}: cannot be read ({error}); skipped", ListWarning, stacklevel=3)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def _year(match: re.Match, path: Path, number: int) -> int | None:
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        warnings.warn(f"{path}:{number}: year {year} is not plausible; line skipped", ListWarning, stacklevel=4)
        return None
    return year


def read_movie_list(path: Path) -> list[Recommendation]:
    genre, movies = genre_name(path), []
    for number, line in _lines(path):
        match = MOVIE_LINE.match(line)
        if not match:
            warnings.warn(f"{path}:{number}: expected 'Title (Year)', got {line!r}; skipped", ListWarning, stacklevel=2)
            continue
        year = _year(match, path, number)
        if year is not None:
            movies.append(Recommendation("movie", match["title"], year, (genre,), source="local list"))
    return movies


def read_song_list(path: Path) -> list[Recommendation]:
    mood, songs = path.stem.lower(), []
    for number, line in _lines(path):
        match = SONG_LINE.match(line)
        if not match:
            warnings.warn(f"{path}:{number}: expected 'Artist - Title (Year)', got {line!r}; skipped",
                          ListWarning, stacklevel=2)
            continue
        year = _year(match, path, number)
        if year is not None:
            songs.append(Recommendation("song", match["title"], year, artist=match["artist"], mood=mood,
                                        source="local list"))
    return songs


@dataclass
class LocalLists:
    """Every list under the given folders, by genre and by mood (later folders add to earlier)."""

    movies: dict[str, list[Recommendation]]
    songs: dict[str, list[Recommendation]]

    @classmethod
    def load(cls, folders: list[Path]) -> LocalLists:
        movies: dict[str, list[Recommendation]] = {}
        songs: dict[str, list[Recommendation]] = {}
        for folder in folders:
            for path in sorted((folder / "movies").glob("*.txt")):
                movies.setdefault(genre_name(path), []).extend(read_movie_list(path))
            for path in sorted((folder / "songs").glob("*.txt")):
                songs.setdefault(path.stem.lower(), []).extend(read_song_list(path))
        return cls(movies, songs)
