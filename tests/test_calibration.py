"""Per-user neutral calibration: biased score streams, the baseline in the real SQLite store, the CLI and the app."""

import json
import subprocess
import sys

import numpy as np
import pytest

from moodtui.config import Settings
from moodtui.labels import EMOTIONS
from moodtui.store import Store
from moodtui.vision.build import calibration_for
from moodtui.vision.calibration import (
    Baseline,
    Calibration,
    CalibrationError,
    CalibrationState,
    EventKind,
    baseline_from,
)
from moodtui.vision.mood import MoodTracker
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
    smiling = [reading(HAPPY, rng, bias) for _ in range(8 * FPS)]  # a smile that lasts

    uncalibrated = moods(MoodTracker(), later_neutral + smiling, 0.0, None)
    assert uncalibrated[4 * FPS] == "sad"  # the resting face is read as sad without a baseline

    calibration = Calibration()
    calibration.request_start()
    events = [calibration.step(p, i / FPS) for i, p in enumerate([*relaxed, relaxed[-1]])]
    assert events[-1].kind == EventKind.RECORDED and calibration.state == CalibrationState.ACTIVE
    baseline = calibration.baseline
    calibrated = moods(MoodTracker(), later_neutral + smiling, 10.0, baseline)
    assert set(calibrated[3 * FPS : 5 * FPS]) == {"neutral"}
    assert set(calibrated[-2 * FPS :]) == {"happy"}  # a real smile still reads as one


def test_too_few_faces_make_no_baseline():
    with pytest.raises(CalibrationError, match="at least 5 frames"):
        baseline_from(np.full((2, 7), 1 / 7), 0.0)


def test_a_recording_takes_its_seconds_of_frame_time_from_the_first_frame_after_the_key():
    kept = []
    calibration = Calibration(keep=kept.append)
    assert calibration.state == CalibrationState.NONE
    calibration.request_start(seconds=3.0)  # a key, on another thread: taken up at the next frame
    events = [calibration.step(np.full(7, 1 / 7), 5.0 + i / FPS) for i in range(60)]
    kinds = [e.kind for e in events if e is not None]
    assert kinds[: 3 * FPS] == [EventKind.PROGRESS] * (3 * FPS) and kinds[3 * FPS] == EventKind.RECORDED
    assert events[0].seconds_left == 3.0 and len(kinds) == 3 * FPS + 1  # nothing more once recorded
    assert kept == [calibration.baseline] and calibration.state == CalibrationState.ACTIVE
    calibration.request_clear()
    assert calibration.step(None, 20.0).kind == EventKind.CLEARED
    assert kept[-1] is None and calibration.state == CalibrationState.NONE


def test_calibration_switched_off_refuses_to_record_and_applies_nothing():
    calibration = Calibration(Baseline((1.0,) * 7, 0.0), enabled=False)
    assert calibration.state == CalibrationState.OFF
    calibration.request_start()
    assert calibration.step(np.full(7, 1 / 7), 0.0).kind == EventKind.REFUSED
    raw = np.array([0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1])
    assert np.array_equal(calibration.apply(raw), raw)


def test_a_baseline_survives_a_restart_and_clearing_removes_it(tmp_path):
    path = tmp_path / "moodtui.sqlite"
    baseline = baseline_from(np.tile(reading(NEUTRAL, np.random.default_rng(1), user_bias()), (10, 1)), 123.0,
                             model="large")
    store = Store(path)
    store.save_baseline(baseline.offsets, baseline.recorded_at, baseline.model)
    store.close()
    reopened = Store(path)
    assert calibration_for(Settings(), reopened, "large").baseline == baseline
    # Another model reads the same resting face differently: the baseline is not used, and the user is told.
    other = calibration_for(Settings(), reopened, "default")
    assert other.baseline is None and "recorded with the large model" in other.note
    assert calibration_for(Settings(calibration=False), reopened, "large").state == CalibrationState.OFF
    cleared = calibration_for(Settings(), reopened, "large")
    cleared.request_clear()
    cleared.step(None, 0.0)
    assert reopened.baseline() is None and cleared.state == CalibrationState.NONE
    reopened.close()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], capture_output=True, text=True, timeout=120)


def test_calibrate_command_changes_what_detect_reads_until_cleared():
    photo = str(shared_path("data/faces/astronaut.png"))
    raw = json.loads(run_cli("detect", "--json", photo).stdout)["faces"][0]
    assert raw["emotion"] == "happy"
    done = run_cli("calibrate", "--source", photo)
    assert done.returncode == 0, done.stderr
    assert "baseline recorded with the large model" in done.stdout  # auto chose it on this machine
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
