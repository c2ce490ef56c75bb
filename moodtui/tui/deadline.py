"""A deadline on the way out: once the app is asked to end (q, a signal, a lost terminal), the process
ends within SHUTDOWN_DEADLINE seconds whatever Textual does.

Textual's shutdown can block for ever: its output thread gone or stuck, the main thread waits on a
full output queue (seen after an SSH link dropped, 2 runs in 9), and an asyncio signal handler never
runs while the loop is blocked. So the signals are caught by plain Python handlers, which run between
two bytecodes of the main thread even inside a blocked wait, and each way out arms this deadline on a
thread of its own. When it runs out: the last rites (camera released, queued writes committed, the
terminal given back), each bounded in time, then os._exit with the exit status already chosen.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

SHUTDOWN_DEADLINE = 2.0  # seconds the graceful way out may take (the promise is 3 s, the rites 0.6)
LAST_RITES = 0.6  # seconds the last rites may take before the process ends anyway
# What Textual's driver undoes when it stops: the alternate screen, the hidden cursor, mouse and paste modes.
RESTORE_TERMINAL = b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?1049l\x1b[?25h"


class ExitDeadline:
    def __init__(self, last_rites: Callable[[], None], seconds: float = SHUTDOWN_DEADLINE) -> None:
        self.last_rites, self.seconds = last_rites, seconds
        self.code: int | None = None
        self._lock = threading.Lock()

    def arm(self, code: int) -> None:
        """The app was asked to end with `code`; the first call sets the status and starts the clock."""
        with self._lock:
            if self.code is not None:
                return
            self.code = code
        threading.Thread(target=self._run_out, name="moodtui exit deadline", daemon=True).start()

    def _run_out(self) -> None:
        time.sleep(self.seconds)
        rites = threading.Thread(target=self.last_rites, name="moodtui last rites", daemon=True)
        rites.start()
        rites.join(LAST_RITES)
        os._exit(self.code if self.code is not None else 1)


def give_back_terminal(fd: int, attributes: list | None) -> None:
    """Leave the alternate screen, show the cursor, stop mouse reports, and put back the terminal's modes."""
    import termios

    with contextlib.suppress(OSError):
        os.set_blocking(fd, False)  # a terminal that no longer reads must not hold the process
        os.write(fd, RESTORE_TERMINAL)
    if attributes is not None:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, attributes)
