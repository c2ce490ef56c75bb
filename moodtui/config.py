"""Settings: defaults, overridden by the TOML file in the user's config dir, overridden by flags.

The file is `<config dir>/moodtui/config.toml` (`MOODTUI_CONFIG` points elsewhere). Unknown
keys are ignored with a warning so an old file never stops the app. `MOODTUI_SOURCE` sits between the
file and the flags: a network camera's password kept there stays off the command line.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from moodtui.errors import UserError
from moodtui.labels import FLIP_AVERAGE
from moodtui.urls import shown

STRATEGIES = ("match", "lift")
PREVIEWS = ("auto", "colour", "blocks", "ascii", "off")  # auto: colour or grey half blocks, or characters
SIZE = re.compile(r"^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$")
SIZE_RANGE = (16, 8192)  # pixels a side a camera may be asked for


@dataclass(frozen=True)
class Settings:
    source: str = "0"  # camera index, device, network address (rtsp://, http://), video, image or folder
    size: str = "640x480"  # WxH a camera is asked for (a USB camera in MJPG where it offers it)
    model: str = "auto"  # auto (the large model where this machine can afford it), large, default, fer2013, or a file
    strategy: str = "match"
    offline: bool = False
    preview: str = "auto"  # one of PREVIEWS
    theme: str = ""  # a Textual theme (ctrl+p, "Theme"); empty: Textual's default
    preview_budget: float = 150.0  # KB a second the preview may send to the terminal (it lowers its frame rate)
    clahe: bool = False
    flip: bool = FLIP_AVERAGE  # average each face with its mirror image (see moodtui.vision.emotion)
    calibration: bool = True  # read the user's face relative to their stored resting-face baseline
    mood_window: float = 30.0  # seconds the mood looks back over (moodtui.vision.mood): longer is calmer
    picks: int = 5  # rows per table
    taste: bool = True  # pick within the emotion's genres by what the user liked and rated (false: at random)
    vote_floor: int = 25000  # IMDb votes a dataset title needs to be recommended
    data_dir: str = ""  # empty: the platform's user data dir
    imdb_url: str = "https://www.imdb.com"
    imdb_datasets_url: str = "https://datasets.imdbws.com"
    deezer_url: str = "https://api.deezer.com"
    itunes_url: str = "https://itunes.apple.com"
    timeout: float = 8.0  # seconds for one HTTP request, all of it
    budget: float = 12.0  # seconds all the online requests of one recommendation may take together
    mapping: dict = field(default_factory=dict)  # overrides of the emotion -> genres / moods tables

    def __repr__(self) -> str:
        """As the dataclass's own, with a network camera's credentials hidden: a crash's traceback shows locals."""
        values = ((f.name, shown(self.source) if f.name == "source" else getattr(self, f.name)) for f in fields(self))
        return f"Settings({', '.join(f'{name}={value!r}' for name, value in values)})"

    def frame_size(self) -> tuple[int, int]:
        return parse_size(self.size)

    def store_path(self) -> Path:
        """The SQLite file of what moodtui keeps about its user (README, "What is stored")."""
        return self.data_path() / "moodtui.sqlite"

    def index_path(self) -> Path:
        """The IMDb datasets' index that `moodtui imdb sync` builds (beside the downloaded files)."""
        return self.data_path() / "imdb" / "imdb.sqlite"

    def data_path(self) -> Path:
        path = Path(self.data_dir or os.environ.get("MOODTUI_DATA_DIR") or user_data_dir("moodtui"))
        with contextlib.suppress(OSError):  # unwritable: the store says so and works in memory
            path.mkdir(mode=0o700, parents=True, exist_ok=True)  # what it learns of you: yours alone to read
        return path


# A command-line flag -> the setting it overrides and the value it sets (None: the flag's own value).
# A flag that was not given (None or False) leaves the config file's value alone.
FLAGS = {
    "source": ("source", None),
    "size": ("size", None),
    "model": ("model", None),
    "strategy": ("strategy", None),
    "offline": ("offline", True),
    "preview": ("preview", None),
    "no_preview": ("preview", "off"),
    "clahe": ("clahe", True),
    "no_flip": ("flip", False),
    "no_calibration": ("calibration", False),
    "mood_window": ("mood_window", None),
}


def parse_size(text: str) -> tuple[int, int]:
    """"1280x720" -> (1280, 720); a ValueError naming the form for anything else."""
    match = SIZE.match(text)
    low, high = SIZE_RANGE
    if not match or not all(low <= int(side) <= high for side in match.groups()):
        raise ValueError(f"size must be WIDTHxHEIGHT such as 640x480 ({low}-{high} pixels a side), not {text!r}")
    return int(match[1]), int(match[2])


def with_flags(settings: Settings, flags: Mapping[str, object]) -> Settings:
    """The settings with MOODTUI_SOURCE and then the given command-line flags on top (names as argparse stores
    them)."""
    overrides = {"source": os.environ["MOODTUI_SOURCE"]} if os.environ.get("MOODTUI_SOURCE") else {}
    for flag, (key, value) in FLAGS.items():
        given = flags.get(flag)
        if given:
            overrides[key] = given if value is None else value
    return replace(settings, **overrides)


def config_path() -> Path:
    return Path(os.environ.get("MOODTUI_CONFIG") or Path(user_config_dir("moodtui")) / "config.toml")


class ConfigError(UserError, ValueError):
    """The config file cannot be read or holds a value of the wrong type."""


def load_settings(path: Path | None = None) -> Settings:
    """Defaults overridden by the config file, if there is one."""
    path = path or config_path()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    known = {f.name: f for f in fields(Settings)}
    values = {}
    for key, value in data.items():
        if key not in known:
            warnings.warn(f"{path}: unknown setting {key!r} ignored", stacklevel=2)
            continue
        expected = type(getattr(Settings(), key))
        if key == "preview" and isinstance(value, bool):  # files from before the preview styles
            value = "auto" if value else "off"
        if expected is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key} must be a {expected.__name__}, not {value!r}")
        values[key] = value
    settings = replace(Settings(), **values)
    problem = settings_problem(settings)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return settings


def settings_problem(settings: Settings) -> str:
    """What is wrong with these values, in one line naming the key; empty when nothing is."""
    from moodtui.recommend.mapping import MappingError, check_overrides

    if settings.strategy not in STRATEGIES:
        return f"strategy must be one of {', '.join(STRATEGIES)}, not {settings.strategy!r}"
    if settings.preview not in PREVIEWS:
        return f"preview must be one of {', '.join(PREVIEWS)}, not {settings.preview!r}"
    try:
        parse_size(settings.size)
    except ValueError as error:
        return str(error)
    for key, low in (("picks", 1), ("vote_floor", 0)):
        if getattr(settings, key) < low:
            return f"{key} must be {low} or more, not {getattr(settings, key)}"
    for key in ("timeout", "budget", "preview_budget", "mood_window"):
        if not getattr(settings, key) > 0:
            return f"{key} must be a number above 0, not {getattr(settings, key)}"
    try:
        check_overrides(settings.mapping)
    except MappingError as error:
        return str(error)
    return ""


def save_settings(settings: Settings, keys: tuple[str, ...], path: Path | None = None) -> Path:
    """Set the given keys in the config file and change nothing else the user wrote.

    tomlkit keeps comments, order, layout and tables such as [mapping.match] as they were;
    only the toggled values change. Written to a temporary file, then renamed into place.
    """
    import tomlkit

    path = path or config_path()
    document = tomlkit.document()
    if path.exists():
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as error:
            raise ConfigError(f"{path}: not saved, the file does not parse ({error})") from None
    else:
        document.add(tomlkit.comment("moodtui settings (see `moodtui --help`)"))
    values = asdict(settings)
    for key in keys:  # tomlkit puts a new top-level key before the first table, where it belongs
        document[key] = values[key]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    # A camera's password may be in it: a new file is the user's alone; an old one keeps the mode they gave it.
    tmp.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o600)
    tmp.replace(path)
    return path
