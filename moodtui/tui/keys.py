"""Every key of the app, declared once: the bindings, the footer, the help screen (`?`) and the README's
table of keys all come from KEYS (a test checks the README against `readme_rows`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from moodtui.labels import EMOTIONS

GROUPS = ("Mood", "Picks", "Camera", "App")


@dataclass(frozen=True)
class Key:
    key: str  # Textual's name for the key
    action: str
    label: str  # in the footer
    group: str  # one of GROUPS, on the help screen
    does: str  # what it does, in a few words (on the first key of a row)
    row: str = ""  # keys that share a row of the help screen and the README ("l / d / x"); default: its own
    show: bool = True  # in the footer
    display: str | None = None  # how the key is written, when not its name
    title: str = ""  # in the command palette, when the footer's label is too short to say it
    alone: str = ""  # what this key alone does, in the palette, when its row's words speak for several keys


# In the footer's order, the most used first; the footer shows those that fit in 80 columns (show=True),
# `?` and the command palette list every one.
KEYS: tuple[Key, ...] = (
    Key("q", "quit", "Quit", "App", "every key, grouped / quit (exit status 0; the camera is released at once)",
        row="?q"),
    Key("question_mark", "toggle_help", "Keys", "App", "", row="?q", display="?"),
    Key("n", "new_picks", "New", "Picks", "new picks (or show picks that arrived while you were reading)",
        title="New picks"),
    Key("enter", "show_details", "All", "Picks", "all of the row: why it was picked, its link and trailer "
        "(esc closes)", title="Details of the row"),
    Key("1", "set_mood(0)", "Mood", "Mood", "set the mood by hand ("
        + ", ".join(f"{i + 1} {name}" for i, name in enumerate(EMOTIONS)) + ")", row="1-7", display="1-7"),
    *(Key(str(i + 1), f"set_mood({i})", EMOTIONS[i].capitalize(), "Mood", "", row="1-7", show=False)
      for i in range(1, len(EMOTIONS))),
    Key("l", "feedback('like')", "Like", "Picks", "like / dislike / seen: your taste learns from each at once; "
        "disliked and seen titles are not suggested again", row="ldx",
        alone="like the selected title: your taste learns from it at once"),
    Key("d", "feedback('dislike')", "Dislike", "Picks", "", row="ldx",
        alone="dislike the selected title: never suggested again, and your taste learns from it"),
    Key("x", "feedback('seen')", "Seen", "Picks", "", row="ldx",
        alone="mark the selected title seen: never suggested again"),
    Key("s", "toggle_strategy", "Mode", "Picks", "switch strategy: match your mood or lift it",
        title="Strategy: match or lift"),
    Key("0", "camera_mood", "Cam", "Mood", "back to the camera's mood", show=False,
        title="Back to the camera's mood"),
    Key("g", "toggle_audience", "You/group", "Mood",
        'picks for you (the largest face) or for everyone in view ("group of 3 · happy")', show=False,
        title="Picks for you or the group"),
    Key("a", "play_preview", "Play", "Picks", "play the selected song's 30 s preview with mpv, ffplay, cvlc or "
        "mpg123 if one is installed; again to stop (over SSH it plays on the machine running moodtui)",
        title="Play the song's preview"),
    Key("t", "show_taste", "Taste", "Picks", "what your taste has learned, and from what", show=False,
        title="Your taste"),
    Key("e", "export_picks", "Export", "Picks", "export the picks on screen: movies as a Letterboxd CSV, songs as an "
        "M3U playlist, in your data dir's `exports/`", show=False, title="Export the picks"),
    Key("c", "copy_link", "Copy", "Picks", "copy the link (OSC 52, works over SSH) / show it", row="co", show=False,
        title="Copy the link", alone="copy the selected title's link (OSC 52, works over SSH)"),
    Key("o", "show_link", "Link", "Picks", "", row="co", show=False, title="Show the link",
        alone="show the selected title's link"),
    Key("p", "toggle_pause", "Pause", "Camera", "pause the camera / hide the preview (saves bandwidth over SSH)",
        row="pv", title="Pause the camera", alone="pause the camera and its readings; again to go on"),
    Key("v", "toggle_preview", "Preview", "Camera", "", row="pv", show=False, title="Hide or show the preview",
        alone="hide or show the camera's preview (saves bandwidth over SSH)"),
    Key("b", "calibrate", "Baseline", "Mood", "record your resting face as a baseline (relax for 3 s) / clear it",
        row="bB", title="Record your resting face", alone="record your resting face as your baseline (relax for 3 s)"),
    Key("B", "clear_baseline", "Clear baseline", "Mood", "", row="bB", show=False, title="Clear your resting face",
        alone="clear the recorded baseline: readings are the model's own again"),
    Key("escape", "leave_tables", "Leave tables", "Picks", "leave the tables: picks that waited show, and new "
        "ones by themselves (while you are in a table they wait for `n`)", show=False, display="esc"),
)
# Keys that are Textual's own, listed with the app's: (group, keys, what they do, as the README writes the keys).
OTHER_KEYS = (("App", "tab / shift+tab, arrows", "move between the tables and rows", "`tab` / `shift+tab`, arrows"),
              ("App", "ctrl+p", "command palette: every action, and the themes (kept for next time)", ""),
              ("App", "ctrl+c", "quit, as q does", "`ctrl+c`"))

# An arrow while no table has the focus goes into the movies table (in a table, the table's own arrows move).
ENTER_TABLES = Binding("down,up", "enter_tables", "Into the tables", show=False)
# ctrl+c quits, as in every terminal program (Textual's own only says "press ctrl+q").
BINDINGS = [Binding(k.key, k.action, k.label, show=k.show, key_display=k.display) for k in KEYS] + [
    ENTER_TABLES, Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]


def _rows() -> list[tuple[str, list[Key]]]:
    """The keys by row, in the order of their first key."""
    rows: dict[str, list[Key]] = {}
    for key in KEYS:
        rows.setdefault(key.row or key.key, []).append(key)
    return list(rows.items())


def _written(keys: list[Key]) -> list[str]:
    if keys[0].row == "1-7":
        return ["1-7"]
    ordered = sorted(keys, key=lambda k: k.display == "?", reverse=True)  # "? / q" reads as help, then quit
    return [k.display or k.key for k in ordered]


def palette_entries() -> list[tuple[str, str, str]]:
    """(title, what it does with its key, action) for the command palette: every key but quit, help and esc."""
    entries = []
    for _, keys in _rows():
        does = next(k.does for k in keys if k.does)
        for key in keys:
            if key.action in ("quit", "toggle_help", "leave_tables"):
                continue
            if key.row == "1-7":
                entries.append((f"Mood {EMOTIONS[int(key.action[9:-1])]}", f"set the mood by hand (key {key.key})",
                                key.action))
            else:
                entries.append((key.title or key.label, f"{key.alone or does} (key {key.display or key.key})",
                                key.action))
    return entries


def help_rows() -> list[tuple[str, str, str]]:
    """(group, keys, what they do) for the help screen, grouped as GROUPS orders them."""
    listed = [(keys[0].group, " / ".join(_written(keys)), next(k.does for k in keys if k.does))
              for _, keys in _rows()] + [other[:3] for other in OTHER_KEYS]
    return sorted(listed, key=lambda row: GROUPS.index(row[0]))


def readme_rows() -> list[str]:
    """The README's table of keys, a Markdown row each: Textual's keys first, then the app's."""
    other = [f"| {written} | {does} |" for _, _, does, written in OTHER_KEYS if written]
    own = [f"| {' / '.join(f'`{k}`' for k in _written(keys))} | {next(k.does for k in keys if k.does)} |"
           for _, keys in _rows()]
    return other + own
