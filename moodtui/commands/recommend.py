"""`moodtui recommend`: movie and song picks for an emotion, without the camera."""

from __future__ import annotations

import argparse
import json

from moodtui.commands.common import positive_int, user_store
from moodtui.config import STRATEGIES, Settings
from moodtui.labels import EMOTIONS


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "recommend", help="movies and songs for an emotion, without the camera",
        description="Print movie and song picks for an emotion from the local lists, IMDb and music services, "
        "chosen within the emotion's genres and moods by what you liked, rated and played.",
    )
    parser.add_argument("--emotion", required=True, choices=EMOTIONS)
    parser.add_argument("--strategy", choices=STRATEGIES,
                        help="match the mood (sad -> drama) or lift it (sad -> comedy); default from config")
    parser.add_argument("--offline", action="store_true", help="use only what is on this machine")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("-n", type=positive_int, help="picks of each kind (default 5)")
    parser.add_argument("--seed", type=int, help="repeatable picks")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from moodtui.recommend.engine import Engine

    with user_store(settings) as store:
        engine = Engine(settings, store)
        try:
            picks = engine.recommend(args.emotion, args.strategy, args.n, seed=args.seed)
        finally:
            engine.close()
    if args.json:
        print(json.dumps(picks.as_json(), ensure_ascii=False))
    else:
        print_picks(picks)
    return 0


def print_picks(picks) -> None:
    from moodtui.recommend.sources import status_words

    print(f"Mood: {picks.emotion} ({picks.strategy})\n\nMovies")
    for m in picks.movies:
        rating = f"  {m.rating:.1f}" if m.rating else ""
        print(f"  {m.title} ({m.year or '?'})  {', '.join(m.genres)}{rating}  [{m.source}]")
        if m.why:
            print(f"      {m.why}")
    print("\nSongs")
    for s in picks.songs:
        print(f"  {s.artist} - {s.title}" + (f" ({s.year})" if s.year else "") + f"  [{s.source}]")
        if s.why:
            print(f"      {s.why}")
    statuses = (f"{name} {status_words(status, picks.details.get(name, ''))}" for name, status in picks.sources.items())
    print("\nSources: " + ", ".join(statuses))
    if picks.attribution:
        print(picks.attribution)
