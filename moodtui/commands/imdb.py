"""`moodtui imdb`: IMDb's datasets (sync into a local index) and IMDb pages saved from a browser."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from moodtui.commands.common import user_store
from moodtui.config import Settings
from moodtui.text import counted


def add_parser(commands) -> None:
    imdb = commands.add_parser("imdb", help="IMDb datasets and saved IMDb pages",
                               description="Work with IMDb's datasets and with IMDb pages saved from a browser.")
    actions = imdb.add_subparsers(dest="imdb_command", metavar="ACTION", required=True)
    sync = actions.add_parser("sync", help="download IMDb's datasets and index the movies",
                              description="Download title.basics, title.ratings and title.crew (about 300 MB) "
                              "and build the local index of movies and their directors. Interrupted downloads "
                              "resume; the old index stays until the new one is complete.")
    sync.add_argument("--url", help="base URL of the datasets (default from config)")
    sync.set_defaults(handler=run_sync)
    imported = actions.add_parser("import", help="add the titles of saved IMDb pages to your library",
                                  description="Read IMDb pages you saved from your browser (search results, charts, "
                                  "lists) and add their titles to your library. Your ratings exports go to "
                                  "`moodtui import`.")
    imported.add_argument("files", nargs="+", metavar="FILE.html")
    imported.set_defaults(handler=run_import)
    parse = actions.add_parser("parse", help="print what a saved IMDb page holds",
                               description="Print the titles on a saved IMDb page, one JSON object a line.")
    parse.add_argument("file", metavar="FILE.html")
    parse.add_argument("--json", action="store_true", help="JSON lines (the only format; accepted for clarity)")
    parse.set_defaults(handler=run_parse)


def progress_printer():
    """A one-line progress bar on stderr when it is a terminal; silence otherwise."""
    if not sys.stderr.isatty():
        return None
    last = [""]

    def show(what: str, done: int, total: int | None) -> None:
        if total:
            filled = int(30 * min(done / total, 1))
            line = f"\r{what:<34} [{'#' * filled}{'.' * (30 - filled)}] {done / total:4.0%} {done / 1e6:7.1f} MB"
        else:
            line = f"\r{what:<34} {done / 1e6:7.1f} MB"
        if line != last[0]:
            sys.stderr.write(line)
            sys.stderr.flush()
            last[0] = line

    return show


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.recommend import imdb_datasets
    from moodtui.recommend.http import HttpClient

    client = HttpClient(timeout=max(settings.timeout, 30.0))
    try:
        count = imdb_datasets.sync(client, args.url or settings.imdb_datasets_url,
                                   settings.index_path().parent, progress_printer())
    finally:
        client.close()
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(f"indexed {count} movies. {imdb_datasets.ATTRIBUTION}")
    return 0


def run_parse(args: argparse.Namespace, settings: Settings) -> int:
    for record in saved_page(args.file):
        print(json.dumps(record, ensure_ascii=False))
    return 0


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.recommend import imdb_pages

    total, failed = 0, 0
    with user_store(settings) as store:
        for name in args.files:
            try:
                records = saved_page(name)
            except (imdb_pages.PageError, OSError) as error:  # one bad page does not stop the others
                warnings.warn(str(error), stacklevel=1)
                failed += 1
                continue
            total += store.add_to_library(imdb_pages.to_recommendation(r, "imported") for r in records)
            print(f"{name}: {counted(len(records), 'title')}")
    if failed == len(args.files):
        raise imdb_pages.PageError("no titles imported")
    print(f"{counted(total, 'title')} added to your library")
    return 0


def saved_page(name: str) -> list[dict]:
    from moodtui.recommend.imdb_pages import PageError, parse_page

    try:
        return parse_page(Path(name).read_bytes())
    except PageError as error:
        raise PageError(f"{name}: {error}") from None
