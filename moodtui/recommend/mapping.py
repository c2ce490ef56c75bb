"""Emotion -> movie genres and song moods, from moodtui/data/mapping.toml plus the user's overrides."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from moodtui.emotion import EMOTIONS

STRATEGIES = ("match", "lift")


@dataclass(frozen=True)
class Targets:
    """What to look for: IMDb genres and song moods, most fitting first."""

    genres: tuple[str, ...]
    moods: tuple[str, ...]


class Mapping:
    def __init__(self, tables: dict, queries: dict[str, str]) -> None:
        self.tables, self.song_queries = tables, queries

    @classmethod
    def load(cls, overrides: dict | None = None) -> Mapping:
        data = tomllib.loads((resources.files("moodtui") / "data" / "mapping.toml").read_text(encoding="utf-8"))
        for strategy, rows in (overrides or {}).items():
            if strategy in STRATEGIES and isinstance(rows, dict):
                for emotion, row in rows.items():
                    data[strategy].setdefault(emotion, {}).update(row)
        return cls({s: data[s] for s in STRATEGIES}, data.get("song_queries", {}))

    def targets(self, emotion: str, strategy: str) -> Targets:
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}: one of {', '.join(EMOTIONS)}")
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}: match or lift")
        row = self.tables[strategy][emotion]
        return Targets(tuple(row.get("genres", ())), tuple(row.get("moods", ())))
