"""Picks and liked titles written out: a Letterboxd import CSV, plain CSV or JSON, an M3U playlist."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from moodtui.recommend.items import Recommendation
from moodtui.recommend.listening import PLAYED_OFTEN, listening_score
from moodtui.text import counted

FORMATS = ("letterboxd", "csv", "json", "m3u")
CSV_COLUMNS = ("kind", "title", "year", "artist", "genres", "mood", "rating", "votes", "imdb_id", "url", "preview",
               "source")


def letterboxd_csv(items: list[Recommendation]) -> str:
    """Movies in Letterboxd's import format (Title, Year, imdbID: the columns it matches films on)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("Title", "Year", "imdbID"))
    for movie in (i for i in items if i.kind == "movie"):
        writer.writerow((movie.title, movie.year or "", movie.imdb_id or ""))
    return out.getvalue()


def plain_csv(items: list[Recommendation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        row = {**_fields(item), "genres": ";".join(item.genres)}
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def json_lines(items: list[Recommendation]) -> str:
    return json.dumps([item.movie_json() if item.kind == "movie" else item.song_json() for item in items],
                      ensure_ascii=False, indent=1) + "\n"


def m3u(items: list[Recommendation]) -> str:
    """Songs as an extended M3U: each plays its 30-second preview, or opens its page when it has none."""
    lines = ["#EXTM3U"]
    for song in (i for i in items if i.kind == "song"):
        target = song.preview or song.url
        if not target:
            continue
        lines.append(f"#EXTINF:{30 if song.preview else -1},{song.artist or 'Unknown'} - {song.title}")
        if song.preview and song.url:
            lines.append(f"# {song.url}")
        lines.append(target)
    return "\n".join(lines) + "\n"


def liked_titles(feedback: list[tuple[Recommendation, str, float]],
                 ratings: list[tuple[Recommendation, str, float | None]],
                 listens: list[dict] = ()) -> list[Recommendation]:
    """Liked, wherever it was said: liked in the app (oldest first), then rated 7/10 or 3.5 stars and up in an
    import, then songs played often in a listening history (with a link to find them); a title the app was since
    told otherwise of (disliked, seen) is not."""
    from moodtui.recommend.engine import with_song_link

    said = {item.key: verdict for item, verdict, _ in feedback}
    liked = [item for item, verdict, _ in feedback if verdict == "like"]
    liked += [item for item, verdict, _ in ratings if verdict == "like" and said.get(item.key, "like") == "like"]
    liked += [with_song_link(song["item"]) for song in listens if song["item"].key not in said
              and listening_score(song["plays"], song["skips"]) >= PLAYED_OFTEN]
    return list({item.key: item for item in reversed(liked)}.values())[::-1]


def fits(item: Recommendation, form: str) -> bool:
    """Whether the format can hold the item: a Letterboxd CSV holds films, an M3U playlist songs with a preview
    or a link, CSV and JSON everything."""
    if form == "letterboxd":
        return item.kind == "movie"
    if form == "m3u":
        return item.kind == "song" and bool(item.preview or item.url)
    return True


def left_out(items: list[Recommendation], form: str) -> str:
    """What the format cannot hold, counted, with why ("3 songs (a Letterboxd CSV holds films)"); "" for nothing."""
    why = Counter((("film", "a playlist holds songs") if item.kind == "movie" else
                   ("song", "a Letterboxd CSV holds films") if form == "letterboxd" else
                   ("song", "no preview or link")) for item in items if not fits(item, form))
    return ", ".join(f"{counted(n, noun)} ({reason})" for (noun, reason), n in why.items())


def exported(items: list[Recommendation], form: str) -> str:
    if form not in FORMATS:
        raise ValueError(f"unknown format {form!r}: one of {', '.join(FORMATS)}")
    return {"letterboxd": letterboxd_csv, "csv": plain_csv, "json": json_lines, "m3u": m3u}[form](items)


def _fields(item: Recommendation) -> dict:
    return {"kind": item.kind, "title": item.title, "year": item.year, "artist": item.artist, "mood": item.mood,
            "rating": item.rating, "votes": item.votes, "imdb_id": item.imdb_id, "url": item.url,
            "preview": item.preview, "source": item.source}
