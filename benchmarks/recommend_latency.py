"""Warm recommendation latency, offline: the engine answering from SQLite and the lists, with the taste.

`python -m benchmarks.recommend_latency [--rows N] [--ratings R]` times picks three ways: the lists
alone with no taste; then with a synced IMDb index of generated titles of real size (12 M basics
rows give about 750,000 movies, as benchmarks/imdb_index_build.py) and R imported ratings of its
titles (an IMDb export), so every set of picks ranks the index's candidates by a learned taste;
and the same right after a like, when the taste is learned again. Saves
benchmarks/results/recommend_latency.json.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import save
from benchmarks.imdb_index_build import generate
from moodtui.config import Settings
from moodtui.labels import EMOTIONS
from moodtui.recommend.engine import Engine
from moodtui.recommend.imdb_datasets import build_index
from moodtui.recommend.imports import import_exports
from moodtui.store import open_store

RUNS = 200


def timed(engine: Engine, runs: int, like_each: bool = False) -> dict:
    engine.recommend("happy", seed=0)  # warm: the database opened, the lists read, the taste learned
    timings = []
    for i in range(runs):
        if like_each:  # the store changed: the taste is learned again inside the timed call
            engine.store.set_feedback(engine.recommend(EMOTIONS[i % 7], seed=-i).movies[0], "like")
            engine.store.flush()
        start = time.perf_counter()
        engine.recommend(EMOTIONS[i % 7], "match" if i % 2 else "lift", seed=i)
        timings.append((time.perf_counter() - start) * 1000)
    return {"runs": runs, "median_ms": round(float(np.median(timings)), 2),
            "p99_ms": round(float(np.percentile(timings, 99)), 2)}


def ratings_export(index: Path, count: int, path: Path) -> Path:
    """An IMDb ratings export of `count` of the index's movies, rated at random."""
    db = sqlite3.connect(index)
    rows = db.execute("SELECT tconst, title, year, genres, rating, votes FROM movies WHERE votes > 1000 "
                      "ORDER BY random() LIMIT ?", (count,)).fetchall()
    db.close()
    rng = random.Random(0)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type",
                         "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"])
        for tconst, title, year, genres, rating, votes in rows:
            writer.writerow([tconst, rng.randint(1, 10), "2025-01-01", title, title, "", "Movie", rating or "", 100,
                             year or "", ", ".join((genres or "").split(",")), votes or "", "", ""])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=12_000_000, help="generated title.basics rows (default 12 M)")
    parser.add_argument("--ratings", type=int, default=500, help="imported ratings behind the taste (default 500)")
    parser.add_argument("--out", default="recommend_latency", help="results file name (benchmarks/results/OUT.json)")
    args = parser.parse_args()
    result: dict = {"offline": True}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(data_dir=str(home / "lists-only"), offline=True)
        store = open_store(settings.store_path())
        engine = Engine(settings, store)
        result["lists_only_no_taste"] = timed(engine, RUNS)
        engine.close()
        store.close()

        settings = Settings(data_dir=str(home / "synced"), offline=True)
        index = home / "synced" / "imdb" / "imdb.sqlite"
        index.parent.mkdir(parents=True)
        started = time.perf_counter()
        basics, ratings, crew = generate(home, args.rows)
        build_index(basics, ratings, index, crew=crew)
        movies = sqlite3.connect(index).execute("SELECT count(*) FROM movies").fetchone()[0]
        result["index"] = {"basics_rows": args.rows, "movies": movies,
                           "generated_and_built_s": round(time.perf_counter() - started, 1)}
        store = open_store(settings.store_path())
        engine = Engine(settings, store)
        print(import_exports([str(ratings_export(index, args.ratings, home / "ratings.csv"))], store,
                             engine.index).line())
        result["synced_index_with_taste"] = timed(engine, RUNS)
        result["synced_index_with_taste"]["ratings_imported"] = args.ratings
        result["synced_index_taste_learned_again_each_time"] = timed(engine, RUNS // 4, like_each=True)
        engine.close()
        store.close()
    save(args.out, result)


if __name__ == "__main__":
    main()
