"""What the user already rated or watched elsewhere: IMDb's ratings export and Letterboxd's account export.

Files are recognised by their header, not their name: IMDb's ratings export (`Const, Your Rating,
...`; older ones lack `Original Title`), an IMDb list or watchlist export (`Position, Const, ...`),
and Letterboxd's files (`Date, Name, Year, Letterboxd URI`, with `Rating` in ratings.csv,
diary.csv and reviews.csv). Letterboxd's watched.csv, watchlist.csv and likes/films.csv share one
header, so only there the file's name says which it is. A Letterboxd zip is read as downloaded.

Every title rated or watched counts as seen (never picked again); 7/10 or 3.5 stars and up is a
like, 4/10 or 2 stars and down a dislike; watchlist titles are wanted. Titles are matched to the
IMDb index by id (IMDb) or by title and year (Letterboxd) for their genres; a title that does not
match is kept by title and year, and still left out of the picks. A malformed file is one error
naming the file and line, and nothing is imported from any file of that run.
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
        return self.liked + self.disliked + self.seen

    def line(self) -> str:
        matched = (f"{self.unmatched} not in the IMDb index" if self.index
                   else "not matched to IMDb (no index: `moodtui imdb sync`)")
        return (f"{counted(self.titles, 'title')}: {self.liked} liked, {self.disliked} disliked, {self.seen} seen, "
                f"{self.wanted} wanted, {self.not_movies} not movies skipped, {matched}")


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


def read_exports(paths: list[str]) -> tuple[list[Rated], ImportSummary]:
    """Every title of every file (CSV or Letterboxd zip), before anything is stored."""
    counts, rated = ImportSummary(), []
    for name in paths:
        path = Path(name)
        try:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in sorted(archive.namelist()):
                        if member.lower().endswith(".csv") and not member.lower().startswith("deleted/"):
                            text = archive.read(member).decode("utf-8-sig")
                            rated += parse_export(text, f"{name}:{member}", counts, strict=False)
            else:
                rated += parse_export(path.read_text(encoding="utf-8-sig"), name, counts)
        except (OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as error:
            raise ExportError(f"{name}: cannot be read ({error})") from None
    return rated, counts


def merged(rated: list[Rated]) -> list[Rated]:
    """One entry a title: a rating beats a plain watch, any watch beats the watchlist, a like beats a seen."""
    best: dict[str, Rated] = {}
    for entry in rated:
        key = entry.item.imdb_id or f"{normalise(entry.item.title)}:{entry.item.year}"
        known = best.get(key)
        if known is None or VERDICT_ORDER.index(entry.verdict) > VERDICT_ORDER.index(known.verdict) \
                or (entry.score is not None and known.score is None and entry.verdict != "wanted"):
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
    rated, counts.unmatched = linked(merged(rated), index)
    counts.index = index is not None and index.path.exists()
    tally = Counter(entry.verdict for entry in rated)
    counts.liked, counts.disliked, counts.seen, counts.wanted = (tally[v] for v in ("like", "dislike", "seen",
                                                                                   "wanted"))
    store.import_ratings([(e.item, e.verdict, e.score, e.source) for e in rated])
    store.flush()
    return counts
