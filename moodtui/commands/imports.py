"""`moodtui import`: the ratings and watch history the user already has (IMDb, Letterboxd), and saved IMDb pages."""

from __future__ import annotations

import argparse
from pathlib import Path

from moodtui.commands.common import user_store
from moodtui.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "import", help="import your IMDb or Letterboxd ratings (and saved IMDb pages)",
        description="Read what you rated or watched elsewhere, recognised by each file's header: IMDb's ratings "
        "export (or a list or watchlist export), Letterboxd's account export as downloaded (the zip) or its "
        "ratings.csv, watched.csv, diary.csv, watchlist.csv. Every title counts as seen and is never picked "
        "again; 7/10 or 3.5 stars and up are likes, 4/10 or 2 stars and down dislikes, watchlist titles are "
        "wanted; your taste learns from them. Importing a file twice gives the same result. Saved IMDb pages "
        "(.html) go to your library, as with `moodtui imdb import`.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV or zip exports, or saved IMDb pages")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.commands import imdb
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.recommend.imports import import_exports

    pages = [name for name in args.files if Path(name).suffix.lower() in (".html", ".htm")]
    exports = [name for name in args.files if name not in pages]
    if pages:
        imdb.run_import(argparse.Namespace(files=pages), settings)
    if exports:
        with user_store(settings) as store:
            summary = import_exports(exports, store, ImdbIndex(settings.index_path()))
        print(summary.line())
    return 0
