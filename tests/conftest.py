"""Shared fixtures: where ../shared lives, and small FER-2013 style CSVs written by tests."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOODTUI_SHARED", REPO.parent / "shared"))


def shared_path(relative: str) -> Path:
    """A file in ../shared, or skip the test saying what is missing."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is not there: the project's shared data sits beside the checkout")
    return path


@pytest.fixture(scope="session")
def fer2013_path() -> Path:
    return shared_path("data/fer2013/fer2013.csv.gz")


@pytest.fixture(scope="session")
def fer2013(fer2013_path):
    from model.fer2013 import load_fer2013

    return load_fer2013(fer2013_path)


def write_fer_csv(path: Path, rows: list[tuple[int, np.ndarray | str, str]]) -> Path:
    """Write rows of (emotion, pixels, Usage) in the Kaggle format."""
    lines = ["emotion,pixels,Usage"]
    for label, pixels, usage in rows:
        text = pixels if isinstance(pixels, str) else " ".join(str(int(p)) for p in np.ravel(pixels))
        lines.append(f"{label},{text},{usage}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def server():
    from tests.fixture_server import FixtureServer

    with FixtureServer() as running:
        yield running


@pytest.fixture
def settings(tmp_path, server):
    """Settings whose data dir is temporary and whose every online source is the local server."""
    from moodtui.config import Settings

    return Settings(data_dir=str(tmp_path / "data"), imdb_url=server.url, imdb_datasets_url=server.url,
                    deezer_url=server.url, itunes_url=server.url, timeout=1.0)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep every test away from the real user's config and data."""
    monkeypatch.setenv("MOODTUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("MOODTUI_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.setenv("MOODTUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MOODTUI_SOURCE", raising=False)


def engine_for(settings, **kwargs):
    """A recommender over the store in the settings' data dir, as the app and `recommend` make one."""
    from moodtui.recommend.engine import Engine
    from moodtui.store import open_store

    return Engine(settings, open_store(settings.store_path()), **kwargs)
