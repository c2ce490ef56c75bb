"""`pip install .` (not editable) gives a working app: model, lists and styles inside the wheel."""

import os
import subprocess
import sys
import zipfile

from tests.conftest import REPO, shared_path


def test_the_built_wheel_works_outside_the_repository(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("moodtui-*.whl"))
    # The lists are edited at the top of the repository and shipped inside the package.
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("moodtui/") for n in names if n.startswith("moodtui/lists/")}
    expected = {str(p.relative_to(REPO)) for p in (REPO / "lists").rglob("*") if p.is_file()}
    assert shipped == expected and "lists/README.md" in shipped
    assert not [n for n in names if n.startswith("lists/")]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target), "MOODTUI_DATA_DIR": str(tmp_path / "data")}
    where = subprocess.run([sys.executable, "-c", "import moodtui; print(moodtui.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    photo = shared_path("data/faces/astronaut.png")
    detect = subprocess.run([sys.executable, "-m", "moodtui.cli", "detect", str(photo)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert detect.returncode == 0 and "happy" in detect.stdout, detect.stderr
    picks = subprocess.run([sys.executable, "-m", "moodtui.cli", "recommend", "--emotion", "happy", "--offline"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert picks.returncode == 0 and "local list" in picks.stdout, picks.stderr
    listed = "".join(p.read_text(encoding="utf-8") for p in (REPO / "lists").rglob("*.txt"))
    picked = [line.strip().split(" (")[0] for line in picks.stdout.splitlines() if "[local list]" in line]
    assert picked and all(title in listed for title in picked)
    styles = subprocess.run([sys.executable, "-c", "from importlib import resources; "
                             "print(resources.files('moodtui').joinpath('tui/moodtui.tcss').is_file())"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert styles.stdout.strip() == "True"
