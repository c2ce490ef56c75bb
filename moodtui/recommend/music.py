"""Pop songs for a mood from keyless music services: Deezer's public API and the iTunes Search API.

Deezer is asked for songs *in* a mood, not titles containing its word: the tracks of the
best-matching playlists for the mood's query and, for the cheerful moods, its Pop chart
(mapping.toml [deezer]). iTunes, a keyword search, is the fallback when Deezer gives nothing.
Each song keeps its 30-second preview URL when the service gives one.

Songs follow the user too: for the artists they liked songs of in a mood, Deezer's artist search,
the artist's top tracks and their related artists' top tracks come for that mood (offline: the
local lists' songs by those artists).

Deezer reports its quota with HTTP 200 and `{"error": {"code": 4}}`; iTunes allows about 20
calls a minute. Answers are cached for half a day, and a stale cache is used when a service fails.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass

from moodtui.recommend.http import HttpClient
from moodtui.recommend.items import Recommendation
from moodtui.recommend.sources import SourceRequest, SourceResult, Status, best_status

DEEZER, ITUNES = "deezer", "itunes"  # the services' names, as sources and in the status line
CACHE_SECONDS = 12 * 3600
ARTIST_CACHE_SECONDS = 7 * 24 * 3600  # an artist's id and neighbours change rarely
FOLLOWED_ARTISTS = 2  # liked artists followed per mood
RELATED_ARTISTS = 2  # neighbours of each whose top tracks come too
ARTIST_TRACKS = 10
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
        return [], Status.ERROR, "Deezer sent something that is not JSON"
    if "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {}
        if error.get("code") == DEEZER_QUOTA:
            return [], Status.RATE_LIMITED, "Deezer quota exceeded; try again in a few seconds"
        return [], Status.ERROR, f"Deezer error: {error.get('message', 'unknown')}"
    songs = []
    for track in data.get("data") or []:
        if not isinstance(track, dict) or not track.get("title") or not isinstance(track.get("artist"), dict):
            continue
        songs.append({"title": track["title"], "artist": track["artist"].get("name"), "year": None, "mood": mood,
                      "url": track.get("link"), "rank": track.get("rank"), "preview": track.get("preview") or None})
    return songs, Status.ONLINE, ""


def parse_itunes(body: bytes, mood: str) -> tuple[list[dict], str, str]:
    data = _json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return [], Status.ERROR, "iTunes sent something that is not a search answer"
    songs = []
    for track in data["results"]:
        if not isinstance(track, dict) or track.get("kind") != "song" or not track.get("trackName"):
            continue
        year = str(track.get("releaseDate", ""))[:4]
        songs.append({"title": track["trackName"], "artist": track.get("artistName"),
                      "year": int(year) if year.isdigit() else None, "mood": mood, "url": track.get("trackViewUrl"),
                      "preview": track.get("previewUrl") or None})
    return songs, Status.ONLINE, ""


def parse_playlists(body: bytes, count: int) -> tuple[list[str], str, str]:
    """(ids of the best `count` playlists, status, detail) from a Deezer /search/playlist answer.

    Best: most fans where the answer says, else most tracks (a curated list, not a one-song stub).
    """
    data = _json(body)
    if not isinstance(data, dict):
        return [], Status.ERROR, "Deezer sent something that is not JSON"
    if "error" in data:  # the quota and other errors read as in a track answer
        _, status, detail = parse_deezer(body, "")
        return [], status, detail
    playlists = [p for p in data.get("data") or [] if isinstance(p, dict) and p.get("id") is not None]
    playlists.sort(key=lambda p: (_number(p.get("fans")), _number(p.get("nb_tracks"))), reverse=True)
    return [str(p["id"]) for p in playlists[:count]], Status.ONLINE, ""


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
            found, status, detail = parse(fetched.body) if fetched.status == Status.ONLINE else ([], fetched.status,
                                                                                                 fetched.detail)
            if status != Status.ONLINE and (failure is None or status == Status.RATE_LIMITED):  # the quota says most
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
            return songs, Status.ONLINE, ""
        return [], *(failure or (Status.ERROR, f"Deezer has no songs for {query!r}"))

    return ask


def itunes_asker(base_url: str) -> Asker:
    url = f"{base_url.rstrip('/')}/search"

    def ask(client: HttpClient, mood: str, query: str) -> tuple[list[dict], str, str]:
        fetched = client.get(url, {"term": query, "entity": "song", "limit": RESULTS, "media": "music"})
        if fetched.status != Status.ONLINE:
            return [], fetched.status, fetched.detail
        return parse_itunes(fetched.body, mood)

    return ask


class MusicService:
    """One keyless service as a source of songs: how to ask it for a mood's songs, with the answers cached."""

    kind = "song"
    online = True

    def __init__(self, name: str, client: HttpClient, store, ask: Asker, fallback_for: str | None = None) -> None:
        self.name, self.client, self.store, self._ask = name, client, store, ask
        self.fallback_for = fallback_for

    def fetch(self, request: SourceRequest) -> SourceResult:
        results = [self.songs(mood, request.queries.get(mood, mood)) for mood in request.moods]
        return SourceResult([s for r in results for s in r.items], best_status([r.status for r in results]),
                            next((r.detail for r in results if r.detail), ""))

    def songs(self, mood: str, query: str) -> SourceResult:
        key = f"{self.name}:{mood}:{query}"
        cached = self.store.cache_get(key)
        if cached is not None:
            return SourceResult(song_items(cached, self.name), Status.CACHED)
        songs, status, detail = self._ask(self.client, mood, query)
        if status != Status.ONLINE:
            stale = self.store.cache_get(key, allow_stale=True)
            return SourceResult(song_items(stale or [], self.name), Status.CACHED if stale else status, detail)
        self.store.cache_put(key, songs, CACHE_SECONDS)
        return SourceResult(song_items(songs, self.name), Status.ONLINE)


def song_items(songs: list[dict], source: str) -> list[Recommendation]:
    return [Recommendation("song", s["title"], s.get("year"), artist=s.get("artist"), mood=s.get("mood"),
                           source=source, url=s.get("url"), preview=s.get("preview"), extra={"rank": s.get("rank")})
            for s in songs]


def deezer(client: HttpClient, store, base_url: str, plan: DeezerPlan | None = None) -> MusicService:
    return MusicService(DEEZER, client, store, deezer_asker(base_url, plan or DeezerPlan()))


def itunes(client: HttpClient, store, base_url: str) -> MusicService:
    """iTunes is asked beside Deezer (so a hanging Deezer costs no second wait) and counts when Deezer gave nothing."""
    return MusicService(ITUNES, client, store, itunes_asker(base_url), fallback_for=DEEZER)


def parse_artists(body: bytes) -> tuple[list[dict], Status, str]:
    """(artists as {"id", "name"}, status, detail) from a Deezer /search/artist or /artist/{id}/related answer."""
    data = _json(body)
    if not isinstance(data, dict):
        return [], Status.ERROR, "Deezer sent something that is not JSON"
    if "error" in data:
        _, status, detail = parse_deezer(body, "")
        return [], status, detail
    artists = [{"id": str(a["id"]), "name": str(a.get("name") or "")} for a in data.get("data") or []
               if isinstance(a, dict) and a.get("id") is not None]
    return artists, Status.ONLINE, ""


class DeezerArtists:
    """Songs by the artists the user liked in a mood and by their Deezer neighbours ("your artists")."""

    name = "your artists"
    kind = "song"
    online = True
    fallback_for = None

    def __init__(self, client: HttpClient, store, base_url: str) -> None:
        self.client, self.store, self.base = client, store, base_url.rstrip("/")

    def fetch(self, request: SourceRequest) -> SourceResult:
        songs, statuses, details = [], [], []
        for mood in request.moods:
            for artist in request.artists.get(mood, ())[:FOLLOWED_ARTISTS]:
                found, status, detail = self._artist_songs(artist, mood)
                songs += found
                statuses.append(status)
                details.append(detail)
        if not statuses:
            return SourceResult([], Status.LOCAL, "no liked artists yet")
        return SourceResult(songs, best_status(statuses), next((d for d in details if d), ""))

    def _cached(self, key: str, url: str, parse, seconds: float) -> tuple[list, Status, str]:
        cached = self.store.cache_get(key)
        if cached is not None:
            return cached, Status.CACHED, ""
        fetched = self.client.get(url)
        if fetched.status != Status.ONLINE:
            return [], fetched.status, fetched.detail
        found, status, detail = parse(fetched.body)
        if status == Status.ONLINE:
            self.store.cache_put(key, found, seconds)
        return found, status, detail

    def _artist_songs(self, name: str, mood: str) -> tuple[list[Recommendation], Status, str]:
        from urllib.parse import quote

        artists, status, detail = self._cached(f"deezer-artist:{name.lower()}",
                                               f"{self.base}/search/artist?q={quote(name)}&limit=1",
                                               parse_artists, ARTIST_CACHE_SECONDS)
        if not artists:
            return [], status, detail or f"Deezer does not know {name!r}"
        artist = artists[0]
        related, _, _ = self._cached(f"deezer-related:{artist['id']}", f"{self.base}/artist/{artist['id']}/related",
                                     parse_artists, ARTIST_CACHE_SECONDS)
        songs: list[Recommendation] = []
        for each in [artist, *related[:RELATED_ARTISTS]]:
            tracks, track_status, track_detail = self._cached(
                f"deezer-top:{each['id']}:{mood}", f"{self.base}/artist/{each['id']}/top?limit={ARTIST_TRACKS}",
                lambda body: parse_deezer(body, mood), CACHE_SECONDS)
            songs += [dataclasses.replace(song, extra={**song.extra, "follows": name})
                      for song in song_items(tracks, self.name)]
            status, detail = (status, detail) if tracks else (track_status, track_detail)
        return songs, status if songs else Status.ERROR, "" if songs else detail
