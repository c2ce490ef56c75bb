"""The one interface every source of picks has, and the statuses they answer with.

A source has a name (shown in the status line), a kind ("movie" or "song"), says whether it goes
online (those are asked side by side, within the recommendation's time budget, and skipped
offline) and answers a `SourceRequest` with a `SourceResult`: items and a `Status`. The engine
holds a list of sources in priority order (`default_sources` in moodtui.recommend.engine); a
new source is one module with such a class, and one line there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from moodtui.recommend.items import Recommendation


class Status(StrEnum):
    """A source's one-word state; the words are what the status line and `recommend --json` show."""

    ONLINE = "online"
    CACHED = "cached"
    LOCAL = "local"
    OFFLINE = "offline"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate-limited"
    ERROR = "error"
    NOT_SYNCED = "not synced"
    TIMED_OUT = "timed out"  # no answer within the recommendation's budget


# The best status of a source asked several times (once a genre, say) is the one shown.
STATUS_RANK = (Status.ONLINE, Status.CACHED, Status.LOCAL, Status.RATE_LIMITED, Status.BLOCKED, Status.TIMED_OUT,
               Status.ERROR, Status.OFFLINE, Status.NOT_SYNCED)


def best_status(statuses: list[Status]) -> Status:
    return min(statuses, key=STATUS_RANK.index) if statuses else Status.LOCAL


@dataclass
class SourceResult:
    items: list[Recommendation] = field(default_factory=list)
    status: Status = Status.LOCAL
    detail: str = ""  # one line for the curious: why blocked, what failed


@dataclass(frozen=True)
class SourceRequest:
    """What picks are wanted: the emotion's genres and song moods, most fitting first."""

    emotion: str
    strategy: str
    genres: tuple[str, ...]
    moods: tuple[str, ...]
    queries: dict[str, str] = field(default_factory=dict)  # song mood -> the words a music service is asked
    # The artists the user liked songs of, by the song mood they liked them in: sources that follow
    # artists bring their songs and their neighbours' for those moods.
    artists: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Source(Protocol):
    name: str
    kind: str  # "movie" or "song"
    online: bool
    # A source whose items count only when this other source gave none (iTunes stands in for Deezer).
    fallback_for: str | None

    def fetch(self, request: SourceRequest) -> SourceResult: ...


def status_words(status: Status | str, detail: str = "") -> str:
    """The status as the user reads it: "rate-limited until 14:05" says when the source is asked again."""
    return detail if status == Status.RATE_LIMITED and detail.startswith(Status.RATE_LIMITED) else str(status)
