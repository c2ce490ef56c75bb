"""Running the app in a real terminal: refusing one it cannot drive, the model loaded before the screen
is taken, signals and a lost terminal turned into a clean exit, and a crash into one line and a log."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from moodtui.config import Settings

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
    from platformdirs import user_state_dir

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
    except ModelError as error:
        loaded = error  # the app still starts and says so in the preview pane
    app = MoodApp(settings, classifier=loaded, driver_class=TerminalDriver)
    TerminalDriver.on_lost = lambda: app.post_message(TerminalLost("the terminal went away"))
    try:
        app.run()
    except Exception:  # noqa: BLE001 - a crash is logged, never shown as a bare traceback
        log = Path(user_state_dir("moodtui")) / "crash.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        print(f"moodtui: error: the app crashed; the details are in {log}", file=sys.stderr)
        return 1
    code = app.return_code or 0
    if code == 1:
        print("moodtui: error: the app stopped on an error (see above)", file=sys.stderr)
    leave_now_if_held(code)
    return code


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
