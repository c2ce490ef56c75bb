"""The real pipeline on real images and videos: OpenCV's cascade, the shipped int8 model, the mood."""

import json
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from moodtui.faces import FaceFinder, crop_face, to_grey
from moodtui.labels import EMOTIONS
from moodtui.vision.camera import CameraError, CaptureSource, LatestFrameReader, frames, open_source
from moodtui.vision.emotion import EmotionClassifier
from moodtui.vision.pipeline import Pipeline
from tests.conftest import shared_path

FPS = 10
SEGMENT_SECONDS = 8  # a lasting expression: the mood waits about 4 s for one
FACE_PIXELS = 200


@pytest.fixture(scope="module")
def classifier():
    return EmotionClassifier()


def paste(face48: np.ndarray, background: np.ndarray, at=(220, 120)) -> np.ndarray:
    frame = background.copy()
    big = cv2.resize(face48, (FACE_PIXELS, FACE_PIXELS), interpolation=cv2.INTER_CUBIC)
    frame[at[1] : at[1] + FACE_PIXELS, at[0] : at[0] + FACE_PIXELS] = cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)
    return frame


def background() -> np.ndarray:
    rng = np.random.default_rng(0)
    noise = rng.integers(60, 120, size=(60, 80), dtype=np.uint8)
    return cv2.cvtColor(cv2.resize(noise, (640, 480), interpolation=cv2.INTER_LINEAR), cv2.COLOR_GRAY2BGR)


def readable_faces(fer2013, classifier, label: str, count: int) -> list[np.ndarray]:
    """PublicTest faces of `label` that the cascade finds once pasted and the model reads right.

    The test is about the pipeline following a face's expression over time, not about the
    model's accuracy (benchmarks measure that), so it uses faces the model gets right alone.
    """
    split, picked = fer2013["PublicTest"], []
    for image, truth in zip(split.images, split.labels, strict=True):
        if EMOTIONS[truth] != label:
            continue
        grey = to_grey(paste(image, background()))
        # Upright frontal faces, found by the first step of the search: each frame of the video is
        # another face, so the tracker cannot carry one from the last and the search starts anew.
        faces = FaceFinder().find(grey, 0.0)
        if len(faces) == 1 and classifier.classify(crop_face(grey, faces[0])).emotion == label:
            picked.append(image)
        if len(picked) == count:
            return picked
    pytest.fail(f"only {len(picked)} usable {label} faces")


def test_astronaut_photo_is_one_happy_face(classifier):
    photo = shared_path("data/faces/astronaut.png")
    result = Pipeline(classifier).process(next(frames(open_source(str(photo)))))
    assert len(result.faces) == 1
    x, y, w, h = result.faces[0].face.box
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 200  # her face, upper middle of the photo
    assert result.faces[0].scores.emotion == "happy"


def test_detect_json_lines(tmp_path):
    photo = shared_path("data/faces/astronaut.png")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 128, np.uint8))
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "detect", "--json", str(photo), str(blank)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["source"] == str(photo) and first["frame"] == 0
    assert first["faces"][0]["emotion"] == "happy"
    assert list(first["faces"][0]["scores"]) == list(EMOTIONS)
    assert len(first["faces"][0]["box"]) == 4
    assert second == {"source": str(blank), "frame": 0, "faces": []}


def test_detect_missing_file_is_one_line_error():
    done = subprocess.run([sys.executable, "-m", "moodtui.cli", "detect", "/no/such.png"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "moodtui: error: /no/such.png: no such file, folder or camera"


@pytest.fixture(scope="module")
def labelled_video(tmp_path_factory, fer2013, classifier):
    """An MJPG video: happy, surprise, happy segments of real FER-2013 faces on a background."""
    plan = ["happy", "surprise", "happy"]
    pools = {label: readable_faces(fer2013, classifier, label, 6) for label in set(plan)}
    path = tmp_path_factory.mktemp("video") / "faces.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    bg = background()
    for label in plan:
        for i in range(FPS * SEGMENT_SECONDS):
            writer.write(paste(pools[label][i % len(pools[label])], bg))
    writer.release()
    return path, plan


def test_smoothed_mood_follows_the_faces_in_a_video(labelled_video, classifier):
    path, plan = labelled_video
    source = open_source(str(path))
    pipeline = Pipeline(classifier)
    moods = [(r.frame.timestamp, r.mood.emotion, len(r.faces)) for r in map(pipeline.process, frames(source))]
    source.close()
    assert len(moods) == FPS * SEGMENT_SECONDS * len(plan)
    assert sum(n == 1 for _, _, n in moods) >= 0.9 * len(moods)
    for number, label in enumerate(plan):
        start = number * SEGMENT_SECONDS
        settled = [m for t, m, _ in moods if start + 6.0 <= t < start + SEGMENT_SECONDS]
        assert settled and all(m == label for m in settled), (label, settled)
    # Two switches in all, no flicker in between.
    named = [m for _, m, _ in moods if m is not None]
    assert named[0] == plan[0]
    assert sum(1 for a, b in zip(named, named[1:], strict=False) if a != b) == len(plan) - 1


class UnpluggableCamera(CaptureSource):
    """A real capture (of a video file) standing in for a webcam whose cable can be pulled."""

    def __init__(self, path: str) -> None:
        super().__init__("test camera", lambda: cv2.VideoCapture(path), live=True)
        self.plugged = True
        self.reopens = 0

    def read(self):
        return super().read() if self.plugged else None

    def grab(self) -> bool:
        return super().grab() if self.plugged else False

    def reopen(self) -> bool:
        self.reopens += 1
        return self.plugged and super().reopen()


def test_camera_lost_mid_run_recovers_by_itself(labelled_video):
    path, _ = labelled_video
    camera = UnpluggableCamera(str(path))
    states = []
    reader = LatestFrameReader(camera, realtime=True, on_state=states.append)
    try:
        first = reader.latest(timeout=2)
        assert first is not None and reader.state == "live"
        camera.plugged = False
        deadline = time.monotonic() + 5
        while not reader.state.startswith("reconnecting") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.state.startswith("reconnecting")
        time.sleep(1.0)
        assert camera.reopens >= 2  # it keeps trying, with backoff
        lost_at = reader.latest(timeout=0.1).index
        camera.plugged = True
        resumed = reader.latest(newer_than=lost_at, timeout=6)
        assert resumed is not None and reader.state == "live"
        tries = [s for s in states if s.startswith("reconnecting")]
        assert states[0] == "live" and states[-1] == "live"
        assert tries[:3] == ["reconnecting (1)", "reconnecting (2)", "reconnecting (3)"]
    finally:
        reader.close()


def test_latest_frame_reader_drops_old_frames(labelled_video):
    path, _ = labelled_video
    reader = LatestFrameReader(open_source(str(path)))  # as fast as it can decode
    try:
        time.sleep(0.5)
        frame = reader.latest(timeout=2)
        # A slow consumer gets the newest frame, not the next one in a queue.
        assert frame is not None and frame.index > 5
    finally:
        reader.close()


def test_missing_camera_is_a_clear_error():
    with pytest.raises(CameraError, match="no camera found at camera 7; pick another source with --source"):
        open_source("7")
