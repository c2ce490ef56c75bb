"""What the user likes, learned on this machine from what they rated and from every key they press.

The evidence is a score from -1 to 1 per title: an imported rating (IMDb's 1-10, Letterboxd's
stars doubled, 5.5 as the middle), a like (+1) or dislike (-1), a played preview (+0.3), an
exported pick (+0.5), a watchlist title (+0.3: wanted, not yet judged). "Seen" alone says nothing.

A title is described by features a reader can name: a movie's genres, directors, decade, rating
level, popularity and length; a song's artist, decade and mood. A feature's weight is the sum of
the scores of the titles that have it over their number plus PRIOR, so one like moves it a little
and ten consistent ones a lot, and what nobody rated stays at zero. A title's taste is the mean
weight of its features in each group, the groups weighed as in GROUPS. The emotion still decides
which genres and moods fit; the taste decides which titles within them, and can say why: the liked
title that shares the most of what the user likes with the pick.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from moodtui.recommend.items import Recommendation

PRIOR = 2.0  # imaginary neutral titles behind every feature
GROUPS = {  # feature group -> how much it counts in a title's taste
    "movie": {"genre": 1.0, "director": 1.0, "decade": 0.6, "rating": 0.4, "popularity": 0.3, "length": 0.2},
    "song": {"artist": 1.0, "decade": 0.4, "mood": 0.3},
}
SCORES = {"like": 1.0, "dislike": -1.0, "play": 0.3, "export": 0.5, "wanted": 0.3}
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
    if item.directors:
        found["director"] = list(item.directors)
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

    @classmethod
    def learn(cls, evidence: list[Evidence]) -> Taste:
        total: dict[tuple[str, str, str], float] = defaultdict(float)
        support: Counter = Counter()
        names: dict[tuple[str, str, str], str] = {}
        for fact in evidence:
            for group, values in features(fact.item).items():
                for value in values:
                    key = _key(fact.item.kind, group, value)
                    total[key] += fact.score
                    support[key] += 1
                    names.setdefault(key, value)
        weights = {key: total[key] / (support[key] + PRIOR) for key in total}
        liked = sorted((e for e in evidence if e.score >= LIKED), key=lambda e: e.score, reverse=True)
        counts = Counter(e.what.split()[0] for e in evidence)
        return cls(weights, dict(support), names, liked, dict(counts))

    @property
    def empty(self) -> bool:
        return not self.weights

    def score(self, item: Recommendation) -> float:
        """How much the user should like this title, about -3 to 3 (0: nothing known)."""
        groups = GROUPS.get(item.kind, {})
        total = 0.0
        for group, values in features(item).items():
            known = [self.weights.get(_key(item.kind, group, v), 0.0) for v in values]
            total += groups.get(group, 0.0) * sum(known) / len(known)
        return total

    def shared(self, item: Recommendation, liked: Recommendation) -> float:
        """The liked taste the two titles have in common (features both have that the user likes)."""
        if item.kind != liked.kind:
            return 0.0
        groups, theirs = GROUPS.get(item.kind, {}), features(liked)
        total = 0.0
        for group, values in features(item).items():
            if group in ("decade", "rating", "popularity", "length", "mood"):
                continue  # "because you liked X" must name something the two really share
            common = {v.casefold() for v in values} & {v.casefold() for v in theirs.get(group, [])}
            total += groups.get(group, 0.0) * sum(max(self.weights.get((item.kind, group, v), 0.0), 0.0)
                                                  for v in common)
        return total

    def because(self, item: Recommendation) -> Recommendation | None:
        """The liked title closest to this one in what the user likes, or None when none is close."""
        best, best_shared = None, MIN_SHARED
        for fact in self.liked:
            if fact.item.key == item.key:
                continue
            shared = self.shared(item, fact.item)
            if shared > best_shared:
                best, best_shared = fact.item, shared
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
            rows = [{"group": group, "value": self.names[key], "weight": round(weight, 3),
                     "titles": self.support[key]}
                    for key, weight in self.weights.items() for (k, group, _) in [key] if k == kind]
            rows.sort(key=lambda r: r["weight"], reverse=True)
            result[kind] = {"likes": [r for r in rows if r["weight"] > 0][:top],
                            "dislikes": [r for r in reversed(rows) if r["weight"] < 0][:top]}
        return result


def evidence_from(ratings: list[tuple[Recommendation, str, float | None]],
                  feedback: list[tuple[Recommendation, str, float]],
                  signals: list[tuple[Recommendation, str, float]]) -> list[Evidence]:
    """Everything the store holds that says something about the user's taste."""
    facts = []
    for item, verdict, score in ratings:
        if verdict == "wanted":
            facts.append(Evidence(item, SCORES["wanted"], "wanted"))
        elif score is not None:
            facts.append(Evidence(item, score, f"rated {round(5.5 + 4.5 * score)}/10"))
    for item, verdict, _ in feedback:
        if verdict in SCORES:
            facts.append(Evidence(item, SCORES[verdict], f"{verdict}d"))
    for item, signal, _ in signals:
        facts.append(Evidence(item, SCORES[signal], f"{signal}ed"))
    return facts
