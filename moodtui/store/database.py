"""The SQLite file in the user's data dir: what moodtui keeps about its user, and the sources' cache.

What each table holds is listed in README.md ("What is stored"); never an image.

Writes go to one writer thread, so a key never waits for the disk. What the user did (a like, a
baseline, an import, a cached answer) is committed at once; what only keeps a record (the mood
log, the titles shown, the last picks) waits up to WRITE_BEHIND seconds and goes in the next
transaction, so an hour of use is a few dozen small transactions, not one per row. A file that
another process holds is waited for, with backoff, as long as the session lasts: nothing is
dropped. Only a file that is corrupt (moved aside, a fresh one made) or cannot be written (a
read-only folder, a full disk) sends the store to memory for the rest of the session; `saving` is
then False, so that every key that stores something can say it was not saved.

Reads wait for the user's own writes still queued (never for the write-behind ones). A store
opened `read_only` (history, export, taste) writes nothing at all, so it reads a full disk.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import json
import sqlite3
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from moodtui.recommend.items import Recommendation

VERDICTS = ("like", "dislike", "seen")
RATING_VERDICTS = ("like", "dislike", "seen", "wanted")  # imported: rated high, low, in between; watchlist
SIGNALS = ("play", "export")  # what the user did with a pick besides judging it
RECENT_SECONDS = 6 * 3600  # what was shown this recently is not shown again while there is other choice
READ_BUSY_SECONDS = 2.0  # a read waits this long for a file another process is checkpointing
WRITER_BUSY_SECONDS = 0.2  # one try of the writer; it tries again, backing off, while the file is busy
BACKOFF = (0.05, 2.0)  # first and longest wait between tries on a busy file
WRITE_BEHIND = 60.0  # seconds the record-keeping writes may wait, to share one transaction
READ_WAIT = 1.0  # seconds a read waits for the user's own queued writes
CLOSE_WAIT = 3.0  # seconds closing waits for queued writes (a file held longer: said, not hung on)
TABLES = ("cache", "feedback", "shown", "library", "moods", "baseline", "last_picks", "ratings", "signals", "listens",
          "tips")
_memory_names = itertools.count()
_open_stores: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _flush_open_stores() -> None:
    """A process that ends without closing its store still commits what it queued (briefly for a busy file)."""
    for store in list(_open_stores):
        store.flush(CLOSE_WAIT)


SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (item TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
                                     verdict TEXT NOT NULL, at REAL NOT NULL, record TEXT);
CREATE TABLE IF NOT EXISTS shown (item TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS library (item TEXT PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL,
                                    source TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS moods (at REAL NOT NULL, emotion TEXT NOT NULL, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS baseline (id INTEGER PRIMARY KEY CHECK (id = 1), offsets TEXT NOT NULL, at REAL NOT NULL,
                                     model TEXT NOT NULL DEFAULT 'default');
CREATE TABLE IF NOT EXISTS last_picks (position INTEGER PRIMARY KEY, record TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (item TEXT PRIMARY KEY, kind TEXT NOT NULL, verdict TEXT NOT NULL, score REAL,
                                    imdb_id TEXT, record TEXT NOT NULL, source TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS signals (at REAL NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL, signal TEXT NOT NULL,
                                    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS listens (item TEXT NOT NULL, month TEXT NOT NULL, source TEXT NOT NULL,
                                    artist TEXT NOT NULL, title TEXT NOT NULL, plays INTEGER NOT NULL,
                                    skips INTEGER NOT NULL, ms INTEGER NOT NULL, PRIMARY KEY (item, month, source));
CREATE TABLE IF NOT EXISTS tips (name TEXT PRIMARY KEY, at REAL NOT NULL);
"""
# An imported title already stored is replaced by a rating (the latest file's word on it), and otherwise only by a
# stronger verdict than it had: a rating beats a plain watch, a watch beats the watchlist, a like beats a seen.
RATING_UPSERT = """
INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item) DO UPDATE SET
    verdict = excluded.verdict, score = excluded.score, imdb_id = excluded.imdb_id, record = excluded.record,
    source = excluded.source, at = excluded.at
WHERE (excluded.score IS NOT NULL AND excluded.verdict != 'wanted')
   OR (ratings.score IS NULL AND (CASE excluded.verdict WHEN 'like' THEN 3 WHEN 'dislike' THEN 2 WHEN 'seen' THEN 1
                                  ELSE 0 END) >= (CASE ratings.verdict WHEN 'like' THEN 3 WHEN 'dislike' THEN 2
                                                  WHEN 'seen' THEN 1 ELSE 0 END))
"""
# A month of a song's plays imported again (the same file, or two exports that overlap) is not counted twice.
LISTEN_UPSERT = """
INSERT INTO listens VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item, month, source) DO UPDATE SET
    plays = max(plays, excluded.plays), skips = max(skips, excluded.skips), ms = max(ms, excluded.ms)
"""
# Columns added after the first release (in SCHEMA too): (table, column, declaration), added to older files.
MIGRATIONS = (("feedback", "record", "TEXT"), ("baseline", "model", "TEXT NOT NULL DEFAULT 'default'"))

RECORD_FIELDS = ("kind", "title", "year", "genres", "rating", "votes", "artist", "mood", "source", "url", "imdb_id",
                 "runtime", "preview", "why", "directors")
TUPLE_FIELDS = ("genres", "directors")


def record_of(item: Recommendation) -> str:
    return json.dumps({name: list(getattr(item, name)) if name in TUPLE_FIELDS else getattr(item, name)
                       for name in RECORD_FIELDS})


def item_from_record(text: str) -> Recommendation:
    data = {k: v for k, v in json.loads(text).items() if k in RECORD_FIELDS}  # a newer file's extra keys: ignored
    for name in TUPLE_FIELDS:
        data[name] = tuple(data.get(name) or ())
    return Recommendation(**data)


def _migrate(connection: sqlite3.Connection) -> None:
    for table, column, declaration in MIGRATIONS:
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _busy(error: sqlite3.Error) -> bool:
    """Another connection holds the file: wait and try again (anything else is the file's fault)."""
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) \
        or "locked" in str(error) or "busy" in str(error)


def _reads(method=None, *, records: bool = False):
    """A read: waits for the user's own queued writes first (a read of the record-keeping tables,
    `records`, commits the write-behind ones too); on a fault of the file (not a busy one), moves the
    store to memory and reads there."""
    if method is None:
        return functools.partial(_reads, records=records)

    @functools.wraps(method)
    def guarded(self: Store, *args, **kwargs):
        if records:
            self.flush(READ_WAIT)
        else:
            self._wait_for_urgent()
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            if self.in_memory or self.read_only or _busy(error):
                raise
            self._to_memory(f"{self.path} failed ({error})")
            return method(self, *args, **kwargs)

    return guarded


Job = Callable[[sqlite3.Connection], None]


def _keep_private(path: Path) -> None:
    """The file readable by its owner alone (SQLite gives its WAL and shared-memory files the same mode): it holds
    moods, ratings and listening histories, and a shared machine's other users must not read them."""
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


class Store:
    """One reading connection per thread and one writer thread, over the same file."""

    def __init__(self, path: Path, on_notice: Callable[[str], None] | None = None, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._immutable = False  # read-only on a disk where not even the WAL's shared memory can be made
        self.notices: list[str] = []  # what went wrong with the file, one line each, for the UI
        self.on_notice = on_notice
        self.in_memory = False
        self._local = threading.local()
        self._memory_uri = ""
        self._anchor: sqlite3.Connection | None = None  # keeps a shared in-memory database alive
        self._generation = 0  # bumped on the move to memory, so every thread reconnects
        self._lock = threading.Condition()
        self._jobs: list[tuple[Job, bool, str | None]] = []  # (job, urgent, key of a job a later one replaces)
        self._urgent = 0  # urgent jobs queued or being written
        self._in_flight = 0  # jobs taken by the writer and not yet committed
        self._due: float | None = None  # when the writer must commit what is queued
        self._writer: threading.Thread | None = None
        self._closing = False
        self._close_deadline = 0.0
        self._said_busy = False
        self._writer_db: sqlite3.Connection | None = None
        self._writer_key: tuple | None = None
        self.version = 0  # bumped by every change to what the recommender learns from (verdicts, ratings, plays)
        _open_stores.add(self)
        if read_only:
            self._open_read_only()
            return
        try:
            self._open_checked()
        except (OSError, sqlite3.Error) as error:
            self._to_memory(f"cannot use {self.path} ({error})")

    # Connections ---------------------------------------------------------------------------
    def _connect(self, busy_seconds: float = READ_BUSY_SECONDS) -> sqlite3.Connection:
        if self.in_memory:
            return sqlite3.connect(self._memory_uri, uri=True, isolation_level=None, check_same_thread=False)
        if self.read_only:
            mode = "immutable=1" if self._immutable else "mode=ro"
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None,
                                         timeout=busy_seconds)
            connection.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            return connection
        connection = sqlite3.connect(self.path, timeout=busy_seconds, isolation_level=None, check_same_thread=False)
        _keep_private(self.path)
        connection.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA journal_size_limit = 1048576")  # the WAL shrinks back after a checkpoint
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

    def _open_read_only(self) -> None:
        """Reads the file as it is; no file yet, or one that cannot be read, reads as empty.

        A database in WAL mode needs its shared-memory file even to be read; on a full disk (or under
        a file-size limit) it cannot be made, and the file is then read as immutable: what the last
        checkpoint put in it (closing folds everything in), without locks or the WAL."""
        try:
            if not self.path.exists():
                raise sqlite3.OperationalError("no such file")
            try:
                connection = self._connect()
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                self._immutable = True
                connection = self._connect()
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._local.connection, self._local.generation = connection, self._generation
        except sqlite3.Error:
            self.read_only = False  # an empty memory store, which reads as nothing kept
            self.in_memory = True
            self._memory_uri = f"file:moodtui-store-{next(_memory_names)}?mode=memory&cache=shared"
            self._anchor = self._connect()
            self._anchor.executescript(SCHEMA)
            self._generation += 1

    def _tell(self, notice: str) -> None:
        self.notices.append(notice)
        warnings.warn(notice, stacklevel=3)
        if self.on_notice is not None:
            self.on_notice(notice)

    def _to_memory(self, why: str) -> None:
        """Carries on in a fresh in-memory database, shared by this store's threads, until the process ends."""
        with self._lock:
            if self.in_memory:
                return
            self.in_memory = True
            self._memory_uri = f"file:moodtui-store-{next(_memory_names)}?mode=memory&cache=shared"
            self._anchor = self._connect()
            self._anchor.executescript(SCHEMA)
            self._generation += 1
        self._tell(f"{why}: using an in-memory store for this session, nothing will be kept")

    @property
    def saving(self) -> bool:
        """Whether what is stored now reaches the file (False once the store runs in memory)."""
        return not self.in_memory and not self.read_only

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's reading connection."""
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "generation", 0) != self._generation:
            if connection is not None:
                connection.close()
            connection = self._local.connection = self._connect()
            self._local.generation = self._generation
        return connection

    # The writer ----------------------------------------------------------------------------
    def _write(self, job: Job, urgent: bool = True, replaces: str | None = None) -> None:
        """Queue a write; urgent ones are committed at once, the rest within WRITE_BEHIND seconds."""
        if self.read_only:
            raise sqlite3.OperationalError("this store was opened read-only")
        with self._lock:
            if replaces is not None:
                self._jobs = [queued for queued in self._jobs if queued[2] != replaces]
            self._jobs.append((job, urgent, replaces))
            now = time.monotonic()
            due = now if urgent else now + WRITE_BEHIND
            self._due = due if self._due is None else min(self._due, due)
            self._urgent += urgent
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="store writer", daemon=True)
                self._writer.start()
            self._lock.notify_all()

    def _write_loop(self) -> None:
        while True:
            with self._lock:
                while not self._jobs or (self._due is not None and time.monotonic() < self._due
                                         and not self._closing):
                    if self._closing and not self._jobs:
                        self._writer = None
                        return
                    wait = None if not self._jobs or self._due is None else max(0.0, self._due - time.monotonic())
                    self._lock.wait(wait)
                batch, self._jobs, self._due = self._jobs, [], None
                self._in_flight = len(batch)
            self._commit([job for job, _, _ in batch])
            with self._lock:
                self._in_flight = 0
                self._urgent -= sum(urgent for _, urgent, _ in batch)
                self._lock.notify_all()

    def _commit(self, jobs: list[Job]) -> None:
        """All the jobs in one transaction; a busy file is tried again, backing off, until it frees."""
        delay = BACKOFF[0]
        while True:
            try:
                connection = self._writer_connection()
                connection.execute("BEGIN IMMEDIATE")
                try:
                    for job in jobs:
                        job(connection)
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                if self._said_busy:
                    self._said_busy = False
                return
            except sqlite3.Error as error:
                if self.in_memory:
                    warnings.warn(f"not stored: {error}", stacklevel=1)
                    return
                if _busy(error) and not self._gave_up():
                    if not self._said_busy:
                        self._said_busy = True
                        warnings.warn(f"{self.path} is busy (another program is writing it): waiting", stacklevel=1)
                    time.sleep(delay)
                    delay = min(delay * 2, BACKOFF[1])
                    continue
                if _busy(error):
                    self._tell(f"{self.path} stayed busy: {len(jobs)} changes were not saved")
                    return
                self._to_memory(f"{self.path} cannot be written ({error})")

    def _gave_up(self) -> bool:
        return self._closing and time.monotonic() > self._close_deadline

    def _writer_connection(self) -> sqlite3.Connection:
        key = (self._generation, self.in_memory)
        if self._writer_db is None or self._writer_key != key:
            if self._writer_db is not None:
                self._writer_db.close()
            self._writer_db = self._connect(WRITER_BUSY_SECONDS)
            self._writer_key = key
        return self._writer_db

    def _wait_for_urgent(self) -> None:
        if self._urgent == 0 or threading.current_thread() is self._writer:
            return
        deadline = time.monotonic() + READ_WAIT
        with self._lock:
            while self._urgent and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())

    def flush(self, timeout: float | None = None) -> bool:
        """Commit everything queued now; True when nothing is left waiting."""
        with self._lock:
            if self._jobs:
                self._due = time.monotonic()
                self._lock.notify_all()
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._jobs or self._in_flight:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._lock.wait(left)
        return True

    # Source cache ------------------------------------------------------------------------
    @_reads
    def cache_get(self, key: str, allow_stale: bool = False):
        row = self.db.execute("SELECT value, expires FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] < time.time() and not allow_stale):
            return None
        return json.loads(row[0])

    def cache_put(self, key: str, value, ttl: float) -> None:
        row = (key, json.dumps(value), time.time() + ttl)
        self._write(lambda db: db.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", row))

    # Feedback and what the user did with picks --------------------------------------------
    def set_feedback(self, item: Recommendation, verdict: str) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        row = (item.key, item.kind, item.title, verdict, time.time(), record_of(item))
        self.version += 1
        self._write(lambda db: db.execute("INSERT OR REPLACE INTO feedback (item, kind, title, verdict, at, record) "
                                          "VALUES (?, ?, ?, ?, ?, ?)", row))

    @_reads
    def verdict(self, item: Recommendation) -> str | None:
        row = self.db.execute("SELECT verdict FROM feedback WHERE item = ?", (item.key,)).fetchone()
        return row[0] if row else None

    @_reads
    def feedback(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT item, verdict FROM feedback"))

    @_reads
    def feedback_items(self) -> list[tuple[Recommendation, str, float]]:
        """Every verdict with the title it was given to, oldest first (titles from before records were kept:
        title only)."""
        rows = self.db.execute("SELECT kind, title, record, verdict, at FROM feedback ORDER BY at")
        return [(item_from_record(record) if record else Recommendation(kind, title), verdict, at)
                for kind, title, record, verdict, at in rows]

    def with_verdict(self, verdict: str) -> list[Recommendation]:
        """The titles given this verdict, oldest first."""
        return [item for item, given, _ in self.feedback_items() if given == verdict]

    def add_signal(self, items: Iterable[Recommendation], signal: str) -> None:
        """The user played a preview of, or exported, these picks."""
        if signal not in SIGNALS:
            raise ValueError(f"signal must be one of {', '.join(SIGNALS)}")
        now = time.time()
        rows = [(now, item.key, item.kind, signal, record_of(item)) for item in items]
        self.version += 1
        self._write(lambda db: db.executemany("INSERT INTO signals VALUES (?, ?, ?, ?, ?)", rows))

    @_reads
    def signals(self) -> list[tuple[Recommendation, str, float]]:
        return [(item_from_record(record), signal, at)
                for record, signal, at in self.db.execute("SELECT record, signal, at FROM signals ORDER BY at")]

    # Imported ratings and watch histories --------------------------------------------------
    def import_history(self, rows: Iterable[tuple[Recommendation, str, float | None, str]] = (),
                       listens: Iterable[tuple[Recommendation, str, int, int, int, str]] = ()) -> None:
        """One file's titles and listening, in one transaction.

        rows: (title, verdict, score from -1 to 1 or None, source); a title already stored keeps the stronger word
        on it (RATING_UPSERT). listens: (song, "YYYY-MM", plays, early skips, ms played, source), counted once a
        song, month and source however often they are imported. Importing the same file twice leaves the same
        state."""
        now = time.time()
        values = []
        for item, verdict, score, source in rows:
            if verdict not in RATING_VERDICTS:
                raise ValueError(f"verdict must be one of {', '.join(RATING_VERDICTS)}")
            values.append((item.key, item.kind, verdict, score, item.imdb_id, record_of(item), source, now))
        played = [(song.key, month, source, song.artist or "", song.title, plays, skips, ms)
                  for song, month, plays, skips, ms, source in listens]

        def store(db: sqlite3.Connection) -> None:
            db.executemany(RATING_UPSERT, values)
            db.executemany(LISTEN_UPSERT, played)

        self.version += 1
        self._write(store)

    def import_ratings(self, rows: Iterable[tuple[Recommendation, str, float | None, str]]) -> None:
        """(title, verdict, score, source) rows in one transaction (import_history)."""
        self.import_history(rows)

    @_reads
    def ratings(self) -> list[tuple[Recommendation, str, float | None]]:
        return [(item_from_record(record), verdict, score)
                for record, verdict, score in self.db.execute("SELECT record, verdict, score FROM ratings")]

    @_reads
    def listens(self) -> list[dict]:
        """A song's listening added up over months and services: {item, plays, skips (early), ms, first and last
        ("YYYY-MM"), sources}, most played and skipped first."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'listens'").fetchone():
            return []  # a file from before listening histories, read without changing it
        rows = self.db.execute("SELECT min(artist), min(title), sum(plays), sum(skips), sum(ms), min(month), "
                               "max(month), group_concat(DISTINCT source) FROM listens GROUP BY item "
                               "ORDER BY sum(plays) + sum(skips) DESC, item")
        return [{"item": Recommendation("song", title, artist=artist or None, source=sources.split(",")[0]),
                 "plays": plays, "skips": skips, "ms": ms, "first": first, "last": last,
                 "sources": sorted(sources.split(","))}
                for artist, title, plays, skips, ms, first, last, sources in rows]

    # What was shown ----------------------------------------------------------------------
    def record_picks(self, items: list[Recommendation]) -> None:
        """A set of picks was shown: marked shown and kept as the last picks, in the next write-behind
        transaction (a newer set replaces a queued one's last picks); rows that did not change are not
        written again, and marks older than RECENT_SECONDS are let go."""
        now = time.time()
        shown = [(item.key, now) for item in items]
        last = [(i, record_of(item), now) for i, item in enumerate(items)]

        def mark(db: sqlite3.Connection) -> None:
            db.executemany("INSERT INTO shown VALUES (?, ?) ON CONFLICT(item) DO UPDATE SET at = excluded.at", shown)
            db.execute("DELETE FROM shown WHERE at < ?", (now - RECENT_SECONDS,))

        def keep(db: sqlite3.Connection) -> None:
            db.executemany("INSERT INTO last_picks VALUES (?, ?, ?) ON CONFLICT(position) DO UPDATE SET "
                           "record = excluded.record, at = excluded.at WHERE record != excluded.record", last)
            db.execute("DELETE FROM last_picks WHERE position >= ?", (len(last),))

        self._write(mark, urgent=False)
        self._write(keep, urgent=False, replaces="last_picks")

    @_reads(records=True)
    def last_picks(self) -> list[Recommendation]:
        return [item_from_record(r[0]) for r in self.db.execute("SELECT record FROM last_picks ORDER BY position")]

    @_reads(records=True)
    def recently_shown(self, seconds: float = RECENT_SECONDS) -> set[str]:
        since = time.time() - seconds
        return {row[0] for row in self.db.execute("SELECT item FROM shown WHERE at >= ?", (since,))}

    # Titles the user imported from saved pages -------------------------------------------
    def add_to_library(self, items: Iterable[Recommendation]) -> int:
        rows = [(i.key, i.kind, record_of(i), i.source, time.time()) for i in items]
        self._write(lambda db: db.executemany("INSERT OR REPLACE INTO library VALUES (?, ?, ?, ?, ?)", rows))
        return len(rows)

    @_reads
    def library(self, kind: str) -> list[Recommendation]:
        return [item_from_record(r[0]) for r in self.db.execute("SELECT record FROM library WHERE kind = ?", (kind,))]

    @_reads
    def wanted(self, kind: str) -> list[Recommendation]:
        """The titles of this kind on the user's imported watchlists (read for every set of picks: these rows
        only, not every rating)."""
        return [item_from_record(r[0]) for r in self.db.execute(
            "SELECT record FROM ratings WHERE verdict = 'wanted' AND kind = ?", (kind,))]

    # Mood history: timestamps and emotion names only -------------------------------------
    def log_mood(self, emotion: str, origin: str) -> None:
        row = (time.time(), emotion, origin)
        self._write(lambda db: db.execute("INSERT INTO moods VALUES (?, ?, ?)", row), urgent=False)

    @_reads(records=True)
    def moods_since(self, at: float) -> list[tuple[float, str, str]]:
        return list(self.db.execute("SELECT at, emotion, origin FROM moods WHERE at >= ? ORDER BY at", (at,)))

    @_reads(records=True)
    def moods(self, limit: int = 100) -> list[tuple[float, str, str]]:
        return list(self.db.execute("SELECT at, emotion, origin FROM moods ORDER BY at DESC LIMIT ?", (limit,)))

    # The user's resting-face calibration: seven numbers, a time, a model name ----------
    def save_baseline(self, offsets: tuple[float, ...], at: float, model: str = "default") -> None:
        row = (json.dumps(list(offsets)), at, model or "default")
        self._write(lambda db: db.execute("INSERT OR REPLACE INTO baseline (id, offsets, at, model) "
                                          "VALUES (1, ?, ?, ?)", row))

    @_reads
    def baseline(self) -> tuple[tuple[float, ...], float, str] | None:
        """(offsets, when, the model that read the face); a baseline from before models were named is the
        default model's, the only one there was."""
        row = self.db.execute("SELECT offsets, at, model FROM baseline WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            offsets = tuple(float(v) for v in json.loads(row[0]))
        except (ValueError, TypeError):
            return None
        return (offsets, float(row[1]), row[2] or "default") if len(offsets) == 7 else None

    @_reads  # not the write-behind ones: asking must not commit them (a tip given this session is known to the app)
    def tip_given(self, name: str) -> bool:
        """Whether the app already gave this tip in an earlier session (each is given once, ever)."""
        return self.db.execute("SELECT 1 FROM tips WHERE name = ?", (name,)).fetchone() is not None

    def give_tip(self, name: str) -> None:
        row = (name, time.time())
        # Record keeping (write-behind): it joins the next small transaction, not a write of its own.
        self._write(lambda db: db.execute("INSERT OR IGNORE INTO tips VALUES (?, ?)", row), urgent=False)

    def clear_baseline(self) -> None:
        self._write(lambda db: db.execute("DELETE FROM baseline"))

    # Forgetting ------------------------------------------------------------------------
    def forget(self, tables: Iterable[str]) -> dict[str, int]:
        """Deletes every row of these tables and rewrites the file, so no deleted row stays on disk."""
        tables = list(tables)
        for table in tables:
            if table not in TABLES:
                raise ValueError(f"no table {table!r} in the store")
        self.flush()
        counts: dict[str, int] = {}

        def delete(db: sqlite3.Connection) -> None:
            for table in tables:
                counts[table] = db.execute(f"DELETE FROM {table}").rowcount  # table is one of TABLES

        self._write(delete)
        self.version += 1
        self.flush()
        if not self.in_memory:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
        return counts

    def close(self) -> None:
        """Commit what is queued (waiting at most CLOSE_WAIT for a busy file), then close."""
        with self._lock:
            self._closing = True
            self._close_deadline = time.monotonic() + CLOSE_WAIT
            self._due = time.monotonic()
            self._lock.notify_all()
        if not self.flush(CLOSE_WAIT + 1.0):
            self._tell(f"{self.path} stayed busy: some changes were not saved")
        writer_db = self._writer_db
        if writer_db is not None and not self.in_memory:
            with contextlib.suppress(sqlite3.Error):  # leave a tidy file: the WAL folded in and cut back
                writer_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
        with self._lock:
            self._closing = False
            if self._writer_db is not None:  # the next write opens the file afresh
                self._writer_db.close()
                self._writer_db, self._writer_key = None, None


def open_store(path: Path, read_only: bool = False, on_notice: Callable[[str], None] | None = None) -> Store:
    """The user's store at `path`: the file, or memory when the file cannot be used (see Store)."""
    return Store(path, on_notice=on_notice, read_only=read_only)
