"""Do picks stay put while a user reads them? The real app on a real clip, with a user browsing the movies.

`python -m benchmarks.picks_browsing [--clips d13 d9] [--seconds 120] [--out NAME]` runs the Textual app
(its Pilot, 120x40, offline, the app's own camera worker playing ../shared/data/clips/NAME.mp4 as the
camera, looped, at its real frame rate) while a user presses `down` once a second to read the movie
table, and counts per minute: the camera's mood changes the app received, the times the movie table
was replaced under the user, and the times its highlighted title changed without a key. Saves
benchmarks/results/picks_browsing.json (or --out NAME). The same script runs on an older checkout
(`git worktree add`), for a before and after in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from benchmarks.common import save, shared


async def browse(clip: str, seconds: float) -> dict:
    from moodtui.config import Settings
    from moodtui.tui.app import MoodApp
    from moodtui.tui.picks import PicksTable

    data = tempfile.mkdtemp(prefix="moodtui-browse-")
    app = MoodApp(Settings(source=str(shared(f"data/clips/{clip}.mp4")), data_dir=data, offline=True,
                           calibration=False))
    replaced = {"count": 0, "browsing": False}
    async with app.run_test(size=(120, 40)) as pilot:
        original = app.picks.show

        def counted_show(picks, original=original):
            if replaced["browsing"]:
                replaced["count"] += 1
            return original(picks)

        app.picks.show = counted_show
        table = app.query_one("#movies", PicksTable)
        while not table.items:
            await pilot.pause(0.2)
        await pilot.pause(3.0)  # the first face settles; the user starts reading
        moods_before = sum(1 for _ in app.session.timeline)
        replaced["browsing"] = True
        jumps, started = 0, time.monotonic()
        while time.monotonic() - started < seconds:
            await pilot.press("down" if table.cursor_row < len(table.items) - 1 else "up")
            title = table.selected.title if table.selected else None
            for _ in range(10):  # a second, looked at ten times
                await pilot.pause(0.1)
                now = table.selected.title if table.selected else None
                if now != title:
                    jumps += 1
                    title = now
        minutes = (time.monotonic() - started) / 60
        replaced["browsing"] = False
        changes = len(app.session.timeline) - moods_before
    return {"clip": clip, "minutes": round(minutes, 2), "mood_changes_per_minute": round(changes / minutes, 2),
            "table_replaced_per_minute": round(replaced["count"] / minutes, 2),
            "title_moved_without_a_key_per_minute": round(jumps / minutes, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="+", default=["d13", "d9"], help="calm clips to play (default d13 d9)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the user browses each (default 120)")
    parser.add_argument("--out", default="picks_browsing", help="results/NAME.json (default picks_browsing)")
    args = parser.parse_args()
    runs = [asyncio.run(browse(clip, args.seconds)) for clip in args.clips]
    save(args.out, {"runs": runs})


if __name__ == "__main__":
    main()
