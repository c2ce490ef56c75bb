"""Plays a song's 30-second preview with a local audio player, if one is installed.

Looked up on PATH at run time (mpv, ffplay, cvlc, mpg123, in that order); the player runs as its
own process, so the app never waits for it. Over SSH the sound comes out of the machine that
runs moodtui, not the one you type on.
"""

from __future__ import annotations

import shutil
import subprocess

# Each player with the flags that make it play audio only, quietly, and exit at the end.
PLAYERS = (
    ("mpv", ("--no-video", "--really-quiet")),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet")),
    ("cvlc", ("--play-and-exit", "--quiet")),
    ("mpg123", ("-q",)),
)


def find_player() -> tuple[str, ...] | None:
    """The command line (without the URL) of the first player found, or None."""
    for name, flags in PLAYERS:
        path = shutil.which(name)
        if path:
            return (path, *flags)
    return None


class PreviewPlayer:
    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None

    @property
    def playing(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def play(self, url: str) -> str | None:
        """Starts playing url (stopping what played); the player's name, or None when there is none."""
        command = find_player()
        if command is None:
            return None
        self.stop()
        # Its own session: a ctrl+c meant for the app does not reach it, and stop() ends it whole.
        self._process = subprocess.Popen([*command, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        return command[0].rsplit("/", 1)[-1]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
