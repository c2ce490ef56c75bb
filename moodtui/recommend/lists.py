"""Read the local movie and song lists (format: lists/README.md)."""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from moodtui.recommend.items import Recommendation
from moodtui.recommend.sources import SourceRequest, SourceResult, Status

# "Title (Year)", optionally followed by " | Genre, Genre": IMDb genres the film has besides the file's own.
MOVIE_LINE = re.compile(r"^(?P<title>.+?)\s+\((?P<year>\d{4})\)(?:\s+\|\s*(?P<genres>[^|]+?))?$")
SONG_LINE = re.compile(r"^(?P<artist>.+?)\s+-\s+(?P<title>.+?)\s+\((?P<year>\d{4})\)$")
MIN_YEAR, MAX_YEAR = 1880, 2100


class ListWarning(UserWarning):
    """A list line was skipped; the message names the file and line."""


def shipped_lists_dir() -> Path:
    """The lists that ship with moodtui: inside the installed package (the wheel carries the repository's top-level
    lists/ as moodtui/lists), or lists/ beside the package in a checkout (an editable install)."""
    package = Path(str(resources.files("moodtui")))
    installed, checkout = package / "lists", package.parent / "lists"
    if not installed.is_dir() and (package.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return installed


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
            warnings.warn(f"{path}:{number}: expected 'Title (Year)' or 'Title (Year) | Genre, Genre', got {line!r}; "
                          "skipped", ListWarning, stacklevel=2)
            continue
        year = _year(match, path, number)
        if year is not None:
            more = tuple(g.strip() for g in (match["genres"] or "").split(",") if g.strip() and g.strip() != genre)
            movies.append(Recommendation("movie", match["title"], year, (genre, *more), source="local list"))
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
        return cls(with_every_genre(movies), songs)


def with_every_genre(movies: dict[str, list[Recommendation]]) -> dict[str, list[Recommendation]]:
    """Each film with the genres of every list it is on (Alien on the horror and the sci-fi list is both,
    whichever list brought it), so that a mood's avoided genres are known of it."""
    genres: dict[tuple[str, int | None], tuple[str, ...]] = {}
    for listed in movies.values():
        for movie in listed:
            known = genres.get((movie.key, movie.year), ())
            genres[(movie.key, movie.year)] = tuple(dict.fromkeys(known + movie.genres))
    return {genre: [dataclasses.replace(m, genres=tuple(dict.fromkeys(m.genres + genres[(m.key, m.year)])))
                    for m in listed] for genre, listed in movies.items()}


class ListSource:
    """The local lists as a source of one kind: the emotion's genres' movies, or its moods' songs and, for
    the artists the user liked in a mood, their songs from every mood's list (how songs follow the user
    offline)."""

    name = "local lists"
    online = False
    fallback_for = None

    def __init__(self, lists: LocalLists, kind: str) -> None:
        self.lists, self.kind = lists, kind

    def fetch(self, request: SourceRequest) -> SourceResult:
        if self.kind == "movie":
            return SourceResult([m for g in request.genres for m in self.lists.movies.get(g, [])], Status.LOCAL)
        songs = [s for m in request.moods for s in self.lists.songs.get(m, [])]
        for mood in request.moods:
            liked = {artist.lower() for artist in request.artists.get(mood, ())}
            songs += [dataclasses.replace(song, mood=mood, extra={**song.extra, "follows": song.artist})
                      for listed in self.lists.songs.values() for song in listed
                      if song.artist and song.artist.lower() in liked and song.mood != mood]
        return SourceResult(songs, Status.LOCAL)
