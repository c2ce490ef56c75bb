"""Pop songs for a mood from keyless music services: Deezer's public API and the iTunes Search API.

Deezer reports its quota with HTTP 200 and `{"error": {"code": 4}}`; iTunes allows about 20
calls a minute. Answers are cached for half a day, and a stale cache is used when a service fails.
"""

from __future__ import annotations

import json

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
                      "url": track.get("link"), "rank": track.get("rank")})
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
                      "year": int(year) if year.isdigit() else None, "mood": mood, "url": track.get("trackViewUrl")})
    return songs, ONLINE, ""


class MusicService:
    """One keyless service: how to ask it for a mood and how to read its answer."""

    def __init__(self, name: str, client: HttpClient, store, url: str, params, parse) -> None:
        self.name, self.client, self.store = name, client, store
        self._url, self._params, self._parse = url, params, parse

    def songs(self, mood: str, query: str) -> SourceResult:
        key = f"{self.name}:{mood}:{query}"
        cached = self.store.cache_get(key)
        if cached is not None:
            return SourceResult(self._items(cached), CACHED)
        fetched = self.client.get(self._url, self._params(query))
        songs, status, detail = (self._parse(fetched.body, mood) if fetched.status == ONLINE
                                 else ([], fetched.status, fetched.detail))
        if status != ONLINE:
            stale = self.store.cache_get(key, allow_stale=True)
            return SourceResult(self._items(stale or []), CACHED if stale else status, detail)
        self.store.cache_put(key, songs, CACHE_SECONDS)
        return SourceResult(self._items(songs), ONLINE)

    def _items(self, songs: list[dict]) -> list[Recommendation]:
        return [Recommendation("song", s["title"], s.get("year"), artist=s.get("artist"), mood=s.get("mood"),
                               source=self.name, url=s.get("url"), extra={"rank": s.get("rank")}) for s in songs]


def deezer(client: HttpClient, store, base_url: str) -> MusicService:
    return MusicService("deezer", client, store, f"{base_url.rstrip('/')}/search",
                        lambda q: {"q": q, "limit": RESULTS}, parse_deezer)


def itunes(client: HttpClient, store, base_url: str) -> MusicService:
    return MusicService("itunes", client, store, f"{base_url.rstrip('/')}/search",
                        lambda q: {"term": q, "entity": "song", "limit": RESULTS, "media": "music"}, parse_itunes)
