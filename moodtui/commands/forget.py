"""`moodtui forget`: delete what moodtui keeps about its user, and rewrite the file so none of it stays on disk."""

from __future__ import annotations

import argparse

from moodtui.commands.common import user_store
from moodtui.config import Settings
from moodtui.text import counted

# What each flag deletes (README "What is stored" lists every table).
FORGET = {
    "history": ("moods", "shown", "last_picks"),
    "feedback": ("feedback",),
    # Everything the taste is learned from, and the last picks: their reasons name titles the user liked or played.
    "taste": ("ratings", "signals", "feedback", "listens", "last_picks"),
    "all": ("moods", "shown", "last_picks", "feedback", "ratings", "signals", "listens", "baseline", "library",
            "cache", "tips"),
}


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "forget", help="delete what moodtui has stored about you",
        description="Delete from the store (moodtui.sqlite in your data dir) and rewrite the file so nothing "
        "deleted stays on disk. The IMDb index (public data) and your config file are kept.",
    )
    parser.add_argument("--history", action="store_true",
                        help="your moods over time and the titles shown to you (and the last picks)")
    parser.add_argument("--feedback", action="store_true", help="the titles you liked, disliked or marked seen")
    parser.add_argument("--taste", action="store_true", help="your taste: everything it is learned from (imported "
                        "ratings, watch and listening histories, likes and dislikes, played and exported picks), "
                        "and the last picks, whose reasons name what you liked")
    parser.add_argument("--all", action="store_true", help="everything above, plus your resting-face baseline, "
                        "imported pages, cached service answers and which tips were given")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    chosen = [flag for flag in FORGET if getattr(args, flag)]
    if not chosen:
        raise ValueError("say what to forget: " + ", ".join(f"--{flag}" for flag in FORGET)
                         + " (see moodtui forget --help)")
    tables = sorted({table for flag in chosen for table in FORGET[flag]})
    with user_store(settings) as store:
        counts = store.forget(tables)
    print("deleted " + ", ".join(f"{counted(counts[t], 'row')} of {t}" for t in tables) + f" from {store.path}")
    exports = settings.data_path() / "exports"
    if args.all and exports.is_dir() and any(exports.iterdir()):
        print(f"kept the files you exported (e in the app) in {exports}: they are yours to delete")
    return 0
