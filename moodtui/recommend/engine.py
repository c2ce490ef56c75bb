"""Pick movies and songs for an emotion: ask every source, merge, leave out what the user has seen,
rank by their taste, draw, and say why.

Sources are asked in priority order (`default_sources`): the local ones at once, the online ones
side by side within the recommendation's time budget (settings.budget), so servers that hang cost
one request's timeout, not one each. The same title from several sources becomes one entry whose
missing fields are filled from the others (IMDb's index adds ids, ratings and votes). The
emotion's mapping decides which genres and song moods fit; among the titles that fit, the user's
taste (moodtui.recommend.taste) decides which are likely, and a share of the picks is drawn from
outside it so it keeps learning. What the user disliked, marked seen, or rated or watched
elsewhere is never picked; what was shown recently only when nothing else is left.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from moodtui.recommend.http import HttpClient
from moodtui.recommend.imdb_datasets import ATTRIBUTION, ImdbIndex
from moodtui.recommend.imdb_pages import ImdbPages
from moodtui.recommend.items import Recommendation, named
from moodtui.recommend.library import Library
from moodtui.recommend.listening import listening_score
from moodtui.recommend.lists import ListSource, LocalLists, shipped_lists_dir
from moodtui.recommend.mapping import Mapping
from moodtui.recommend.music import DeezerArtists, DeezerPlan, deezer, itunes
from moodtui.recommend.sources import Source, SourceRequest, SourceResult, Status, best_status
from moodtui.recommend.taste import Taste, evidence_from

if TYPE_CHECKING:  # the settings are handed in; the recommender never reads the config itself
    from moodtui.config import Settings

DEFAULT_RATING = 7.5  # the local lists hold well-known films without ratings
QUALITY = 4  # a film's weight grows as its rating to this power: 8/10 is 3x as likely as 6/10
TASTE_STRENGTH = 4.0  # a title the taste scores 0.5 is e^2 (7x) as likely as an unknown one (benchmarks/taste.py)
# With the taste on, a film's weight grows as its IMDb votes to this power (scale-free: only the ratio of two
# films' votes counts). Real people mostly watch what many others watch (benchmarks/taste_real.py, tuning group,
# share of picks later liked: power 2, 5.8%; 3, 6.0%; 4, 6.4%; 5, 6.4%; 6, 6.6%; 8, 6.5%, with one pick in ten
# explored): the lowest power on the plateau, which keeps the most variety.
POPULARITY = 4.0
# Of the picks, drawn without the taste (by fit, rating and votes alone) from what it did not pick, so that it
# keeps learning. Drawn only from what the taste scored 0 or less, they were liked 0.4% of the time by the
# real people of benchmarks/taste_real.py (tuning group); drawn from the rest of the titles, 3.8%. One pick in
# ten rather than two in ten: 6.4% of all picks liked against 6.3% (power 4), and more of them say why.
EXPLORE_SHARE = 0.1
EXPLORING = "picked without your taste, to keep learning it"
WANTED_BOOST = 3.0  # a title on the user's watchlist is this much likelier
SKIPPED_OUT = -0.3  # a song whose listening history scores this or less (one early skip more than plays) is not picked
RECENT_SECONDS = 6 * 3600  # what this engine showed this recently waits, as the store's record does


@dataclass
class Picks:
    emotion: str
    strategy: str
    movies: list[Recommendation]
    songs: list[Recommendation]
    sources: dict[str, Status]
    details: dict[str, str] = field(default_factory=dict)
    attribution: str | None = None

    def as_json(self) -> dict:
        return {"emotion": self.emotion, "strategy": self.strategy,
                "movies": [m.movie_json() for m in self.movies], "songs": [s.song_json() for s in self.songs],
                "sources": {name: str(status) for name, status in self.sources.items()}}


def default_sources(settings: Settings, store, client: HttpClient, lists: LocalLists, index: ImdbIndex,
                    mapping: Mapping) -> list[Source]:
    """Every source, in priority order: an earlier one wins when several have the same title."""
    return [
        Library(store),
        index,
        ImdbPages(client, store, settings.imdb_url),
        ListSource(lists, "movie"),
        deezer(client, store, settings.deezer_url, DeezerPlan.from_mapping(mapping.deezer)),
        itunes(client, store, settings.itunes_url),
        DeezerArtists(client, store, settings.deezer_url),
        ListSource(lists, "song"),
    ]


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


def explained(item: Recommendation, emotion: str, strategy: str, wanted: tuple[str, ...], reason: str = "") -> \
        Recommendation:
    """The pick with its reason: the genre (or song mood) it stands for, the emotion and strategy, its source,
    and what the taste saw in it."""
    kinds = item.genres if item.kind == "movie" else (item.mood,)
    stands_for = next((w for w in wanted if w in kinds), wanted[0] if wanted else "")
    verb = "matches" if strategy == "match" else "lifts"
    parts = [f"{stands_for.lower()} {verb} {emotion}" if stands_for else f"for {emotion} ({strategy})",
             f"from {item.source}"]
    if item.rating:
        parts.append(f"rated {item.rating:.1f}" + (f" by {item.votes:,} IMDb users" if item.votes else ""))
    if reason:
        parts.append(reason)
    return dataclasses.replace(item, why=" · ".join(parts))


def weighted_draw(items: list[Recommendation], weights: list[float], count: int, rng: random.Random):
    """`count` items without replacement, each chosen with probability proportional to its weight."""
    keyed = sorted(zip(items, weights, strict=True), key=lambda p: rng.random() ** (1.0 / max(p[1], 1e-9)),
                   reverse=True)
    return [item for item, _ in keyed[:count]]


def popularity(items: list[Recommendation]) -> list[float]:
    """How widely seen each title is, relative to the others: its votes to the power POPULARITY over the median's
    (a title with no votes counts as the median; songs, which have none, all weigh 1)."""
    votes = sorted(i.votes for i in items if i.votes)
    if not votes:
        return [1.0] * len(items)
    typical = votes[len(votes) // 2]
    return [((i.votes or typical) / typical) ** POPULARITY for i in items]


def learned_taste(store, index: ImdbIndex, ratings: list | None = None, feedback: list | None = None,
                  listens: list | None = None) -> Taste:
    """The taste learned from everything the store holds, its movies linked to the synced index: their
    directors are known there by IMDb's ids, as are the candidates' (the store keeps titles as they came)."""
    evidence = evidence_from(store.ratings() if ratings is None else ratings,
                             store.feedback_items() if feedback is None else feedback, store.signals(),
                             store.listens() if listens is None else listens)
    movies = [fact.item for fact in evidence if fact.item.kind == "movie"]
    known = index.by_ids([movie.imdb_id for movie in movies if movie.imdb_id])  # one query for most of them
    matched = iter(index.linked([movie for movie in movies if not movie.imdb_id]))  # the rest: title and year

    def completed(movie: Recommendation) -> Recommendation:
        if not movie.imdb_id:
            return next(matched)
        return dataclasses.replace(movie, director_ids=known[movie.imdb_id].director_ids) \
            if movie.imdb_id in known else movie

    return Taste.learn([dataclasses.replace(fact, item=completed(fact.item)) if fact.item.kind == "movie" else fact
                        for fact in evidence])


@dataclass(frozen=True)
class UserFacts:
    """What the store says about the user, read once per change of the store: the taste, what is never
    picked again, what is wanted."""

    taste: Taste
    excluded_keys: frozenset[str]
    excluded_ids: frozenset[str]
    wanted_keys: frozenset[str]

    def excludes(self, item: Recommendation) -> bool:
        return item.key in self.excluded_keys or bool(item.imdb_id and item.imdb_id in self.excluded_ids)


class Engine:
    def __init__(self, settings: Settings, store, lists: LocalLists | None = None,
                 sources: list[Source] | None = None) -> None:
        self.settings, self.store = settings, store
        self.lists = lists or LocalLists.load([shipped_lists_dir(), settings.data_path() / "lists"])
        self.mapping = Mapping.load(settings.mapping)
        self.index = ImdbIndex(settings.index_path(), settings.vote_floor)
        self.client = HttpClient(settings.timeout, store=store)
        self.sources = sources if sources is not None else default_sources(settings, store, self.client, self.lists,
                                                                           self.index, self.mapping)
        self._facts: tuple[int, UserFacts] | None = None
        # What was shown: the store's record, read once, and what this engine showed since (the file
        # gets it a little later, with other record-keeping writes).
        self._shown: dict[str, float] = dict.fromkeys(store.recently_shown(), time.time())

    # The user ------------------------------------------------------------------------------
    def facts(self) -> UserFacts:
        """The taste and the titles never to pick, learned again only when the store has changed."""
        version = getattr(self.store, "version", None)
        if self._facts is not None and version is not None and self._facts[0] == version:
            return self._facts[1]
        ratings, feedback, listens = self.store.ratings(), self.store.feedback_items(), self.store.listens()
        taste = learned_taste(self.store, self.index, ratings, feedback, listens) if self.settings.taste else Taste()
        keys = {item.key for item, verdict, _ in feedback if verdict in ("dislike", "seen")}
        keys |= {item.key for item, verdict, _ in ratings if verdict != "wanted"}
        # A song mostly skipped in its first seconds is not picked; one played often may come up again.
        keys |= {song["item"].key for song in listens
                 if listening_score(song["plays"], song["skips"]) <= SKIPPED_OUT}
        ids = {item.imdb_id for item, verdict, _ in ratings if verdict != "wanted" and item.imdb_id}
        wanted = {item.key for item, verdict, _ in ratings if verdict == "wanted"}
        facts = UserFacts(taste, frozenset(keys), frozenset(ids), frozenset(wanted))
        self._facts = (version, facts) if version is not None else None
        return facts

    def taste(self) -> Taste:
        return self.facts().taste

    # The sources ---------------------------------------------------------------------------
    def ask(self, request: SourceRequest, offline: bool) -> list[tuple[Source, SourceResult]]:
        """Every source's answer, in the sources' order: the online ones side by side within the budget.

        Online sources run on daemon threads: one that is still waiting when the budget ends is
        answered for ("timed out") and left to end by its own deadline, never holding up the picks
        or the exit."""
        answers: dict[int, SourceResult] = {}
        online = [s for s in self.sources if s.online]
        for source in self.sources:
            if not source.online:
                answers[id(source)] = self._fetch(source, request)
            elif offline:
                answers[id(source)] = SourceResult([], Status.OFFLINE)
        if online and not offline:
            budget = self.settings.budget
            deadline = time.monotonic() + budget
            done = threading.Condition()
            late: dict[int, SourceResult] = {}

            def run(source: Source) -> None:
                result = self._fetch(source, request, deadline)
                with done:
                    late[id(source)] = result
                    done.notify_all()

            for source in online:
                threading.Thread(target=run, args=(source,), name=f"source {source.name}", daemon=True).start()
            with done:
                done.wait_for(lambda: len(late) == len(online), timeout=budget)
                for source in online:
                    answers[id(source)] = late.get(id(source)) or SourceResult(
                        [], Status.TIMED_OUT, f"no answer within {budget:g} s")
        return [(source, answers[id(source)]) for source in self.sources]

    def _fetch(self, source: Source, request: SourceRequest, deadline: float | None = None) -> SourceResult:
        try:
            with self.client.until(deadline):
                return source.fetch(request)
        except Exception as error:  # noqa: BLE001 - one source's fault must not cost the others' picks
            return SourceResult([], Status.ERROR, f"{type(error).__name__}: {error}")

    @staticmethod
    def groups(answers: list[tuple[Source, SourceResult]], kind: str) -> list[list[Recommendation]]:
        """The items of each source of this kind, by priority; a fallback's only when what it stands in for
        gave nothing."""
        gave = {source.name: bool(result.items) for source, result in answers}
        return [result.items for source, result in answers
                if source.kind == kind and not (source.fallback_for and gave.get(source.fallback_for))]

    # Picks ---------------------------------------------------------------------------------
    def recommend(self, emotion: str, strategy: str | None = None, count: int | None = None,
                  offline: bool | None = None, seed: int | None = None) -> Picks:
        """Picks from every source; online sources share one budget (settings.budget), after which the picks
        come from what has answered and the local sources."""
        strategy = strategy or self.settings.strategy
        count = count or self.settings.picks
        offline = self.settings.offline if offline is None else offline
        targets = self.mapping.targets(emotion, strategy)
        facts = self.facts()
        request = SourceRequest(emotion, strategy, targets.genres, targets.moods, self.mapping.song_queries,
                                facts.taste.artists_by_mood())
        answers = self.ask(request, offline)
        rng = random.Random(seed)
        recent = self._recently_shown()
        movie_groups = self.index.linked_groups(self.groups(answers, "movie"))
        fitting = [m for m in merge(movie_groups) if not targets.avoids(m.genres)]
        movies = [with_link(explained(m, emotion, strategy, targets.genres, reason), self.settings.imdb_url)
                  for m, reason in self._pick(fitting, targets.genres, count, rng, facts, recent)]
        songs = [with_song_link(explained(s, emotion, strategy, targets.moods, reason))
                 for s, reason in self._pick(merge(self.groups(answers, "song")), targets.moods, count, rng, facts,
                                             recent)]
        self._remember_shown(movies + songs)
        self.store.record_picks(movies + songs)
        statuses: dict[str, list[Status]] = {}
        details: dict[str, str] = {}
        for source, result in answers:
            statuses.setdefault(source.name, []).append(result.status)
            if result.detail and not details.get(source.name):
                details[source.name] = result.detail
        sources = {name: best_status(found) for name, found in statuses.items()}
        uses_imdb = any(m.source.startswith("imdb") or m.imdb_id for m in movies)
        return Picks(emotion, strategy, movies, songs, sources, details, ATTRIBUTION if uses_imdb else None)

    def _pick(self, items: list[Recommendation], order: tuple[str, ...], count: int, rng: random.Random,
              facts: UserFacts, recent: set[str]) -> list[tuple[Recommendation, str]]:
        """(pick, what the taste says of it): most by fit, quality and taste, a share from outside the taste."""
        candidates = [i for i in items if not facts.excludes(i)]
        fresh = [i for i in candidates if i.key not in recent]
        pool = fresh if len(fresh) >= count else candidates
        base = [self._fit(i, order) * (WANTED_BOOST if i.key in facts.wanted_keys else 1.0) for i in pool]
        if not self.settings.taste:  # the paper's draw: the mood's genres and the rating alone
            return [(i, self._wanted(i, facts)) for i in weighted_draw(pool, base, count, rng)]
        base = [b * p for b, p in zip(base, popularity(pool), strict=True)]
        taste = facts.taste
        if taste.empty:
            return [(i, self._wanted(i, facts)) for i in weighted_draw(pool, base, count, rng)]
        explore = max(1, round(count * EXPLORE_SHARE)) if count >= 3 else 0  # one of the app's five rows
        liked = weighted_draw(pool, [b * math.exp(TASTE_STRENGTH * taste.score(i)) for i, b in zip(pool, base,
                                                                                                  strict=True)],
                              count - explore, rng)
        taken = {i.key for i in liked}
        others = [(i, b) for i, b in zip(pool, base, strict=True) if i.key not in taken]
        tried = weighted_draw([i for i, _ in others], [b for _, b in others], explore, rng)
        return [(i, self._wanted(i, facts) or self._because(i, taste)) for i in liked] + \
               [(i, self._wanted(i, facts) or EXPLORING) for i in tried]

    @staticmethod
    def _fit(item: Recommendation, order: tuple[str, ...]) -> float:
        tags = item.genres if item.kind == "movie" else (item.mood,)
        rank = min((order.index(t) for t in tags if t in order), default=len(order))
        return 1.0 / (1 + rank) * ((item.rating or DEFAULT_RATING) / 10) ** QUALITY

    @staticmethod
    def _wanted(item: Recommendation, facts: UserFacts) -> str:
        return "on your watchlist" if item.key in facts.wanted_keys else ""

    @staticmethod
    def _because(item: Recommendation, taste: Taste) -> str:
        if taste.score(item) <= 0:
            return ""
        fact = taste.because_of(item)
        if fact is not None:
            return f"because you {'played' if fact.what.startswith('listened') else 'liked'} {named(fact.item)}"
        follows = item.extra.get("follows")
        if follows and follows.casefold() != (item.artist or "").casefold():
            return f"like {follows}, whose songs you liked"
        return ""

    def _recently_shown(self) -> set[str]:
        since = time.time() - RECENT_SECONDS
        return {key for key, at in self._shown.items() if at >= since}

    def _remember_shown(self, items: list[Recommendation]) -> None:
        now = time.time()
        self._shown.update((item.key, now) for item in items)

    def close(self) -> None:
        """Closes the HTTP client; the store is its owner's to close."""
        self.client.close()
