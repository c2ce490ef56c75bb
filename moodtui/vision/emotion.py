"""EmotionClassifier: runs the shipped int8 TFLite ResNet-38 on 48x48 grey faces.

Loads through `ai_edge_litert` (falling back to `tflite_runtime`, then `tensorflow.lite`), so
the app never pulls in TensorFlow when a light runtime is installed.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from moodtui.errors import UserError
from moodtui.labels import EMOTIONS, FACE_SIZE, FLIP_AVERAGE

DEFAULT_MODEL = "emotion_int8.tflite"
# Shipped models by name (`--model NAME`): "default" is the paper's ResNet-38 taught to read real
# faces (FER+ votes, camera-like faces, wide teachers); "large" is the same network three times as
# wide, taught the same way (more right on sad, angry and fear; about 2.6x the time a face);
# "fer2013" is the paper's model, trained on FER-2013's own labels.
SHIPPED_MODELS = {"large": "emotion_large_int8.tflite", "default": DEFAULT_MODEL,
                  "fer2013": "emotion_fer2013_int8.tflite"}


class ModelError(UserError, RuntimeError):
    """The model file is missing, corrupt or not shaped like an emotion model."""


@dataclass(frozen=True)
class EmotionScores:
    """Probabilities for the seven emotions of one face, in FER-2013 order."""

    probabilities: tuple[float, ...]

    @property
    def emotion(self) -> str:
        return EMOTIONS[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return float(max(self.probabilities))

    def as_dict(self) -> dict[str, float]:
        return {name: round(float(p), 4) for name, p in zip(EMOTIONS, self.probabilities, strict=True)}


def default_model_path(name: str = "default") -> Path:
    """An int8 model that ships inside the package (the default one unless named)."""
    return Path(str(resources.files("moodtui") / "assets" / SHIPPED_MODELS[name]))


def resolve_model(choice: str | Path | None) -> Path:
    """The model file for what the user gave: nothing, a shipped model's name, or a path."""
    if not choice:
        return default_model_path()
    if str(choice) in SHIPPED_MODELS:
        return default_model_path(str(choice))
    return Path(choice).expanduser()


def interpreter_class() -> type:
    """The lightest TFLite interpreter available: ai_edge_litert, tflite_runtime, then TensorFlow."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            try:
                # The last resort, loaded by name: TensorFlow is never a runtime dependency.
                Interpreter = importlib.import_module("tensorflow").lite.Interpreter
            except ImportError:
                raise ModelError(
                    "no TFLite runtime found: install ai-edge-litert (pip install ai-edge-litert)"
                ) from None
    return Interpreter


def _quantise(values: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    dtype = detail["dtype"]
    if scale == 0:  # a float input
        return values.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(values / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantise(values: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if scale == 0:
        return values.astype(np.float32)
    return (values.astype(np.float32) - zero_point) * scale


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Hide what the C++ runtime prints on stderr ("Created TensorFlow Lite XNNPACK delegate")."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class EmotionClassifier:
    """Classifies grey 48x48 faces (raw pixels 0-255) into the seven FER-2013 emotions."""

    def __init__(self, model_path: str | Path | None = None, threads: int = 1,
                 flip_average: bool = FLIP_AVERAGE) -> None:
        self.model_path = resolve_model(model_path)
        self.flip_average = flip_average
        if not self.model_path.is_file():
            raise ModelError(f"{self.model_path}: model file not found (give auto, "
                             f"{', '.join(SHIPPED_MODELS)} or a .tflite file)")
        interpreter = interpreter_class()
        try:
            with _quiet_native_stderr():
                self._interpreter = interpreter(model_path=str(self.model_path), num_threads=threads)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ModelError(f"{self.model_path}: not a valid TFLite model ({reason})") from None
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        if tuple(self._input["shape"][1:]) != (FACE_SIZE, FACE_SIZE, 1) or self._output["shape"][-1] != len(EMOTIONS):
            raise ModelError(
                f"{self.model_path}: expects input {tuple(self._input['shape'])} and output "
                f"{tuple(self._output['shape'])}, not 48x48x1 faces and 7 emotions"
            )
        self._batch = int(self._input["shape"][0])
        # The shipped models take raw pixels as uint8 with scale 1 and zero point 0: uint8 faces go in
        # as they are, without the float round trip of _quantise (about 5% of the per-face time).
        self._raw_pixels = self._input["dtype"] == np.uint8 and tuple(self._input["quantization"]) == (1.0, 0)

    def _ensure_batch(self, size: int) -> None:
        if size != self._batch:
            self._interpreter.resize_tensor_input(self._input["index"], [size, FACE_SIZE, FACE_SIZE, 1])
            self._interpreter.allocate_tensors()
            self._input = self._interpreter.get_input_details()[0]
            self._output = self._interpreter.get_output_details()[0]
            self._batch = size

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Return (N, 7) probabilities for faces shaped (N, 48, 48) or (48, 48), pixels 0-255."""
        faces = np.asarray(faces)
        if faces.ndim == 2:
            faces = faces[None]
        if faces.shape[1:3] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(f"faces must be 48x48, got {faces.shape}")
        if self.flip_average:
            both = self._scores(np.concatenate([faces, faces[:, :, ::-1]]))
            scores = (both[: len(faces)] + both[len(faces) :]) / 2
        else:
            scores = self._scores(faces)
        return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-9)

    def _scores(self, faces: np.ndarray) -> np.ndarray:
        self._ensure_batch(len(faces))
        batch = faces.reshape(len(faces), FACE_SIZE, FACE_SIZE, 1)
        if self._raw_pixels and batch.dtype == np.uint8:
            batch = np.ascontiguousarray(batch)
        else:
            batch = _quantise(batch.astype(np.float32), self._input)
        self._interpreter.set_tensor(self._input["index"], batch)
        self._interpreter.invoke()
        scores = _dequantise(self._interpreter.get_tensor(self._output["index"]), self._output)
        return np.clip(scores, 0.0, None)

    def classify(self, face: np.ndarray) -> EmotionScores:
        """Return the scores of one 48x48 face."""
        return EmotionScores(tuple(float(p) for p in self.predict(face)[0]))
