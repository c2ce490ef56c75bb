"""Time of one training step (forward, backward, Adam) on the current Keras backend.

`python -m benchmarks.train_step [ARCH:AUGMENT:BATCH ...]` saves
benchmarks/results/train_step_<backend>.json. Random faces; the first step (compilation) is
reported apart from the median of the rest. Shows which augmentation a backend can afford:
`KERAS_BACKEND=jax python -m benchmarks.train_step` needs `pip install jax` beside the [train] extra.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # see model/train.py

import numpy as np  # noqa: E402

from benchmarks.common import save  # noqa: E402

CASES = ("resnet38:none:64", "resnet38:shift:64", "resnet38:light:64")
STEPS = 30


def step_times(arch: str, augment: str, batch: int) -> list[float]:
    """Seconds per training step of `arch` with `augment` in front, over STEPS batches of random faces."""
    import keras

    from model.train import build_network, with_augmentation

    net = build_network(arch, 1e-4)
    model = with_augmentation(net, augment)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    faces = rng.random((batch * STEPS, 48, 48, 1), dtype=np.float32) * 255
    targets = np.eye(7, dtype=np.float32)[rng.integers(0, 7, batch * STEPS)]
    times: list[float] = []

    class StepTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()
            times.append(now - self.start)
            self.start = now

    model.fit(faces, targets, batch_size=batch, epochs=1, verbose=0, callbacks=[StepTimer()])
    return times


def main(argv: list[str]) -> None:
    import keras

    results = []
    for case in argv or CASES:
        arch, augment, batch = case.split(":")
        times = step_times(arch, augment, int(batch))
        results.append({"arch": arch, "augment": augment, "batch": int(batch), "first_step_s": round(times[0], 2),
                        "median_step_ms": round(float(np.median(times[1:])) * 1000, 1)})
        print(results[-1], flush=True)
    backend = keras.backend.backend()
    save(f"train_step_{backend}", {"backend": backend, "keras": keras.__version__, "steps": STEPS, "cases": results})


if __name__ == "__main__":
    main(sys.argv[1:])
