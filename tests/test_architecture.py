"""The shape of the package: the headless modules never load Textual, the runtime never loads TensorFlow,
the packages import each other in one direction only, and the keys are declared once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "moodtui"
HEADLESS = ("moodtui.cli", "moodtui.commands.detect", "moodtui.commands.recommend", "moodtui.commands.imports",
            "moodtui.commands.taste", "moodtui.commands.doctor", "moodtui.recommend.engine", "moodtui.vision.build",
            "moodtui.store", "moodtui.services.session")


def loaded_after_importing(*modules: str) -> set[str]:
    code = f"import sys; import {', '.join(modules)}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_headless_modules_never_load_textual_or_tensorflow():
    loaded = loaded_after_importing(*HEADLESS)
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "tensorflow", "keras")}


def test_a_photo_is_read_without_the_http_client_or_the_html_parser():
    code = ("import sys; from moodtui.cli import main; main(['detect', sys.argv[1]]); "
            "print('LOADED', ' '.join(sys.modules))")
    photo = REPO.parent / "shared" / "data" / "faces" / "astronaut.png"
    if not photo.exists():
        import pytest

        pytest.skip(f"{photo} is not there")
    done = subprocess.run([sys.executable, "-c", code, str(photo)], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    loaded = set(done.stdout.split("LOADED", 1)[1].split())
    assert "happy" in done.stdout
    assert not {m for m in loaded if m.split(".")[0] in ("httpx", "bs4", "textual", "rich")}


def _node(module: str) -> str:
    """The unit the circle test is about: a subpackage (moodtui.vision) or a top-level module (moodtui.config)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _runtime_imports(path: Path) -> set[str]:
    """The moodtui modules a file imports when it runs (what `if TYPE_CHECKING:` guards does not count)."""
    tree = ast.parse(path.read_text())
    guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
               for child in node.body for n in ast.walk(child)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("moodtui"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("moodtui")}
    return found


def package_graph() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
               for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for imported in _runtime_imports(path):
            if imported in modules or imported.rsplit(".", 1)[0] in modules:
                target = imported if imported in modules else imported.rsplit(".", 1)[0]
                if _node(target) != _node(module) and _node(target) != "moodtui":
                    graph.setdefault(_node(module), set()).add(_node(target))
    return graph


def test_the_packages_import_each_other_in_one_direction():
    graph = package_graph()
    assert graph["moodtui.recommend"] - {"moodtui.labels", "moodtui.text", "moodtui.errors"} == set(), \
        "the recommender stands on its own: the app and the commands hand it the settings and the store"
    visiting, done, cycles = [], set(), []

    def visit(node: str) -> None:
        if node in visiting:
            cycles.append(visiting[visiting.index(node):] + [node])
            return
        if node in done:
            return
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    assert not cycles, " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_only_the_tui_package_imports_textual():
    for path in PACKAGE.rglob("*.py"):
        if "tui" in path.relative_to(PACKAGE).parts:
            continue
        imports = {n.module for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom)} | \
                  {a.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imports if m and m.split(".")[0] in ("textual", "tensorflow", "keras")}, path


def test_the_readme_lists_every_key_as_the_bindings_declare_it():
    from moodtui.tui.keys import BINDINGS, readme_rows

    readme = (REPO / "README.md").read_text()
    table = [line for line in readme.split("Keys (the most used in the footer", 1)[1].split("\n\n", 2)[1].splitlines()
             if line.startswith("| `")]
    assert table == readme_rows()
    listed = " ".join(table)
    assert all(f"`{b.key_display or b.key}`" in listed or b.action.startswith("set_mood(")
               or b.action == "enter_tables" for b in BINDINGS)  # an arrow into the tables: "arrows"
