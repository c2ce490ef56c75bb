import subprocess
import sys
import warnings

from moodtui.recommend.items import Recommendation
from moodtui.store import Store
from tests.conftest import REPO

WRITER = """
import sys
from moodtui.recommend.items import Recommendation
from moodtui.store import Store
store = Store(sys.argv[1])
for i in range(150):
    store.set_feedback(Recommendation("movie", f"{sys.argv[2]} {i}"), "like")
    store.log_mood("happy", "camera")
    store.cache_put(f"{sys.argv[2]}:{i}", [i], 60)
"""


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "shared.sqlite"
    Store(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], cwd=REPO,
                                stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    store = Store(path)
    assert len(store.feedback()) == 300
    assert len(store.moods(1000)) == 300
    assert store.cache_get("b:149") == [149]


def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "moodtui.sqlite"
    path.write_bytes(b"definitely not sqlite" * 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = Store(path)
    assert any("moved it to" in str(w.message) for w in caught)
    assert list(tmp_path.glob("moodtui.sqlite.corrupt-*"))
    store.log_mood("sad", "manual")
    assert store.moods()[0][1:] == ("sad", "manual")


def test_cache_expiry_and_feedback_overwrite(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.cache_put("k", {"a": 1}, ttl=-1)
    assert store.cache_get("k") is None
    assert store.cache_get("k", allow_stale=True) == {"a": 1}
    item = Recommendation("movie", "Heat", 1995)
    store.set_feedback(item, "like")
    store.set_feedback(item, "seen")
    assert store.feedback() == {item.key: "seen"}


def test_mood_history_holds_only_times_and_emotions(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.log_mood("happy", "camera")
    columns = [row[1] for row in store.db.execute("PRAGMA table_info(moods)")]
    assert columns == ["at", "emotion", "origin"]


def test_picks_from_several_threads_at_once_stay_on_disk(tmp_path):
    import threading

    store = Store(tmp_path / "moodtui.sqlite")
    picks = [Recommendation("movie", f"Film {i}", 2000 + i) for i in range(20)]

    def keep(count: int) -> None:
        for _ in range(30):
            store.record_picks(picks[:count])

    threads = [threading.Thread(target=keep, args=(count,)) for count in (20, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not store.in_memory and not store.notices  # no write collided and sent the store to memory
    store.record_picks(picks[:3])
    assert [p.title for p in store.last_picks()] == ["Film 0", "Film 1", "Film 2"]  # shorter lists trim the rest
    assert {f"movie:film {i}" for i in range(20)} <= store.recently_shown()
    store.close()


def test_a_set_of_picks_is_one_transaction_that_writes_few_pages(tmp_path):
    """The write budget: a set of ten picks (and a mood) is one commit of a few WAL frames, and a set
    that did not change rewrites nothing of the last picks."""
    path = tmp_path / "moodtui.sqlite"
    store = Store(path)
    store.flush()
    wal = path.with_name(path.name + "-wal")

    def frames() -> int:
        return max(0, (wal.stat().st_size - 32) // (4096 + 24)) if wal.exists() else 0

    store.close()  # the WAL is folded into the file and cut back
    assert frames() == 0
    picks = [Recommendation("movie", f"Film {i}", 2000 + i, ("Drama",)) for i in range(10)]
    store.log_mood("sad", "camera")
    store.record_picks(picks)
    store.flush()
    first = frames()
    assert 1 <= first <= 4, first
    store.record_picks(picks)  # the same picks again: only the times shown move
    store.flush()
    assert frames() - first <= 2
    store.close()


def test_what_is_stored_is_readable_by_its_owner_alone(tmp_path):
    import stat

    from moodtui.config import Settings, save_settings

    settings = Settings(data_dir=str(tmp_path / "data"))
    data = settings.data_path()
    store = Store(data / "moodtui.sqlite")
    store.set_feedback(Recommendation("movie", "Heat", 1995), "like")
    store.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "moodtui.sqlite").stat().st_mode) == 0o600
    older = tmp_path / "older.sqlite"  # a file from before, readable by all: made private when next opened
    Store(older).close()
    older.chmod(0o644)
    Store(older).close()
    assert stat.S_IMODE(older.stat().st_mode) == 0o600
    config = tmp_path / "config.toml"  # a camera's password may be saved in it
    save_settings(Settings(source="rtsp://user:secret@cam/live"), ["source"], config)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
