"""The `moodtui` command as a user meets it: help, one-line errors, pipes."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO, shared_path


def moodtui(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moodtui.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, **kwargs)


@pytest.mark.parametrize("command", [[], ["detect"], ["bench"], ["recommend"], ["imdb"], ["imdb", "sync"],
                                     ["imdb", "import"], ["imdb", "parse"]])
def test_every_command_explains_itself(command):
    done = moodtui(*command, "--help")
    assert done.returncode == 0
    assert "usage: moodtui" in done.stdout and len(done.stdout.splitlines()) > 3


def test_a_flag_before_the_subcommand_counts_as_after_it(tmp_path):
    env = {"MOODTUI_CONFIG": str(tmp_path / "config.toml"), "MOODTUI_DATA_DIR": str(tmp_path / "data")}
    before = moodtui("--strategy", "lift", "recommend", "--emotion", "sad", "--offline", "--json", env=env)
    after = moodtui("recommend", "--strategy", "lift", "--emotion", "sad", "--offline", "--json", env=env)
    assert before.returncode == after.returncode == 0, before.stderr
    assert json.loads(before.stdout)["strategy"] == json.loads(after.stdout)["strategy"] == "lift"
    # The later of the two wins, as with any flag written twice.
    both = moodtui("--strategy", "lift", "recommend", "--strategy", "match", "--emotion", "sad", "--offline",
                   "--json", env=env)
    assert json.loads(both.stdout)["strategy"] == "match"
    photo = str(shared_path("data/faces/astronaut.png"))
    wrong_model = moodtui("--model", "nonsense", "detect", photo, env=env)
    assert wrong_model.returncode == 2 and "nonsense: model file not found" in wrong_model.stderr


def test_help_states_the_defaults_the_config_file_sets_and_hides_a_cameras_password(tmp_path):
    config = tmp_path / "config.toml"
    plain = moodtui("--help", env={"MOODTUI_CONFIG": str(config)})
    assert "(default match)" in " ".join(plain.stdout.split())
    config.write_text('strategy = "lift"\nsource = "rtsp://me:hunter2@cam/stream"\n')
    told = " ".join(moodtui("--help", env={"MOODTUI_CONFIG": str(config)}).stdout.split())
    assert "(now lift, from /" in told and "rtsp://***@cam/stream" in told and "hunter2" not in told


def test_an_app_flag_with_a_subcommand_that_does_not_take_it_is_refused(tmp_path):
    done = moodtui("--preview", "ascii", "history", env={"MOODTUI_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "moodtui: error: `moodtui history` does not take --preview (see moodtui history --help)\n"


def test_malformed_config_is_a_one_line_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('strategy = "lift\n')
    done = moodtui("recommend", "--emotion", "sad", "--offline", env={"MOODTUI_CONFIG": str(config)})
    assert done.returncode == 2
    assert done.stderr.startswith(f"moodtui: error: {config}:") and done.stderr.count("\n") == 1


def test_config_with_a_wrong_type_names_the_key(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("picks = \"many\"\n")
    done = moodtui("recommend", "--emotion", "sad", "--offline", env={"MOODTUI_CONFIG": str(config)})
    assert done.returncode == 2 and "picks must be a int" in done.stderr


def test_corrupt_model_file_is_a_one_line_error(tmp_path):
    model = tmp_path / "broken.tflite"
    model.write_bytes(b"\x00" * 100)
    done = moodtui("detect", "--model", str(model), str(shared_path("data/faces/astronaut.png")))
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"moodtui: error: {model}: not a valid TFLite model")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_output_into_a_closed_pipe_is_quiet(tmp_path):
    page = shared_path("fixtures/imdb/chart_top_2025-05.html")
    done = subprocess.run(f"{sys.executable} -m moodtui.cli imdb parse {page} --json | head -1", shell=True,
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith('{"id": "tt0111161"')
    assert done.stderr == ""


def test_unreadable_saved_page_is_a_one_line_error(tmp_path):
    page = tmp_path / "saved.html"
    page.write_text("<html><body>Sign in to IMDb</body></html>")
    done = moodtui("imdb", "parse", str(page))
    assert done.returncode == 2 and done.stderr == f"moodtui: error: {page}: no IMDb titles found on this page\n"


def test_import_skips_bad_pages_and_keeps_the_good_ones(tmp_path):
    bad = tmp_path / "login.html"
    bad.write_text("<html><body>Sign in to IMDb</body></html>")
    good = shared_path("fixtures/imdb/search_title_2025-06.html")
    env = {"MOODTUI_DATA_DIR": str(tmp_path / "data")}
    done = moodtui("imdb", "import", str(bad), str(good), env=env)
    assert done.returncode == 0
    assert done.stderr == f"moodtui: warning: {bad}: no IMDb titles found on this page\n"
    assert f"{good}: 50 titles" in done.stdout
    only_bad = moodtui("imdb", "import", str(bad), env=env)
    assert only_bad.returncode == 2 and only_bad.stderr.endswith("moodtui: error: no titles imported\n")


def test_flags_override_the_config_file(tmp_path, monkeypatch):
    from moodtui.cli import parser, settings_from

    config = tmp_path / "config.toml"
    config.write_text("clahe = false\nflip = true\n")
    monkeypatch.setenv("MOODTUI_CONFIG", str(config))
    from_file = settings_from(parser().parse_args([]))
    assert (from_file.clahe, from_file.flip) == (False, True)
    flagged = settings_from(parser().parse_args(["--clahe", "--no-flip"]))
    assert (flagged.clahe, flagged.flip) == (True, False)
    config.write_text("flip = false\n")
    assert settings_from(parser().parse_args([])).flip is False
    config.write_text('preview = "colour"\nstrategy = "lift"\n')
    assert settings_from(parser().parse_args([])).preview == "colour"
    assert settings_from(parser().parse_args(["--preview", "ascii"])).preview == "ascii"
    assert settings_from(parser().parse_args(["--no-preview"])).preview == "off"
    assert settings_from(parser().parse_args(["--strategy", "match"])).strategy == "match"


def test_no_flip_gives_the_one_pass_scores():
    from moodtui.vision.camera import frames, open_source
    from moodtui.vision.emotion import EmotionClassifier
    from moodtui.vision.pipeline import Pipeline

    photo = shared_path("data/faces/astronaut.png")
    frame = next(frames(open_source(str(photo))))
    one_pass = Pipeline(EmotionClassifier("default", flip_average=False)).process(frame).faces[0].scores.as_dict()
    done = moodtui("detect", "--json", "--no-flip", "--model", "default", str(photo))
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)["faces"][0]["scores"]
    assert np.allclose(list(printed.values()), list(one_pass.values()), atol=1e-6)
    flipped = json.loads(moodtui("detect", "--json", "--model", "default", str(photo)).stdout)["faces"][0]["scores"]
    assert not np.allclose(list(flipped.values()), list(one_pass.values()), atol=1e-6)


def test_the_config_files_model_flip_and_clahe_reach_every_command_that_reads_faces(tmp_path, monkeypatch):
    """One way from settings to a pipeline: detect, calibrate and bench build what the app builds."""
    from moodtui.cli import parser, settings_from
    from moodtui.vision.build import build_pipeline

    config = tmp_path / "config.toml"
    config.write_text('model = "fer2013"\nflip = false\nclahe = true\n')
    monkeypatch.setenv("MOODTUI_CONFIG", str(config))
    photo = str(shared_path("data/faces/astronaut.png"))
    for argv in (["detect", photo], ["calibrate", "--source", photo], ["bench", "--source", photo], []):
        pipeline = build_pipeline(settings_from(parser().parse_args(argv)))
        assert (pipeline.model.name, pipeline.classifier.flip_average, pipeline.clahe) == ("fer2013", False, True)
    flagged = build_pipeline(settings_from(parser().parse_args(["detect", "--model", "default", photo])))
    assert flagged.model.name == "default" and not flagged.classifier.flip_average  # a flag overrides the file
    # And the command itself reads the photo as that pipeline does.
    from moodtui.vision.camera import frames, open_source

    expected = build_pipeline(settings_from(parser().parse_args(["detect", photo])))
    scores = expected.process(next(frames(open_source(photo))), still=True).faces[0].scores.as_dict()
    done = moodtui("detect", "--json", photo, env={"MOODTUI_CONFIG": str(config)})
    assert json.loads(done.stdout)["faces"][0]["scores"] == scores
