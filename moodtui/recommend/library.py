"""The user's own titles as a source: IMDb pages they saved and imported, and their watchlists."""

from __future__ import annotations

from moodtui.recommend.sources import SourceRequest, SourceResult, Status


class Library:
    """Titles of the emotion's genres from the user's imported pages and watchlists (`moodtui import`)."""

    name = "your library"
    kind = "movie"
    online = False
    fallback_for = None

    def __init__(self, store) -> None:
        self.store = store

    def fetch(self, request: SourceRequest) -> SourceResult:
        wanted = set(request.genres)
        titles = self.store.library("movie") + self.store.wanted("movie")
        return SourceResult([m for m in titles if wanted & set(m.genres)], Status.LOCAL)
