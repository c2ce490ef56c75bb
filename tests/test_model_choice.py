"""`model = "auto"`: the large model is timed once per machine, kept in the cache dir, and chosen within
the budget; a busy moment while timing does not decide for good."""

from __future__ import annotations

import json
import threading

from moodtui.vision.emotion import default_model_path
from moodtui.vision.models import LARGE_BUDGET_MS, TIMING_FILE, choose_model, ms_per_face


def timing_cache(tmp_path) -> dict:
    return json.loads((tmp_path / "cache" / TIMING_FILE).read_text())


def set_every_timing(tmp_path, ms: float) -> None:
    cache = timing_cache(tmp_path)
    path = tmp_path / "cache" / TIMING_FILE
    path.write_text(json.dumps({key: {**value, "ms": ms} for key, value in cache.items()}))


def test_auto_times_once_keeps_the_timing_and_follows_it(tmp_path):
    first = choose_model("auto", flip=True)
    assert first.ms_per_face is not None and str(first.ms_per_face)[:3] in first.reason
    assert first.name == ("large" if first.ms_per_face <= LARGE_BUDGET_MS else "default")
    (key, entry), = timing_cache(tmp_path).items()
    assert "flip" in key and entry["ms"] > 0
    # The kept timing decides from now on, whatever it says: a slow machine gets the default model.
    set_every_timing(tmp_path, LARGE_BUDGET_MS * 10)
    slow = choose_model("auto", flip=True)
    assert (slow.name, slow.path) == ("default", default_model_path("default"))
    assert "over 1.5" in slow.reason
    set_every_timing(tmp_path, LARGE_BUDGET_MS / 10)
    assert choose_model("auto", flip=True).name == "large"
    # One pass (no flip) is its own timing; `fresh` (doctor) times again and replaces the kept one.
    choose_model("auto", flip=False)
    assert len(timing_cache(tmp_path)) == 2
    again = choose_model("auto", flip=True, fresh=True)
    assert again.ms_per_face != LARGE_BUDGET_MS / 10


def test_a_damaged_timing_file_is_timed_again_and_rewritten(tmp_path):
    path = tmp_path / "cache" / TIMING_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    choice = choose_model("auto", flip=True)
    assert choice.ms_per_face is not None and len(timing_cache(tmp_path)) == 1


def test_names_and_files_are_taken_as_given(tmp_path):
    assert choose_model("default", flip=True).path == default_model_path("default")
    assert choose_model(str(tmp_path / "mine.tflite"), flip=True).name == "mine.tflite"
    assert not (tmp_path / "cache" / TIMING_FILE).exists()  # nothing was timed


def test_threads_holding_the_gil_do_not_make_the_machine_look_slow():
    """The app's first timing may run while Textual starts; on the wall clock two busy Python threads
    made the large model look 40x slower here (0.5 -> 21.7 ms), and the default model was kept for good."""
    path = default_model_path("large")
    quiet = ms_per_face(path, flip=True)
    stop = threading.Event()

    def hold_the_gil() -> None:
        count = 0
        while not stop.is_set():
            count += 1

    busy = [threading.Thread(target=hold_the_gil, daemon=True) for _ in range(2)]
    for thread in busy:
        thread.start()
    try:
        crowded = ms_per_face(path, flip=True)
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    assert crowded < 4 * quiet, (quiet, crowded)
