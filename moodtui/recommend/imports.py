"""What the user already rated, watched or played elsewhere: IMDb's ratings export, Letterboxd's account export,
and listening histories (moodtui.recommend.listening: Spotify, ListenBrainz).

CSV files are recognised by their header, not their name: IMDb's ratings export (`Const, Your Rating,
...`; older ones lack `Original Title`), an IMDb list or watchlist export (`Position, Const, ...`),
and Letterboxd's files (`Date, Name, Year, Letterboxd URI`, with `Rating` in ratings.csv,
diary.csv and reviews.csv). Letterboxd's watched.csv, watchlist.csv and likes/films.csv share one
header, so only there the file's name says which it is. A Letterboxd, Spotify or ListenBrainz download is
read as downloaded (the zip) or unzipped (the folder).

Every title rated or watched counts as seen (never picked again); 7/10 or 3.5 stars and up is a
like, 4/10 or 2 stars and down a dislike; watchlist titles are wanted. Titles are matched to the
IMDb index by id (IMDb) or by title and year (Letterboxd) for their genres; a title that does not
match is kept by title and year, and still left out of the picks.

Each file, zip or folder named is imported on its own, in one transaction, or refused whole with one line
naming the file (and line) and why; the others are imported all the same.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from moodtui.errors import UserError
from moodtui.recommend.items import Recommendation, normalise
from moodtui.recommend.listening import Listening, is_listening_name, parse_listening
from moodtui.recommend.taste import rating_score
from moodtui.text import counted

LIKE_AT, DISLIKE_AT = 7.0, 4.0  # on IMDb's 1-10 scale; Letterboxd's stars count double
MOVIE_TYPES = {"movie", "tv movie", "video"}  # IMDb title types that are films; series, episodes, games are not
VERDICT_ORDER = ("wanted", "seen", "dislike", "like")  # what a later file may change a title's verdict to


class ExportError(UserError, ValueError):
    """A file that is not a ratings export, or a row that cannot be read; names the file and line."""


@dataclass(frozen=True)
class Rated:
    item: Recommendation
    verdict: str  # like, dislike, seen, wanted
    score: float | None  # -1 .. 1 from a rating, None when only watched or wanted
    source: str  # "imdb" or "letterboxd"


@dataclass
class ImportSummary:
    liked: int = 0
    disliked: int = 0
    seen: int = 0
    wanted: int = 0
    not_movies: int = 0
    unmatched: int = 0
    index: bool = True  # an IMDb index was there to match against

    @property
    def titles(self) -> int:
        return self.liked + self.disliked + self.seen + self.wanted

    def line(self) -> str:
        """The counts in words that add up: the titles are the liked, disliked, seen and wanted ones."""
        text = (f"{counted(self.titles, 'title')} ({self.liked} liked, {self.disliked} disliked, {self.seen} seen, "
                f"{self.wanted} wanted)")
        if self.titles:
            text += (f", {self.titles - self.unmatched} of them found in the IMDb index" if self.index
                     else ", not matched to IMDb (no index: `moodtui imdb sync`)")
        if self.not_movies:
            text += f"; {counted(self.not_movies, 'row')} left out: not a movie (a series, an episode, a game)"
        return text


def verdict_for(rating: float | None) -> str:
    if rating is None:
        return "seen"
    return "like" if rating >= LIKE_AT else "dislike" if rating <= DISLIKE_AT else "seen"


def _number(text: str, where: str, column: str, whole: bool = False) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text) if whole else float(text)
    except ValueError:
        raise ExportError(f"{where}: {column!r} is not a number ({text!r})") from None


def _rows(text: str, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(where, row) for each data row; a row with the wrong number of cells is an error naming its line."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    for row in reader:
        where = f"{name}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ExportError(f"{where}: {len(row)} cells where the header has {len(header)}")
        yield where, dict(zip(header, row, strict=True))


def _imdb_rows(text: str, name: str, wanted: bool, counts: ImportSummary) -> list[Rated]:
    rated = []
    for where, row in _rows(text, name):
        if row.get("Title Type", "movie").strip().lower() not in MOVIE_TYPES:
            counts.not_movies += 1
            continue
        rating = None if wanted else _number(row.get("Your Rating", ""), where, "Your Rating")
        if rating is not None and not 1 <= rating <= 10:
            raise ExportError(f"{where}: 'Your Rating' must be 1-10, not {rating:g}")
        title = row.get("Title", "").strip()
        if not title:
            raise ExportError(f"{where}: the row has no title")
        imdb_id = row.get("Const", "").strip() or None
        item = Recommendation(
            "movie", title, _number(row.get("Year", ""), where, "Year", whole=True),
            tuple(g.strip() for g in row.get("Genres", "").split(",") if g.strip()),
            _number(row.get("IMDb Rating", ""), where, "IMDb Rating"),
            _number(row.get("Num Votes", ""), where, "Num Votes", whole=True), source="your IMDb ratings",
            url=row.get("URL") or (f"https://www.imdb.com/title/{imdb_id}/" if imdb_id else None), imdb_id=imdb_id,
            runtime=_number(row.get("Runtime (mins)", ""), where, "Runtime (mins)", whole=True),
            directors=tuple(d.strip() for d in row.get("Directors", "").split(",") if d.strip()))
        if wanted:
            rated.append(Rated(item, "wanted", None, "imdb"))
        else:
            rated.append(Rated(item, verdict_for(rating), rating_score(rating) if rating else None, "imdb"))
    return rated


def _letterboxd_rows(text: str, name: str, verdict: str | None) -> list[Rated]:
    """verdict: None to read each row's Rating (stars), else the verdict every row gets."""
    rated = []
    for where, row in _rows(text, name):
        title = row.get("Name", "").strip()
        if not title:
            raise ExportError(f"{where}: the row has no Name")
        stars = _number(row.get("Rating", ""), where, "Rating") if verdict is None else None
        if stars is not None and not 0.5 <= stars <= 5:
            raise ExportError(f"{where}: 'Rating' must be 0.5-5 stars, not {stars:g}")
        rating = stars * 2 if stars is not None else None
        item = Recommendation("movie", title, _number(row.get("Year", ""), where, "Year", whole=True),
                              source="your Letterboxd", url=row.get("Letterboxd URI") or None)
        if verdict is not None:
            rated.append(Rated(item, verdict, rating_score(10.0) if verdict == "like" else None, "letterboxd"))
        else:
            rated.append(Rated(item, verdict_for(rating), rating_score(rating) if rating else None, "letterboxd"))
    return rated


def parse_export(text: str, name: str, counts: ImportSummary, strict: bool = True) -> list[Rated]:
    """The titles of one CSV, recognised by its header; `strict`: an unknown header is an error
    (a loose file), else it is passed over (the other files of a Letterboxd zip)."""
    text = text.lstrip("\ufeff")
    header = {cell.strip() for cell in next(csv.reader(io.StringIO(text)), [])}
    lowered = PurePosixPath(name).as_posix().lower()
    if {"Const", "Your Rating"} <= header:
        return _imdb_rows(text, name, False, counts)
    if {"Const", "Position", "Title"} <= header:  # an IMDb list or watchlist: titles the user wants to see
        return _imdb_rows(text, name, True, counts)
    if {"Name", "Year", "Letterboxd URI"} <= header:
        if "Rating" in header:
            return _letterboxd_rows(text, name, None)
        if "watchlist" in lowered:
            return _letterboxd_rows(text, name, "wanted")
        if "likes/" in lowered:
            return _letterboxd_rows(text, name, "like")
        return _letterboxd_rows(text, name, "seen")
    if strict:
        raise ExportError(f"{name}: not an IMDb or Letterboxd export (its header is {sorted(header)[:4]}...)")
    return []


def _members(path: Path) -> list[tuple[str, bytes]] | None:
    """(name inside, bytes) of the CSV and listening files of a zip or folder, as the download lays them out; None
    for a plain file."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        named = [(p.relative_to(path).as_posix(), p) for p in files]
        return [(name, p.read_bytes()) for name, p in named if _wanted_member(name)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [(name, archive.read(name)) for name in sorted(archive.namelist())
                    if not name.endswith("/") and _wanted_member(name)]
    return None


def _wanted_member(name: str) -> bool:
    lowered = name.lower()
    if lowered.startswith("deleted/") or "/deleted/" in lowered:  # Letterboxd's deleted entries
        return False
    return lowered.endswith(".csv") or is_listening_name(name)


def read_path(name: str) -> tuple[list[Rated], ImportSummary, Listening]:
    """Every title and listen of one file, zip or folder, before anything is stored; raises ExportError or
    ListeningError naming the file."""
    counts, rated, listening = ImportSummary(), [], Listening()
    path = Path(name)
    try:
        members = _members(path)
        if members is None:
            text = _text_of(path.read_bytes(), name, path.suffix.lower() == ".zip")
            if path.suffix.lower() in (".json", ".jsonl"):
                parse_listening(text, name, listening)
            else:
                rated += parse_export(text, name, counts)
            return rated, counts, listening
        recognised = False
        for member, data in members:
            where = f"{name}/{member}" if path.is_dir() else f"{name}:{member}"
            text = _text_of(data, where)
            if member.lower().endswith(".csv"):
                found = parse_export(text, where, counts, strict=False)
                recognised |= bool(found) or _is_export_header(text)
                rated += found
            else:
                recognised |= parse_listening(text, where, listening, strict=False)
        if not recognised:
            raise ExportError(f"{name}: no IMDb, Letterboxd, Spotify or ListenBrainz export in it")
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as error:
        raise ExportError(f"{name}: cannot be read ({error})") from None
    return rated, counts, listening


def _text_of(data: bytes, name: str, zipped: bool = False) -> str:
    """A file's text; a zip that is not one (a download cut short) is an ExportError that says so. A CSV that is
    not UTF-8 was most likely saved again by a spreadsheet (Windows-1252): read so; other files must be UTF-8."""
    if zipped or data.startswith(b"PK\x03\x04"):
        raise ExportError(f"{name}: a damaged zip (cut short or corrupted): download the export again")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if name.lower().endswith(".csv"):
            return data.decode("cp1252", errors="replace")
        line = data[:error.start].count(b"\n") + 1
        raise ExportError(f"{name}:{line}: not UTF-8 text: not an export, or damaged") from None


def _is_export_header(text: str) -> bool:
    """A CSV with an export's header but no rows (an empty watchlist) is recognised all the same."""
    header = {cell.strip() for cell in next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])}
    return {"Const", "Title"} <= header or {"Name", "Year", "Letterboxd URI"} <= header


def read_exports(paths: list[str]) -> tuple[list[Rated], ImportSummary]:
    """Every title of every file (CSV, zip or folder), before anything is stored."""
    counts, rated = ImportSummary(), []
    for name in paths:
        found, each, _ = read_path(name)
        rated += found
        counts.not_movies += each.not_movies
    return rated, counts


def merged(rated: list[Rated]) -> list[Rated]:
    """One entry a title, as the store keeps them (moodtui.store RATING_UPSERT): a later rating replaces an
    earlier one; otherwise only a stronger verdict replaces what was said (a watch beats the watchlist, a like
    beats a seen)."""
    best: dict[str, Rated] = {}
    for entry in rated:
        key = entry.item.imdb_id or f"{normalise(entry.item.title)}:{entry.item.year}"
        known = best.get(key)
        if known is None or (entry.score is not None and entry.verdict != "wanted") or \
                (known.score is None and VERDICT_ORDER.index(entry.verdict) >= VERDICT_ORDER.index(known.verdict)):
            best[key] = entry
    return list(best.values())


def linked(rated: list[Rated], index) -> tuple[list[Rated], int]:
    """The titles with what the IMDb index knows of them (id, genres, rating, votes); and how many it did not
    know. Without an index they come back as they were."""
    if index is None or not index.path.exists():
        return rated, 0
    found = index.by_ids([r.item.imdb_id for r in rated if r.item.imdb_id])
    plain = index.linked([r.item for r in rated])
    out, unmatched = [], 0
    for entry, link in zip(rated, plain, strict=True):
        known = found.get(entry.item.imdb_id) if entry.item.imdb_id else (link if link.imdb_id else None)
        if known is None:
            unmatched += 1
            out.append(entry)
            continue
        item = entry.item
        item = dataclasses.replace(item, imdb_id=known.imdb_id, genres=item.genres or known.genres,
                                   rating=item.rating or known.rating, votes=item.votes or known.votes,
                                   runtime=item.runtime or known.runtime, year=item.year or known.year)
        out.append(dataclasses.replace(entry, item=item))
    return out, unmatched


def import_exports(paths: list[str], store, index) -> ImportSummary:
    """Read every file, match the titles to the index, then store them all in one transaction."""
    rated, counts = read_exports(paths)
    return _stored(rated, counts, Listening(), store, index)


def _stored(rated: list[Rated], counts: ImportSummary, listening: Listening, store, index) -> ImportSummary:
    rated, counts.unmatched = linked(merged(rated), index)
    counts.index = index is not None and index.path.exists()
    tally = Counter(entry.verdict for entry in rated)
    counts.liked, counts.disliked, counts.seen, counts.wanted = (tally[v] for v in ("like", "dislike", "seen",
                                                                                   "wanted"))
    store.import_history([(e.item, e.verdict, e.score, e.source) for e in rated], listening.rows())
    store.flush()
    return counts


@dataclass(frozen=True)
class Imported:
    line: str  # what the file held, in counts that add up
    titles: frozenset[str]  # the films' keys
    songs: frozenset[str]  # the songs' keys


def import_path(name: str, store, index) -> Imported:
    """One file, zip or folder imported in one transaction, and what it held. Raises ExportError or
    ListeningError (nothing stored) when it cannot be imported."""
    rated, counts, listening = read_path(name)
    counts = _stored(rated, counts, listening, store, index)
    heard = listening.listens or listening.left_out or Path(name).suffix.lower() in (".json", ".jsonl")
    parts = [counts.line()] if rated or counts.not_movies or not heard else []
    if heard:
        parts.append(listening_line(listening))
    return Imported("; ".join(parts), frozenset(entry.item.key for entry in merged(rated)),
                    frozenset(key for key, _, _ in listening.counts))


def _plural(number: int, what: str) -> str:
    """counted() for a noun with words after it: "2 listens in a private session"."""
    noun, _, rest = what.partition(" ") if what.startswith("listen ") else (what, "", "")
    return counted(number, noun) + (f" {rest}" if rest else "")


def listening_line(found: Listening) -> str:
    """What a listening history held, in counts that add up: plays, early skips and the rest of the listens."""
    plays = sum(row["plays"] for row in found.counts.values())
    skips = sum(row["skips"] for row in found.counts.values())
    sources = " and ".join({"spotify": "Spotify", "listenbrainz": "ListenBrainz"}[s] for s in found.sources)
    text = (f"{counted(found.listens, 'listen')} of {counted(found.songs, 'song')} by "
            f"{counted(found.artists, 'artist')}" + (f" ({sources})" if sources else "")
            + f": {plays} played, {skips} skipped in the first seconds, {found.listens - plays - skips} partly played"
            ) if found.listens else "no songs listened to"
    if found.left_out:
        text += "; left out: " + ", ".join(_plural(n, what) for what, n in sorted(found.left_out.items()))
    return text
