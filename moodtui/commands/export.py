"""`moodtui export`: the last picks or the liked titles, as a Letterboxd CSV, CSV, JSON or M3U playlist."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from moodtui.commands.common import user_store
from moodtui.config import Settings
from moodtui.text import counted


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "export", help="write your liked titles or the last picks to a file",
        description="Write the last picks shown (by the app or `moodtui recommend`) or your liked titles: movies "
        "as a Letterboxd import CSV (Title, Year, imdbID), everything as CSV or JSON, songs as an M3U playlist "
        "of their previews and links.",
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--picks", action="store_true", help="the last picks shown (the default)")
    chosen.add_argument("--liked", action="store_true", help="the titles you liked, in the app or in an import "
                        "(rated 7/10 or 3.5 stars and up), and songs played often in an imported listening history")
    parser.add_argument("--format", choices=("letterboxd", "csv", "json", "m3u"), default="csv",
                        help="letterboxd (movies, for Letterboxd's importer), csv or json (everything), m3u (songs); "
                        "default csv")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.output import write_atomically
    from moodtui.recommend.export import exported, fits, left_out, liked_titles

    with user_store(settings, read_only=True) as store:
        items = liked_titles(store.feedback_items(), store.ratings(), store.listens()) if args.liked \
            else store.last_picks()
    if not items:
        raise ValueError("nothing to export: " + ("no liked titles yet (press l in the app, or `moodtui import` "
                                                  "your ratings)" if args.liked else
                                                  "no picks shown yet (run the app or `moodtui recommend`)"))
    dropped = left_out(items, args.format)
    if not any(fits(item, args.format) for item in items):
        raise ValueError(f"nothing to export as {args.format}: {dropped}; --format csv or json holds everything")
    if dropped:
        print(f"left out {dropped}", file=sys.stderr)
    text = exported(items, args.format)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    written = write_atomically(Path(args.output), text)
    kinds = Counter(item.kind for item in items if fits(item, args.format))
    print(f"wrote {', '.join(counted(n, k) for k, n in kinds.items())} to {written}", file=sys.stderr)
    return 0
