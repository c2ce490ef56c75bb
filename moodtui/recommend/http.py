"""One polite HTTP client for every online source: one request at a time, statuses not exceptions."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from moodtui import __version__
from moodtui.recommend.sources import BLOCKED, ERROR, OFFLINE, ONLINE, RATE_LIMITED

USER_AGENT = f"moodtui/{__version__} (terminal recommender; +https://pypi.org/project/moodtui/)"


@dataclass
class Fetched:
    """The body when status is ONLINE; otherwise why not, in one line."""

    status: str
    body: bytes = b""
    detail: str = ""


class HttpClient:
    def __init__(self, timeout: float = 8.0) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=True,
                                    headers={"User-Agent": USER_AGENT, "Accept-Language": "en-US,en;q=0.9"})
        self._one_at_a_time = threading.Lock()

    def get(self, url: str, params: dict | None = None) -> Fetched:
        try:
            with self._one_at_a_time:
                response = self._client.get(url, params=params)
        except httpx.TimeoutException:
            return Fetched(OFFLINE, detail=f"timed out: {url}")
        except httpx.HTTPError as error:
            return Fetched(OFFLINE, detail=f"{type(error).__name__}: {url}")
        return classify_response(response)

    def stream(self, url: str, headers: dict | None = None):
        """A streaming GET (for big downloads); the caller handles httpx errors."""
        return self._client.stream("GET", url, headers=headers)

    def close(self) -> None:
        self._client.close()


def classify_response(response: httpx.Response) -> Fetched:
    code = response.status_code
    if code == 202 and response.headers.get("x-amzn-waf-action"):
        return Fetched(BLOCKED, detail="IMDb answered with a browser challenge (HTTP 202); use `moodtui imdb import`")
    if code == 403:
        return Fetched(BLOCKED, detail="HTTP 403 Forbidden")
    if code == 429:
        return Fetched(RATE_LIMITED, detail="HTTP 429 Too Many Requests")
    if code >= 500:
        return Fetched(ERROR, detail=f"HTTP {code} from the server")
    if code != 200:
        return Fetched(ERROR, detail=f"HTTP {code}")
    return Fetched(ONLINE, response.content)
