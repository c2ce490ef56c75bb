"""What the user listened to elsewhere: Spotify's account data and extended streaming history, and ListenBrainz.

Files are recognised by what they hold, and in a folder or zip by their names too (only the listening
files are opened: a Spotify download also holds the account's identity, payments and searches):

- Spotify's account data, `StreamingHistory_music_*.json` (older: `StreamingHistory*.json`): a JSON list of
  `{endTime, artistName, trackName, msPlayed}`; podcast files (`StreamingHistory_podcast_*.json`) hold no songs.
- Spotify's extended streaming history, `Streaming_History_Audio_*.json` (older: `endsong_*.json`): a JSON list
  with `ts, ms_played, master_metadata_track_name, master_metadata_album_artist_name, skipped, reason_end`
  among others. It also carries the listener's IP address, country, platform and user name: none of it is read
  into what is kept. Plays in a private session (`incognito_mode`) are left out, and so are podcast episodes.
- ListenBrainz's export: JSON lines (`.jsonl`, one listen a line) or a JSON list of listens, each with
  `listened_at` and `track_metadata.artist_name` and `track_name`. ListenBrainz only records a song played at
  least halfway (or four minutes), so each listen is a play.

What is kept is a count a song and month: plays (30 s or more, or played to its end), early skips (under 10 s,
and skipped where the file says so) and the time played, with the artist and title (moodtui.store: `listens`).
A song played often is liked and credits its artist (moodtui.recommend.taste); one mostly skipped in its first
seconds weighs against, and is not picked.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from moodtui.errors import UserError
from moodtui.recommend.items import Recommendation

PLAY_MS = 30_000  # Spotify counts a stream from 30 s
SKIP_MS = 10_000  # a song left within its first seconds
PLAYED_OFTEN = 0.6  # a song "played often", liked for `export --liked`: three plays and no early skip, or more
SKIPPED_AWAY = ("fwdbtn",)  # Spotify's reason_end when the listener skipped forward
SPOTIFY, LISTENBRAINZ = "spotify", "listenbrainz"
# The listening files of a Spotify or ListenBrainz download, by name (nothing else of the download is opened).
LISTENING_NAMES = re.compile(r"(^|/)(StreamingHistory[^/]*\.json|Streaming_History_Audio[^/]*\.json|endsong[^/]*\.json"
                             r"|[^/]*\.jsonl|listenbrainz[^/]*\.json)$", re.IGNORECASE)


class ListeningError(UserError, ValueError):
    """A listening-history file that cannot be read; names the file (and line or entry)."""


@dataclass(frozen=True)
class Listen:
    artist: str
    title: str
    month: str  # "2024-03"
    ms: int
    played: bool  # a play that counts: 30 s or more, or to the track's end
    skipped: bool  # left within its first seconds
    source: str


@dataclass
class Listening:
    """Counts by song and month, as the store keeps them; what was read and what was left out."""

    counts: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # (song key, month, source) -> row
    listens: int = 0
    _songs: dict[tuple[str, str, str], Recommendation] = field(default_factory=dict, repr=False)
    left_out: dict[str, int] = field(default_factory=dict)  # what ("podcast episode") -> how many

    def add(self, listen: Listen) -> None:
        named = (listen.artist, listen.title, listen.source)
        song = self._songs.get(named)
        if song is None:  # a history repeats its songs: one value a song
            song = self._songs[named] = Recommendation("song", listen.title, artist=listen.artist,
                                                       source=listen.source)
        row = self.counts.setdefault((song.key, listen.month, listen.source),
                                     {"item": song, "plays": 0, "skips": 0, "ms": 0})
        row["plays"] += listen.played
        row["skips"] += listen.skipped
        row["ms"] += listen.ms
        self.listens += 1

    def leave_out(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1

    def rows(self) -> list[tuple[Recommendation, str, int, int, int, str]]:
        """(song, month, plays, skips, ms, source) for the store."""
        return [(r["item"], month, r["plays"], r["skips"], r["ms"], source)
                for (_, month, source), r in self.counts.items()]

    @property
    def songs(self) -> int:
        return len({key for key, _, _ in self.counts})

    @property
    def artists(self) -> int:
        return len({r["item"].artist.casefold() for r in self.counts.values() if r["item"].artist})

    @property
    def sources(self) -> list[str]:
        return sorted({source for _, _, source in self.counts})


def is_listening_name(name: str) -> bool:
    """Whether a member of a folder or zip is a listening-history file, by its name."""
    return bool(LISTENING_NAMES.search(PurePosixPath(name).as_posix()))


def _month_of_text(text: object, where: str) -> str:
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}", text):
        raise ListeningError(f"{where}: no date ({text!r})")
    return text[:7]


def _month_of_epoch(seconds: object, where: str) -> str:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < 1e11:
        raise ListeningError(f"{where}: 'listened_at' is not a time ({seconds!r})")
    return time.strftime("%Y-%m", time.gmtime(seconds))


def _ms(value: object, where: str, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ListeningError(f"{where}: {name!r} is not a number of milliseconds ({value!r})")
    return value


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _spotify_account(entry: dict, where: str, found: Listening) -> None:
    if "podcastName" in entry or "episodeName" in entry:
        found.leave_out("podcast episode")
        return
    artist, title = _text(entry.get("artistName")), _text(entry.get("trackName"))
    ms = _ms(entry.get("msPlayed"), where, "msPlayed")
    if not artist or not title or artist == "Unknown Artist":
        found.leave_out("listen without an artist or title")
        return
    found.add(Listen(artist, title, _month_of_text(entry.get("endTime"), where), ms, ms >= PLAY_MS, ms < SKIP_MS,
                     SPOTIFY))


def _spotify_extended(entry: dict, where: str, found: Listening) -> None:
    # Only these fields are read: never ip_addr, conn_country, platform, user_agent, username.
    if entry.get("incognito_mode") is True:
        found.leave_out("listen in a private session")
        return
    artist = _text(entry.get("master_metadata_album_artist_name"))
    title = _text(entry.get("master_metadata_track_name"))
    if not title or not artist:
        found.leave_out("podcast episode" if entry.get("episode_name") or entry.get("spotify_episode_uri")
                        else "listen without an artist or title")
        return
    ms = _ms(entry.get("ms_played"), where, "ms_played")
    reason = _text(entry.get("reason_end"))
    played = ms >= PLAY_MS or reason == "trackdone"
    skipped = ms < SKIP_MS and not played and (entry.get("skipped") is True or reason in SKIPPED_AWAY)
    found.add(Listen(artist, title, _month_of_text(entry.get("ts"), where), ms, played, skipped, SPOTIFY))


def _listenbrainz(entry: dict, where: str, found: Listening) -> None:
    meta = entry.get("track_metadata")
    if not isinstance(meta, dict):
        raise ListeningError(f"{where}: a listen without 'track_metadata'")
    artist, title = _text(meta.get("artist_name")), _text(meta.get("track_name"))
    if not artist or not title:
        found.leave_out("listen without an artist or title")
        return
    # ListenBrainz keeps no time played: the track's length, where the player sent it, stands in for it.
    info = meta.get("additional_info") if isinstance(meta.get("additional_info"), dict) else {}
    duration = info.get("duration_ms")
    ms = duration if isinstance(duration, int) and not isinstance(duration, bool) and duration > 0 else 0
    found.add(Listen(artist, title, _month_of_epoch(entry.get("listened_at"), where), ms, True, False,
                     LISTENBRAINZ))


def _reader_for(entry: object):
    """The reader for a file whose entries look like this one, or None."""
    if not isinstance(entry, dict):
        return None
    if "msPlayed" in entry and "endTime" in entry:
        return _spotify_account
    if "ms_played" in entry and "ts" in entry:
        return _spotify_extended
    if "track_metadata" in entry and "listened_at" in entry:
        return _listenbrainz
    return None


def _entries(text: str, name: str) -> Iterable[tuple[str, object]]:
    """(where, entry) of a JSON list, or of JSON lines."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ListeningError(f"{name}: not valid JSON (line {error.lineno}: {error.msg})") from None
        return [(f"{name}: entry {i + 1}", entry) for i, entry in enumerate(data)]
    entries = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        if line.strip():
            try:
                entries.append((f"{name}:{number}", json.loads(line)))
            except json.JSONDecodeError as error:
                raise ListeningError(f"{name}:{number}: not a JSON line ({error.msg})") from None
    return entries


def parse_listening(text: str, name: str, found: Listening, strict: bool = True) -> bool:
    """Adds the songs of one file to `found`; False when it is not a listening history (`strict`: an error)."""
    entries = list(_entries(text, name))
    reader = next((r for r in (_reader_for(entry) for _, entry in entries) if r), None)
    if not entries and is_listening_name(name):  # a month with no listening: Spotify writes "[]"
        return True
    if reader is None:
        if entries and all(isinstance(e, dict) and ("podcastName" in e or "episodeName" in e) for _, e in entries):
            for _ in entries:
                found.leave_out("podcast episode")
            return True
        if strict:
            raise ListeningError(f"{name}: not a Spotify or ListenBrainz listening history")
        return False
    for where, entry in entries:
        if not isinstance(entry, dict):
            raise ListeningError(f"{where}: expected an object, not {type(entry).__name__}")
        reader(entry, where, found)
    return True


def listening_score(plays: int, skips: int) -> float:
    """Plays for, early skips against, from -1 to 1: one play 0.33, ten 0.83; one skip -0.33."""
    return (plays - skips) / (plays + skips + 2)
