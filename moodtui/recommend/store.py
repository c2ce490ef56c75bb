"""The SQLite file in the user's data dir: source cache, feedback, recent picks, imported titles, moods.

What each table holds is listed in README.md ("What is stored"); never an image. WAL mode and a
busy timeout let the TUI and a `moodtui recommend` in another terminal share the file. A file
that is not a readable database is moved aside and a fresh one created. When the file cannot be
used at all (an unwritable data dir) or fails while the app runs (made read-only, deleted,
corrupted, locked too long by another process), the store carries on in memory for the rest of
the session: nothing is kept, nothing crashes, and `notices` (and `on_notice`) say so once.
"""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from moodtui.recommend.items import Recommendation

VERDICTS = ("like", "dislike", "seen")
RECENT_SECONDS = 6 * 3600  # what was shown this recently is not shown again while there is other choice
BUSY_SECONDS = 2.0  # how long a write waits for another process's lock: the app's keys must not hang
TABLES = ("cache", "feedback", "shown", "library", "moods", "baseline", "last_picks")
_memory_names = itertools.count()
SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (item TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
                                     verdict TEXT NOT NULL, at REAL NOT NULL, record TEXT);
CREATE TABLE IF NOT EXISTS shown (item TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS library (item TEXT PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL,
                                    source TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS moods (at REAL NOT NULL, emotion TEXT NOT NULL, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS baseline (id INTEGER PRIMARY KEY CHECK (id = 1), offsets TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS last_picks (position INTEGER PRIMARY KEY, record TEXT NOT NULL, at REAL NOT NULL);
"""
# Columns added after the first release (in SCHEMA too): (table, column, declaration), added to older files.
MIGRATIONS = (("feedback", "record", "TEXT"),)


RECORD_FIELDS = ("kind", "title", "year", "genres", "rating", "votes", "artist", "mood", "source", "url", "imdb_id",
                 "runtime", "preview", "why")


def _record(item: Recommendation) -> str:
    return json.dumps({name: list(item.genres) if name == "genres" else getattr(item, name) for name in RECORD_FIELDS})


def item_from_record(text: str) -> Recommendation:
    data = {k: v for k, v in json.loads(text).items() if k in RECORD_FIELDS}  # a newer file's extra keys: ignored
    data["genres"] = tuple(data.get("genres") or ())
    return Recommendation(**data)


def _migrate(connection: sqlite3.Connection) -> None:
    for table, column, declaration in MIGRATIONS:
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _falls_back(method):
    """Runs a store method; on a database fault, moves the store to memory and runs it again there."""

    @functools.wraps(method)
    def guarded(self: Store, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            if self.in_memory:
                raise
            self._to_memory(f"{self.path} failed ({error})")
            return method(self, *args, **kwargs)

    return guarded


class Store:
    """One connection per thread to the same file; every write is its own short transaction."""

    def __init__(self, path: Path, on_notice: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.notices: list[str] = []  # what went wrong with the file, one line each, for the UI
        self.on_notice = on_notice
        self.in_memory = False
        self._local = threading.local()
        self._memory_uri = ""
        self._anchor: sqlite3.Connection | None = None  # keeps a shared in-memory database alive
        self._generation = 0  # bumped on the move to memory, so every thread reconnects
        try:
            self._open_checked()
        except (OSError, sqlite3.Error) as error:
            self._to_memory(f"cannot use {self.path} ({error})")

    def _connect(self) -> sqlite3.Connection:
        if self.in_memory:
            return sqlite3.connect(self._memory_uri, uri=True, isolation_level=None, check_same_thread=False)
        connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _open_checked(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = self._connect()
            connection.executescript(SCHEMA)
            _migrate(connection)
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            connection.close()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):  # read-only, locked, no such file: not corruption
                raise
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self.path.replace(aside)
            self._tell(f"{self.path} was not a readable database ({error}); moved it to {aside.name} "
                       "and started a new one")
            connection = self._connect()
            connection.executescript(SCHEMA)
            connection.close()

    def _tell(self, notice: str) -> None:
        self.notices.append(notice)
        warnings.warn(notice, stacklevel=3)
        if self.on_notice is not None:
            self.on_notice(notice)

    def _to_memory(self, why: str) -> None:
        """Carries on in a fresh in-memory database, shared by this store's threads, until the process ends."""
        self.in_memory = True
        self._memory_uri = f"file:moodtui-store-{next(_memory_names)}?mode=memory&cache=shared"
        self._anchor = self._connect()
        self._anchor.executescript(SCHEMA)
        self._generation += 1
        self._tell(f"{why}: using an in-memory store for this session, nothing will be kept")

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "generation", 0) != self._generation:
            if connection is not None:
                connection.close()
            connection = self._local.connection = self._connect()
            self._local.generation = self._generation
        return connection

    # Source cache ------------------------------------------------------------------------
    @_falls_back
    def cache_get(self, key: str, allow_stale: bool = False):
        row = self.db.execute("SELECT value, expires FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] < time.time() and not allow_stale):
            return None
        return json.loads(row[0])

    @_falls_back
    def cache_put(self, key: str, value, ttl: float) -> None:
        self.db.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", (key, json.dumps(value), time.time() + ttl))

    # Feedback and recent picks -----------------------------------------------------------
    @_falls_back
    def set_feedback(self, item: Recommendation, verdict: str) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        self.db.execute("INSERT OR REPLACE INTO feedback (item, kind, title, verdict, at, record) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (item.key, item.kind, item.title, verdict, time.time(),
                                                      _record(item)))

    @_falls_back
    def verdict(self, item: Recommendation) -> str | None:
        row = self.db.execute("SELECT verdict FROM feedback WHERE item = ?", (item.key,)).fetchone()
        return row[0] if row else None

    @_falls_back
    def feedback(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT item, verdict FROM feedback"))

    @_falls_back
    def with_verdict(self, verdict: str) -> list[Recommendation]:
        """The titles given this verdict, oldest first (those from before records were kept: title only)."""
        rows = self.db.execute("SELECT kind, title, record FROM feedback WHERE verdict = ? ORDER BY at", (verdict,))
        return [item_from_record(record) if record else Recommendation(kind, title) for kind, title, record in rows]

    @_falls_back
    def keep_last_picks(self, items: Iterable[Recommendation]) -> None:
        now = time.time()
        rows = [(i, _record(item), now) for i, item in enumerate(items)]
        # The connection autocommits each statement, and the app's threads each hold their own: replacing
        # row by row and then trimming cannot collide with another thread's write, where delete-all-then-insert did.
        self.db.executemany("INSERT OR REPLACE INTO last_picks VALUES (?, ?, ?)", rows)
        self.db.execute("DELETE FROM last_picks WHERE position >= ?", (len(rows),))

    @_falls_back
    def last_picks(self) -> list[Recommendation]:
        return [item_from_record(r[0]) for r in self.db.execute("SELECT record FROM last_picks ORDER BY position")]

    @_falls_back
    def mark_shown(self, items: Iterable[Recommendation]) -> None:
        now = time.time()
        self.db.executemany("INSERT OR REPLACE INTO shown VALUES (?, ?)", [(i.key, now) for i in items])

    @_falls_back
    def recently_shown(self, seconds: float = RECENT_SECONDS) -> set[str]:
        since = time.time() - seconds
        return {row[0] for row in self.db.execute("SELECT item FROM shown WHERE at >= ?", (since,))}

    # Titles the user imported ------------------------------------------------------------
    @_falls_back
    def add_to_library(self, items: Iterable[Recommendation]) -> int:
        rows = [(i.key, i.kind, _record(i), i.source, time.time()) for i in items]
        self.db.executemany("INSERT OR REPLACE INTO library VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    @_falls_back
    def library(self, kind: str) -> list[Recommendation]:
        return [item_from_record(r[0]) for r in self.db.execute("SELECT record FROM library WHERE kind = ?", (kind,))]

    # Mood history: timestamps and emotion names only -------------------------------------
    @_falls_back
    def log_mood(self, emotion: str, origin: str) -> None:
        self.db.execute("INSERT INTO moods VALUES (?, ?, ?)", (time.time(), emotion, origin))

    @_falls_back
    def moods_since(self, at: float) -> list[tuple[float, str, str]]:
        return list(self.db.execute("SELECT at, emotion, origin FROM moods WHERE at >= ? ORDER BY at", (at,)))

    @_falls_back
    def moods(self, limit: int = 100) -> list[tuple[float, str, str]]:
        return list(self.db.execute("SELECT at, emotion, origin FROM moods ORDER BY at DESC LIMIT ?", (limit,)))

    # The user's resting-face calibration: seven numbers and a time ---------------------
    @_falls_back
    def save_baseline(self, offsets: tuple[float, ...], at: float) -> None:
        self.db.execute("INSERT OR REPLACE INTO baseline VALUES (1, ?, ?)", (json.dumps(list(offsets)), at))

    @_falls_back
    def baseline(self) -> tuple[tuple[float, ...], float] | None:
        row = self.db.execute("SELECT offsets, at FROM baseline WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            offsets = tuple(float(v) for v in json.loads(row[0]))
        except (ValueError, TypeError):
            return None
        return (offsets, float(row[1])) if len(offsets) == 7 else None

    @_falls_back
    def clear_baseline(self) -> None:
        self.db.execute("DELETE FROM baseline")

    # Forgetting ------------------------------------------------------------------------
    def forget(self, tables: Iterable[str]) -> dict[str, int]:
        """Deletes every row of these tables and rewrites the file, so no deleted row stays on disk."""
        counts = {}
        for table in tables:
            if table not in TABLES:
                raise ValueError(f"no table {table!r} in the store")
            counts[table] = self.db.execute(f"DELETE FROM {table}").rowcount  # table is one of TABLES
        if not self.in_memory:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
        return counts

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
