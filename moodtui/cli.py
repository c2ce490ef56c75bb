"""The `moodtui` command: the TUI by default, and headless subcommands."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from moodtui import __version__
from moodtui.calibration import CALIBRATION_SECONDS, MIN_FRAMES, CalibrationError
from moodtui.camera import CameraError, ImageSource, SourceWarning, frames, open_source
from moodtui.config import PREVIEWS, STRATEGIES, ConfigError, Settings, load_settings, with_flags
from moodtui.detection import detect_inputs, detection_line, detection_record, group_record
from moodtui.emotion import EMOTIONS, ModelError
from moodtui.faces import FaceError
from moodtui.output import write_atomically
from moodtui.recommend.imdb_datasets import DatasetError
from moodtui.recommend.imdb_pages import PageError
from moodtui.recommend.sources import status_words

EXPECTED_ERRORS = (CameraError, ModelError, FaceError, ConfigError, DatasetError, PageError, CalibrationError, OSError,
                   ValueError)
CAMERA_FRAMES = 30  # frames `detect` reads from a camera when --frames is not given
MODEL_HELP = ("emotion model: a .tflite file, or a shipped one by name: default (trained on FER+ votes and "
              "camera-like faces) or fer2013 (the paper's model, FER-2013 labels)")
NO_FLIP_HELP = ("one pass per face instead of averaging it with its mirror image: about half the model time, "
                "1.7 points less accurate on FER-2013")


def _pipeline(args: argparse.Namespace, calibrated: bool = False):
    """The vision pipeline for a headless command; with the user's stored baseline when `calibrated`."""
    from moodtui.emotion import EmotionClassifier
    from moodtui.pipeline import Pipeline

    pipeline = Pipeline(EmotionClassifier(args.model, flip_average=not args.no_flip), clahe=args.clahe)
    if calibrated:
        from moodtui.calibration import stored_baseline

        with _store(settings_from(args)) as store:
            pipeline.baseline = stored_baseline(store)
    return pipeline


@contextlib.contextmanager
def _store(settings: Settings):
    from moodtui.recommend.store import Store

    store = Store(settings.data_path() / "moodtui.sqlite")
    try:
        yield store
    finally:
        store.close()


def command_detect(args: argparse.Namespace) -> int:
    """Each image, video or camera is its own source: tracking starts afresh, a bad one is skipped."""
    pipeline = _pipeline(args, calibrated=settings_from(args).calibration)
    inputs = list(detect_inputs(args.paths))  # one input: nothing to skip to, its error is the command's
    read = skipped = 0
    for spec in inputs:
        try:
            source = open_source(spec)
        except CameraError as error:
            if len(inputs) == 1:
                raise
            warnings.warn(f"{error}; skipped", SourceWarning, stacklevel=1)
            skipped += 1
            continue
        try:
            limit = args.frames or (CAMERA_FRAMES if source.live else None)
            pipeline.reset()
            # A photo is searched whole on its own; video and camera frames are tracked.
            still = isinstance(source, ImageSource)
            for frame in frames(source, limit):
                result = pipeline.process(frame, still=still)
                if args.json:
                    record = detection_record(spec, result)
                    if args.group:
                        record["group"] = group_record(result, still)
                    line = json.dumps(record)
                else:
                    line = detection_line(spec, result)
                print(line, flush=True)
            read += 1
        except CameraError as error:
            if len(inputs) == 1:
                raise
            warnings.warn(f"{error}; skipped", SourceWarning, stacklevel=1)
            skipped += 1
        finally:
            source.close()
    if not read:
        raise CameraError("nothing could be read: every input was skipped" if skipped else "nothing to read")
    return 0


def command_calibrate(args: argparse.Namespace) -> int:
    from moodtui.calibration import baseline_from, keep_baseline

    settings = settings_from(args)
    if args.clear:
        with _store(settings) as store:
            store.clear_baseline()
        print("baseline removed: your faces are read as the model sees them")
        return 0
    pipeline = _pipeline(args)
    source = open_source(args.source or settings.source or 0)
    readings = []
    try:
        if source.live:
            print(f"Relax your face and look at the camera for {args.seconds:.0f} seconds...", file=sys.stderr)
        still = isinstance(source, ImageSource)
        started = None
        for frame in frames(source):
            started = frame.timestamp if started is None else started
            if not still and frame.timestamp - started >= args.seconds:
                break
            result = pipeline.process(frame, still=still)
            if result.faces:
                readings.append(result.faces[0].scores.probabilities)
    finally:
        source.close()
    try:
        baseline = baseline_from(readings, time.time(), min_frames=1 if still else MIN_FRAMES)
    except CalibrationError as error:
        raise CalibrationError(f"{error}: make sure your face is in view and try again") from None
    with _store(settings) as store:
        keep_baseline(store, baseline)
    offsets = ", ".join(f"{name} {value:+.2f}" for name, value in zip(EMOTIONS, baseline.offsets, strict=True))
    print(f"baseline recorded from {len(readings)} faces and stored (`moodtui calibrate --clear` removes it)")
    print(f"offsets (log-probability): {offsets}")
    return 0


def command_doctor(args: argparse.Namespace) -> int:
    from moodtui.doctor import run_checks, table
    from moodtui.text import terminal_safe

    checks = run_checks(offline=args.offline, model=args.model, source=args.source)
    if args.json:
        print(json.dumps({"checks": [c.as_json() for c in checks]}))
    else:
        print(table(checks, terminal_safe))
    failed = [c.name for c in checks if c.essential and not c.ok]
    if failed and not args.json:
        print(f"\nmoodtui cannot run: {', '.join(failed)} failed (see the fixes above)", file=sys.stderr)
    return 1 if failed else 0


def command_history(args: argparse.Namespace) -> int:
    from moodtui.history import days_from, history_table

    with _store(settings_from(args)) as store:
        days = days_from(store.moods_since(time.time() - args.days * 86400))
    if args.json:
        print(json.dumps({"days": [day.as_json() for day in days]}))
    elif not days:
        print(f"no moods recorded in the last {args.days} days")
    else:
        print(history_table(days))
    return 0


def command_export(args: argparse.Namespace) -> int:
    from moodtui.recommend.export import exported

    with _store(settings_from(args)) as store:
        items = store.with_verdict("like") if args.liked else store.last_picks()
    if not items:
        raise ValueError("nothing to export: " + ("no liked titles yet (press l in the app)" if args.liked else
                                                  "no picks shown yet (run the app or `moodtui recommend`)"))
    text = exported(items, args.format)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    written = write_atomically(Path(args.output), text)
    kinds = Counter(item.kind for item in items)
    print(f"wrote {', '.join(f'{n} {k}s' for k, n in kinds.items())} to {written}", file=sys.stderr)
    return 0


# What each `forget` flag deletes (README "What is stored" lists every table).
FORGET = {
    "history": ("moods", "shown", "last_picks"),
    "feedback": ("feedback",),
    "all": ("moods", "shown", "last_picks", "feedback", "baseline", "library", "cache"),
}


def command_forget(args: argparse.Namespace) -> int:
    chosen = [flag for flag in FORGET if getattr(args, flag)]
    if not chosen:
        raise ValueError("say what to forget: --history, --feedback or --all (see moodtui forget --help)")
    tables = sorted({table for flag in chosen for table in FORGET[flag]})
    with _store(settings_from(args)) as store:
        counts = store.forget(tables)
    print("deleted " + ", ".join(f"{counts[t]} rows of {t}" for t in tables) + f" from {store.path}")
    return 0


def command_bench(args: argparse.Namespace) -> int:
    from moodtui.bench import bench_pipeline, format_table

    report = bench_pipeline(_pipeline(args), args.source, args.frames)
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


def settings_from(args: argparse.Namespace) -> Settings:
    """The config file's settings with this command's flags on top."""
    return with_flags(load_settings(), vars(args))


def _progress_printer():
    """A one-line progress bar on stderr when it is a terminal; silence otherwise."""
    if not sys.stderr.isatty():
        return None
    last = [""]

    def show(what: str, done: int, total: int | None) -> None:
        if total:
            filled = int(30 * min(done / total, 1))
            line = f"\r{what:<34} [{'#' * filled}{'.' * (30 - filled)}] {done / total:4.0%} {done / 1e6:7.1f} MB"
        else:
            line = f"\r{what:<34} {done / 1e6:7.1f} MB"
        if line != last[0]:
            sys.stderr.write(line)
            sys.stderr.flush()
            last[0] = line

    return show


def print_picks(picks) -> None:
    print(f"Mood: {picks.emotion} ({picks.strategy})\n\nMovies")
    for m in picks.movies:
        rating = f"  {m.rating:.1f}" if m.rating else ""
        print(f"  {m.title} ({m.year or '?'})  {', '.join(m.genres)}{rating}  [{m.source}]")
    print("\nSongs")
    for s in picks.songs:
        print(f"  {s.artist} - {s.title}" + (f" ({s.year})" if s.year else "") + f"  [{s.source}]")
    statuses = (f"{name} {status_words(status, picks.details.get(name, ''))}" for name, status in picks.sources.items())
    print("\nSources: " + ", ".join(statuses))
    if picks.attribution:
        print(picks.attribution)


def command_recommend(args: argparse.Namespace) -> int:
    from moodtui.recommend.engine import Engine

    engine = Engine(settings_from(args))
    try:
        picks = engine.recommend(args.emotion, args.strategy, args.n, offline=args.offline or None, seed=args.seed)
    finally:
        engine.close()
    if args.json:
        print(json.dumps(picks.as_json(), ensure_ascii=False))
    else:
        print_picks(picks)
    return 0


def command_imdb_sync(args: argparse.Namespace) -> int:
    from moodtui.recommend import imdb_datasets
    from moodtui.recommend.http import HttpClient

    settings = settings_from(args)
    client = HttpClient(timeout=max(settings.timeout, 30.0))
    try:
        count = imdb_datasets.sync(client, args.url or settings.imdb_datasets_url,
                                   settings.data_path() / "imdb", _progress_printer())
    finally:
        client.close()
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(f"indexed {count} movies. {imdb_datasets.ATTRIBUTION}")
    return 0


def command_imdb_parse(args: argparse.Namespace) -> int:
    for record in _parse_saved_page(args.file):
        print(json.dumps(record, ensure_ascii=False))
    return 0


def command_imdb_import(args: argparse.Namespace) -> int:
    from moodtui.recommend import imdb_pages

    total, failed = 0, 0
    with _store(settings_from(args)) as store:
        for name in args.files:
            try:
                records = _parse_saved_page(name)
            except (PageError, OSError) as error:  # one bad page does not stop the others
                warnings.warn(str(error), stacklevel=1)
                failed += 1
                continue
            total += store.add_to_library(imdb_pages.to_recommendation(r, "imported") for r in records)
            print(f"{name}: {len(records)} titles")
    if failed == len(args.files):
        raise PageError("no titles imported")
    print(f"{total} titles added to your library")
    return 0


def _parse_saved_page(name: str) -> list[dict]:
    from moodtui.recommend.imdb_pages import parse_page

    try:
        return parse_page(Path(name).read_bytes())
    except PageError as error:
        raise PageError(f"{name}: {error}") from None


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def add_reading_flags(group) -> None:
    """The flags that say how faces are read: the app and every command that reads faces take them."""
    group.add_argument("--model", help=MODEL_HELP)
    group.add_argument("--clahe", action="store_true", help="even out the lighting of each face before reading it")
    group.add_argument("--no-flip", action="store_true", help=NO_FLIP_HELP)


def add_calibration_flag(group) -> None:
    group.add_argument("--no-calibration", action="store_true",
                       help="ignore the resting-face baseline (recorded with b in the app or `moodtui calibrate`): "
                       "raw model readings")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="moodtui",
        description="Emotion-aware movie and pop-song recommendations in your terminal. "
        "Without a subcommand it opens the app.",
    )
    root.add_argument("--version", action="version", version=f"moodtui {__version__}")
    app = root.add_argument_group("the app (no subcommand)")
    app.add_argument("--source", help="camera index (0), device (/dev/video1), video, image, folder, 'picamera2' "
                     "or 'none'; default from config, else camera 0")
    app.add_argument("--strategy", choices=STRATEGIES, help="match the mood or lift it (default from config: match)")
    app.add_argument("--offline", action="store_true", help="no network: local lists and what is cached")
    app.add_argument("--preview", choices=PREVIEWS, help="how the camera is drawn: colour or grey (blocks) half "
                     "blocks, ascii characters, or off; default from config, else auto (what the terminal shows)")
    app.add_argument("--no-preview", action="store_true", help="hide the camera preview (saves bandwidth over SSH)")
    add_reading_flags(app)
    add_calibration_flag(app)
    common = argparse.ArgumentParser(add_help=False)
    add_reading_flags(common)
    commands = root.add_subparsers(dest="command", metavar="COMMAND")

    detect = commands.add_parser(
        "detect", parents=[common], help="print the faces and emotions in images, videos or a camera",
        description="Print the faces and emotions found in images, folders of images, videos or a camera "
        "(a camera index such as 0, or a device path such as /dev/video0).",
    )
    detect.add_argument("paths", nargs="+", metavar="PATH", help="image, folder, video, camera index or device")
    detect.add_argument("--json", action="store_true", help="one JSON object per frame")
    detect.add_argument("--group", action="store_true", help='with --json: add everyone\'s mood as one, '
                        '"group": {"emotion": ..., "faces": N}')
    detect.add_argument("--frames", type=positive_int, help=f"stop after N frames (cameras: default {CAMERA_FRAMES})")
    add_calibration_flag(detect)
    detect.set_defaults(handler=command_detect)

    calibrate = commands.add_parser(
        "calibrate", parents=[common], help="record your resting face, so that your neutral reads neutral",
        description="Watch your relaxed face for a few seconds (or read a video, image or folder of your "
        "faces) and store how your resting face reads as your baseline: seven numbers and a time, no image. "
        "The app and `detect` then read your expressions relative to it (--no-calibration ignores it).",
    )
    calibrate.add_argument("--source", help="camera index or device, video, image or folder of your face "
                           "(default from config, else camera 0)")
    calibrate.add_argument("--seconds", type=positive_float, default=CALIBRATION_SECONDS,
                           help=f"how long to watch a camera or video (default {CALIBRATION_SECONDS:.0f})")
    calibrate.add_argument("--clear", action="store_true", help="remove the stored baseline and stop")
    calibrate.set_defaults(handler=command_calibrate)

    bench = commands.add_parser(
        "bench", parents=[common], help="measure each stage of the pipeline on this machine",
        description="Time capture, face detection/tracking, crop and classification per frame, and report "
        "frames per second and peak memory.",
    )
    bench.add_argument("--source", default="0", help="camera index, device, video or image (default: camera 0)")
    bench.add_argument("--frames", type=positive_int, default=300, help="frames to measure (default 300)")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    bench.set_defaults(handler=command_bench)

    recommend = commands.add_parser(
        "recommend", help="movies and songs for an emotion, without the camera",
        description="Print movie and song picks for an emotion from the local lists, IMDb and music services.",
    )
    recommend.add_argument("--emotion", required=True, choices=EMOTIONS)
    recommend.add_argument("--strategy", choices=STRATEGIES,
                           help="match the mood (sad -> drama) or lift it (sad -> comedy); default from config")
    recommend.add_argument("--offline", action="store_true", help="use only what is on this machine")
    recommend.add_argument("--json", action="store_true", help="print one JSON object")
    recommend.add_argument("-n", type=positive_int, help="picks of each kind (default 5)")
    recommend.add_argument("--seed", type=int, help="repeatable picks")
    recommend.set_defaults(handler=command_recommend)

    doctor = commands.add_parser(
        "doctor", help="check what works on this machine, and how to fix what does not",
        description="Check Python, the runtime, OpenCV, the model (and its time per face), the face cascades, "
        "cameras, the terminal, the config file, the data dir, the IMDb index and each online source (one "
        "request each, nothing about you sent). Exit status 1 when something essential fails.",
    )
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.add_argument("--offline", action="store_true", help="skip the online sources")
    doctor.add_argument("--model", help=MODEL_HELP)
    doctor.add_argument("--source", help="check this camera or file instead of the configured source")
    doctor.set_defaults(handler=command_doctor)

    history = commands.add_parser(
        "history", help="your stable moods over the last days",
        description="The moods the app settled on (and those you set by hand), per day: how often each, and a "
        "timeline with a letter per half hour. Only times and emotion names are stored.",
    )
    history.add_argument("--days", type=positive_int, default=7, help="how many days back (default 7)")
    history.add_argument("--json", action="store_true", help="print one JSON object")
    history.set_defaults(handler=command_history)

    export = commands.add_parser(
        "export", help="write your liked titles or the last picks to a file",
        description="Write the last picks shown (by the app or `moodtui recommend`) or your liked titles: movies "
        "as a Letterboxd import CSV (Title, Year, imdbID), everything as CSV or JSON, songs as an M3U playlist "
        "of their previews and links.",
    )
    chosen = export.add_mutually_exclusive_group()
    chosen.add_argument("--picks", action="store_true", help="the last picks shown (the default)")
    chosen.add_argument("--liked", action="store_true", help="the titles you liked")
    export.add_argument("--format", choices=("letterboxd", "csv", "json", "m3u"), required=True)
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.set_defaults(handler=command_export)

    forget = commands.add_parser(
        "forget", help="delete what moodtui has stored about you",
        description="Delete from the store (moodtui.sqlite in your data dir) and rewrite the file so nothing "
        "deleted stays on disk. The IMDb index (public data) and your config file are kept.",
    )
    forget.add_argument("--history", action="store_true",
                        help="your moods over time and the titles shown to you (and the last picks)")
    forget.add_argument("--feedback", action="store_true", help="the titles you liked, disliked or marked seen")
    forget.add_argument("--all", action="store_true", help="everything above, plus your resting-face baseline, "
                        "imported titles and cached service answers")
    forget.set_defaults(handler=command_forget)

    imdb = commands.add_parser("imdb", help="IMDb datasets and saved IMDb pages",
                               description="Work with IMDb's datasets and with IMDb pages saved from a browser.")
    imdb_commands = imdb.add_subparsers(dest="imdb_command", metavar="ACTION", required=True)
    sync = imdb_commands.add_parser("sync", help="download IMDb's datasets and index the movies",
                                    description="Download title.basics and title.ratings (about 250 MB) and build "
                                    "the local index. Interrupted downloads resume; the old index stays until the "
                                    "new one is complete.")
    sync.add_argument("--url", help="base URL of the datasets (default from config)")
    sync.set_defaults(handler=command_imdb_sync)
    imported = imdb_commands.add_parser("import", help="add the titles of saved IMDb pages to your library",
                                        description="Read IMDb pages you saved from your browser (search results, "
                                        "charts, lists) and add their titles to your library.")
    imported.add_argument("files", nargs="+", metavar="FILE.html")
    imported.set_defaults(handler=command_imdb_import)
    parse = imdb_commands.add_parser("parse", help="print what a saved IMDb page holds",
                                     description="Print the titles on a saved IMDb page, one JSON object a line.")
    parse.add_argument("file", metavar="FILE.html")
    parse.add_argument("--json", action="store_true", help="JSON lines (the only format; accepted for clarity)")
    parse.set_defaults(handler=command_imdb_parse)
    return root


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"moodtui: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    warnings.showwarning = _one_line_warning
    args = parser().parse_args(argv)
    try:
        if args.command is None:
            from moodtui.tui.app import run_app

            return run_app(settings_from(args))
        return args.handler(args)
    except BrokenPipeError:  # `moodtui ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except EXPECTED_ERRORS as error:
        print(f"moodtui: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
