import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="the [train] extra (TensorFlow) is not installed")


def count(weights) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def test_resnet38_has_the_papers_parameter_counts():
    from model.resnet38 import build_resnet38

    model = build_resnet38()
    assert model.count_params() == 58423
    assert count(model.trainable_weights) == 56951
    assert count(model.non_trainable_weights) == 1472


def test_resnet38_takes_raw_pixels_and_returns_probabilities():
    from model.resnet38 import build_resnet38

    model = build_resnet38()
    assert model.input_shape == (None, 48, 48, 1)
    # Normalisation is part of the model: raw 0-255 pixels go in unchanged.
    assert any(isinstance(layer, keras.layers.Rescaling) for layer in model.layers)
    bright = model.predict(np.full((2, 48, 48, 1), 255.0, dtype=np.float32), verbose=0)
    dark = model.predict(np.zeros((2, 48, 48, 1), dtype=np.float32), verbose=0)
    assert bright.shape == (2, 7)
    assert not np.allclose(bright, dark, atol=1e-4)  # the pixels reach the output: nothing is cut off


def test_cnn4_baseline_layers_follow_the_paper():
    from model.cnn4 import build_cnn4

    model = build_cnn4()
    convs = [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    dense = [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert convs == [32, 64, 96, 128]
    assert dense == [200, 7]


def test_vgg_teacher_is_wide_and_takes_the_same_faces():
    from model.teacher import STAGE_FILTERS, build_vgg_teacher

    model = build_vgg_teacher()
    convs = [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convs == [f for f in STAGE_FILTERS for _ in range(2)]
    assert 3_000_000 < model.count_params() < 4_000_000  # under 16 MB as a .keras file
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)


@pytest.mark.parametrize(
    ("strength", "kinds"),
    [
        ("full", {"RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomContrast"}),
        ("light", {"RandomFlip", "RandomTranslation"}),
        ("shift", {"FlipShift"}),
    ],
)
def test_augmentation_strengths_and_identity_at_inference(strength, kinds):
    from model.train import augmenter

    augment = augmenter(strength)
    assert {type(layer).__name__ for layer in augment.layers} - {"Lambda"} == kinds
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48, 1)).astype(np.float32)
    assert np.array_equal(np.asarray(augment(faces, training=False)), faces)
    assert not np.array_equal(np.asarray(augment(faces, training=True)), faces)


def whole_pixel_move(face: np.ndarray, moved: np.ndarray, limit: int) -> tuple[bool, int, int] | None:
    """(mirrored, dy, dx) if `moved` is `face`, maybe mirrored, shifted by whole pixels with edges repeated."""
    size = face.shape[0]
    for mirrored, source in ((False, face), (True, face[:, ::-1])):
        for dy in range(-limit, limit + 1):
            for dx in range(-limit, limit + 1):
                rows, cols = (np.clip(np.arange(size) - d, 0, size - 1) for d in (dy, dx))
                if np.array_equal(source[rows][:, cols], moved):
                    return mirrored, dy, dx
    return None


def test_flip_shift_only_mirrors_and_moves_faces_by_whole_pixels():
    from model.augment import FlipShift

    faces = np.random.default_rng(1).integers(0, 256, (48, 48, 48, 1)).astype(np.float32)
    moved = np.asarray(FlipShift(0.1, seed=3)(faces, training=True))
    moves = [whole_pixel_move(face, out, limit=5) for face, out in zip(faces, moved, strict=True)]
    assert None not in moves  # nothing but a mirror and a shift of at most 0.1 x 48 pixels
    assert 0 < sum(mirrored for mirrored, _, _ in moves) < len(faces)
    assert len({(dy, dx) for _, dy, dx in moves}) > 10  # each face gets its own shift
