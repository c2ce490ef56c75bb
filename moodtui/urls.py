"""Network cameras' addresses: which sources are streams, and how one is shown with its credentials hidden.

A camera's address often carries its password (`rtsp://user:pass@host/...`, or `?user=admin&pwd=...` on
cheap cameras). Everything the user can see or a log can keep (the status line, errors, `doctor`, the
process title, the settings' repr in a crash's traceback) shows `shown(url)` instead. Light on purpose and
importing nothing of moodtui's: the settings and the command line use it before anything heavy is imported.
"""

from __future__ import annotations

import sys
from urllib.parse import parse_qsl, urlsplit, urlunsplit

STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https")
HIDDEN = "***"
# Query parameters that cameras use for a user name, a password or a token (compared in lower case).
SECRET_PARAMETERS = frozenset({"user", "username", "usr", "login", "password", "pass", "passwd", "pwd", "psw",
                               "token", "access_token", "auth", "key", "apikey", "api_key", "secret", "sig",
                               "signature"})
PASSWORD_ON_COMMAND_LINE = ("a camera's password on the command line stays in your shell's history: put the "
                            "address in MOODTUI_SOURCE or source = \"...\" in the config file instead")
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "rtmp": 1935, "http": 80, "https": 443}


def is_stream(spec: object) -> bool:
    """True for an address that OpenCV's FFmpeg backend reads over the network (rtsp://, http(s)://...)."""
    return isinstance(spec, str) and spec.split("://", 1)[0].lower() in STREAM_SCHEMES and "://" in spec


def has_credentials(spec: object) -> bool:
    return is_stream(spec) and shown(str(spec)) != spec


def shown(url: str) -> str:
    """The address with any user name, password or token replaced by ***; other text comes back as it was."""
    if not is_stream(url):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # a malformed address: show only its scheme, never the rest
        return url.split("://", 1)[0] + "://" + HIDDEN
    netloc = (HIDDEN + "@" if "@" in parts.netloc else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{port}" if port is not None else ""
    query = "&".join(f"{key}={HIDDEN}" if key.lower() in SECRET_PARAMETERS else (f"{key}={value}" if value else key)
                     for key, value in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def host_and_port(url: str) -> tuple[str, int]:
    """Where a stream's address points: its host and port (the scheme's usual port when none is given)."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)


def _shown_argument(argument: str) -> str:
    """A command-line word with any address in it shown without credentials (`--source=URL` too)."""
    flag, equals, value = argument.partition("=")
    if equals and is_stream(value) and not is_stream(argument):
        return flag + equals + shown(value)
    return shown(argument)


def hide_credentials_from_process_title(argv: list[str] | None = None) -> bool:
    """Rewrite this process's title (what `ps` and /proc/PID/cmdline show) with every address in it shown
    without its credentials; True when there was one to hide.

    The original arguments were visible for the moment it took Python to start: MOODTUI_SOURCE or
    `source = ...` in the config file keep a password off the command line (and the shell's history) for good.
    """
    argv = sys.argv if argv is None else argv
    words = [_shown_argument(argument) for argument in argv]
    if words == argv:
        return False
    try:
        import setproctitle  # rewrites the memory the kernel shows as the command line
    except ImportError:  # an environment installed before moodtui needed it: the warning still says what to do
        return True
    setproctitle.setproctitle(" ".join(["moodtui", *words[1:]]))
    return True
