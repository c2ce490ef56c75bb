"""The value that crosses from recommendation sources to the engine and the screen."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote_plus

from moodtui.text import terminal_safe


@dataclass(frozen=True)
class Recommendation:
    """A movie or a song. Titles are kept as the source gave them (markup included), except that every
    text field is made terminal-safe here, where text from outside enters (moodtui.text)."""

    kind: str  # "movie" or "song"
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    rating: float | None = None
    votes: int | None = None
    artist: str | None = None
    mood: str | None = None
    source: str = ""
    url: str | None = None
    imdb_id: str | None = None
    runtime: int | None = None  # minutes
    preview: str | None = None  # a 30-second audio preview of a song, when the service gives one
    why: str = ""  # why this pick: the genre or mood it stands for, the emotion and strategy, its source
    directors: tuple[str, ...] = ()  # where known (an IMDb ratings export names them)
    director_ids: tuple[str, ...] = field(default=(), compare=False)  # IMDb name ids, from a synced index
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in ("title", "artist", "mood", "source", "url", "imdb_id", "preview", "why"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, terminal_safe(value))
        object.__setattr__(self, "genres", tuple(terminal_safe(g) for g in self.genres))
        object.__setattr__(self, "directors", tuple(terminal_safe(d) for d in self.directors))
        object.__setattr__(self, "director_ids", tuple(terminal_safe(d) for d in self.director_ids))

    @cached_property
    def key(self) -> str:
        """Identity across sources: the normalised title (and artist), ignoring year and case."""
        base = normalise(self.title)
        return f"{self.kind}:{normalise(self.artist or '')}:{base}" if self.kind == "song" else f"movie:{base}"

    def movie_json(self) -> dict:
        return {"title": self.title, "year": self.year, "genres": list(self.genres), "rating": self.rating,
                "votes": self.votes, "runtime": self.runtime, "imdb_id": self.imdb_id, "source": self.source,
                "url": self.url, "trailer": trailer_url(self), "why": self.why}

    def song_json(self) -> dict:
        return {"title": self.title, "artist": self.artist, "year": self.year, "mood": self.mood,
                "source": self.source, "url": self.url, "preview": self.preview, "why": self.why}


def named(item: Recommendation) -> str:
    """How a title is named to the user: "Alien (1979)", "ABBA - Dancing Queen"."""
    if item.kind == "song":
        return f"{item.artist} - {item.title}" if item.artist else item.title
    return f"{item.title} ({item.year})" if item.year else item.title


def trailer_url(movie: Recommendation) -> str:
    """A video-site search for the movie's trailer (a link only: no request is made)."""
    query = " ".join(str(part) for part in (movie.title, movie.year, "trailer") if part)
    return f"https://www.youtube.com/results?search_query={quote_plus(query)}"


_DROP = re.compile(r"\((feat|ft|with)\.?[^)]*\)|\[(feat|ft)\.?[^\]]*\]|[^\w\s]", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation or featured artists, one space: for spotting duplicates."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _DROP.sub(" ", text.lower())
    text = re.sub(r"^(the|a|an)\s+", "", text.strip())
    return " ".join(text.split())
