"""Does the taste learn the user? Simulated users with hidden tastes judge the picks they are shown.

`python -m benchmarks.taste [--users N] [--rounds R] [--titles T]` indexes a generated catalogue as
a synced IMDb index (benchmarks/catalogue.py), then, for each user and each condition, runs R rounds:
a mood (drawn, the same for every condition), five movie picks from the real engine and store,
and the user's like or dislike of each by their hidden rules, pressed as keys would. Conditions:
the paper's taste-blind draw (taste = false), the taste model from nothing, and the taste model after
importing 60 earlier ratings (an IMDb export the user's taste wrote). Reports the share of picks liked
per round, the share by the user's favourite directors late on (the index knows each film's director
from its crew file), and any imported or disliked title picked again (there must be none). Saves
benchmarks/results/taste.json.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.catalogue import User, catalogue, write_index
from benchmarks.common import save
from moodtui.config import Settings
from moodtui.labels import EMOTIONS
from moodtui.recommend.engine import Engine
from moodtui.recommend.imports import import_exports
from moodtui.recommend.lists import LocalLists
from moodtui.store import open_store

PICKS = 5
EARLIER_RATINGS = 60
CONDITIONS = ("taste-blind", "taste", "taste + import")


def run_user(user: User, condition: str, titles, by_id, index_dir: Path, home: Path, rounds: int, seed: int) -> dict:
    settings = Settings(data_dir=str(home), offline=True, vote_floor=0, picks=PICKS, taste=condition != "taste-blind")
    (home / "imdb").mkdir(parents=True, exist_ok=True)
    (home / "imdb" / "imdb.sqlite").symlink_to(index_dir / "imdb" / "imdb.sqlite")
    store = open_store(settings.store_path())
    engine = Engine(settings, store, lists=LocalLists({}, {}))
    never: set[str] = set()
    if condition == "taste + import":
        export = user.earlier_ratings(titles, EARLIER_RATINGS, random.Random(seed), home / "ratings.csv")
        import_exports([str(export)], store, engine.index)
        never |= {item.imdb_id for item, verdict, _ in store.ratings()}
    moods = random.Random(seed + 1)
    shares, repeats, by_favourite = [], 0, []
    for round_ in range(rounds):
        picks = engine.recommend(moods.choice(EMOTIONS), moods.choice(("match", "lift")), seed=seed * 1000 + round_)
        liked = 0
        for movie in picks.movies:
            repeats += movie.imdb_id in never
            verdict = "like" if user.likes(movie, by_id) else "dislike"
            liked += verdict == "like"
            store.set_feedback(movie, verdict)
            if verdict == "dislike":
                never.add(movie.imdb_id)
        shares.append(liked / max(1, len(picks.movies)))
        by_favourite.append(sum(by_id[m.imdb_id].director in user.directors for m in picks.movies if m.imdb_id in by_id)
                            / max(1, len(picks.movies)))
    engine.close()
    store.close()
    return {"shares": shares, "repeats": repeats, "by_favourite": by_favourite}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=30, help="rounds a user is shown picks (10 or more)")
    parser.add_argument("--titles", type=int, default=6000, help="movies in the generated catalogue")
    parser.add_argument("--out", default="taste", help="results file name (benchmarks/results/OUT.json)")
    args = parser.parse_args()
    if args.rounds < 10 or args.users < 1:
        parser.error("--rounds must be 10 or more (round 10 is the target's) and --users 1 or more")
    titles = catalogue(args.titles)
    by_id = {t.imdb_id: t for t in titles}
    results: dict[str, list[list[float]]] = {c: [] for c in CONDITIONS}
    repeats = dict.fromkeys(CONDITIONS, 0)
    favourite: dict[str, list[list[float]]] = {c: [] for c in CONDITIONS}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        write_index(titles, index_dir)
        for u in range(args.users):
            user = User.draw(random.Random(u))
            for condition in CONDITIONS:
                home = Path(tmp) / f"user{u}-{condition.replace(' ', '')}"
                done = run_user(replace(user), condition, titles, by_id, index_dir, home, args.rounds, u)
                results[condition].append(done["shares"])
                repeats[condition] += done["repeats"]
                favourite[condition].append(done["by_favourite"])
            print(f"user {u + 1}/{args.users}: " + ", ".join(
                f"{c} {np.mean(results[c][-1][:10]):.2f}" for c in CONDITIONS), flush=True)
    curves = {c: [round(float(v), 3) for v in np.mean(results[c], axis=0)] for c in CONDITIONS}
    by_ten = {c: round(float(np.mean([s[:10] for s in results[c]])), 3) for c in CONDITIONS}
    at_ten = {c: round(float(np.mean([s[9] for s in results[c]])), 3) for c in CONDITIONS}
    save(args.out, {"users": args.users, "rounds": args.rounds, "titles": args.titles, "picks_per_round": PICKS,
                   "earlier_ratings_imported": EARLIER_RATINGS,
                   "liked_share_by_round": curves, "liked_share_rounds_1_10": by_ten, "liked_share_round_10": at_ten,
                   "liked_share_rounds_21_30": {c: round(float(np.mean([s[20:] for s in results[c]])), 3)
                                                for c in CONDITIONS},
                   "round_10_over_blind": {c: round(at_ten[c] / max(at_ten["taste-blind"], 1e-9), 2)
                                           for c in CONDITIONS},
                   "imported_or_disliked_picked_again": repeats,
                   # the share of picks by one of the user's four favourite directors (of 120), rounds 21-30
                   "favourite_director_share_rounds_21_30": {c: round(float(np.mean([s[20:] for s in favourite[c]])), 3)
                                                             for c in CONDITIONS}})


if __name__ == "__main__":
    main()
