"""Emotion -> movie genres and song moods, from moodtui/data/mapping.toml plus the user's overrides."""

from __future__ import annotations

import tomllib
import warnings
from dataclasses import dataclass
from importlib import resources

from moodtui.errors import UserError
from moodtui.labels import EMOTIONS

STRATEGIES = ("match", "lift")


@dataclass(frozen=True)
class Targets:
    """What to look for: IMDb genres and song moods, most fitting first; and the genres that never fit the
    mood (a movie with any of them is never picked, whatever else it is)."""

    genres: tuple[str, ...]
    moods: tuple[str, ...]
    avoid: tuple[str, ...] = ()

    def avoids(self, genres: tuple[str, ...]) -> bool:
        return bool(self.avoid) and not set(self.avoid).isdisjoint(genres)


class MappingError(UserError, ValueError):
    """An override of the mapping that cannot be used; the message names its key."""


def shipped_mapping() -> dict:
    return tomllib.loads((resources.files("moodtui") / "data" / "mapping.toml").read_text(encoding="utf-8"))


def check_overrides(overrides: dict) -> None:
    """Raises MappingError for an override of the wrong shape; warns about genres and moods nothing has."""
    shipped = shipped_mapping()
    genres, moods = set(shipped["genres"]), set(shipped["song_queries"])
    for strategy, rows in overrides.items():
        if strategy not in STRATEGIES or not isinstance(rows, dict):
            raise MappingError(f"mapping.{strategy}: expected [mapping.match] or [mapping.lift], a table of emotions")
        for emotion, row in rows.items():
            key = f"mapping.{strategy}.{emotion}"
            if emotion not in EMOTIONS:
                raise MappingError(f"{key}: unknown emotion, one of {', '.join(EMOTIONS)}")
            if not isinstance(row, dict) or set(row) - {"genres", "moods", "avoid"}:
                raise MappingError(f'{key}: expected a table like {{ genres = ["Comedy"], moods = ["happy"], '
                                   f'avoid = ["War"] }}, not {row!r}')
            for field, known in (("genres", genres), ("moods", moods), ("avoid", genres)):
                values = row.get(field, [])
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise MappingError(f"{key}.{field}: expected a list of names, not {values!r}")
                for value in values:
                    if value not in known:
                        warnings.warn(f"{key}.{field}: {value!r} is not one of {', '.join(sorted(known))}; "
                                      "it finds nothing", stacklevel=2)


class Mapping:
    def __init__(self, tables: dict, queries: dict[str, str], deezer: dict | None = None) -> None:
        self.tables, self.song_queries, self.deezer = tables, queries, deezer or {}

    @classmethod
    def load(cls, overrides: dict | None = None) -> Mapping:
        data = shipped_mapping()
        for strategy, rows in (overrides or {}).items():
            if strategy in STRATEGIES and isinstance(rows, dict):
                for emotion, row in rows.items():
                    if isinstance(row, dict):
                        data[strategy].setdefault(emotion, {}).update(row)
        return cls({s: data[s] for s in STRATEGIES}, data.get("song_queries", {}), data.get("deezer", {}))

    def targets(self, emotion: str, strategy: str) -> Targets:
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}: one of {', '.join(EMOTIONS)}")
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}: match or lift")
        row = self.tables[strategy][emotion]
        genres = tuple(row.get("genres", ()))
        # A genre the row asks for is never avoided (an override may ask for what the shipped row avoids).
        return Targets(genres, tuple(row.get("moods", ())), tuple(g for g in row.get("avoid", ()) if g not in genres))
