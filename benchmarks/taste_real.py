"""Does the taste work for real people? MovieLens 100K people's earlier ratings imported, their later ones hidden.

`python -m benchmarks.taste_real [--mode cli|engine] [--people N] [--workers W] [--app PATH] [--out NAME]`

MovieLens 100K (../shared/data/movielens-100k: 943 real people's time-stamped 1-5 star ratings of 1,682 films,
1997-98; research use only, read here and never copied) is turned into what a user of moodtui would have:

- the people are split once, by a fixed shuffle, into three groups: the catalogue's people (half), a tuning
  group and a held-out group (a quarter each). Designs were chosen on the tuning group; the held-out group is
  reported beside it so that the figure is not tuned on the people it reports.
- the catalogue's people alone make IMDb-format `title.basics` / `title.ratings` / `title.crew` files of the
  films (title and year as IMDb writes them, genres mapped to IMDb's names, the mean rating doubled to IMDb's
  1-10 and the number of ratings as the votes, scaled by VOTE_SCALE to IMDb's size so that the app's vote floor
  and popularity levels mean what they mean on IMDb; no directors), served from a local HTTP server and synced
  with `moodtui imdb sync`, as a user's machine would. The examined people's own ratings never reach it (the
  catalogue would leak their future).
- each examined person with at least MIN_RATINGS ratings: their earlier 70% (by time) is written as the IMDb
  ratings export they would have (stars doubled) and imported with `moodtui import`; picks are drawn with
  `moodtui recommend --emotion E --json -n 10 --offline --seed S`, twice for each of the seven emotions,
  with the taste (the default) and taste-blind (`taste = false`: the paper's draw), each in a home of its own.
  The truth is their later ratings of 4 and 5 stars.

Reported per group: the share of picks later liked with the taste, taste-blind, by a popularity-only draw over
the same genres (each of the emotion's films that the person has not rated, chosen with probability in
proportion to its votes), and by the most-voted of those films first (a stronger popularity reference); the
taste's ratio to each with a 95% interval (people resampled); rated titles picked again; the share of the
taste's picks that say why with a liked title ("because you liked ..."), and that say any reason of the taste.
Picks outside the catalogue (films of the shipped lists that MovieLens does not have) count as not liked; how
many there were is reported.

`--mode engine` draws the same picks in-process (moodtui.recommend's Engine and importer, which the commands
call), several times faster, for trying designs; `--mode cli` (the default) runs the commands. `--app PATH`
runs the commands of another checkout's `moodtui` package (the code before a change). Saves
benchmarks/results/<out>.json (default taste_real).
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, save, shared

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
DRAWS = 2  # sets of picks per emotion
PICKS = 10
MIN_RATINGS = 40
EARLIER = 0.7
LIKED_STARS = 4
VOTE_SCALE = 5000  # one catalogue person's rating stands for this many IMDb votes (the most rated film: ~1.4 M)
SPLIT_SEED = 2026
FIRST_ID = 9_100_000  # the catalogue's made-up IMDb ids: tt9100001 is MovieLens film 1
# MovieLens' genres by IMDb's names; "unknown" is none.
GENRES = {"Children's": "Family"}
ARTICLES = ("The", "A", "An", "Les", "La", "Le", "L'", "Il", "Das", "Die", "Der", "El", "Los", "Las", "Lo", "I")
CONDITIONS = ("taste", "taste-blind")
BASELINES = ("popularity draw", "most voted first")
EXPORT_HEADER = ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
                 "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"]


@dataclass(frozen=True)
class Film:
    number: int
    title: str
    original: str
    year: int | None
    genres: tuple[str, ...]

    @property
    def tconst(self) -> str:
        return f"tt{FIRST_ID + self.number}"


@dataclass(frozen=True)
class Rating:
    person: int
    film: int
    stars: int
    at: int


def imdb_title(text: str) -> str:
    """MovieLens' "Shawshank Redemption, The" as IMDb writes it, "The Shawshank Redemption"."""
    for article in ARTICLES:
        suffix = f", {article}"
        if text.endswith(suffix):
            base = text[: -len(suffix)]
            return f"{article}{'' if article.endswith(chr(39)) else ' '}{base}"
    return text


def parse_title(text: str) -> tuple[str, str, int | None]:
    """(primary title, original title, year) from "City of Lost Children, The (Cité des enfants perdus, La) (1995)"."""
    text = text.strip()
    year = None
    found = re.match(r"^(.*?)\s*\((\d{4})\)$", text)
    if found:
        text, year = found[1], int(found[2])
    original = text
    alternative = re.match(r"^(.+?)\s*\(([^()]+)\)$", text)
    if alternative:
        text, original = alternative[1], alternative[2].removeprefix("a.k.a. ")
    return imdb_title(text), imdb_title(original), year


def load_movielens(folder: Path) -> tuple[dict[int, Film], list[Rating]]:
    names = [line.split("|")[0] for line in (folder / "u.genre").read_text(encoding="latin-1").splitlines() if line]
    films: dict[int, Film] = {}
    for line in (folder / "u.item").read_text(encoding="latin-1").splitlines():
        cells = line.split("|")
        if len(cells) < 5 + len(names) or not cells[0].isdigit():
            continue
        title, original, year = parse_title(cells[1])
        if not title or title == "unknown":
            continue
        if year is None and re.search(r"\d{4}$", cells[2]):
            year = int(cells[2][-4:])
        flags = cells[5 : 5 + len(names)]
        genres = tuple(sorted(GENRES.get(name, name) for name, flag in zip(names, flags, strict=True)
                              if flag == "1" and name != "unknown"))
        films[int(cells[0])] = Film(int(cells[0]), title, original, year, genres)
    ratings = []
    for line in (folder / "u.data").read_text(encoding="latin-1").splitlines():
        cells = line.split()
        if len(cells) >= 4 and all(c.isdigit() for c in cells[:4]) and int(cells[1]) in films \
                and 1 <= int(cells[2]) <= 5:
            ratings.append(Rating(int(cells[0]), int(cells[1]), int(cells[2]), int(cells[3])))
    return films, ratings


def split_people(ratings: list[Rating]) -> dict[str, list[int]]:
    """The catalogue's people (half), the tuning and the held-out group (a quarter each), by a fixed shuffle."""
    people = sorted({r.person for r in ratings})
    random.Random(SPLIT_SEED).shuffle(people)
    half = len(people) // 2
    return {"catalogue": sorted(people[:half]), "tuning": sorted(people[half::2]),
            "held-out": sorted(people[half + 1 :: 2])}


def write_datasets(films: dict[int, Film], ratings: list[Rating], folder: Path) -> dict[str, tuple[float, int]]:
    """IMDb-format datasets of the films, rated by these ratings alone; returns {tconst: (rating, votes)}."""
    by_film: dict[int, list[int]] = defaultdict(list)
    for r in ratings:
        by_film[r.film].append(r.stars)
    folder.mkdir(parents=True, exist_ok=True)
    known = {}
    with gzip.open(folder / "title.basics.tsv.gz", "wt", encoding="utf-8") as basics, \
            gzip.open(folder / "title.ratings.tsv.gz", "wt", encoding="utf-8") as rated, \
            gzip.open(folder / "title.crew.tsv.gz", "wt", encoding="utf-8") as crew:
        basics.write("tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes"
                     "\tgenres\n")
        rated.write("tconst\taverageRating\tnumVotes\n")
        crew.write("tconst\tdirectors\twriters\n")
        for film in films.values():
            basics.write(f"{film.tconst}\tmovie\t{film.title}\t{film.original}\t0\t{film.year or chr(92) + 'N'}\t\\N"
                         f"\t\\N\t{','.join(film.genres) or chr(92) + 'N'}\n")
            crew.write(f"{film.tconst}\t\\N\t\\N\n")
            stars = by_film.get(film.number)
            if stars:
                known[film.tconst] = (round(2 * float(np.mean(stars)), 1), len(stars) * VOTE_SCALE)
                rated.write(f"{film.tconst}\t{known[film.tconst][0]}\t{known[film.tconst][1]}\n")
    return known


@dataclass
class Person:
    number: int
    group: str
    earlier: list[Rating]
    liked_later: frozenset[str]  # tconsts rated 4 or 5 stars later


def people_to_examine(ratings: list[Rating], groups: dict[str, list[int]], films: dict[int, Film],
                      limit: int | None) -> list[Person]:
    by_person: dict[int, list[Rating]] = defaultdict(list)
    for r in ratings:
        by_person[r.person].append(r)
    chosen = []
    for group in ("tuning", "held-out"):
        eligible = [p for p in groups[group] if len(by_person[p]) >= MIN_RATINGS]
        if limit:
            eligible = sorted(random.Random(SPLIT_SEED + 1).sample(eligible, min(limit, len(eligible))))
        for p in eligible:
            history = sorted(by_person[p], key=lambda r: (r.at, r.film))
            cut = round(len(history) * EARLIER)
            later = frozenset(films[r.film].tconst for r in history[cut:] if r.stars >= LIKED_STARS)
            chosen.append(Person(p, group, history[:cut], later))
    return chosen


def write_export(person: Person, films: dict[int, Film], known: dict[str, tuple[float, int]], path: Path) -> Path:
    """The person's earlier ratings as IMDb's ratings export writes them (stars doubled)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_HEADER)
        for r in person.earlier:
            film = films[r.film]
            rating, votes = known.get(film.tconst, ("", ""))
            day = time.strftime("%Y-%m-%d", time.gmtime(r.at))
            writer.writerow([film.tconst, 2 * r.stars, day, film.title, film.original,
                             f"https://www.imdb.com/title/{film.tconst}/", "Movie", rating, "", film.year or "",
                             ", ".join(film.genres), votes, "", ""])
    return path


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# Drawing picks --------------------------------------------------------------------------------

def environment(home: Path, app: str | None) -> dict[str, str]:
    env = {**os.environ, "MOODTUI_DATA_DIR": str(home / "data"), "MOODTUI_CONFIG": str(home / "config.toml"),
           "MOODTUI_CACHE_DIR": str(home / "cache")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (app, str(REPO), os.environ.get("PYTHONPATH")) if p)
    return env


def moodtui(home: Path, app: str | None, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True,
                          env=environment(home, app), cwd=home, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"moodtui {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


def make_home(root: Path, index: Path, taste: bool) -> Path:
    home = root
    (home / "data" / "imdb").mkdir(parents=True, exist_ok=True)
    (home / "data" / "imdb" / "imdb.sqlite").symlink_to(index)
    (home / "config.toml").write_text(f"taste = {'true' if taste else 'false'}\noffline = true\n")
    return home


def seeds(person: Person) -> list[tuple[str, int]]:
    return [(emotion, person.number * 100 + 10 * i + draw) for i, emotion in enumerate(EMOTIONS)
            for draw in range(DRAWS)]


def picks_by_cli(person: Person, export: Path, home: Path, app: str | None) -> list[dict]:
    moodtui(home, app, "import", str(export))
    picks = []
    for emotion, seed in seeds(person):
        answer = json.loads(moodtui(home, app, "recommend", "--emotion", emotion, "--json", "-n", str(PICKS),
                                    "--offline", "--seed", str(seed)))
        picks += [{"emotion": emotion, **m} for m in answer["movies"]]
    return picks


def picks_by_engine(person: Person, export: Path, home: Path, taste: bool) -> list[dict]:
    from moodtui.config import load_settings
    from moodtui.recommend.engine import Engine
    from moodtui.recommend.imports import import_exports
    from moodtui.store import open_store

    os.environ.update({"MOODTUI_DATA_DIR": str(home / "data"), "MOODTUI_CONFIG": str(home / "config.toml")})
    settings = load_settings()
    assert settings.taste == taste
    store = open_store(settings.store_path())
    engine = Engine(settings, store)
    try:
        import_exports([str(export)], store, engine.index)
        picks = []
        for emotion, seed in seeds(person):
            answer = engine.recommend(emotion, count=PICKS, offline=True, seed=seed).as_json()
            picks += [{"emotion": emotion, **m} for m in answer["movies"]]
    finally:
        engine.close()
        store.close()
    return picks


def examine(person: Person, films: dict[int, Film], known: dict, index: Path, mode: str, app: str | None,
            work: Path) -> dict:
    """The person's picks in every condition, as {condition: [pick, ...]}."""
    root = work / f"person{person.number}"
    root.mkdir(parents=True, exist_ok=True)
    export = write_export(person, films, known, root / "ratings.csv")
    result = {}
    try:
        for condition in CONDITIONS:
            home = make_home(root / condition, index, taste=condition == "taste")
            result[condition] = picks_by_cli(person, export, home, app) if mode == "cli" else \
                picks_by_engine(person, export, home, condition == "taste")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result


def popularity_picks(person: Person, films: dict[int, Film], known: dict, genres_of: dict[str, tuple],
                     avoid_of: dict[str, tuple], vote_floor: int, most_voted: bool) -> list[dict]:
    """Picks over the same genres by votes alone: drawn in proportion to votes, or the most voted first; what the
    person rated is left out, as is what an earlier set of the same emotion showed."""
    rated = {films[r.film].tconst for r in person.earlier}
    picks = []
    for emotion, seed in seeds(person):
        wanted, avoided = set(genres_of[emotion]), set(avoid_of.get(emotion, ()))
        shown = {p["imdb_id"] for p in picks if p["emotion"] == emotion}
        pool = [(f.tconst, known[f.tconst][1]) for f in films.values() if f.tconst in known
                and known[f.tconst][1] >= vote_floor and wanted & set(f.genres) and not avoided & set(f.genres)
                and f.tconst not in rated and f.tconst not in shown]
        if most_voted:
            chosen = [t for t, _ in sorted(pool, key=lambda p: (-p[1], p[0]))[:PICKS]]
        else:
            rng = random.Random(seed)
            chosen = [t for t, _ in sorted(pool, key=lambda p: rng.random() ** (1.0 / p[1]), reverse=True)[:PICKS]]
        picks += [{"emotion": emotion, "imdb_id": t, "why": ""} for t in chosen]
    return picks


# Scoring ---------------------------------------------------------------------------------------

def scored(person: Person, picks: list[dict], films: dict[int, Film]) -> dict:
    rated = {films[r.film].tconst for r in person.earlier}
    in_catalogue = {f.tconst for f in films.values()}
    return {"picks": len(picks), "liked": sum(p.get("imdb_id") in person.liked_later for p in picks),
            "rated_again": sum(p.get("imdb_id") in rated for p in picks),
            "outside_catalogue": sum(p.get("imdb_id") not in in_catalogue for p in picks),
            "because": sum("because you liked" in (p.get("why") or "") for p in picks),
            "taste_reason": sum(any(words in (p.get("why") or "") for words in TASTE_REASONS) for p in picks)}


TASTE_REASONS = ("because you liked", "on your watchlist", "whose songs you liked")


def ratio_interval(liked: np.ndarray, picks: np.ndarray, a: str, b: str, rng: np.random.Generator) -> list[float]:
    """95% interval of share(a) / share(b), people resampled with replacement."""
    n = len(picks[a])
    ratios = []
    for _ in range(2000):
        i = rng.integers(0, n, n)
        share_b = liked[b][i].sum() / max(picks[b][i].sum(), 1)
        ratios.append(liked[a][i].sum() / max(picks[a][i].sum(), 1) / max(share_b, 1e-9))
    return [round(float(np.percentile(ratios, 2.5)), 2), round(float(np.percentile(ratios, 97.5)), 2)]


def summary(rows: list[dict]) -> dict:
    names = CONDITIONS + BASELINES
    totals = {c: {k: int(sum(r[c][k] for r in rows)) for k in rows[0][c]} for c in names}
    share = {c: round(totals[c]["liked"] / max(totals[c]["picks"], 1), 4) for c in names}
    liked = {c: np.array([r[c]["liked"] for r in rows]) for c in names}
    picks = {c: np.array([r[c]["picks"] for r in rows]) for c in names}
    rng = np.random.default_rng(0)
    return {
        "people": len(rows),
        "picks": {c: totals[c]["picks"] for c in names},
        "liked_share": share,
        "taste_over": {c: round(share["taste"] / max(share[c], 1e-9), 2) for c in names if c != "taste"},
        "taste_over_95pct": {c: ratio_interval(liked, picks, "taste", c, rng) for c in names if c != "taste"},
        "people_liked_share_mean": {c: round(float(np.mean(liked[c] / np.maximum(picks[c], 1))), 4) for c in names},
        "rated_titles_picked_again": {c: totals[c]["rated_again"] for c in names},
        "outside_catalogue_share": {c: round(totals[c]["outside_catalogue"] / max(totals[c]["picks"], 1), 4)
                                    for c in CONDITIONS},
        "because_you_liked_share": round(totals["taste"]["because"] / max(totals["taste"]["picks"], 1), 4),
        "any_taste_reason_share": round(totals["taste"]["taste_reason"] / max(totals["taste"]["picks"], 1), 4),
    }


def run_one(job: tuple) -> dict:
    person, films, known, index, mode, app, work, genres_of, avoid_of, vote_floor = job
    picks = examine(person, films, known, index, mode, app, work)
    picks["popularity draw"] = popularity_picks(person, films, known, genres_of, avoid_of, vote_floor, False)
    picks["most voted first"] = popularity_picks(person, films, known, genres_of, avoid_of, vote_floor, True)
    # Counts only: what a person liked is MovieLens' data, and stays out of the results.
    return {"person": person.number, "group": person.group, **{c: scored(person, p, films) for c, p in picks.items()}}


def mapping_rows(app: str | None) -> tuple[dict[str, tuple], dict[str, tuple], int]:
    """The emotions' genres (match), the genres they avoid, and the vote floor, as the app under test has them."""
    code = ("import json; from moodtui.recommend.mapping import shipped_mapping; from moodtui.config import Settings;"
            "m = shipped_mapping()['match']; print(json.dumps([{e: r.get('genres', []) for e, r in m.items()},"
            "{e: r.get('avoid', []) for e, r in m.items()}, Settings().vote_floor]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=environment(Path(tempfile.gettempdir()), app)).stdout
    genres, avoid, floor = json.loads(out)
    return {e: tuple(g) for e, g in genres.items()}, {e: tuple(g) for e, g in avoid.items()}, floor


TUNABLE = ("POPULARITY", "EXPLORE_SHARE", "TASTE_STRENGTH", "QUALITY")  # the engine's constants the picks follow


def engine_constants(app: str | None) -> dict:
    """The recommender's constants the results depend on, as the app under test has them (None where it has none)."""
    if app is None:  # this process: what --set changed is what the picks used
        import moodtui.recommend.engine as engine

        return {name: getattr(engine, name, None) for name in TUNABLE}
    code = ("import json; import moodtui.recommend.engine as e; "
            f"print(json.dumps({{n: getattr(e, n, None) for n in {TUNABLE!r}}}))")
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                     env=environment(Path(tempfile.gettempdir()), app)).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("cli", "engine"), default="cli")
    parser.add_argument("--people", type=int, help="examine at most this many people of each group (a fixed sample)")
    parser.add_argument("--groups", default="tuning,held-out", help="which groups to examine (comma-separated)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app", help="a folder holding the moodtui package to run (default: this checkout)")
    parser.add_argument("--out", default="taste_real", help="results file name (benchmarks/results/OUT.json)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="with --mode engine: try another value of one of the recommender's constants "
                        f"({', '.join(TUNABLE)}), as the constants were chosen")
    args = parser.parse_args()
    app = str(Path(args.app).resolve()) if args.app else None
    if args.mode == "engine" and app:
        parser.error("--app runs another checkout's commands: use it with --mode cli")
    if args.set and args.mode != "engine":
        parser.error("--set changes the recommender in this process: use it with --mode engine")
    import moodtui.recommend.engine as engine  # the workers are forked: they see what is set here

    for assignment in args.set:
        name, _, value = assignment.partition("=")
        if name not in TUNABLE or not value:
            parser.error(f"--set {assignment}: NAME=number, NAME one of {', '.join(TUNABLE)}")
        setattr(engine, name, float(value))
    films, ratings = load_movielens(shared("data/movielens-100k"))
    groups = split_people(ratings)
    catalogue_people = set(groups["catalogue"])
    genres_of, avoid_of, vote_floor = mapping_rows(app)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="taste-real-") as tmp:
        work = Path(tmp)
        known = write_datasets(films, [r for r in ratings if r.person in catalogue_people], work / "datasets")
        server = serve(work / "datasets")
        sync_home = work / "sync"
        sync_home.mkdir()
        (sync_home / "config.toml").write_text(f'imdb_datasets_url = "http://127.0.0.1:{server.server_address[1]}"\n')
        synced = moodtui(sync_home, app, "imdb", "sync").strip()
        server.shutdown()
        print(synced, flush=True)
        index = sync_home / "data" / "imdb" / "imdb.sqlite"
        chosen = [p for p in people_to_examine(ratings, groups, films, args.people)
                  if p.group in args.groups.split(",")]
        jobs = [(p, films, known, index, args.mode, app, work, genres_of, avoid_of, vote_floor) for p in chosen]
        rows = []
        with ProcessPoolExecutor(args.workers) as pool:
            for done in pool.map(run_one, jobs):
                rows.append(done)
                if len(rows) % 10 == 0 or len(rows) == len(jobs):
                    now = summary(rows)
                    print(f"{len(rows)}/{len(jobs)} people, {time.time() - started:.0f} s: liked share "
                          + ", ".join(f"{c} {s:.4f}" for c, s in now["liked_share"].items()), flush=True)
    by_group = {g: summary([r for r in rows if r["group"] == g]) for g in ("tuning", "held-out")
                if any(r["group"] == g for r in rows)}
    save(args.out, {
        "mode": args.mode, "app": app or "this checkout", "synced": synced,
        "people": {"catalogue": len(groups["catalogue"]), "tuning": len(groups["tuning"]),
                   "held-out": len(groups["held-out"]), "min_ratings": MIN_RATINGS, "sample": args.people},
        "picks_per_set": PICKS, "sets_per_emotion": DRAWS, "earlier_share_imported": EARLIER,
        "liked": f"{LIKED_STARS}-5 stars later", "vote_scale": VOTE_SCALE, "vote_floor": vote_floor,
        "engine": engine_constants(app),
        "seconds": round(time.time() - started),
        "all": summary(rows), **by_group,
    })


if __name__ == "__main__":
    main()
