"""Pick movies and songs for an emotion: gather from every source, merge, filter, draw.

Sources are merged by priority (the user's imported titles, then IMDb's datasets, IMDb pages,
the local lists); the same title from several sources becomes one entry whose missing fields
are filled from the others. Picks are drawn at random, weighted by quality and by how well the
genre or mood fits (the paper draws three at random), leaving out what the user disliked or has
seen and, while there is other choice, what was shown recently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from moodtui.config import Settings
from moodtui.recommend.http import HttpClient
from moodtui.recommend.imdb_datasets import ATTRIBUTION, ImdbIndex
from moodtui.recommend.imdb_pages import ImdbPages
from moodtui.recommend.items import Recommendation
from moodtui.recommend.lists import LocalLists, shipped_lists_dir
from moodtui.recommend.mapping import Mapping
from moodtui.recommend.music import DeezerPlan, deezer, itunes
from moodtui.recommend.sources import BLOCKED, CACHED, LOCAL, OFFLINE, ONLINE, RATE_LIMITED, SourceResult
from moodtui.recommend.store import Store

DEFAULT_RATING = 7.5  # the local lists hold well-known films without ratings
BLOCK_MEMORY = 15 * 60  # seconds to leave IMDb alone after it answered with a challenge
STATUS_RANK = {ONLINE: 0, CACHED: 1, LOCAL: 2, RATE_LIMITED: 3, BLOCKED: 4, "error": 5, OFFLINE: 6, "not synced": 7}


@dataclass
class Picks:
    emotion: str
    strategy: str
    movies: list[Recommendation]
    songs: list[Recommendation]
    sources: dict[str, str]
    details: dict[str, str] = field(default_factory=dict)
    attribution: str | None = None

    def as_json(self) -> dict:
        return {"emotion": self.emotion, "strategy": self.strategy,
                "movies": [m.movie_json() for m in self.movies], "songs": [s.song_json() for s in self.songs],
                "sources": self.sources}


def merge(groups: list[list[Recommendation]]) -> list[Recommendation]:
    """One entry per title; earlier groups win, later ones fill in what is missing."""
    merged: dict[str, Recommendation] = {}
    for group in groups:
        for item in group:
            known = merged.get(item.key)
            if known is None:
                merged[item.key] = item
                continue
            fills = {name: getattr(item, name) for name in ("year", "rating", "votes", "url", "imdb_id", "artist",
                                                            "runtime", "preview")
                     if getattr(known, name) is None and getattr(item, name) is not None}
            if item.genres and not set(item.genres) <= set(known.genres):
                fills["genres"] = tuple(dict.fromkeys(known.genres + item.genres))
            if fills:
                merged[item.key] = dataclasses.replace(known, **fills)
    return list(merged.values())


def imdb_search_url(imdb_url: str, movie: Recommendation) -> str:
    """IMDb's title search for "title year": a link that works for a movie with no known IMDb id."""
    query = f"{movie.title} {movie.year}" if movie.year else movie.title
    return f"{imdb_url.rstrip('/')}/find/?q={quote_plus(query)}&s=tt"


def with_link(movie: Recommendation, imdb_url: str) -> Recommendation:
    """The movie with a link: its own, its IMDb title page, or else IMDb's search for it."""
    if movie.url:
        return movie
    if movie.imdb_id:
        return dataclasses.replace(movie, url=f"{imdb_url.rstrip('/')}/title/{movie.imdb_id}/")
    return dataclasses.replace(movie, url=imdb_search_url(imdb_url, movie))


def with_song_link(song: Recommendation) -> Recommendation:
    """The song with a link: its own, or else Deezer's web search for artist and title."""
    if song.url:
        return song
    query = quote(f"{song.artist} {song.title}" if song.artist else song.title, safe="")
    return dataclasses.replace(song, url=f"https://www.deezer.com/search/{query}")


def explained(item: Recommendation, emotion: str, strategy: str, wanted: tuple[str, ...]) -> Recommendation:
    """The pick with its reason: the genre (or song mood) it stands for, the emotion and strategy, its source."""
    kinds = item.genres if item.kind == "movie" else (item.mood,)
    stands_for = next((w for w in wanted if w in kinds), wanted[0] if wanted else "")
    verb = "matches" if strategy == "match" else "lifts"
    parts = [f"{stands_for.lower()} {verb} {emotion}" if stands_for else f"for {emotion} ({strategy})",
             f"from {item.source}"]
    if item.rating:
        parts.append(f"rated {item.rating:.1f}" + (f" by {item.votes:,} IMDb users" if item.votes else ""))
    return dataclasses.replace(item, why=" · ".join(parts))


def weighted_draw(items: list[Recommendation], weights: list[float], count: int, rng: random.Random):
    """`count` items without replacement, each chosen with probability proportional to its weight."""
    keyed = sorted(zip(items, weights, strict=True), key=lambda p: rng.random() ** (1.0 / max(p[1], 1e-9)),
                   reverse=True)
    return [item for item, _ in keyed[:count]]


def _best_status(statuses: list[str]) -> str:
    return min(statuses, key=lambda s: STATUS_RANK.get(s, 9)) if statuses else LOCAL


class Engine:
    def __init__(self, settings: Settings, store: Store | None = None, lists: LocalLists | None = None,
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.data_path() / "moodtui.sqlite", on_notice=on_notice)
        user_lists = settings.data_path() / "lists"
        self.lists = lists or LocalLists.load([shipped_lists_dir(), user_lists])
        self.mapping = Mapping.load(settings.mapping)
        self.index = ImdbIndex(settings.data_path() / "imdb" / "imdb.sqlite")
        self._client: HttpClient | None = None

    @property
    def client(self) -> HttpClient:
        if self._client is None:
            self._client = HttpClient(self.settings.timeout, store=self.store)
        return self._client

    def _movie_sources(self, genres: tuple[str, ...], offline: bool) -> tuple[list[list[Recommendation]], dict]:
        library = [m for m in self.store.library("movie") if set(m.genres) & set(genres)]
        datasets = [self.index.movies(g, self.settings.vote_floor) for g in genres]
        groups = [library, [m for r in datasets for m in r.items]]
        results = {"imdb datasets": datasets}
        if offline:
            results["imdb pages"] = [SourceResult([], OFFLINE)]
        else:
            pages, crawler = [], ImdbPages(self.client, self.store, self.settings.imdb_url)
            for genre in genres:
                if self.store.cache_get("imdb-pages:blocked"):
                    pages.append(SourceResult([], BLOCKED, "IMDb asked for a browser challenge recently"))
                    continue
                result = crawler.movies(genre)
                if result.status == BLOCKED:
                    self.store.cache_put("imdb-pages:blocked", True, BLOCK_MEMORY)
                pages.append(result)
            results["imdb pages"] = pages
            groups.append([m for r in pages for m in r.items])
        groups.append([m for g in genres for m in self.lists.movies.get(g, [])])
        return groups, results

    def _song_sources(self, moods: tuple[str, ...], offline: bool) -> tuple[list[list[Recommendation]], dict]:
        results: dict[str, list[SourceResult]] = {}
        groups = []
        if offline:
            results = {"deezer": [SourceResult([], OFFLINE)], "itunes": [SourceResult([], OFFLINE)]}
        else:
            services = (deezer(self.client, self.store, self.settings.deezer_url,
                               DeezerPlan.from_mapping(self.mapping.deezer)),
                        itunes(self.client, self.store, self.settings.itunes_url))
            for mood in moods:
                query = self.mapping.song_queries.get(mood, mood)
                for service in services:  # iTunes only when Deezer gave nothing
                    result = service.songs(mood, query)
                    results.setdefault(service.name, []).append(result)
                    if result.items:
                        groups.append(result.items)
                        break
        groups.append([s for m in moods for s in self.lists.songs.get(m, [])])
        return groups, results

    def _weights(self, items: list[Recommendation], order: tuple[str, ...], liked: set[str], kind: str):
        weights = []
        for item in items:
            tags = item.genres if kind == "movie" else (item.mood,)
            rank = min((order.index(t) for t in tags if t in order), default=len(order))
            fit = 1.0 / (1 + rank)
            quality = ((item.rating or DEFAULT_RATING) / 10) ** 4
            weights.append(fit * quality * (1.5 if item.key in liked else 1.0))
        return weights

    def _pick(self, groups, order, count, rng, kind, feedback: dict[str, str],
              recent: set[str]) -> list[Recommendation]:
        candidates = [i for i in merge(groups) if feedback.get(i.key) not in ("dislike", "seen")]
        fresh = [i for i in candidates if i.key not in recent]
        pool = fresh if len(fresh) >= count else candidates
        liked = {k for k, v in feedback.items() if v == "like"}
        return weighted_draw(pool, self._weights(pool, order, liked, kind), count, rng)

    def recommend(self, emotion: str, strategy: str | None = None, count: int | None = None,
                  offline: bool | None = None, seed: int | None = None) -> Picks:
        """Picks from every source; online sources share one budget (settings.budget), after which
        the picks come from what has answered and the local lists."""
        strategy = strategy or self.settings.strategy
        count = count or self.settings.picks
        offline = self.settings.offline if offline is None else offline
        targets = self.mapping.targets(emotion, strategy)
        rng = random.Random(seed)
        with contextlib.nullcontext() if offline else self.client.within(self.settings.budget):
            movie_groups, movie_results = self._movie_sources(targets.genres, offline)
            song_groups, song_results = self._song_sources(targets.moods, offline)
        feedback, recent = self.store.feedback(), self.store.recently_shown()
        movie_groups = self.index.linked_groups(movie_groups)
        movies = [with_link(explained(m, emotion, strategy, targets.genres), self.settings.imdb_url)
                  for m in self._pick(movie_groups, targets.genres, count, rng, "movie", feedback, recent)]
        songs = [with_song_link(explained(s, emotion, strategy, targets.moods))
                 for s in self._pick(song_groups, targets.moods, count, rng, "song", feedback, recent)]
        self.store.mark_shown(movies + songs)
        self.store.keep_last_picks(movies + songs)
        sources = {"local lists": LOCAL}
        details = {}
        for name, results in {**movie_results, **song_results}.items():
            sources[name] = _best_status([r.status for r in results])
            details[name] = next((r.detail for r in results if r.detail), "")
        uses_imdb = any(m.source.startswith("imdb") or m.imdb_id for m in movies)
        return Picks(emotion, strategy, movies, songs, sources, details, ATTRIBUTION if uses_imdb else None)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.store.close()


