"""Files moodtui writes for the user (exports): whole or not at all."""

from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, text: str) -> Path:
    """Writes via a temporary file in the same folder, so a failed write leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as error:  # named by the file the user asked for, not by the temporary one
        raise OSError(f"{path}: cannot be written ({error.strerror or error})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
