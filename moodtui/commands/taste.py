"""`moodtui taste`: what the taste has learned, in words and numbers, and from what."""

from __future__ import annotations

import argparse
import json

from moodtui.commands.common import user_store
from moodtui.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "taste", help="what moodtui has learned of your taste",
        description="The features your picks are weighed by (genres, directors, decades, rating and popularity "
        "levels, lengths; for songs, artists, decades and moods), each with its weight from -1 to 1 and the number "
        "of titles behind it, and what they were learned from. Learned on this machine only; `moodtui forget "
        "--taste` removes it.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.recommend.engine import learned_taste
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.text import counted, terminal_safe

    with user_store(settings, read_only=True) as store:
        taste = learned_taste(store, ImdbIndex(settings.index_path()))
    summary = taste.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    if taste.empty:
        print("nothing learned yet: like or dislike picks in the app (l, d), play songs (a), or import your "
              "ratings with `moodtui import`")
        return 0
    print("learned from: " + ", ".join(f"{n} {what}" for what, n in sorted(summary["evidence"].items())))
    for kind in ("movie", "song"):
        for side in ("likes", "dislikes"):
            rows = summary[kind][side]
            if rows:
                words = ", ".join(f"{terminal_safe(r['value'])} ({r['group']}, {r['weight']:+.2f}, "
                                  f"{counted(r['titles'], 'title')})" for r in rows)
                print(f"{kind}s, {'you like' if side == 'likes' else 'you dislike'}: {words}")
    return 0
