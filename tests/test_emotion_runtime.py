import subprocess
import sys

import numpy as np
import pytest

from moodtui.labels import EMOTIONS
from moodtui.vision.emotion import EmotionClassifier, ModelError, default_model_path


@pytest.fixture(scope="module")
def classifier():
    return EmotionClassifier()


def test_shipped_model_is_inside_the_package():
    path = default_model_path()
    assert path.is_file()
    assert path.parent.name == "assets"


def test_one_face_gives_seven_probabilities(classifier, fer2013):
    face = fer2013["PublicTest"].images[0]
    scores = classifier.classify(face)
    assert len(scores.probabilities) == 7
    assert abs(sum(scores.probabilities) - 1) < 1e-5
    assert scores.emotion in EMOTIONS
    assert set(scores.as_dict()) == set(EMOTIONS)


def test_batch_matches_one_at_a_time(classifier, fer2013):
    faces = fer2013["PublicTest"].images[:16]
    batch = classifier.predict(faces)
    single = np.stack([classifier.predict(face)[0] for face in faces])
    assert batch.shape == (16, 7)
    assert np.allclose(batch, single, atol=1e-6)


def test_runtime_never_imports_tensorflow():
    code = (
        "import sys, numpy as np\n"
        "from moodtui.vision.emotion import EmotionClassifier\n"
        "EmotionClassifier().predict(np.zeros((48, 48), np.uint8))\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False False", done.stderr


def test_missing_model_is_a_one_line_error(tmp_path):
    with pytest.raises(ModelError) as error:
        EmotionClassifier(tmp_path / "nope.tflite")
    assert str(error.value).startswith(f"{tmp_path / 'nope.tflite'}: model file not found (give auto, large,")


def test_corrupt_model_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ModelError) as error:
        EmotionClassifier(bad)
    assert str(error.value).startswith(f"{bad}: not a valid TFLite model")
    assert "\n" not in str(error.value)


def test_truncated_model_is_a_one_line_error(tmp_path):
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(default_model_path().read_bytes()[:5000])
    with pytest.raises(ModelError, match="not a valid TFLite model"):
        EmotionClassifier(cut)


def test_flip_averaging_is_the_mean_of_a_face_and_its_mirror_image(fer2013):
    faces = fer2013["PublicTest"].images[:8]
    plain = EmotionClassifier(flip_average=False)
    averaged = EmotionClassifier(flip_average=True).predict(faces)
    expected = (plain.predict(faces) + plain.predict(faces[:, :, ::-1])) / 2
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(averaged, expected, atol=2e-3)  # within one step of the uint8 output (1/256)
    assert not np.allclose(averaged, plain.predict(faces), atol=1e-3)
