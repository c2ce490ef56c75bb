"""`moodtui import`: the ratings and watch history the user already has (IMDb, Letterboxd), and saved IMDb pages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from moodtui.commands.common import user_store
from moodtui.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "import", help="import your IMDb or Letterboxd ratings, Spotify or ListenBrainz listening, saved IMDb pages",
        description="Read what you rated, watched or played elsewhere, each file recognised by what it holds: IMDb's "
        "ratings export (or a list or watchlist export); Letterboxd's account export as downloaded (the zip), "
        "unzipped (the folder) or its ratings.csv, watched.csv, diary.csv, watchlist.csv; Spotify's account data "
        "(StreamingHistory_music_*.json) or extended streaming history (Streaming_History_Audio_*.json), the zip, "
        "the folder or the files; a ListenBrainz export (JSON lines of listens). Every film counts as seen and is "
        "never picked again; 7/10 or 3.5 stars and up are likes, 4/10 or 2 stars and down dislikes, watchlist "
        "titles are wanted; songs played often are liked, songs skipped in their first seconds weigh against. "
        "Your taste learns from all of it (`moodtui taste`). Each file is imported on its own or refused whole, "
        "one line each; importing a file twice gives the same result. Saved IMDb pages (.html) go to your "
        "library, as with `moodtui imdb import`.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV, JSON, zip exports or their folders, or saved "
                        "IMDb pages")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.commands import imdb
    from moodtui.recommend.imdb_datasets import ImdbIndex
    from moodtui.recommend.imports import ExportError, import_path
    from moodtui.recommend.listening import ListeningError
    from moodtui.text import counted, terminal_safe

    pages = [name for name in args.files if Path(name).suffix.lower() in (".html", ".htm")]
    exports = [name for name in args.files if name not in pages]
    if pages:
        imdb.run_import(argparse.Namespace(files=pages), settings)
    refused, titles, songs, imported = 0, set(), set(), 0
    if exports:
        index = ImdbIndex(settings.index_path())
        with user_store(settings) as store:
            for name in exports:  # one file's fault costs only that file
                try:
                    done = import_path(name, store, index)
                except (ExportError, ListeningError) as error:
                    refused += 1
                    print(f"not imported: {terminal_safe(str(error))}", file=sys.stderr, flush=True)
                    continue
                imported += 1
                titles |= done.titles
                songs |= done.songs
                print(f"{terminal_safe(name)}: {done.line}", flush=True)
    if imported > 1 and (titles or songs):  # the files' counts overlap where a title is in several
        print("in all: " + " and ".join(counted(n, noun) for n, noun in ((len(titles), "title"), (len(songs), "song"))
                                        if n) + ", each counted once however many files it is in")
    return 2 if refused else 0
