"""Files moodtui writes for the user (exports): whole or not at all."""

from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, text: str) -> Path:
    """Writes via a temporary file in the same folder, so a failed write leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
