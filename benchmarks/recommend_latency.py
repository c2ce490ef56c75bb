"""Warm recommendation latency: the engine answering from SQLite and the lists, offline.

`python -m benchmarks.recommend_latency` saves benchmarks/results/recommend_latency.json.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from benchmarks.common import save
from moodtui.config import Settings
from moodtui.labels import EMOTIONS
from moodtui.recommend.engine import Engine

RUNS = 200


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(data_dir=tmp, offline=True))
        engine.recommend("happy", seed=0)  # cold: opens the database, reads the lists
        timings = []
        for i in range(RUNS):
            start = time.perf_counter()
            engine.recommend(EMOTIONS[i % 7], "match" if i % 2 else "lift", seed=i)
            timings.append((time.perf_counter() - start) * 1000)
        engine.close()
    save("recommend_latency", {"runs": RUNS, "offline": True, "median_ms": round(float(np.median(timings)), 2),
                               "p99_ms": round(float(np.percentile(timings, 99)), 2)})


if __name__ == "__main__":
    main()
