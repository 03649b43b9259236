"""End to end in a real pseudo-terminal: arrow keys, Ctrl-C, resuming, a narrow window."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from engine import runtime, validate
from engine.saves import SaveFolder

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "play-story"
DOWN = "\x1b[B"


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    # A pty answers no cursor-position requests; without this prompt-toolkit waits for them.
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT), TERM="xterm-256color",
               PROMPT_TOOLKIT_NO_CPR="1")
    return env


def spawn(env, *argv, columns=80):
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(FIXTURE), *argv], env=env, cwd=str(ROOT),
                          dimensions=(24, columns), encoding="utf-8", timeout=20)
    return child


def the_end(child, key=" ") -> str:
    """The full-screen player holds the ending until a key is pressed, then leaves; at a narrow
    width the path may take more than a page."""
    child.expect("The end.")
    shown = ""
    while child.expect(["-- more --", "press any key"]) == 0:
        shown += child.before
        child.send(" ")
    shown += child.before
    child.send(key)
    finish(child)
    return shown


def finish(child) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before
    return child.before


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_play_to_the_end_with_arrow_keys(env, enter):
    child = spawn(env)
    child.expect("Begin the story")
    child.send(enter)
    child.expect("What do you remember")
    child.expect("q quit")
    child.send(DOWN + DOWN + enter)  # past "Go on without choosing" and "A song." to "A key."
    child.expect("Which way")
    child.expect("q quit")
    child.send(DOWN + DOWN + enter)  # nothing is highlighted at a required choice: Open it, then Knock.
    child.expect("Corridor")
    child.expect("Go on")
    child.send(enter)
    rest = the_end(child, enter)
    assert child.exitstatus == 0
    assert "Your path" in rest and "vignettes play" in rest


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_enter_alone_goes_on_saves_and_resumes(env, tmp_path, enter):
    """Only Enter: the notes pass, the reflection is gone on from, the required choice asks how to pick."""
    child = spawn(env)
    child.expect("Begin the story")
    child.send(enter)
    child.expect("What do you remember")
    child.expect("q quit")
    child.send(enter)
    child.expect("you go on without choosing")
    child.expect("Which way")
    child.expect("q quit")
    child.send(enter)
    child.expect("Nothing is picked yet")
    child.sendintr()
    finish(child)
    assert child.exitstatus == 130
    story = validate.load_story(FIXTURE)
    saved = SaveFolder(story.id, tmp_path / "data" / "vignettes").read("autosave")
    assert saved["answers"] == [None] and saved["scene"] == "door"

    child = spawn(env)
    child.expect("Resume where you left off")
    child.send(enter)
    child.expect("Which way")
    child.expect("q quit")
    child.send("1")
    child.expect("Go on")
    child.send(enter)
    the_end(child)
    assert child.exitstatus == 0


def test_cr_lf_is_one_enter_and_keys_typed_ahead_never_answer_a_choice(env, tmp_path):
    child = spawn(env)
    child.expect("Begin the story")
    child.send("\r\n1")  # one Enter, then a "1" typed before the reflection was shown
    child.expect("What do you remember")
    child.expect("q quit")
    child.send("2")
    child.expect("Which way")
    child.expect("q quit")
    child.send("u")
    child.expect("Undone: back to scene 1")
    child.expect("q quit")
    child.send("q")
    finish(child)
    assert child.exitstatus == 0
    story = validate.load_story(FIXTURE)
    assert SaveFolder(story.id, tmp_path / "data" / "vignettes").read("autosave")["answers"] == []


def test_ctrl_c_keeps_the_autosave_then_resume(env, tmp_path):
    child = spawn(env)
    child.expect("Begin the story")
    child.send("\r")
    child.expect("What do you remember")
    child.send("1")
    child.expect("Which way")
    child.sendintr()
    out = finish(child)
    assert child.exitstatus == 130 and "Goodbye." in out

    story = validate.load_story(FIXTURE)
    folder = SaveFolder(story.id, tmp_path / "data" / "vignettes")
    state = runtime.from_dict(story, folder.read("autosave"))
    assert state.scene == "door" and state.answers == (0,)

    child = spawn(env)
    child.expect("Resume where you left off")
    child.send("\r")
    child.expect("Scene 2 of 3")
    child.expect("Which way")
    child.send("2")  # Shout.
    the_end(child)
    assert child.exitstatus == 0


def test_ctrl_d_leaves_with_0(env):
    child = spawn(env)
    child.expect("Begin the story")
    child.send("\r")
    child.expect("What do you remember")
    child.sendeof()
    out = finish(child)
    assert child.exitstatus == 0 and "Goodbye." in out


def test_resized_to_twenty_columns_and_a_typed_escape_sequence(env):
    child = spawn(env, "--new", columns=60)
    child.expect("Begin the")
    child.send("\r")
    child.expect("remember")
    child.setwinsize(24, 20)
    child.send("\x1b[31m")
    child.send("-")
    child.expect("Which way")
    child.send("1")
    child.expect("Go on")
    child.send("\r")
    the_end(child)
    assert child.exitstatus == 0


def test_no_color_and_plain_flag(env):
    child = spawn({**env, "NO_COLOR": "1"}, "--plain")
    child.expect("Press Enter to begin")
    child.sendline("")
    child.expect("Your choice")
    child.sendline("2")
    child.expect("Your choice")
    child.sendline("1")
    child.expect("The end.")
    out = finish(child)
    assert child.exitstatus == 0 and "\x1b[" not in out


def test_a_stranded_reader_is_told_of_a_story_bug_not_an_ending(env, tmp_path, enter="\r"):
    story = tmp_path / "s"
    story.mkdir()
    (story / "story.yaml").write_text("id: s\ntitle: S\nstart: gate\nvariables:\n  told: false\n", encoding="utf-8")
    (story / "01-gate.yaml").write_text("id: gate\ntitle: Gate\ntext: [At the gate.]\nchoices:\n  prompt: Go?\n"
                                        "  options:\n    - text: In.\n      goto: hall\n", encoding="utf-8")
    (story / "02-hall.yaml").write_text("id: hall\ntitle: Hall\ntext: [In the hall.]\nchoices:\n  prompt: Now?\n"
                                        "  options:\n    - text: Tell.\n      if: told\n      goto: end\n", encoding="utf-8")
    (story / "03-end.yaml").write_text("id: end\ntitle: End\ntext: [Done.]\n", encoding="utf-8")
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story)], env=env, cwd=str(ROOT),
                          dimensions=(24, 80), encoding="utf-8", timeout=20)
    child.expect("Begin the story")
    child.send(enter)
    child.expect("Go\\?")
    child.expect("q quit")
    child.send("1")  # a choice that cannot be skipped: Enter alone picks nothing
    child.expect("In the hall")
    rest = finish(child)
    assert child.exitstatus == 1
    assert "The end." not in rest
    assert "no way on from scene 'hall'" in rest and "a bug in the story" in rest and "Your place is kept" in rest


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_sigterm_and_sighup_restore_the_terminal_and_keep_the_place(env, tmp_path, signum, code):
    import io

    child = spawn(env)
    child.logfile_read = seen = io.StringIO()
    child.expect("Begin the story")
    child.send("\r")
    child.expect("What do you remember")
    child.expect("q quit")
    child.send("2")
    child.expect("Which way")
    child.expect("q quit")
    child.kill(signum)
    finish(child)
    out = seen.getvalue()
    assert child.exitstatus == code, out
    assert "Traceback" not in out
    assert out.rfind("\x1b[?25h") > out.rfind("\x1b[?25l") > 0  # the cursor is shown again
    story = validate.load_story(FIXTURE)
    assert SaveFolder(story.id, tmp_path / "data" / "vignettes").read("autosave")["answers"] == [1]


LONG = [f"Paragraph {n} of the long hall, told at length so that it wraps." for n in range(1, 9)]


def long_story(tmp_path) -> Path:
    story = tmp_path / "long"
    story.mkdir()
    (story / "story.yaml").write_text("id: long\ntitle: A Long Story\nstart: hall\n")
    (story / "hall.yaml").write_text("id: hall\ntitle: The Long Hall\ntext:\n" + "".join(f"  - {p}\n" for p in LONG)
                                     + "next: yard\n")
    (story / "yard.yaml").write_text("id: yard\ntitle: The Yard\ntext:\n  - Quiet.\n")
    return story


@pytest.mark.parametrize("more", [" ", "\r", "\n"])
def test_a_long_scene_is_paged_and_the_ending_waits(env, tmp_path, more):
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(long_story(tmp_path))], env=env,
                          cwd=str(ROOT), dimensions=(10, 40), encoding="utf-8", timeout=20)
    child.expect("Begin the story")
    child.send("\r")
    child.expect("The Long Hall")
    child.expect("Paragraph 1 ")
    child.expect("-- more")
    assert "Paragraph 4 " not in child.before  # the first page held the title and the start, not the rest
    pages = 1
    while True:
        child.send(more)
        index = child.expect(["-- more", "Go on"])
        if index == 1:
            break
        pages += 1
    assert pages >= 2  # three screenfuls: 27 lines at 40 columns, 9 a page
    child.send(more if more != " " else "\r")
    child.expect("The end.")
    child.expect("Your path")
    while child.expect(["-- more", "press any key"]) == 0:  # the ending pages too, on 10 rows
        child.send(more)
    assert child.isalive()
    child.send("x")
    finish(child)
    assert child.exitstatus == 0


def test_choices_in_a_terminal_never_pages_nor_waits(env, tmp_path):
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(long_story(tmp_path)), "--choices", "-"],
                          env=env, cwd=str(ROOT), dimensions=(10, 40), encoding="utf-8", timeout=20)
    out = finish(child)
    assert child.exitstatus == 0
    assert "Paragraph 8 " in out and "The end." in out
    assert "more" not in out and "press any key" not in out


# -- pastes, in a real terminal --------------------------------------------------------

PASTE, PASTE_END = "\x1b[200~", "\x1b[201~"


@pytest.mark.parametrize("key, code", [("\x03", 130), ("\x04", 0)])
@pytest.mark.parametrize("where", ["notes", "reflection", "choice", "more"])
def test_a_paste_start_typed_by_hand_never_traps_the_reader(env, tmp_path, where, key, code):
    """ESC [ 2 0 0 ~ typed at any kind of prompt, a digit, then Ctrl-C or Ctrl-D: the game ends as
    those keys always end it, with nothing picked."""
    story = long_story(tmp_path) if where == "more" else FIXTURE
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story)], env=env, cwd=str(ROOT),
                          dimensions=(10 if where == "more" else 24, 40), encoding="utf-8", timeout=20)
    child.expect("Begin the story")
    child.expect("q leave")
    if where != "notes":
        child.send("\r")
        child.expect("-- more" if where == "more" else "q quit")
    if where == "choice":
        child.send("1")
        child.expect("Which way")
        child.expect("q quit")
    child.send(PASTE + "2")
    child.send(key)
    out = finish(child)
    assert child.exitstatus == code
    assert "Goodbye." in out or where == "notes"
    assert "› Knock." not in out and "› A key." not in out


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_a_real_paste_at_a_choice(env, tmp_path, enter):
    """What a terminal sends for a paste when asked to bracket it: a number picks, a line break is
    Enter, other text is ignored with a note; and a paste whose end is lost is over at a pause."""
    child = spawn(env)
    child.expect("Begin the story")
    child.send(PASTE + enter + PASTE_END)
    child.expect("What do you remember")
    child.expect("q quit")
    child.send(PASTE + "Some words" + enter + PASTE_END)
    child.expect("A paste is taken only as an option's number, or as Enter.")
    child.send(PASTE + "2" + enter + PASTE_END)
    child.expect("› A key.")
    child.expect("Which way")
    child.expect("q quit")
    child.send(PASTE + "2")  # its end never comes
    child.expect("› Knock.")  # once the input pauses the paste is over, and "2" picks
    child.expect("Go on")
    child.send(enter)
    rest = the_end(child, enter)
    assert child.exitstatus == 0 and "Knock." in rest


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_enter_typed_while_the_player_starts_begins_the_bundled_story(env, enter):
    """At 80x24 the bundled story's notes and the menu fit on one screen (the blank line above the
    title may scroll away), so no page comes between: an Enter typed early is the answer to it."""
    child = pexpect.spawn(sys.executable, ["-m", "engine", "play", "--new"], env=env, cwd=str(ROOT),
                          dimensions=(24, 80), encoding="utf-8", timeout=20)
    child.send(enter)
    child.expect("Scene 1 of 6")
    assert "-- more --" not in child.before
    child.sendintr()
    finish(child)
