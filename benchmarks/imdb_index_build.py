"""Build the IMDb dataset index from generated files of real size (~12 million basics and crew rows).

`python -m benchmarks.imdb_index_build [--rows N]` writes the generated TSVs to a temporary
folder, times `build_index` in a child process and reports its peak RSS; saves
benchmarks/results/imdb_index_build.json.
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import REPO, save

# Shares of title types in IMDb's real title.basics (2025): mostly episodes, ~6% movies.
TYPES = [("tvEpisode", 0.72), ("short", 0.09), ("movie", 0.06), ("video", 0.03), ("tvSeries", 0.02),
         ("tvMovie", 0.012), ("tvMiniSeries", 0.005), ("tvSpecial", 0.005), ("videoGame", 0.003), ("tvShort", 0.005)]
GENRES = ["Drama", "Comedy", "Documentary", "Action", "Romance", "Thriller", "Crime", "Horror", "Adventure",
          "Family", "Animation", "Biography", "Mystery", "Fantasy", "Sci-Fi", "History", "Music", "Musical"]


def generate(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """title.basics, title.ratings and title.crew (a director for most titles, a pair for one in five,
    none for one in eleven: IMDb's crew file also covers every episode)."""
    rng = random.Random(0)
    kinds, weights = zip(*TYPES, strict=True)
    basics, ratings, crew = (folder / f"title.{name}.tsv.gz" for name in ("basics", "ratings", "crew"))
    with gzip.open(basics, "wt", compresslevel=1) as b, gzip.open(ratings, "wt", compresslevel=1) as r, \
            gzip.open(crew, "wt", compresslevel=1) as c:
        b.write("tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n")
        r.write("tconst\taverageRating\tnumVotes\n")
        c.write("tconst\tdirectors\twriters\n")
        chunk_types = rng.choices(kinds, weights, k=100_000)
        for i in range(rows):
            kind = chunk_types[i % 100_000]
            title = f"Title {i}"
            genres = ",".join(rng.sample(GENRES, 1 + i % 3)) if i % 7 else "\\N"
            b.write(f"tt{i:08d}\t{kind}\t{title}\t{title}\t{int(i % 97 == 0)}\t{1900 + i % 125}\t\\N\t{60 + i % 90}"
                    f"\t{genres}\n")
            if i % 8 == 0:
                r.write(f"tt{i:08d}\t{1 + (i % 90) / 10:.1f}\t{(i * 7919) % 300000}\n")
            directors = "\\N" if i % 11 == 0 else f"nm{i % 300_000:07d}" + (f",nm{i % 7919:07d}" if i % 5 == 0 else "")
            c.write(f"tt{i:08d}\t{directors}\tnm{i % 5000:07d}\n")
    return basics, ratings, crew


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=12_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        basics, ratings, crew = generate(folder, args.rows)
        generated = time.perf_counter() - start
        code = ("import sys; from pathlib import Path; from moodtui.recommend.imdb_datasets import build_index;"
                "print(build_index(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), crew=Path(sys.argv[4])))")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, str(basics), str(ratings), str(folder / "imdb.sqlite"),
                               str(crew)],
                              cwd=REPO, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        save("imdb_index_build", {"basics_rows": args.rows, "basics_gz_mb": round(basics.stat().st_size / 1e6, 1),
                                  "ratings_gz_mb": round(ratings.stat().st_size / 1e6, 1),
                                  "crew_gz_mb": round(crew.stat().st_size / 1e6, 1),
                                  "movies_indexed": int(done.stdout.strip()), "build_seconds": round(seconds, 1),
                                  "build_peak_rss_mb": round(peak, 1), "generate_seconds": round(generated, 1)})


if __name__ == "__main__":
    main()
