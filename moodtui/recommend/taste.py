"""What the user likes, learned on this machine from what they rated and from every key they press.

The evidence is a score from -1 to 1 per title: an imported rating (IMDb's 1-10, Letterboxd's
stars doubled, 5.5 as the middle), a like (+1) or dislike (-1), a watchlist title (+0.3: wanted, not
yet judged), a song's listening history (plays for, skips in its first seconds against: one play +0.33,
ten +0.83, one early skip -0.33), a played preview (+0.3), an exported pick (weak: at most +0.2, and the
titles of one export share at most one like's weight). A title the user gave a word on (a like, a
dislike, seen, a rating) learns nothing more from a play or an export of it. "Seen" alone says nothing.

A title is described by features a reader can name: a movie's genres, directors, decade, rating
level, popularity and length; a song's artist, decade and mood. A director is known by IMDb's name id
where the synced index gives one (so a Letterboxd rating, which names no director, still teaches one,
and the index's other films by them are found), else by the name an export or list gives; the id is
shown by the name the user's IMDb export gives it, or as "the director of <a title they rated>".

The weights are a ridge regression of the scores on those features (one per kind of title, PRIOR as
the penalty): each feature gets the part of the scores the others do not explain, so a user who likes
anything with Sci-Fi in it gives Sci-Fi the credit, and the Drama of a liked Sci-Fi drama stays near
zero. Directors are fitted second, to what the broad features leave unexplained. A title's taste is
the sum of its features' weights; what nobody rated weighs nothing. The emotion still decides which
genres and moods fit; the taste decides which titles within them, and can say why: the liked title
that shares the most of what the user likes with the pick.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from moodtui.recommend.items import Recommendation, named
from moodtui.recommend.listening import listening_score

PRIOR = 1.0  # the ridge penalty: like that many neutral titles behind every feature
# Fitted second, to what the broad features leave unexplained: nearly every film has a director of its
# own, and fitted together they took a share of each rating from the genres and decades that carry
# over to other films (benchmarks/taste.py: 0.566 of picks liked over rounds 1-10 against 0.602).
SECOND = ("director",)
KINDS = ("movie", "song")
NAMED = ("genre", "director", "artist")  # what "because you liked X" may name as shared
SCORES = {"like": 1.0, "dislike": -1.0, "play": 0.3, "wanted": 0.3}
EXPORTED = 0.2  # the most one exported title counts for; an export of n titles gives each at most 1/n
# Of a listening history, the songs played or skipped most: enough to know the artists a listener returns to,
# few enough that learning again after a key stays a few milliseconds (the fit grows as the cube of the artists).
LISTENED_SONGS = 400
LIKED = 0.3  # evidence at least this good makes a title one the picks can be "because" of
MIN_SHARED = 0.05  # how much liked taste a pick must share with a liked title to be said to be because of it


def rating_score(rating: float) -> float:
    """An IMDb-style 1-10 rating as a score from -1 (1/10) to 1 (10/10)."""
    return max(-1.0, min(1.0, (rating - 5.5) / 4.5))


@dataclass(frozen=True)
class Evidence:
    item: Recommendation
    score: float  # -1 .. 1
    what: str  # "rated 9/10", "liked", "played", ...


def features(item: Recommendation) -> dict[str, list[str]]:
    """The item's features by group, as words a reader understands."""
    found: dict[str, list[str]] = {}
    if item.year:
        found["decade"] = [f"{item.year // 10 * 10}s"]
    if item.kind == "song":
        if item.artist:
            found["artist"] = [item.artist]
        if item.mood:
            found["mood"] = [item.mood]
        return found
    if item.genres:
        found["genre"] = list(item.genres)
    if item.director_ids or item.directors:
        found["director"] = list(item.director_ids or item.directors)
    if item.rating:
        found["rating"] = ["rated 8 or more" if item.rating >= 8 else "rated 7-8" if item.rating >= 7
                           else "rated under 7"]
    if item.votes:
        found["popularity"] = ["blockbuster" if item.votes >= 500_000 else "well known" if item.votes >= 50_000
                               else "little known"]
    if item.runtime:
        found["length"] = ["under 100 min" if item.runtime < 100 else "over 140 min" if item.runtime > 140
                           else "100-140 min"]
    return found


def director_names(evidence: list[Evidence]) -> dict[str, str]:
    """Names for the director ids of the rated titles: an IMDb export names a title's directors in IMDb's
    own order, which the index's ids keep; an id no export names is "the director of" a title rated."""
    names: dict[str, str] = {}
    for fact in evidence:
        ids, given = fact.item.director_ids, fact.item.directors
        if ids and len(ids) == len(given):
            for director_id, name in zip(ids, given, strict=True):
                names.setdefault(director_id, name)
    for fact in sorted(evidence, key=lambda e: e.score, reverse=True):
        for director_id in fact.item.director_ids:
            names.setdefault(director_id, f"the director of {named(fact.item)}")
    return names


def _key(kind: str, group: str, value: str) -> tuple[str, str, str]:
    return kind, group, value.casefold()


@dataclass
class Taste:
    """Feature weights learned from evidence; empty when there is none (then nothing is steered)."""

    weights: dict[tuple[str, str, str], float] = field(default_factory=dict)
    support: dict[tuple[str, str, str], int] = field(default_factory=dict)
    names: dict[tuple[str, str, str], str] = field(default_factory=dict)  # key -> the value as first written
    liked: list[Evidence] = field(default_factory=list)  # best first: what picks can be "because" of
    counts: dict[str, int] = field(default_factory=dict)  # evidence by what it was
    # The mean score of the titles with each feature: the summary names a feature a like or a dislike only when
    # they agree, as a reader checks it (a ridge weight alone gave "you dislike Comedy" to a user who liked three
    # comedies and disliked one, the other features having taken the credit).
    leaning: dict[tuple[str, str, str], float] = field(default_factory=dict)

    @classmethod
    def learn(cls, evidence: list[Evidence]) -> Taste:
        weights: dict[tuple[str, str, str], float] = {}
        support: Counter = Counter()
        total: Counter = Counter()
        names: dict[tuple[str, str, str], str] = {}
        directors = director_names(evidence)
        for kind in KINDS:
            facts = [e for e in evidence if e.item.kind == kind]
            rows = [[_key(kind, group, v) for group, values in features(e.item).items() for v in values]
                    for e in facts]
            for fact, keys in zip(facts, rows, strict=True):
                support.update(set(keys))
                for key in set(keys):
                    total[key] += fact.score
                for group, values in features(fact.item).items():
                    for value in values:
                        names.setdefault(_key(kind, group, value),
                                         directors.get(value, value) if group == "director" else value)
            broad = [[key for key in row if key[1] not in SECOND] for row in rows]
            first = _ridge(broad, [e.score for e in facts])
            left = [e.score - sum(first.get(key, 0.0) for key in row) for e, row in zip(facts, broad, strict=True)]
            weights.update(first)
            weights.update(_ridge([[key for key in row if key[1] in SECOND] for row in rows], left))
        liked = sorted((e for e in evidence if e.score >= LIKED), key=lambda e: e.score, reverse=True)
        counts = Counter(e.what.split()[0] for e in evidence)
        leaning = {key: total[key] / n for key, n in support.items()}
        return cls(weights, dict(support), names, liked, dict(counts), leaning)

    @property
    def empty(self) -> bool:
        return not self.weights

    def score(self, item: Recommendation) -> float:
        """How much more than their usual the user should like this title (0: nothing known of it)."""
        return sum(self.weights.get(_key(item.kind, group, v), 0.0)
                   for group, values in features(item).items() for v in values)

    def shared(self, item: Recommendation, liked: Recommendation) -> float:
        """The liked taste the two titles have in common: named features both have that the user likes."""
        if item.kind != liked.kind:
            return 0.0
        mine, theirs = features(item), features(liked)
        total = 0.0
        for group in NAMED:
            common = {v.casefold() for v in mine.get(group, [])} & {v.casefold() for v in theirs.get(group, [])}
            total += sum(max(self.weights.get((item.kind, group, v), 0.0), 0.0) for v in common)
        return total

    def because(self, item: Recommendation) -> Recommendation | None:
        """The liked title closest to this one in what the user likes, or None when none is close."""
        fact = self.because_of(item)
        return fact.item if fact else None

    def because_of(self, item: Recommendation) -> Evidence | None:
        """The evidence of the liked title closest to this one (what the user did with it), or None."""
        best, best_shared = None, MIN_SHARED
        for fact in self.liked:
            if fact.item.key == item.key:
                continue
            shared = self.shared(item, fact.item)
            if shared > best_shared:
                best, best_shared = fact, shared
        return best

    def artists_by_mood(self) -> dict[str, tuple[str, ...]]:
        """The artists of liked songs, by the song mood they were liked in, most liked first."""
        by_mood: dict[str, Counter] = defaultdict(Counter)
        for fact in self.liked:
            if fact.item.kind == "song" and fact.item.artist and fact.item.mood:
                by_mood[fact.item.mood][fact.item.artist] += fact.score
        return {mood: tuple(a for a, _ in artists.most_common()) for mood, artists in by_mood.items()}

    def summary(self, top: int = 6) -> dict:
        """What was learned, for `moodtui taste`: the strongest features either way, by kind."""
        result: dict = {"evidence": self.counts, "movie": {}, "song": {}}
        for kind in ("movie", "song"):
            ranked = sorted(((key, weight) for key, weight in self.weights.items() if key[0] == kind),
                            key=lambda pair: pair[1], reverse=True)

            def row(key: tuple[str, str, str], weight: float) -> dict:
                return {"group": key[1], "value": self.names[key], "weight": round(weight, 3),
                        "titles": self.support[key]}

            result[kind] = {
                "likes": [row(k, w) for k, w in ranked if w > 0 and self.leaning.get(k, 0.0) > 0][:top],
                "dislikes": [row(k, w) for k, w in reversed(ranked) if w < 0 and self.leaning.get(k, 0.0) < 0][:top]}
        return result


def _ridge(rows: list[list[tuple[str, str, str]]], scores: list[float]) -> dict[tuple[str, str, str], float]:
    """Feature weights fitting the scores (0 is neutral: no intercept) with a ridge penalty of PRIOR."""
    keys = sorted({key for row in rows for key in row})
    if not keys:
        return {}
    column = {key: i for i, key in enumerate(keys)}
    x = np.zeros((len(rows), len(keys)))
    for i, row in enumerate(rows):
        x[i, [column[key] for key in row]] = 1.0
    y = np.asarray(scores, dtype=np.float64)
    w = np.linalg.solve(x.T @ x + PRIOR * np.eye(len(keys)), x.T @ y)
    return {key: float(value) for key, value in zip(keys, w, strict=True)}


def evidence_from(ratings: list[tuple[Recommendation, str, float | None]],
                  feedback: list[tuple[Recommendation, str, float]],
                  signals: list[tuple[Recommendation, str, float]],
                  listens: list[dict] = ()) -> list[Evidence]:
    """Everything the store holds that says something about the user's taste, one fact a title and kind of
    evidence; a play or an export says nothing of a title the user gave a word on."""
    facts = []
    judged: set[str] = set()
    for item, verdict, score in ratings:
        if verdict == "wanted":
            facts.append(Evidence(item, SCORES["wanted"], "wanted"))
            continue
        judged.add(item.key)
        if score is not None:
            facts.append(Evidence(item, score, f"rated {round(5.5 + 4.5 * score)}/10"))
    for item, verdict, _ in feedback:
        judged.add(item.key)
        if verdict in SCORES:
            facts.append(Evidence(item, SCORES[verdict], f"{verdict}d"))
    for song in listens[:LISTENED_SONGS]:  # the store gives the most played and skipped first
        item = song["item"]
        if item.key in judged:
            continue
        score = listening_score(song["plays"], song["skips"])
        if score:
            judged.add(item.key)
            facts.append(Evidence(item, score, f"listened {song['plays']} times" if score > 0
                                  else f"skipped {song['skips']} times"))
    shared_by = Counter(at for _, signal, at in signals if signal == "export")  # the titles of one export
    strongest: dict[tuple[str, str], Evidence] = {}
    for item, signal, at in signals:
        if item.key in judged:
            continue
        score = min(EXPORTED, 1.0 / shared_by[at]) if signal == "export" else SCORES[signal]
        known = strongest.get((item.key, signal))
        if known is None or score > known.score:
            strongest[(item.key, signal)] = Evidence(item, score, f"{signal}ed")
    return facts + list(strongest.values())
