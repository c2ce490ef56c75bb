"""Running the app in a real terminal: refusing one it cannot drive, the model loaded before the screen
is taken, signals and a lost terminal turned into a clean exit, and a crash into one line and a log."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import traceback
from pathlib import Path

from moodtui.config import Settings
from moodtui.tui.deadline import ExitDeadline, give_back_terminal

# TERM values of terminals that cannot be driven: no cursor moves, no colours, no alternate screen.
DUMB_TERMS = {"", "dumb", "unknown", "emacs"}
PLAIN_COMMANDS = ("moodtui detect PHOTO|VIDEO|CAMERA, moodtui recommend --emotion EMOTION, moodtui history, "
                  "moodtui taste")


def terminal_problem() -> str:
    """Why this is no terminal for the app, in a few words; empty when it is one."""
    term = os.environ.get("TERM", "")
    if term in DUMB_TERMS:
        return f"this terminal (TERM={term or 'unset'}) cannot draw the app"
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return "the app needs a terminal on its input and output"
    return ""


def run_app(settings: Settings) -> int:
    """The app; its exit status: 0 on q, 128 + a signal's number, 1 for a lost terminal or a crash (the
    traceback in a log file), 2 for a terminal it cannot drive."""
    import cv2

    from moodtui.tui.app import MoodApp, TerminalLost
    from moodtui.tui.driver import TerminalDriver
    from moodtui.vision.build import load_classifier
    from moodtui.vision.emotion import ModelError

    # The app reads faces on one core: OpenCV's pool of threads, woken and left spinning around each
    # small call (a 640x480 colour conversion, an 84x84 cascade), cost more than they gave (about a
    # point of a core in benchmarks/tui_tmux.py).
    cv2.setNumThreads(1)
    problem = terminal_problem()
    if problem:
        print(f"moodtui: error: {problem}; the plain commands work anywhere: {PLAIN_COMMANDS} "
              "(moodtui --help)", file=sys.stderr)
        return 2
    try:  # before Textual takes the terminal: the runtime's own stderr lines are hidden only here
        loaded = load_classifier(settings)
    except ModelError as error:  # a model that cannot load is the user's to fix before the app starts
        print(f"moodtui: error: {error}", file=sys.stderr)
        return 2
    app = MoodApp(settings, classifier=loaded, driver_class=TerminalDriver)
    app.deadline = deadline = ExitDeadline(functools.partial(last_rites, app, terminal_attributes()))

    def terminal_lost() -> None:
        deadline.arm(1)
        app.post_message(TerminalLost("the terminal went away"))

    TerminalDriver.on_lost = staticmethod(terminal_lost)  # a plain function on the class would get the driver as self
    catch_signals(app, deadline)
    try:
        app.run()
    except OSError as error:
        if deadline.code is None:  # not on its way out: a crash like any other
            return crashed(error)
        return deadline.code  # the terminal went away while the app was ending: its last writes failed, as they must
    except Exception as error:  # noqa: BLE001 - a crash is logged, never shown as a bare traceback
        return crashed(error)
    code = app.return_code or 0
    if code == 1 and deadline.code != 1:
        print("moodtui: error: the app stopped on an error (see above)", file=sys.stderr)
    leave_now_if_held(code)
    return code


def crashed(error: BaseException) -> int:
    """A crash: its traceback in a log file, one line for the user, status 1."""
    from platformdirs import user_state_dir

    log = Path(user_state_dir("moodtui")) / "crash.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(traceback.format_exception(error)))
    print(f"moodtui: error: the app crashed; the details are in {log}", file=sys.stderr)
    return 1


def terminal_attributes() -> list | None:
    """The terminal's modes before Textual changes them, to put back if its own shutdown never ends."""
    import termios

    try:
        return termios.tcgetattr(sys.stdin.fileno())
    except (OSError, termios.error, ValueError):
        return None


def catch_signals(app, deadline: ExitDeadline) -> None:
    """SIGTERM, SIGHUP and SIGINT end the app with 128 + the signal's number, as q does, within the deadline.

    Plain handlers, not asyncio's: they run even while the event loop is blocked (see moodtui.tui.deadline)."""
    def on_signal(signum: int, frame) -> None:
        deadline.arm(128 + signum)
        loop = app.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(app.leave, 128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, on_signal)


def last_rites(app, attributes: list | None) -> None:
    """What must happen even when Textual's shutdown hangs: the camera released, the moods and ratings
    still queued committed, the terminal given back (each bounded: moodtui.tui.deadline)."""
    with contextlib.suppress(Exception):
        app.camera.shutdown()
    with contextlib.suppress(Exception):
        app.store.flush(timeout=0.3)
    give_back_terminal(sys.__stderr__.fileno(), attributes)


def leave_now_if_held(code: int, grace: float = 1.0) -> None:
    """The app has closed the camera, the store and the screen; a terminal thread of Textual's still alive
    (one a stray SIGCONT started again, which nothing stops) would hold the process open: exit anyway."""
    import threading
    import time

    deadline = time.monotonic() + grace
    held = [t for t in threading.enumerate() if t.name.startswith("textual-") and not t.daemon]
    for thread in held:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in held):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
