"""Per-user neutral calibration: biased score streams, the baseline in the real SQLite store, the CLI and the app."""

import json
import subprocess
import sys

import numpy as np
import pytest

from moodtui.calibration import (
    Baseline,
    BaselineRecorder,
    CalibrationError,
    baseline_from,
    keep_baseline,
    stored_baseline,
)
from moodtui.emotion import EMOTIONS
from moodtui.mood import MoodTracker
from moodtui.recommend.store import Store
from tests.conftest import shared_path

FPS = 10
SAD, HAPPY, NEUTRAL = EMOTIONS.index("sad"), EMOTIONS.index("happy"), EMOTIONS.index("neutral")


def reading(emotion: int, rng: np.random.Generator, bias: np.ndarray) -> np.ndarray:
    """What a model says about this user's face: the true emotion, noise, and the user's constant bias."""
    p = np.full(7, 0.04)
    p[emotion] = 0.6
    p = p * bias * rng.uniform(0.8, 1.2, 7)
    return p / p.sum()


def user_bias() -> np.ndarray:
    bias = np.ones(7)
    bias[SAD] = 20.0  # this user's resting face looks sad to the model
    return bias


def moods(tracker: MoodTracker, stream: list[np.ndarray], start: float, baseline: Baseline | None) -> list[str]:
    out = []
    for i, p in enumerate(stream):
        out.append(tracker.update(baseline.apply(p) if baseline else p, start + i / FPS).emotion)
    return out


def test_a_biased_user_reads_right_after_calibration_and_not_before():
    rng, bias = np.random.default_rng(0), user_bias()
    relaxed = [reading(NEUTRAL, rng, bias) for _ in range(3 * FPS)]
    later_neutral = [reading(NEUTRAL, rng, bias) for _ in range(5 * FPS)]
    smiling = [reading(HAPPY, rng, bias) for _ in range(5 * FPS)]

    uncalibrated = moods(MoodTracker(), later_neutral + smiling, 0.0, None)
    assert uncalibrated[4 * FPS] == "sad"  # the resting face is read as sad without a baseline

    recorder = BaselineRecorder(started=0.0)
    for i, p in enumerate(relaxed):
        recorder.add(p, i / FPS)
    baseline = recorder.baseline(recorded_at=1.0)
    calibrated = moods(MoodTracker(), later_neutral + smiling, 10.0, baseline)
    assert set(calibrated[3 * FPS : 5 * FPS]) == {"neutral"}
    assert set(calibrated[-2 * FPS :]) == {"happy"}  # a real smile still reads as one


def test_too_few_faces_make_no_baseline():
    with pytest.raises(CalibrationError, match="at least 5 frames"):
        baseline_from(np.full((2, 7), 1 / 7), 0.0)


def test_the_recorder_stops_after_its_seconds():
    recorder = BaselineRecorder(started=5.0, seconds=3.0)
    for i in range(60):
        recorder.add(np.full(7, 1 / 7), 5.0 + i / FPS)
    assert len(recorder.readings) == 3 * FPS and recorder.done(8.0) and not recorder.done(7.9)


def test_a_baseline_survives_a_restart_and_clearing_removes_it(tmp_path):
    path = tmp_path / "moodtui.sqlite"
    baseline = baseline_from(np.tile(reading(NEUTRAL, np.random.default_rng(1), user_bias()), (10, 1)), 123.0)
    store = Store(path)
    keep_baseline(store, baseline)
    store.close()
    reopened = Store(path)
    assert stored_baseline(reopened) == baseline
    reopened.clear_baseline()
    assert stored_baseline(reopened) is None
    reopened.close()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True, timeout=120)


def test_calibrate_command_changes_what_detect_reads_until_cleared():
    photo = str(shared_path("data/faces/astronaut.png"))
    raw = json.loads(run_cli("detect", "--json", photo).stdout)["faces"][0]
    assert raw["emotion"] == "happy"
    done = run_cli("calibrate", "--source", photo)
    assert done.returncode == 0, done.stderr
    assert "baseline recorded from 1 faces" in done.stdout
    # The photo is now this user's resting face: it reads neutral; --no-calibration reads it raw.
    assert json.loads(run_cli("detect", "--json", photo).stdout)["faces"][0]["emotion"] == "neutral"
    assert json.loads(run_cli("detect", "--json", "--no-calibration", photo).stdout)["faces"][0] == raw
    assert run_cli("calibrate", "--clear").returncode == 0
    assert json.loads(run_cli("detect", "--json", photo).stdout)["faces"][0] == raw


def test_calibrate_without_a_face_says_so(tmp_path):
    import cv2

    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 120, np.uint8))
    done = run_cli("calibrate", "--source", str(blank))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("moodtui: error: a baseline needs at least 1 frames with a face")
