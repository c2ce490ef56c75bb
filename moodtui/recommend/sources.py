"""What every recommendation source answers: items plus a one-word status for the status line."""

from __future__ import annotations

from dataclasses import dataclass, field

from moodtui.recommend.items import Recommendation

# Status words, shown in the TUI and in `recommend --json`.
ONLINE, CACHED, OFFLINE, BLOCKED, RATE_LIMITED, ERROR, LOCAL, NOT_SYNCED = (
    "online", "cached", "offline", "blocked", "rate-limited", "error", "local", "not synced")


@dataclass
class SourceResult:
    items: list[Recommendation] = field(default_factory=list)
    status: str = LOCAL
    detail: str = ""  # one line for the curious: why blocked, what failed


def status_words(status: str, detail: str = "") -> str:
    """The status as the user reads it: "rate-limited until 14:05" says when the source is asked again."""
    return detail if status == RATE_LIMITED and detail.startswith(RATE_LIMITED) else status
