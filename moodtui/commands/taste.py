"""`moodtui taste`: what the taste has learned, in words and numbers, and from what."""

from __future__ import annotations

import argparse
import json

from moodtui.commands.common import user_store
from moodtui.config import Settings

# The kinds of evidence (moodtui.recommend.taste.Evidence.what's first word) in words.
EVIDENCE_WORDS = {"listened": "songs played", "skipped": "songs skipped early", "played": "previews played",
                  "exported": "exported picks", "wanted": "on your watchlist"}


def evidence_words(what: str, count: int) -> str:
    """"1 song skipped early", "3 previews played", "2 rated": a count of one kind of evidence in words."""
    words = EVIDENCE_WORDS.get(what, what)
    if count == 1 and words.split()[0].endswith("s") and words.split()[0] != "on":
        words = words.split()[0][:-1] + words[len(words.split()[0]):]
    return f"{count} {words}"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "taste", help="what moodtui has learned of your taste",
        description="The features your picks are weighed by (genres, directors, decades, rating and popularity "
        "levels, lengths; for songs, artists, decades and moods), each with its weight from -1 to 1 and the number "
        "of titles behind it, and what they were learned from, your imported listening history included. Learned "
        "on this machine only; `moodtui forget --taste` removes it.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.recommend.engine import learned_taste
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.text import counted, terminal_safe

    with user_store(settings, read_only=True) as store:
        listens = store.listens()
        taste = learned_taste(store, ImdbIndex(settings.index_path()), listens=listens)
    summary = {**taste.summary(), "listening": listening_summary(listens)}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    if taste.empty:
        print("nothing learned yet: like or dislike picks in the app (l, d), play songs (a), or import your "
              "ratings or listening history with `moodtui import`")
        return 0
    print("learned from: " + ", ".join(evidence_words(what, n) for what, n in sorted(summary["evidence"].items())))
    heard = summary["listening"]
    if heard["songs"]:
        print(f"listening history ({', '.join(heard['sources'])}): {heard['plays']} plays and {heard['skips']} early "
              f"skips of {counted(heard['songs'], 'song')} by {counted(heard['artists'], 'artist')}, "
              f"{heard['first']} to {heard['last']}; played most: "
              + ", ".join(f"{terminal_safe(a['artist'])} ({counted(a['plays'], 'play')}"
                          + (f", {a['hours']:g} h)" if a["hours"] else ")") for a in heard["most_played"]))
    for kind in ("movie", "song"):
        for side in ("likes", "dislikes"):
            rows = summary[kind][side]
            if rows:
                words = ", ".join(f"{terminal_safe(r['value'])} ({r['group']}, {r['weight']:+.2f}, "
                                  f"{counted(r['titles'], 'title')})" for r in rows)
                print(f"{kind}s, {'you like' if side == 'likes' else 'you dislike'}: {words}")
    return 0


def listening_summary(listens: list[dict], top: int = 5) -> dict:
    """What the listening histories hold, added up: plays, early skips, songs, artists, months, the artists played
    most (by plays: ListenBrainz does not say how long a listen lasted; an artist only skipped is not among them)."""
    from collections import Counter

    plays: Counter = Counter()
    played: Counter = Counter()
    names: dict[str, str] = {}
    for song in listens:
        artist = song["item"].artist or "?"
        plays[artist.casefold()] += song["plays"]
        played[artist.casefold()] += song["ms"]
        names.setdefault(artist.casefold(), artist)
    most = sorted((key for key, n in plays.items() if n), key=lambda key: (-plays[key], -played[key], key))[:top]
    return {"songs": len(listens), "artists": len(played), "plays": sum(s["plays"] for s in listens),
            "skips": sum(s["skips"] for s in listens),
            "sources": sorted({source for s in listens for source in s["sources"]}),
            "first": min((s["first"] for s in listens), default=None),
            "last": max((s["last"] for s in listens), default=None),
            "most_played": [{"artist": names[key], "plays": plays[key], "hours": round(played[key] / 3_600_000, 1)}
                            for key in most]}
