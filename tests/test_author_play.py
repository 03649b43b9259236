"""The author's run of `vignettes play`: --from/--set, --show-vars and the v key,
--record-plan, and --watch in a real pseudo-terminal."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pexpect
import pytest

from storyfiles import run_cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "play-story"


run = run_cli


@pytest.fixture
def data(tmp_path, monkeypatch):
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "vignettes"


@pytest.fixture
def story(tmp_path) -> Path:
    target = tmp_path / "story"
    shutil.copytree(FIXTURE, target)
    for path in target.glob("*.yaml"):  # the modeline's relative path would point nowhere from here
        path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    return target


def test_from_and_set_start_there_marked_and_unsaved(story, data):
    run("play", str(story), "--choices", "1")  # a reader's game, cut short: autosaved
    autosave = data / "small" / "autosave.json"
    before = autosave.read_bytes()
    code, out, err = run("play", str(story), "--from", "door", "--set", "courage=1", "--choices", "2")
    assert code == 0, err
    flat = " ".join(out.split())
    assert flat.startswith("Author's run: from scene 'door' with courage=1. Nothing is saved, and the reader's "
                           "saved game is left as it was. Scene 2 of 3: The Door")
    assert "a closed door" not in out  # the content notes are the reader's, not the author's
    assert "3. Shout." not in out and "2. Shout." in out  # open because courage is 1; has_key is still false
    assert "The Garden" in out
    assert autosave.read_bytes() == before and sorted(p.name for p in autosave.parent.iterdir()) == ["autosave.json"]


@pytest.mark.parametrize("argv, words", [
    (["--set", "courage=brave"], ["'courage' is declared a whole number", "'brave'"]),
    (["--set", "has_key=yes"], ["'has_key' is declared true/false", "true or false"]),
    (["--set", "corage=1"], ["did you mean 'courage'?"]),
    (["--from", "gardn"], ["no scene 'gardn'", "did you mean 'garden'?"]),
    (["--from", "door", "--record-plan", "x.yaml"], ["--record-plan cannot be used with --from"]),
    (["--set", "courage=1", "--slot", "mine"], ["never saved, so it cannot take --resume or --slot"]),
])
def test_wrong_author_arguments_are_usage_errors(story, data, argv, words):
    code, out, err = run("play", str(story), *argv, "--choices", "1")
    assert code == 2 and all(w in err for w in words), err
    assert "Traceback" not in err and not data.exists()


def test_show_vars_and_the_v_key(story, data):
    code, out, _ = run("play", str(story), "--from", "hall", "--show-vars", "--choices", "1,2")
    assert code == 0
    assert out.count("Variables: courage=0, has_key=false") == 1
    assert "Variables: courage=1, has_key=false" in out  # after the song, at the door
    code, out, _ = run("play", str(story), "--plain", "--new", stdin="\nv\n2\nq\n")
    assert code == 0 and "Variables: courage=0, has_key=false" in out
    code, out, _ = run("play", str(story), "--plain", "--new", stdin="\n2\nv\nq\n")
    assert "Variables: courage=0, has_key=true" in out


def test_record_plan_gives_a_plan_that_passes_and_pins_the_reading(story, data):
    plan = story / "tests" / "recorded.yaml"
    plan.parent.mkdir()
    (story / "schemas").mkdir()
    shutil.copy(ROOT / "schemas" / "testplan.schema.json", story / "schemas")
    code, _, err = run("play", str(story), "--choices", "1,2", "--record-plan", str(plan))
    assert code == 0 and "recorded the reading as a test plan" in err
    text = plan.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/testplan.schema.json\n")
    assert 'answers: "1,2"' in text and "last_words:" in text
    assert run("validate", "--strict", str(story))[0] == 0
    code, out, _ = run("test", str(story))
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"
    garden = story / "04-garden.yaml"
    garden.write_text(garden.read_text(encoding="utf-8").replace("The end.", "The end, at last."), encoding="utf-8")
    assert run("test", str(story))[0] == 1


# -- --watch in a real terminal ---------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT), TERM="xterm-256color",
               PROMPT_TOOLKIT_NO_CPR="1")
    return env


def words(text: str) -> str:
    """A pattern for `text` however the player wrapped it."""
    return r"\s+".join(re.escape(w) for w in text.split())


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    time.sleep(0.05)  # a new modification time even on coarse file systems
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_watch_in_the_line_player_reloads_keeps_the_place_and_survives_a_broken_edit(story, env, enter):
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story), "--watch", "--plain"], env=env,
                          cwd=str(ROOT), dimensions=(24, 80), encoding="utf-8", timeout=15)
    child.expect("Watching")
    child.expect("Press Enter to begin")
    child.send(enter)
    child.expect("What do you remember")
    child.send("2" + enter)  # A key.
    child.expect("Which way")
    door = story / "02-door.yaml"
    _edit(door, "A door.", "A green door, freshly painted.")
    child.expect(words("Reloaded (02-door.yaml changed); your 1 answer(s) were replayed"))
    child.expect(words("A green door, freshly painted."))
    child.expect("Which way")
    _edit(door, "goto: garden", "goto: gardn")
    child.expect(words("the story now has errors; still playing the last good version"))
    child.expect(r"02-door.yaml:\d+:\d+: error\[E102\]")
    child.send("1" + enter)  # Open it (the key is kept): the last good version still leads to the garden
    child.expect("The Garden")
    child.expect("Still watching")
    _edit(door, "goto: gardn", "goto: garden")
    child.expect("Reloaded")
    hall = story / "01-hall.yaml"
    _edit(hall, "    - text: A song.\n      add: {courage: 1}\n", "")
    child.expect(words("the replay stopped: step 1 (option 2 in scene 'hall') no longer fits."))
    child.expect(words("You are in scene 'hall', after 0 answer(s)."))
    child.expect("What do you remember")
    child.send("q" + enter)
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before and child.exitstatus == 0
    assert not (Path(env["XDG_DATA_HOME"]) / "vignettes").exists()  # nothing saved while watching


def test_watch_in_the_full_screen_player(story, env):
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story), "--watch"], env=env,
                          cwd=str(ROOT), dimensions=(24, 80), encoding="utf-8", timeout=15)
    child.expect("Begin the story")
    child.send("\r")
    child.expect("What do you remember")
    _edit(story / "01-hall.yaml", "You stand in a hall.", "You stand in a long, cold hall.")
    child.expect("Reloaded")
    child.expect(words("You stand in a long, cold hall."))
    child.expect("What do you remember")
    child.send("v")
    child.expect(words("Variables: courage=0, has_key=false"))
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before
