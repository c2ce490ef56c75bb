"""The camera preview: half blocks two pixels a cell, its snapshot, its style and its old config."""

from __future__ import annotations

import os
from pathlib import Path

from moodtui.config import load_settings
from tests.conftest import shared_path

SNAPSHOTS = Path(__file__).parent / "snapshots"


def test_half_block_preview_matches_its_snapshot():
    """The photo in grey half blocks at 40x15, as the terminal receives it (ANSI), against a golden file."""
    import io

    import cv2
    from rich.console import Console

    from moodtui.tui.preview import block_picture

    photo = cv2.imread(str(shared_path("data/faces/astronaut.png")))
    picture = block_picture(photo, 40, 15, [(173, 62, 102, 102)], [1])
    out = io.StringIO()
    Console(file=out, color_system="256", width=40, force_terminal=True, legacy_windows=False).print(picture.text)
    golden = SNAPSHOTS / "preview_blocks_40x15.ansi"
    if os.environ.get("MOODTUI_UPDATE_SNAPSHOTS"):
        golden.write_text(out.getvalue())
    assert out.getvalue() == golden.read_text()
    lines = picture.text.plain.splitlines()
    assert len(lines) == 15 and {len(line) for line in lines} == {30} and "#1" in picture.text.plain
    # Two pixels a cell: the estimate is within a third of what rich actually writes.
    assert 0.66 < picture.bytes / len(out.getvalue().encode()) < 1.5


def test_the_preview_style_follows_the_terminal():
    from moodtui.tui.preview import style_for

    assert [style_for("auto", system) for system in ("truecolor", "256", "standard", None)] == [
        "colour", "blocks", "ascii", "ascii"]
    assert style_for("ascii", "truecolor") == "ascii"


def test_a_config_from_before_the_preview_styles_still_loads(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text("preview = false\n")
    assert load_settings(path).preview == "off"
    path.write_text("preview = true\n")
    assert load_settings(path).preview == "auto"
