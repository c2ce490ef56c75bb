"""Pop songs for a mood from keyless music services: Deezer's public API and the iTunes Search API.

Deezer is asked for songs *in* a mood, not titles containing its word: the tracks of the
best-matching playlists for the mood's query and, for the cheerful moods, its Pop chart
(mapping.toml [deezer]). iTunes, a keyword search, is the fallback when Deezer gives nothing.
Each song keeps its 30-second preview URL when the service gives one.

Deezer reports its quota with HTTP 200 and `{"error": {"code": 4}}`; iTunes allows about 20
calls a minute. Answers are cached for half a day, and a stale cache is used when a service fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from moodtui.recommend.http import HttpClient
from moodtui.recommend.items import Recommendation
from moodtui.recommend.sources import CACHED, ERROR, ONLINE, RATE_LIMITED, SourceResult

CACHE_SECONDS = 12 * 3600
DEEZER_QUOTA = 4
RESULTS = 25


def _json(body: bytes):
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def parse_deezer(body: bytes, mood: str) -> tuple[list[dict], str, str]:
    """(songs, status, detail) from a Deezer /search or /chart answer."""
    data = _json(body)
    if not isinstance(data, dict):
        return [], ERROR, "Deezer sent something that is not JSON"
    if "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {}
        if error.get("code") == DEEZER_QUOTA:
            return [], RATE_LIMITED, "Deezer quota exceeded; try again in a few seconds"
        return [], ERROR, f"Deezer error: {error.get('message', 'unknown')}"
    songs = []
    for track in data.get("data") or []:
        if not isinstance(track, dict) or not track.get("title") or not isinstance(track.get("artist"), dict):
            continue
        songs.append({"title": track["title"], "artist": track["artist"].get("name"), "year": None, "mood": mood,
                      "url": track.get("link"), "rank": track.get("rank"), "preview": track.get("preview") or None})
    return songs, ONLINE, ""


def parse_itunes(body: bytes, mood: str) -> tuple[list[dict], str, str]:
    data = _json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return [], ERROR, "iTunes sent something that is not a search answer"
    songs = []
    for track in data["results"]:
        if not isinstance(track, dict) or track.get("kind") != "song" or not track.get("trackName"):
            continue
        year = str(track.get("releaseDate", ""))[:4]
        songs.append({"title": track["trackName"], "artist": track.get("artistName"),
                      "year": int(year) if year.isdigit() else None, "mood": mood, "url": track.get("trackViewUrl"),
                      "preview": track.get("previewUrl") or None})
    return songs, ONLINE, ""


def parse_playlists(body: bytes, count: int) -> tuple[list[str], str, str]:
    """(ids of the best `count` playlists, status, detail) from a Deezer /search/playlist answer.

    Best: most fans where the answer says, else most tracks (a curated list, not a one-song stub).
    """
    data = _json(body)
    if not isinstance(data, dict):
        return [], ERROR, "Deezer sent something that is not JSON"
    if "error" in data:  # the quota and other errors read as in a track answer
        _, status, detail = parse_deezer(body, "")
        return [], status, detail
    playlists = [p for p in data.get("data") or [] if isinstance(p, dict) and p.get("id") is not None]
    playlists.sort(key=lambda p: (_number(p.get("fans")), _number(p.get("nb_tracks"))), reverse=True)
    return [str(p["id"]) for p in playlists[:count]], ONLINE, ""


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class DeezerPlan:
    """How Deezer is asked for a mood (mapping.toml [deezer]): its Pop chart for the cheerful moods,
    the tracks of the best playlists for the mood's query, and a track search when both give nothing."""

    chart_genre: int = 132  # Deezer's genre id of Pop: the paper's "pop songs"
    chart_moods: tuple[str, ...] = ("happy", "energetic")
    playlists: int = 2

    @classmethod
    def from_mapping(cls, table: dict) -> DeezerPlan:
        return cls(int(table.get("chart_genre", cls.chart_genre)), tuple(table.get("chart_moods", cls.chart_moods)),
                   int(table.get("playlists", cls.playlists)))


Asker = Callable[[HttpClient, str, str], tuple[list[dict], str, str]]


def deezer_asker(base_url: str, plan: DeezerPlan) -> Asker:
    base = base_url.rstrip("/")

    def ask(client: HttpClient, mood: str, query: str) -> tuple[list[dict], str, str]:
        songs: list[dict] = []
        failure: tuple[str, str] | None = None

        def take(fetched, parse) -> list:
            nonlocal failure
            found, status, detail = parse(fetched.body) if fetched.status == ONLINE else ([], fetched.status,
                                                                                          fetched.detail)
            if status != ONLINE and (failure is None or status == RATE_LIMITED):  # the quota says most
                failure = (status, detail)
            return found

        if mood in plan.chart_moods:
            chart = client.get(f"{base}/chart/{plan.chart_genre}/tracks", {"limit": RESULTS})
            songs += take(chart, lambda body: parse_deezer(body, mood))
        found = client.get(f"{base}/search/playlist", {"q": query, "limit": 10})
        for playlist in take(found, lambda body: parse_playlists(body, plan.playlists)):
            tracks = client.get(f"{base}/playlist/{playlist}/tracks", {"limit": RESULTS})
            songs += take(tracks, lambda body: parse_deezer(body, mood))
        if not songs:  # no playlist (or chart) answered: the tracks whose words match the query
            songs += take(client.get(f"{base}/search", {"q": query, "limit": RESULTS}),
                          lambda body: parse_deezer(body, mood))
        if songs:
            return songs, ONLINE, ""
        return [], *(failure or (ERROR, f"Deezer has no songs for {query!r}"))

    return ask


def itunes_asker(base_url: str) -> Asker:
    url = f"{base_url.rstrip('/')}/search"

    def ask(client: HttpClient, mood: str, query: str) -> tuple[list[dict], str, str]:
        fetched = client.get(url, {"term": query, "entity": "song", "limit": RESULTS, "media": "music"})
        return parse_itunes(fetched.body, mood) if fetched.status == ONLINE else ([], fetched.status, fetched.detail)

    return ask


class MusicService:
    """One keyless service: how to ask it for a mood's songs, with the answers cached."""

    def __init__(self, name: str, client: HttpClient, store, ask: Asker) -> None:
        self.name, self.client, self.store, self._ask = name, client, store, ask

    def songs(self, mood: str, query: str) -> SourceResult:
        key = f"{self.name}:{mood}:{query}"
        cached = self.store.cache_get(key)
        if cached is not None:
            return SourceResult(self._items(cached), CACHED)
        songs, status, detail = self._ask(self.client, mood, query)
        if status != ONLINE:
            stale = self.store.cache_get(key, allow_stale=True)
            return SourceResult(self._items(stale or []), CACHED if stale else status, detail)
        self.store.cache_put(key, songs, CACHE_SECONDS)
        return SourceResult(self._items(songs), ONLINE)

    def _items(self, songs: list[dict]) -> list[Recommendation]:
        return [Recommendation("song", s["title"], s.get("year"), artist=s.get("artist"), mood=s.get("mood"),
                               source=self.name, url=s.get("url"), preview=s.get("preview"),
                               extra={"rank": s.get("rank")}) for s in songs]


def deezer(client: HttpClient, store, base_url: str, plan: DeezerPlan | None = None) -> MusicService:
    return MusicService("deezer", client, store, deezer_asker(base_url, plan or DeezerPlan()))


def itunes(client: HttpClient, store, base_url: str) -> MusicService:
    return MusicService("itunes", client, store, itunes_asker(base_url))
