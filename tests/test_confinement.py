"""A story is its folder's own regular files: links out are refused unread, odd entries located.

The secret below lives outside the story folder; a scene file links to it.
No output format, and not the player, may show a byte of it.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cli, codes
from engine.codes import Link, Special
from storyfiles import run_cli, write_story

ROOT = Path(__file__).resolve().parent.parent
SECRET = "TOKEN=hunter2-very-secret"


run = run_cli


@pytest.fixture
def linked(tmp_path, monkeypatch):
    """A good story with 02-two.yaml linking to a secret outside it; the secret is valid YAML text."""
    (tmp_path / "secret.yaml").write_text(f"id: two\ntitle: {SECRET}\ntext: [{SECRET}]\n", encoding="utf-8")
    story = write_story(tmp_path / "s", {**codes._story(), "02-two.yaml": Link("../secret.yaml")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return story


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "sarif"])
def test_a_link_out_of_the_story_is_refused_and_never_shown(linked, fmt):
    code, out, err = run("validate", "--format", fmt, "s")
    assert code == 1
    assert SECRET not in out + err and "hunter2" not in out + err
    assert "E012" in out
    if fmt == "concise":
        assert out.splitlines()[0] == ("s/02-two.yaml: error[E012] this scene file is a link to a file "
                                       "outside the story folder; it was not read")


def test_a_link_to_proc_environ_is_refused(tmp_path, monkeypatch):
    if not os.path.exists("/proc/self/environ"):
        pytest.skip("no /proc on this system")
    monkeypatch.setenv("VIGNETTES_TEST_SECRET", SECRET)
    write_story(tmp_path / "s", {**codes._story(), "02-env.yaml": Link("/proc/self/environ")})
    monkeypatch.chdir(tmp_path)
    for fmt in ("concise", "full", "json", "sarif"):
        code, out, err = run("validate", "--format", fmt, "s")
        assert code == 1 and SECRET not in out + err and "E012" in out


def test_the_player_refuses_it_too(linked):
    code, out, err = run("play", "s", "--plain", "--choices", "-")
    assert code != 0
    assert SECRET not in out + err
    assert "s/02-two.yaml: error[E012]" in err


def test_naming_the_link_itself_is_refused(linked):
    code, out, _ = run("validate", "--format", "full", "s/02-two.yaml")
    assert code == 1 and SECRET not in out and "E012" in out


def test_a_link_inside_the_folder_is_fine(tmp_path):
    files = {**codes._story(), "02-two.yaml": "id: two\ntitle: Two\ntext: [x]\n"}
    write_story(tmp_path, files)
    os.symlink("02-two.yaml", tmp_path / "03-same.yaml")
    code, out, _ = run("validate", str(tmp_path))
    assert "E012" not in out and "E101" in out  # read, and so the same id twice


def test_a_folder_named_like_a_scene_is_located(tmp_path, monkeypatch):
    write_story(tmp_path / "s", {**codes._story(), "02-x.yaml": Special("folder")})
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "s")
    assert code == 1
    assert "s/02-x.yaml: error[E013] this is a folder, not a scene file; it was not read" in out


def test_a_fifo_never_hangs(tmp_path):
    """In a subprocess with a timeout: a blocking open of a FIFO would wait for ever."""
    write_story(tmp_path / "s", {**codes._story(), "02-pipe.yaml": Special("fifo")})
    for target in ("s", "s/02-pipe.yaml"):
        done = subprocess.run([sys.executable, "-m", "engine", "validate", target], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 1
        assert "s/02-pipe.yaml: error[E013] this is a named pipe (FIFO), not a scene file" in done.stdout


def test_a_fifo_named_alone_outside_a_story(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "lone.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "lone.yaml")
    assert code == 1 and "lone.yaml: error[E013] this is a named pipe (FIFO)" in out


def test_a_broken_link_is_located(tmp_path, monkeypatch):
    write_story(tmp_path / "s", codes._story())
    os.symlink("gone.yaml", tmp_path / "s" / "02-gone.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "s")
    assert code == 1 and "s/02-gone.yaml: error[E001] this is a link to a file that does not exist" in out


def test_hidden_files_are_not_scenes(tmp_path):
    write_story(tmp_path, {**codes._story(), ".pre-commit-config.yaml": "repos: []\n", ".#01-one.yaml": "x"})
    code, out, err = run("validate", str(tmp_path))
    assert code == 0 and out == "" and "2 files checked" in err
