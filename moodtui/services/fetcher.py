"""Run slow work for the newest request only, on at most one thread, never blocking the caller.

A user who presses keys faster than the network answers would otherwise start a thread per
key. Here, while one fetch runs, later requests only replace the one waiting; when the fetch
ends, the newest waiting request runs next and the ones in between never do. The thread is a
daemon: quitting never waits for a request that the network is sitting on (each request ends
by its own deadline anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

RequestT = TypeVar("RequestT")
ResultT = TypeVar("ResultT")


class LatestOnly(Generic[RequestT, ResultT]):
    def __init__(self, work: Callable[[RequestT], ResultT], deliver: Callable[[RequestT, ResultT], None],
                 failed: Callable[[RequestT, Exception], None], name: str = "fetch") -> None:
        self._work, self._deliver, self._failed, self._name = work, deliver, failed, name
        self._lock = threading.Lock()
        self._waiting: RequestT | None = None
        self._thread: threading.Thread | None = None
        self.threads_started = 0

    def submit(self, request: RequestT) -> None:
        with self._lock:
            self._waiting = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self.threads_started += 1
                self._thread.start()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        while True:
            with self._lock:
                request, self._waiting = self._waiting, None
                if request is None:
                    self._thread = None
                    return
            try:
                result = self._work(request)
            except Exception as error:  # a source bug must not kill the app's fetching for good
                self._failed(request, error)
                continue
            self._deliver(request, result)
