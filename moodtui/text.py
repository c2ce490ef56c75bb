"""Text from outside (list files, web pages, service answers, file names) made safe for a terminal.

An ESC sequence in a song title would be obeyed by the terminal: OSC 52 sets the clipboard, CSI
moves the cursor or changes colours. Whole escape sequences are removed, then every other control
character (C0 except tab, DEL, C1); what remains is shown literally.
"""

from __future__ import annotations

import re

# ESC followed by an OSC/DCS/APC/PM/SOS string up to BEL or ST, a CSI sequence, or any two-byte escape;
# the same introducers as single C1 bytes (0x9b CSI, 0x9d OSC, ...).
_ESCAPES = re.compile(
    r"(?:\x1b[\]P_^X]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # string sequences
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[ -/]*[0-~]?",  # other escapes
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """`text` without escape sequences or control characters (tabs kept, newlines become spaces)."""
    if text.isprintable():  # no ESC, C0 or C1 character: nearly every title, read a thousand at a time
        return text
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub(lambda m: " " if m.group(0) in "\n\r" else "", text)


def counted(number: int, noun: str) -> str:
    """A count with its noun: "1 title", "2 titles" (a plain -s plural)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
