"""The footer: the app's keys, most used first, as many as fit whole in the window's width.

Textual's footer scrolls keys that do not fit out of sight behind its right edge, one of them cut mid-word
("p Paus", "b Baselin"); this one leaves out the keys that would not fit whole (`?` lists every key) and
leaves ctrl+p's room to the keys in a narrow window.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # only for its type: Textual exports the footer, not its keys

PALETTE_KEY_FROM = 100  # columns from which ctrl+p is shown too
PALETTE_KEY_WIDTH = 13  # "▏^p palette" with its padding, docked right


def key_width(key: FooterKey) -> int:
    """The cells a compact footer key takes: its key, a space, its label and the one-cell gap after it."""
    return len(key.key_display) + 1 + len(key.description) + 1 if key.description else len(key.key_display) + 1


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def compose(self) -> ComposeResult:
        width = self.app.size.width
        self.set_reactive(Footer.show_command_palette, width >= PALETTE_KEY_FROM)
        room = width - (PALETTE_KEY_WIDTH if width >= PALETTE_KEY_FROM else 0)
        used, full = 0, False
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "-command-palette" not in widget.classes:
                used += key_width(widget)
                full = full or used - 1 > room  # the last key needs no gap after it; the less used keys go first
                if full:
                    continue
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.refresh(recompose=True)
