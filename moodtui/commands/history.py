"""`moodtui history`: the stable mood over days, from the store's mood log (times and emotion names only)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass

from moodtui.commands.common import positive_int, user_store
from moodtui.config import Settings
from moodtui.labels import EMOTIONS

LETTERS = {"angry": "A", "disgust": "D", "fear": "F", "happy": "H", "sad": "S", "surprise": "U", "neutral": "N"}
CELLS_PER_DAY = 48  # half an hour a cell


@dataclass(frozen=True)
class Day:
    date: dt.date
    changes: list[tuple[float, str, str]]  # (unix time, emotion, "camera" or "manual"), oldest first

    def counts(self) -> dict[str, int]:
        counted = Counter(emotion for _, emotion, _ in self.changes)
        return {e: counted[e] for e in EMOTIONS if counted[e]}

    def timeline(self) -> str:
        """One letter per half hour: the last mood noted in it ("." when none was)."""
        cells = ["."] * CELLS_PER_DAY
        for at, emotion, _ in self.changes:
            moment = dt.datetime.fromtimestamp(at)
            cells[(moment.hour * 60 + moment.minute) // (1440 // CELLS_PER_DAY)] = LETTERS.get(emotion, "?")
        return "".join(cells)

    def as_json(self) -> dict:
        return {"date": self.date.isoformat(), "moods": self.counts(), "timeline": self.timeline(),
                "changes": [{"at": dt.datetime.fromtimestamp(at).isoformat(timespec="seconds"), "emotion": e,
                             "origin": o} for at, e, o in self.changes]}


def days_from(moods: list[tuple[float, str, str]]) -> list[Day]:
    """The mood log grouped by local calendar day, oldest day first."""
    by_day: dict[dt.date, list[tuple[float, str, str]]] = {}
    for change in sorted(moods):
        by_day.setdefault(dt.datetime.fromtimestamp(change[0]).date(), []).append(change)
    return [Day(date, changes) for date, changes in sorted(by_day.items())]


def history_table(days: list[Day]) -> str:
    legend = "  ".join(f"{letter} {name}" for name, letter in LETTERS.items())
    lines = [f"{'day':<10}  {'moods (changes)':<44}  timeline 00:00 -> 24:00, a letter per half hour"]
    for day in days:
        counts = ", ".join(f"{name} {count}" for name, count in day.counts().items())
        lines.append(f"{day.date.isoformat():<10}  {counts:<44}  {day.timeline()}")
    lines.append(legend)
    return "\n".join(lines)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "history", help="your stable moods over the last days",
        description="The moods the app settled on (and those you set by hand), per day: how often each, and a "
        "timeline with a letter per half hour. Only times and emotion names are stored.",
    )
    parser.add_argument("--days", type=positive_int, default=7, help="how many days back (default 7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with user_store(settings, read_only=True) as store:
        days = days_from(store.moods_since(time.time() - args.days * 86400))
    if args.json:
        print(json.dumps({"days": [day.as_json() for day in days]}))
    elif not days:
        print(f"no moods recorded in the last {args.days} days")
    else:
        print(history_table(days))
    return 0
