"""The `moodtui` command: the TUI by default, and headless subcommands (moodtui/commands/, one module each).

Flags are merged into the config file's settings once, here (moodtui.config.with_flags), and every
subcommand gets those settings: the app, `detect`, `calibrate`, `bench` and `doctor` read faces the
same way. Only what a command needs is imported when it runs, so a photo is read quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from moodtui import __version__
from moodtui.commands import (
    bench,
    calibrate,
    detect,
    doctor,
    export,
    forget,
    history,
    imdb,
    imports,
    recommend,
    taste,
)
from moodtui.commands.common import SIZE_HELP, add_calibration_flag, add_reading_flags, frame_size, positive_float
from moodtui.config import PREVIEWS, STRATEGIES, ConfigError, Settings, config_path, load_settings, with_flags
from moodtui.errors import UserError
from moodtui.urls import PASSWORD_ON_COMMAND_LINE, hide_credentials_from_process_title, shown

# The subcommands in the order `moodtui --help` lists them; a new one is a module with
# add_parser(commands) and a handler, and a line here.
COMMANDS = (detect, calibrate, bench, recommend, imports, taste, doctor, history, export, forget, imdb)


class Defaults:
    """What --help says a flag defaults to: the config file's value where it sets one, else the built-in one."""

    def __init__(self) -> None:
        import tomllib

        self.settings, self.keys = Settings(), set()
        try:
            with warnings.catch_warnings():  # the command's own reading of the file says them, once
                warnings.simplefilter("ignore")
                self.settings = load_settings()
            if config_path().exists():
                self.keys = set(tomllib.loads(config_path().read_text(encoding="utf-8")))
        except (ConfigError, OSError, ValueError):
            pass  # the command itself says what is wrong with the file

    def __call__(self, key: str) -> str:
        value = getattr(self.settings, key)
        value = f"{value:g}" if isinstance(value, float) else shown(str(value))  # a camera's password: hidden
        return f"now {value}, from {config_path()}" if key in self.keys else f"default {value}"


def parser() -> argparse.ArgumentParser:
    now = Defaults()
    root = argparse.ArgumentParser(
        prog="moodtui",
        description="Emotion-aware movie and pop-song recommendations in your terminal. "
        "Without a subcommand it opens the app.",
    )
    root.add_argument("--version", action="version", version=f"moodtui {__version__}")
    app = root.add_argument_group("the app (no subcommand)")
    app.add_argument("--source", help="camera index (0), device (/dev/video1), network camera (rtsp://..., "
                     "http://.../video), video, image, folder, 'picamera2' or 'none'; default from MOODTUI_SOURCE, "
                     f"then config ({now('source')})")
    app.add_argument("--size", type=frame_size, metavar="WxH", help=SIZE_HELP)
    app.add_argument("--strategy", choices=STRATEGIES,
                     help=f"match the mood or lift it ({now('strategy')})")
    app.add_argument("--offline", action="store_true", help="no network: local lists and what is cached")
    app.add_argument("--preview", choices=PREVIEWS, help="how the camera is drawn: colour or grey (blocks) half "
                     f"blocks, ascii characters, or off; auto: what the terminal shows ({now('preview')})")
    app.add_argument("--no-preview", action="store_true", help="hide the camera preview (saves bandwidth over SSH)")
    app.add_argument("--mood-window", type=positive_float, metavar="SECONDS",
                     help=f"seconds the mood looks back over, longer is calmer ({now('mood_window')})")
    add_reading_flags(app)
    add_calibration_flag(app)
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    app_flags = {action.dest: action.option_strings[0] for action in app._group_actions}
    for sub in commands.choices.values():
        own = {action.dest for action in sub._actions}
        for action in sub._actions:
            # A subcommand's own default would overwrite the value of the same flag written before it
            # (`moodtui --strategy lift recommend`): absent after the subcommand, the value before it stands.
            if action.dest in app_flags:
                action.default = argparse.SUPPRESS
        sub.set_defaults(foreign_flags={dest: flag for dest, flag in app_flags.items() if dest not in own})
    return root


def misplaced_flags(args: argparse.Namespace) -> list[str]:
    """The app's flags given with a subcommand that does not take them (`moodtui --preview ascii history`)."""
    foreign = getattr(args, "foreign_flags", {})
    return [flag for dest, flag in foreign.items() if getattr(args, dest, None) not in (None, False)]


def settings_from(args: argparse.Namespace) -> Settings:
    """The config file's settings with this command's flags on top: the one place they are merged."""
    try:
        return with_flags(load_settings(), vars(args))
    except ConfigError:
        if not getattr(args, "tolerates_bad_config", False):
            raise
        return with_flags(Settings(), vars(args))


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"moodtui: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    warnings.showwarning = _one_line_warning
    if argv is None and hide_credentials_from_process_title():
        warnings.warn(PASSWORD_ON_COMMAND_LINE, stacklevel=1)
    args = parser().parse_args(argv)
    misplaced = misplaced_flags(args)
    if misplaced:
        print(f"moodtui: error: `moodtui {args.command}` does not take {', '.join(misplaced)} "
              f"(see moodtui {args.command} --help)", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
        if args.command is None:
            from moodtui.tui.run import run_app

            return run_app(settings)
        return args.handler(args, settings)
    except BrokenPipeError:  # `moodtui ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UserError, OSError, ValueError) as error:
        print(f"moodtui: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
