"""Textual's Linux driver, told what to do when its terminal goes away.

A terminal can disappear without a SIGHUP reaching the app (a shell in between that ignores it,
as under nohup, some tmux and mosh setups): reading it then gives end of file, or an error, for
ever, and Textual's own input loop keeps reading (about 17,000 reads in 2 s, 70% of a core). This
driver's input loop reads the same way and hands keys to the same parser, but on end of file or
an error on the terminal it tells the app (`on_lost`) and stops reading.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Callable

from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

POLL_SECONDS = 0.1  # how often the parser is ticked (an escape key alone is known by the pause after it)


class TerminalDriver(LinuxDriver):
    on_lost: Callable[[], None] | None = None  # set by the app before it runs

    def run_input_thread(self) -> None:
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        with selectors.DefaultSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                if selector.select(POLL_SECONDS):
                    try:
                        data = os.read(self.fileno, 4096)
                    except OSError:
                        data = b""
                    if not data:  # the terminal is gone: nothing will ever come again
                        if self.on_lost is not None:
                            self.on_lost()
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
