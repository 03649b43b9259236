"""The built wheel works on its own: installed into a fresh virtual
environment and run from an unrelated folder, `vignettes validate` finds the
bundled story and the schemas through the package, exactly as the checkout
does.

The wheel is built from a copy of the project (so no `build/` or
`*.egg-info` lands in the shared tree) with `pip wheel`; pip fetches
setuptools for the isolated build from the configured index. The venv is a
real fresh one (no system site-packages): pyyaml, jsonschema and
prompt-toolkit are installed into it from the index like for any user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENES = sorted(p.name for p in (ROOT / "scenes").glob("*.yaml") if p.name != "story.yaml")


def _clean_env() -> dict:
    """The environment of a user who has nothing but the venv: no checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["NO_COLOR"] = "1"
    return env


def _run(cmd, cwd, timeout=300, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check:
        assert proc.returncode == 0, f"{cmd}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "setup.py", "MANIFEST.in"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for name in ("engine", "schemas", "scenes"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    out = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source], cwd=base)
    [built] = out.glob("vignettes-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", where], cwd=where.parent)
    _run([where / "bin" / "python", "-m", "pip", "install", wheel], cwd=where.parent)
    return where


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    """A working folder with no scenes/ or schemas/ to stumble on."""
    return tmp_path_factory.mktemp("elsewhere")


def test_wheel_carries_the_schemas_and_the_bundled_story(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"engine/schemas/scene.schema.json", "engine/schemas/story.schema.json", "engine/scenes/story.yaml"}
    expected |= {f"engine/scenes/{s}" for s in SCENES}
    expected |= {f"engine/scenes/tests/{p.name}" for p in (ROOT / "scenes" / "tests").glob("*.yaml")}
    expected.add("engine/schemas/testplan.schema.json")
    assert expected <= names, sorted(expected - names)
    assert "engine/__main__.py" in names and "engine/cli.py" in names
    # Nothing of the checkout's test or build clutter is shipped.
    assert not any(n.startswith(("tests/", "build/")) or "__pycache__" in n for n in names), sorted(names)


def test_wheel_declares_the_console_script_and_dependencies(wheel):
    with zipfile.ZipFile(wheel) as z:
        dist = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        entry_points = z.read(f"{dist}/entry_points.txt").decode()
        metadata = z.read(f"{dist}/METADATA").decode()
    assert "vignettes = engine.cli:main" in entry_points
    for dep in ("pyyaml", "jsonschema", "prompt-toolkit"):
        assert dep in metadata.lower().replace("_", "-"), metadata


def test_installed_engine_is_the_one_in_the_venv(venv, elsewhere):
    proc = _run([venv / "bin" / "python", "-c", "import engine, sys; print(engine.__file__)"], cwd=elsewhere)
    assert Path(proc.stdout.strip()).resolve().is_relative_to(venv.resolve()), proc.stdout


def test_validate_bundled_story_from_anywhere(venv, elsewhere):
    proc = _run([venv / "bin" / "vignettes", "validate"], cwd=elsewhere, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_validate_bundled_story_as_json(venv, elsewhere):
    proc = _run([venv / "bin" / "vignettes", "validate", "--format", "json"], cwd=elsewhere, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout) == []


def test_bundled_plans_run_from_anywhere(venv, elsewhere):
    proc = _run([venv / "bin" / "vignettes", "test"], cwd=elsewhere, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    count = len(list((ROOT / "scenes" / "tests").glob("*.yaml")))
    assert proc.stdout.splitlines()[-1] == f"{count} passed, 0 failed"


def test_python_m_engine_version(venv, elsewhere):
    proc = _run([venv / "bin" / "python", "-m", "engine", "--version"], cwd=elsewhere)
    assert proc.stdout.strip() == "vignettes 0.1.0", proc.stdout
    proc = _run([venv / "bin" / "vignettes", "--version"], cwd=elsewhere)
    assert proc.stdout.strip() == "vignettes 0.1.0", proc.stdout


def test_validate_a_broken_copy_exits_1(venv, elsewhere):
    story = elsewhere / "broken"
    shutil.copytree(ROOT / "scenes", story, dirs_exist_ok=True)
    scene = story / "02-london.yaml"
    scene.write_text(scene.read_text(encoding="utf-8").replace("\ntitle:", "\ntitel:", 1), encoding="utf-8")
    proc = _run([venv / "bin" / "vignettes", "validate", "broken", "--format", "json"], cwd=elsewhere, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    diagnostics = json.loads(proc.stdout)
    assert any(d["code"] == "E100" and d["file"].endswith("02-london.yaml") for d in diagnostics), diagnostics


def _floors(lines) -> dict:
    """{name: version tuple} from `name>=x.y` or `name==x.y` requirement strings."""
    import re

    found = {}
    for line in lines:
        m = re.match(r'\s*"?([A-Za-z0-9._-]+)\s*(?:>=|==)\s*([0-9][0-9.]*)', line)
        if m:
            parts = [int(p) for p in m[2].split(".")]
            found[m[1].lower().replace("_", "-")] = tuple(parts + [0] * (3 - len(parts)))
    return found


def test_the_lowest_versions_file_pins_every_floor_of_pyproject():
    """.ci/run tests the floors from constraints-lowest.txt: it must name each direct dependency at its floor."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = text[text.index("dependencies = ["):text.index("[project.scripts]")]
    requirements = [part for part in declared.replace("[", ",").replace("]", ",").split(",") if ">=" in part]
    pinned = _floors((ROOT / "constraints-lowest.txt").read_text(encoding="utf-8").splitlines())
    assert _floors(requirements) == pinned
    assert "constraints-lowest.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_export_works_from_the_installed_wheel(wheel, venv, elsewhere):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"engine/web/{n}" for n in ("page.html", "page.css", "page.js", "runtime.js")} <= names
    proc = _run([venv / "bin" / "vignettes", "export", "-o", "page.html", "--force"], cwd=elsewhere, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    html = (elsewhere / "page.html").read_text(encoding="utf-8")
    assert 'id="vignettes-runtime"' in html and '"five-times"' in html and "{{" not in html
