"""The help screen (`?`): every key with what it does, grouped."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Action (without arguments) -> the group it is listed under, and what it does in a few words.
KEYS = {
    "set_mood": ("Mood", "set the mood by hand: 1 angry, 2 disgust, 3 fear, 4 happy, 5 sad, 6 surprise, 7 neutral"),
    "camera_mood": ("Mood", "back to the camera's mood"),
    "toggle_audience": ("Mood", "picks for you (the largest face) or for everyone in view"),
    "calibrate": ("Mood", "record your resting face as a baseline: relax for 3 seconds"),
    "clear_baseline": ("Mood", "clear the baseline"),
    "new_picks": ("Picks", "new picks, or show the picks that arrived while you were reading"),
    "toggle_strategy": ("Picks", "match your mood or lift it"),
    "feedback": ("Picks", "like / dislike / seen: disliked and seen titles are not suggested again"),
    "copy_link": ("Picks", "copy the link (OSC 52: works over SSH in most terminals)"),
    "show_link": ("Picks", "show the link"),
    "play_preview": ("Picks", "play the selected song's 30-second preview; again to stop"),
    "export_picks": ("Picks", "export the picks: movies for Letterboxd, songs as a playlist"),
    "toggle_pause": ("Camera", "pause or resume the camera"),
    "toggle_preview": ("Camera", "hide or show the preview (less to send over SSH)"),
    "toggle_help": ("App", "this help"),
    "quit": ("App", "quit (the camera is released at once)"),
}
OTHER_KEYS = (("App", "tab / shift+tab, arrows", "move between the tables and rows"),
              ("App", "enter", "details and link of the row"),
              ("App", "ctrl+p", "command palette: every action, and the themes (kept for next time)"))


def key_rows(bindings: list[Binding]) -> list[tuple[str, str, str]]:
    """(group, keys, what they do) for every binding, keys of one action joined ("l / d / x")."""
    rows: dict[str, tuple[str, list[str], str]] = {}
    for binding in bindings:
        action = binding.action.split("(", 1)[0]
        group, does = KEYS.get(action, ("App", binding.description))
        key = "1-7" if action == "set_mood" else (binding.key_display or binding.key)
        if action in rows:
            if key not in rows[action][1]:
                rows[action][1].append(key)
        else:
            rows[action] = (group, [key], does)
    listed = [(group, " / ".join(keys), does) for group, keys, does in rows.values()]
    listed += list(OTHER_KEYS)
    order = ["Mood", "Picks", "Camera", "App"]
    return sorted(listed, key=lambda row: order.index(row[0]) if row[0] in order else len(order))


class KeysScreen(ModalScreen):
    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.rows = key_rows(bindings)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(style="cyan", no_wrap=True)
        table.add_column(ratio=1)
        last = None
        for group, keys, does in self.rows:
            table.add_row(group if group != last else "", keys, does)
            last = group
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"))
            yield Static(table, id="keys")
