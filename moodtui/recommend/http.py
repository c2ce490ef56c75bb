"""One polite HTTP client for every online source: one request at a time to a host, statuses not exceptions.

Sources on different hosts are asked side by side (the engine runs them on threads); each host
gets one request at a time. Every request has a total deadline (connect, headers and body
together, not per read), and `until(deadline)` gives all the requests a thread makes for one
recommendation a shared end; bodies are read up to MAX_BODY and no further. A host that just
timed out is not asked again for DOWN_SECONDS, so a source that makes several requests costs one
timeout, not several, when its server hangs. A server that answers 429 is left alone until its
Retry-After (seconds or an HTTP date; DEFAULT_BACKOFF without one), remembered in the store
across runs when the client has one.
"""

from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from moodtui import __version__
from moodtui.recommend.sources import Status

USER_AGENT = f"moodtui/{__version__} (terminal recommender; +https://pypi.org/project/moodtui/)"
MAX_BODY = 8 * 1024 * 1024  # bytes; a search page is about 1.6 MB, a service answer a few KB
DEFAULT_BACKOFF = 60.0  # seconds to leave a server alone after a 429 that names no Retry-After
MAX_BACKOFF = 24 * 3600.0  # a Retry-After further off than this is taken as this
DOWN_SECONDS = 60.0  # a host that timed out is not asked again for this long


def retry_after_seconds(value: str | None, now: float) -> float:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return DEFAULT_BACKOFF
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_BACKOFF)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return DEFAULT_BACKOFF
    return min(max(when - now, 0.0), MAX_BACKOFF)


def until_text(at: float) -> str:
    return f"rate-limited until {time.strftime('%H:%M', time.localtime(at))}"


@dataclass
class Fetched:
    """The body when status is ONLINE; otherwise why not, in one line."""

    status: Status
    body: bytes = b""
    detail: str = ""
    retry_after: float | None = None  # seconds, when the server answered 429


class HttpClient:
    def __init__(self, timeout: float = 8.0, max_body: int = MAX_BODY, store=None) -> None:
        self.timeout, self.max_body = timeout, max_body
        self._store = store  # where a server's "not before" time is kept across runs (the cache table)
        self._holds: dict[str, float] = {}
        self._down: dict[str, float] = {}  # host -> monotonic time it timed out
        self._client = httpx.Client(timeout=timeout, follow_redirects=True,
                                    headers={"User-Agent": USER_AGENT, "Accept-Language": "en-US,en;q=0.9"})
        self._host_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._budget = threading.local()  # per thread: the monotonic time all its requests must end by

    @contextlib.contextmanager
    def until(self, deadline: float | None) -> Iterator[None]:
        """Every request made in this block, on this thread, ends by `deadline` (time.monotonic()) at the latest."""
        saved = getattr(self._budget, "deadline", None)
        self._budget.deadline = deadline
        try:
            yield
        finally:
            self._budget.deadline = saved

    def within(self, seconds: float | None):
        """`until` a deadline `seconds` from now."""
        return self.until(None if seconds is None else time.monotonic() + seconds)

    def _host_lock(self, host: str) -> threading.Lock:
        with self._locks_lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _deadline(self) -> float:
        budget = getattr(self._budget, "deadline", None)
        own = time.monotonic() + self.timeout
        return own if budget is None else min(own, budget)

    def get(self, url: str, params: dict | None = None) -> Fetched:
        host = urlsplit(url).netloc
        held = self.held_until(host)
        if held:
            return Fetched(Status.RATE_LIMITED, detail=until_text(held))
        down = self._down.get(host)
        if down is not None and time.monotonic() - down < DOWN_SECONDS:
            return Fetched(Status.OFFLINE, detail=f"{host} did not answer a moment ago")
        deadline = self._deadline()
        try:
            with self._host_lock(host):
                fetched = self._get(url, params, deadline)
        except httpx.TimeoutException:
            self._down[host] = time.monotonic()
            return Fetched(Status.OFFLINE, detail=f"timed out: {url}")
        except httpx.HTTPError as error:
            return Fetched(Status.OFFLINE, detail=f"{type(error).__name__}: {url}")
        if fetched.status == Status.OFFLINE and fetched.detail.startswith("timed out"):
            self._down[host] = time.monotonic()
        else:
            self._down.pop(host, None)
        if fetched.retry_after is not None:
            fetched.detail = until_text(self._hold(host, fetched.retry_after))
        return fetched

    def held_until(self, host: str) -> float | None:
        """When the host may be asked again, if it asked us to wait and that time is still ahead."""
        now = time.time()
        until = self._holds.get(host)
        if until is None and self._store is not None:
            until = self._store.cache_get(f"retry-after:{host}")
        return until if until and until > now else None

    def _hold(self, host: str, seconds: float) -> float:
        until = time.time() + seconds
        self._holds[host] = until
        if self._store is not None:
            self._store.cache_put(f"retry-after:{host}", until, seconds)
        return until

    def _get(self, url: str, params: dict | None, deadline: float) -> Fetched:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Fetched(Status.OFFLINE, detail=f"no time left for {url}")
        # Each phase may take at most what is left; the body is also checked between chunks, so a
        # server that drips its answer is cut off at the deadline too.
        with self._client.stream("GET", url, params=params, timeout=httpx.Timeout(remaining)) as response:
            verdict = classify_response(response)
            if verdict.status != Status.ONLINE:
                return verdict
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_body:
                    return Fetched(Status.ERROR, detail=f"answer larger than {self.max_body // 1_000_000} MB: {url}")
                if time.monotonic() > deadline:
                    return Fetched(Status.OFFLINE, detail=f"timed out: {url}")
                chunks.append(chunk)
        return Fetched(Status.ONLINE, b"".join(chunks))

    def stream(self, url: str, headers: dict | None = None):
        """A streaming GET (for big downloads); the caller handles httpx errors."""
        return self._client.stream("GET", url, headers=headers)

    def close(self) -> None:
        self._client.close()


def classify_response(response: httpx.Response) -> Fetched:
    code = response.status_code
    if code == 202 and response.headers.get("x-amzn-waf-action"):
        return Fetched(Status.BLOCKED,
                       detail="IMDb answered with a browser challenge (HTTP 202); use `moodtui imdb import`")
    if code == 403:
        return Fetched(Status.BLOCKED, detail="HTTP 403 Forbidden")
    if code == 429:
        return Fetched(Status.RATE_LIMITED, detail="HTTP 429 Too Many Requests",
                       retry_after=retry_after_seconds(response.headers.get("retry-after"), time.time()))
    if code >= 500:
        return Fetched(Status.ERROR, detail=f"HTTP {code} from the server")
    if code != 200:
        return Fetched(Status.ERROR, detail=f"HTTP {code}")
    return Fetched(Status.ONLINE)  # the body is the caller's to read
