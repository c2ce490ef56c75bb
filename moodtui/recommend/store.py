"""The SQLite file in the user's data dir: source cache, feedback, recent picks, imported titles, moods.

About the user it keeps mood history (timestamps and emotion names) and the resting-face baseline
(seven numbers and a time), never images. WAL mode and a busy
timeout let the TUI and a `moodtui recommend` in another terminal share the file. A file that
is not a readable database is moved aside and a fresh one created, with a warning.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable
from pathlib import Path

from moodtui.recommend.items import Recommendation

VERDICTS = ("like", "dislike", "seen")
RECENT_SECONDS = 6 * 3600  # what was shown this recently is not shown again while there is other choice
SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (item TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
                                     verdict TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS shown (item TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS library (item TEXT PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL,
                                    source TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS moods (at REAL NOT NULL, emotion TEXT NOT NULL, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS baseline (id INTEGER PRIMARY KEY CHECK (id = 1), offsets TEXT NOT NULL, at REAL NOT NULL);
"""


def _record(item: Recommendation) -> str:
    return json.dumps({"kind": item.kind, "title": item.title, "year": item.year, "genres": list(item.genres),
                       "rating": item.rating, "votes": item.votes, "artist": item.artist, "mood": item.mood,
                       "source": item.source, "url": item.url, "imdb_id": item.imdb_id})


def item_from_record(text: str) -> Recommendation:
    data = json.loads(text)
    data["genres"] = tuple(data.get("genres") or ())
    return Recommendation(**data)


class Store:
    """One connection per thread to the same file; every write is its own short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._open_checked()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        connection.execute("PRAGMA busy_timeout = 10000")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _open_checked(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = self._connect()
            connection.executescript(SCHEMA)
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            connection.close()
        except sqlite3.DatabaseError as error:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self.path.replace(aside)
            warnings.warn(f"{self.path} was not a readable database ({error}); moved it to {aside.name} "
                          "and started a new one", stacklevel=2)
            connection = self._connect()
            connection.executescript(SCHEMA)
            connection.close()

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    # Source cache ------------------------------------------------------------------------
    def cache_get(self, key: str, allow_stale: bool = False):
        row = self.db.execute("SELECT value, expires FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] < time.time() and not allow_stale):
            return None
        return json.loads(row[0])

    def cache_put(self, key: str, value, ttl: float) -> None:
        self.db.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", (key, json.dumps(value), time.time() + ttl))

    # Feedback and recent picks -----------------------------------------------------------
    def set_feedback(self, item: Recommendation, verdict: str) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        self.db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?)",
                        (item.key, item.kind, item.title, verdict, time.time()))

    def verdict(self, item: Recommendation) -> str | None:
        row = self.db.execute("SELECT verdict FROM feedback WHERE item = ?", (item.key,)).fetchone()
        return row[0] if row else None

    def feedback(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT item, verdict FROM feedback"))

    def mark_shown(self, items: Iterable[Recommendation]) -> None:
        now = time.time()
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO shown VALUES (?, ?)", [(i.key, now) for i in items])

    def recently_shown(self, seconds: float = RECENT_SECONDS) -> set[str]:
        since = time.time() - seconds
        return {row[0] for row in self.db.execute("SELECT item FROM shown WHERE at >= ?", (since,))}

    # Titles the user imported ------------------------------------------------------------
    def add_to_library(self, items: Iterable[Recommendation]) -> int:
        rows = [(i.key, i.kind, _record(i), i.source, time.time()) for i in items]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO library VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def library(self, kind: str) -> list[Recommendation]:
        return [item_from_record(r[0]) for r in self.db.execute("SELECT record FROM library WHERE kind = ?", (kind,))]

    # Mood history: timestamps and emotion names only -------------------------------------
    def log_mood(self, emotion: str, origin: str) -> None:
        self.db.execute("INSERT INTO moods VALUES (?, ?, ?)", (time.time(), emotion, origin))

    def moods(self, limit: int = 100) -> list[tuple[float, str, str]]:
        return list(self.db.execute("SELECT at, emotion, origin FROM moods ORDER BY at DESC LIMIT ?", (limit,)))

    # The user's resting-face calibration: seven numbers and a time ---------------------
    def save_baseline(self, offsets: tuple[float, ...], at: float) -> None:
        self.db.execute("INSERT OR REPLACE INTO baseline VALUES (1, ?, ?)", (json.dumps(list(offsets)), at))

    def baseline(self) -> tuple[tuple[float, ...], float] | None:
        row = self.db.execute("SELECT offsets, at FROM baseline WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            offsets = tuple(float(v) for v in json.loads(row[0]))
        except (ValueError, TypeError):
            return None
        return (offsets, float(row[1])) if len(offsets) == 7 else None

    def clear_baseline(self) -> None:
        self.db.execute("DELETE FROM baseline")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
