"""Which emotion model reads faces on this machine: the larger student wherever the machine can afford it.

Two networks ship for the default reading: "large" (the ResNet-38 three times as wide, more right
on sad, angry and fear) and "default" (the paper's ResNet-38, about 2.6x faster). With `model =
"auto"`, the default setting, the large model is timed on a few faces the first time moodtui runs
on a machine, and chosen when a face costs at most LARGE_BUDGET_MS there (flip averaging as set);
the timing is kept in the user's cache dir, keyed by the machine and the model file, so it is done
again only when either changes (`moodtui doctor` always times afresh). A name ("large", "default",
"fer2013") or a .tflite path chooses directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moodtui.labels import FACE_SIZE
from moodtui.vision.emotion import SHIPPED_MODELS, EmotionClassifier, default_model_path

AUTO = "auto"
# A face may cost this much with the large model (int8, one core, flip as set); above it, the
# default model reads faces. The budget: the app reads 10-15 faces a second on one core of
# a small machine and must stay well under a tenth of that core.
LARGE_BUDGET_MS = 1.5
WARM_UP, TIMED = 5, 30  # faces; about 15 ms on a desktop core, 150 ms on a Raspberry Pi 4
TIMING_FILE = "model_timing.json"


@dataclass(frozen=True)
class ModelChoice:
    """The model that reads faces, by path and name, and in a few words why it was chosen."""

    path: Path
    name: str  # "large", "default", "fer2013", or the file's name
    reason: str  # "auto: 0.44 ms a face here (up to 1.5)", "chosen with --model/model = ..."
    ms_per_face: float | None = None  # when it was timed


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("MOODTUI_CACHE_DIR") or user_cache_dir("moodtui"))


def machine_key() -> str:
    """What the timing depends on: the processor, the cores this process may use, the runtime."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:  # the module's own version: importlib.metadata would cost a tenth of `detect`'s start
        import ai_edge_litert

        runtime = getattr(ai_edge_litert, "__version__", "unknown")
    except ImportError:  # another runtime: the key just says so
        runtime = "other"
    return f"{platform.machine()}|{cpu}|{cores} cores|litert {runtime}"


def file_digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16]


def ms_per_face(path: Path, flip: bool) -> float:
    """Median milliseconds of one core a face takes with this model on one thread (after a warm-up).

    Counted on this thread's CPU clock, not the wall clock: the timing is kept for good, and a busy
    moment (another thread holding the GIL while the app starts, another process on the core) would
    otherwise make a fast machine look slow for ever after."""
    classifier = EmotionClassifier(path, threads=1, flip_average=flip)
    faces = np.random.default_rng(0).integers(0, 256, size=(8, FACE_SIZE, FACE_SIZE), dtype=np.uint8)
    for i in range(WARM_UP):
        classifier.predict(faces[i % len(faces)])
    timings = []
    for i in range(TIMED):
        start = time.thread_time()
        classifier.predict(faces[i % len(faces)])
        timings.append(time.thread_time() - start)
    return float(np.median(timings) * 1000)


def timed_large(flip: bool, fresh: bool = False, folder: Path | None = None) -> float:
    """The large model's time a face on this machine, from the cache unless `fresh` or unknown."""
    path = default_model_path("large")
    cache = (folder or cache_dir()) / TIMING_FILE
    # "cpu clock": timings kept from the wall clock (which a busy start could inflate) are not reused.
    key = f"{machine_key()}|{file_digest(path)}|{'flip' if flip else 'one pass'}|cpu clock"
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if not fresh and isinstance(known.get(key), dict) and isinstance(known[key].get("ms"), int | float):
        return float(known[key]["ms"])
    ms = ms_per_face(path, flip)
    known[key] = {"ms": round(ms, 4), "measured": time.strftime("%Y-%m-%d %H:%M")}
    try:  # a cache that cannot be written only means timing again next time
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + ".tmp")
        tmp.write_text(json.dumps(known, indent=1))
        tmp.replace(cache)
    except OSError:
        pass
    return ms


def choose_model(setting: str, flip: bool, fresh: bool = False) -> ModelChoice:
    """The model for a setting: "auto" (or empty) times the large model here, anything else is taken as given."""
    if setting in ("", AUTO):
        ms = timed_large(flip, fresh)
        if ms <= LARGE_BUDGET_MS:
            return ModelChoice(default_model_path("large"), "large",
                               f"chosen by auto: {ms:.2f} ms a face here, within {LARGE_BUDGET_MS} ms", ms)
        return ModelChoice(default_model_path("default"), "default",
                           f"chosen by auto: the large model takes {ms:.2f} ms a face here, over {LARGE_BUDGET_MS} ms",
                           ms)
    if setting in SHIPPED_MODELS:
        return ModelChoice(default_model_path(setting), setting, "chosen by name")
    path = Path(setting).expanduser()
    return ModelChoice(path, path.name, "chosen by path")
