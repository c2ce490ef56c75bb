"""`moodtui bench`: per-stage latency of the pipeline on this machine, with frames per second and memory."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time

from moodtui.commands.common import positive_int, reading_flags
from moodtui.config import Settings

STAGES = ("capture", "detect", "crop", "classify", "total")
REDETECT_RUNS = 30


def _summary(values: list[float]) -> dict[str, float]:
    import numpy as np

    return {"median_ms": round(float(np.median(values)), 3), "p99_ms": round(float(np.percentile(values, 99)), 3)}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, unlike ru_maxrss, does not count what the
    process held before exec (the parent's pages, when started from a big Python process)."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "bench", parents=[reading_flags()], help="measure each stage of the pipeline on this machine",
        description="Time capture, face detection/tracking, crop and classification per frame, and report "
        "frames per second and peak memory.",
    )
    parser.add_argument("--source", help="camera index, device, network address, video or image "
                        "(default from config or MOODTUI_SOURCE, else camera 0)")
    parser.add_argument("--frames", type=positive_int, default=300, help="frames to measure (default 300)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from moodtui.vision.build import build_pipeline

    # The raw pipeline is measured: no resting-face baseline (it changes nothing a stage costs).
    report = bench_pipeline(build_pipeline(replace(settings, calibration=False)), settings.source or "0", args.frames,
                            settings.frame_size())
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


def bench_pipeline(pipeline, source_spec: str, frame_count: int, size: tuple[int, int] = (640, 480)) -> dict:
    """Run `frame_count` frames from the source through the pipeline (looping files) and summarise."""
    import numpy as np

    from moodtui.faces import Image
    from moodtui.urls import shown
    from moodtui.vision.camera import Frame, open_source

    source = open_source(source_spec, size)
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    faces_seen = 0
    last_image = None
    try:
        for index in range(frame_count):
            start = time.perf_counter()
            image = source.read()
            if image is None and not source.live and source.reopen():
                image = source.read()
            if image is None:
                break
            timings["capture"].append((time.perf_counter() - start) * 1000)
            result = pipeline.process(Frame(image, index, index / 30.0, source.name))
            faces_seen += bool(result.faces)
            for stage, value in result.timings_ms.items():
                timings[stage].append(value)
            last_image = image
    finally:
        source.close()
    if last_image is None:
        raise OSError(f"{shown(source_spec)}: gave no frames")
    redetect = []
    for _ in range(REDETECT_RUNS):
        start = time.perf_counter()
        pipeline.finder.detect(Image(last_image))
        redetect.append((time.perf_counter() - start) * 1000)
    per_frame = np.array(timings["capture"]) + np.array(timings["total"])
    return {
        "source": shown(source_spec),  # a network camera's address without its password
        "model": pipeline.model.name if pipeline.model else None,
        "frames": len(timings["total"]),
        "frame_size": [int(last_image.shape[1]), int(last_image.shape[0])],
        "frames_with_face": faces_seen,
        "stages": {stage: _summary(values) for stage, values in timings.items()},
        "full_frame_redetect": _summary(redetect),
        "fps": round(1000 / float(np.mean(per_frame)), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": platform.machine(),
    }


def format_table(report: dict) -> str:
    lines = [f"{report['frames']} frames of {report['source']} ({report['frame_size'][0]}x{report['frame_size'][1]}), "
             f"{report['frames_with_face']} with a face, read by the {report['model']} model", "",
             f"{'stage':<22}{'median ms':>10}{'p99 ms':>10}"]
    for stage, row in report["stages"].items():
        lines.append(f"{stage:<22}{row['median_ms']:>10.2f}{row['p99_ms']:>10.2f}")
    row = report["full_frame_redetect"]
    lines.append(f"{'full-frame re-detect':<22}{row['median_ms']:>10.2f}{row['p99_ms']:>10.2f}")
    lines += ["", f"frames per second: {report['fps']}", f"peak memory: {report['peak_rss_mb']} MB"]
    return "\n".join(lines)
