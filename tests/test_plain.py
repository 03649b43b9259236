"""The line player and `vignettes play` in plain mode: scripts, pipes, saves that went wrong."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cli, runtime, validate
from engine.frontend.plain import PlainUI
from engine.frontend.session import Session
from engine.frontend.text import clean, wrap
from engine.saves import SaveFolder
from play_stories import SMALL, build
from storyfiles import run_cli, write_story

FIXTURE = Path(__file__).parent / "fixtures" / "play-story"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "data" / "vignettes" / "small"


def play(*argv, stdin=""):
    """Run `vignettes play` in-process with a piped stdin; returns (code, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(["play", str(FIXTURE), *argv], out, err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def scripted_paths(story):
    """Every path as the numbers a reader would type ('-' to go on), with its ending scene."""
    todo, done = [(runtime.start(story), [])], []
    while todo:
        state, typed = todo.pop()
        v = runtime.view(story, state)
        if v.is_ending:
            done.append((typed, state.scene))
            continue
        if not v.options:
            todo.append((runtime.go_on(story, state), typed))
            continue
        for n, (i, _) in enumerate(v.options, 1):
            todo.append((runtime.choose(story, state, i), typed + [str(n)]))
        if v.can_go_on:
            todo.append((runtime.go_on(story, state), typed + ["-"]))
    return done


def test_every_path_plays_to_its_end_with_stdin_closed(tmp_path):
    story = validate.load_story(FIXTURE)
    paths = scripted_paths(story)
    assert len(paths) == 5
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "PYTHONPATH": str(ROOT)}
    for typed, end in paths:
        done = subprocess.run([sys.executable, "-m", "engine", "play", str(FIXTURE), "--choices", ",".join(typed)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, preexec_fn=lambda: os.close(0),
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "The end." in done.stdout and "Traceback" not in done.stderr + done.stdout
        # garden, the one ending, takes no number: "of 3" counts the scenes that are not endings
        assert end == "garden" and "\nThe Garden\n" in done.stdout and "of 4" not in done.stdout
        assert "a closed door" in done.stdout  # the content notes are shown, not asked


def test_a_bad_answer_names_the_prompt_and_the_options():
    code, out, err = play("--choices", "1,3")
    assert code == 1
    assert "answer 2 ('3')" in err and "Which way?" in err and "1 (Knock.), 2 (Shout.)" in err


def test_leftover_answers_are_reported_and_the_exit_stays_0():
    code, out, err = play("--choices", "2,1,1,2")
    assert code == 0 and "left over: 1,2" in err


def test_going_on_at_a_required_choice_is_an_error():
    code, _, err = play("--choices", "-,-")
    assert code == 1 and "or - to go on" not in err and "prompt 2" in err


def test_scripted_runs_start_anew_unless_resume_is_given(data_home):
    code, out, err = play("--choices", "1")
    assert code == 0 and "ran out" in err
    assert json.loads((data_home / "autosave.json").read_text())["answers"] == [0]
    code, out, _ = play("--choices", "2", "--resume")
    assert code == 0 and "\nThe Garden\n" in out and "You took" not in out
    code, out, _ = play("--choices", "1")
    assert "Scene 1 of 3" in out


def test_interactive_plain_keys_undo_recap_help_save(data_home):
    code, out, err = play(stdin="\n2\nr\nu\nh\n1\ns chapter-1\nq\n")
    assert code == 0, err
    assert "Press Enter to begin" in out
    assert "Recap, your path so far:" in out and "The Hall: A key." in out
    assert "u: undo the last step" in out
    assert "Saved as 'chapter-1'" in out and (data_home / "chapter-1.json").exists()
    assert out.rstrip().endswith("resumes it.") and "Goodbye." in out
    assert json.loads((data_home / "autosave.json").read_text())["answers"] == [0]


def test_starting_again_offers_to_resume(data_home):
    play(stdin="\n1\n")  # Ctrl-D after one step
    code, out, _ = play(stdin="y\n2\n")
    assert "Resume where you left off, in scene 2 of 3" in out and "\nThe Garden\n" in out
    code, out, _ = play(stdin="\n\n1\n")  # the resume question says yes by default; then go on
    code, out, _ = play(stdin="n\n\n-\n2\n")
    assert "Scene 1 of 3" in out and code == 0


def test_new_ignores_the_save(data_home):
    play(stdin="\n1\n")
    code, out, _ = play("--new", stdin="\n")
    assert "Resume" not in out and "Scene 1 of 3" in out


@pytest.mark.parametrize("garbage", [b'{"format": 1, "sto', b"\x00\xff\xfe garbage"])
def test_a_damaged_save_is_reported_kept_and_a_fresh_start_offered(data_home, garbage):
    data_home.mkdir(parents=True)
    (data_home / "autosave.json").write_bytes(garbage)
    code, out, err = play(stdin="y\n\n")
    assert code == 0 and "Traceback" not in out + err
    assert "could not be read" in out and "Start a new game?" in out and "Scene 1 of 3" in out
    kept = list(data_home.glob("autosave.broken-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage


def test_a_damaged_save_declined_leaves(data_home):
    data_home.mkdir(parents=True)
    (data_home / "autosave.json").write_bytes(b"not json")
    code, out, _ = play(stdin="n\n")
    assert code == 0 and "Scene 1" not in out


def test_a_save_from_an_edited_story_is_replayed(tmp_path, data_home, monkeypatch):
    copy = tmp_path / "story"
    shutil.copytree(FIXTURE, copy)
    play(stdin="\n2\n")
    (copy / "01-hall.yaml").write_text((copy / "01-hall.yaml").read_text().replace("a hall.", "a long hall."))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n1\n"))
    assert cli.main(["play", str(copy)], out, err) == 0
    assert "The story has changed since you saved" in out.getvalue()
    assert "\nThe Garden\n" in out.getvalue() and "of 4" not in out.getvalue()


def test_a_save_that_no_longer_fits_is_told_plainly(tmp_path, data_home, monkeypatch):
    copy = tmp_path / "story"
    shutil.copytree(FIXTURE, copy)
    play(stdin="\n2\n")
    (copy / "01-hall.yaml").write_text((copy / "01-hall.yaml").read_text().replace("    - text: A key.\n      set: {has_key: true}\n", ""))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n\n"))
    assert cli.main(["play", str(copy)], out, err) == 0, err.getvalue()
    text = out.getvalue()
    assert "no longer fits this story" in text and "step 1" in text and "Start a new game?" in text
    assert len(list(data_home.glob("autosave.broken-*.json"))) == 1


def test_transcript_is_markdown(tmp_path):
    target = tmp_path / "reading.md"
    code, _, _ = play("--choices", "2,1", "--transcript", str(target))
    text = target.read_text()
    assert code == 0 and text.startswith("# A Small Story\n")
    assert "## The Door (2/3)" in text and "> **A key.**" in text and "> **Open it.**" in text
    assert "## The Garden\n" in text  # the ending takes no number


@pytest.mark.parametrize("argv", [["--slot", "../escape"], ["--slot", "a/b"], ["--new", "--resume"]])
def test_usage_errors(argv):
    code, _, err = play(*argv)
    assert code == 2 and "Traceback" not in err


def test_a_story_that_does_not_validate_exits_1(tmp_path):
    (tmp_path / "story.yaml").write_text("id: broken\n")
    err = io.StringIO()
    assert cli.main(["play", str(tmp_path)], io.StringIO(), err) == 1
    assert "story.yaml" in err.getvalue() and "Traceback" not in err.getvalue()


def test_hostile_text_never_reaches_the_terminal_raw():
    hostile = {**SMALL, "title": "T\x1b]0;owned\x07", "scenes": [
        {**SMALL["scenes"][0], "title": "\x1b[2J\x1b[HHall\x9b31m", "text": ["A\x1b[31mred\x1b[0m \x07bell\u202e"]},
        *SMALL["scenes"][1:]]}
    out = io.StringIO()
    ui = PlainUI(io.StringIO("\n\x1b[31m2\n"), out)
    Session(build(hostile), ui, None).play("no", show_notes=True)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert "Ared bell" in text


def test_invalid_input_bytes_never_fail_later(data_home):
    stdin = io.TextIOWrapper(io.BytesIO(b"\n\xff\xfe\xed\xa0\x80\n2\nq\n"), encoding="utf-8", errors="replace")
    out = io.StringIO()
    folder = SaveFolder("small")
    assert Session(build(SMALL), PlainUI(stdin, out), folder).play("no") == "quit"
    assert json.loads(folder.slot_path("autosave").read_text())["answers"] == [1]


@pytest.mark.parametrize("columns", [20, 21, 35, 200])
def test_every_line_fits_the_width(columns):
    out = io.StringIO()
    ui = PlainUI(io.StringIO("\n" * 3), out, columns=lambda: columns)
    story = build({**SMALL, "scenes": [{**SMALL["scenes"][0], "text": ["word " * 60 + "x" * 70]}, *SMALL["scenes"][1:]]})
    Session(story, ui, None).play("no")
    limit = max(20, min(100, columns - 1))
    # Prompts are wrapped too; through a pipe the answer is not echoed, so what follows a prompt joins its line.
    lines = out.getvalue().replace("help): ", "help):\n").splitlines()
    too_long = [line for line in lines if len(line) > limit]
    assert not too_long


def test_clean_and_wrap():
    assert clean("a\x1b[1;31mb\x1b]8;;http://x\x1b\\c\x00d\te\ud800") == "abcd e\ufffd"
    assert wrap("one two three four five six seven", 20).splitlines() == ["one two three four", "five six seven"]


def test_a_failing_disk_is_reported_once_and_the_story_goes_on(tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    code, out, err = play("--choices", "2,1")
    assert code == 0 and "The end." in out
    assert out.count("could not be saved") == 1 and "Your place is kept" not in out


def test_every_path_of_the_bundled_story_ends_when_scripted():
    story = validate.load_story(None)
    paths = scripted_paths(story)
    assert paths
    for typed, _ in paths:
        ui = PlainUI(None, io.StringIO(), typed)
        assert Session(story, ui, None).play("no") == "ended" and not ui.leftover, typed


def test_summary_and_source_credit_show_with_the_title_before_the_notes(tmp_path):
    story = tmp_path / "credited"
    shutil.copytree(FIXTURE, story)
    manifest = story / "story.yaml"
    manifest.write_text(manifest.read_text() + (
        "author: Pat Writer\nsummary: A door, and what is behind it.\nlanguage: cy\n"
        "source:\n  title: The Door\n  author: Sam Elder\n  url: https://example.org/door\n"
        "  note: Retold as a game.\n"))
    out = io.StringIO()
    assert cli.main(["validate", "--strict", str(story)], out, io.StringIO()) == 0, out.getvalue()
    out = io.StringIO()
    sys.stdin, old = io.StringIO(""), sys.stdin
    try:
        assert cli.main(["play", str(story), "--choices", "1,1"], out, io.StringIO()) == 0
    finally:
        sys.stdin = old
    text = out.getvalue()
    order = [text.index(s) for s in ("A Small Story", "by Pat Writer", "A door, and what is behind it.",
                                      "Adapted from “The Door” by Sam Elder. https://example.org/door",
                                      "Retold as a game.", "a closed door")]
    assert order == sorted(order)


def test_a_source_url_must_be_a_web_address(tmp_path):
    story = tmp_path / "credited"
    shutil.copytree(FIXTURE, story)
    (story / "story.yaml").write_text((FIXTURE / "story.yaml").read_text() + "source:\n  url: file:///etc/passwd\n")
    out = io.StringIO()
    assert cli.main(["validate", str(story)], out, io.StringIO()) == 1
    assert "E100" in out.getvalue()


def test_no_to_resume_keeps_the_old_game_as_previous(data_home):
    play(stdin="\n1\n")  # one step, then Ctrl-D
    before = (data_home / "autosave.json").read_bytes()
    code, out, _ = play(stdin="n\n\n-\n")
    assert code == 0 and "Your earlier game is kept in slot 'previous'" in out and "--slot previous" in out
    assert (data_home / "previous.json").read_bytes() == before
    code, out, _ = play("--slot", "previous", stdin="y\n2\n")
    assert "Resume where you left off, in scene 2 of 3" in out


def test_new_keeps_the_old_game_as_previous(data_home):
    play(stdin="\n1\n")
    before = (data_home / "autosave.json").read_bytes()
    code, out, _ = play("--new", stdin="\n-\n")
    assert "kept in slot 'previous'" in out and (data_home / "previous.json").read_bytes() == before


def test_saving_under_an_existing_name_asks_first(data_home):
    code, out, _ = play(stdin="\n1\ns chapter\n-\n")  # a reflection taken, saved, then on to the door
    first = (data_home / "chapter.json").read_bytes()
    code, out, _ = play("--new", stdin="\n-\ns chapter\nn\ns chapter\ny\nq\n")
    assert "There is already a save named 'chapter'. Replace it? [y/N]" in out
    assert "Not saved; 'chapter' is unchanged." in out and "Saved as 'chapter'" in out
    assert (data_home / "chapter.json").read_bytes() != first


def test_a_damaged_save_in_a_read_only_folder_still_plays_and_says_so_once(data_home, monkeypatch):
    from engine import saves

    data_home.mkdir(parents=True)
    (data_home / "autosave.json").write_bytes(b"{broken")

    def read_only(*args, **kw):
        raise OSError(30, "Read-only file system")
    for name in ("rename", "replace"):
        monkeypatch.setattr(saves.os, name, read_only)
    monkeypatch.setattr(saves.tempfile, "mkstemp", read_only)
    code, out, err = play(stdin="y\n\n1\n1\n\n")
    assert code == 0 and "Traceback" not in out + err and "The end." in out
    said = " ".join(out.split())
    assert said.count("cannot be kept") == 1 and "Your place is kept" not in said
    assert (data_home / "autosave.json").read_bytes() == b"{broken"


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_fifo_or_dev_zero_autosave_gets_an_answer_within_a_second(data_home, kind):
    data_home.mkdir(parents=True)
    target = data_home / "autosave.json"
    os.mkfifo(target) if kind == "fifo" else os.symlink("/dev/zero", target)
    env = {**os.environ, "XDG_DATA_HOME": str(data_home.parent.parent), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "engine", "play", str(FIXTURE), "--plain"], input="y\n\n-\n1\n\n",
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "could not be read" in said and "not a save file" in said and "The end." in said
    kept = list(data_home.glob("autosave.broken-*.json"))
    assert len(kept) == 1 and (kept[0].is_fifo() if kind == "fifo" else os.readlink(kept[0]) == "/dev/zero")


def test_with_stdout_closed_it_says_so_truthfully_on_stderr(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["bash", "-c", f"'{sys.executable}' -m engine play '{FIXTURE}' --choices 1,1 >&-"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "standard output is closed" in done.stderr and "place is kept" not in done.stderr
    assert not (tmp_path / "d").exists()


def test_a_loop_with_nothing_to_choose_stops_with_a_message_instead_of_spinning(tmp_path):
    story = write_story(tmp_path / "loopy", {
        "story.yaml": "id: loopy\ntitle: Loopy\nstart: a\n",
        "a.yaml": "id: a\ntitle: A\ntext: [Hi.]\nchoices:\n  prompt: Go?\n  options:\n"
                  "    - text: On.\n      goto: b\n    - text: Stop.\n      goto: end\n",
        "b.yaml": "id: b\ntitle: B\ntext: [Again.]\nnext: c\n",
        "c.yaml": "id: c\ntitle: C\ntext: [More.]\nnext: b\n",
        "end.yaml": "id: end\ntitle: End\ntext: [Bye.]\n",
    })
    proc = subprocess.run([sys.executable, "-m", "engine", "play", str(story), "--choices", "1", "--new"],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 1, proc.stderr
    assert "goes round for ever from scene 'b'" in proc.stderr and "b -> c -> b" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("Again.") == 2  # b shown, c shown, b shown again: then it stops


@pytest.mark.parametrize("enter", ["\n", "\r\n"])
def test_undo_in_a_story_with_nothing_to_choose_goes_back_and_on(tmp_path, enter):
    """Going back to a scene met before, or asking for the recap or help where there is nothing to
    choose, is the reader's doing, not a story that goes round."""
    story = write_story(tmp_path / "linear", {
        "story.yaml": "id: linear\ntitle: Linear\nstart: evening\n",
        "evening.yaml": "id: evening\ntitle: Evening\ntext: [Dusk.]\nnext: night\n",
        "night.yaml": "id: night\ntitle: Night\ntext: [Dark.]\nnext: morning\n",
        "morning.yaml": "id: morning\ntitle: Morning\ntext: [Light.]\n",
    })
    typed = enter.join(["", "u", "r", "h", "v", "", "", ""])
    proc = subprocess.run([sys.executable, "-m", "engine", "play", str(story), "--plain", "--new"], input=typed,
                          capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "d")))
    assert "Traceback" not in proc.stderr and "goes round" not in proc.stderr
    assert "Undone: back to scene 1 of 2" in proc.stdout
    assert proc.stdout.count("Dusk.") == 2 and "Light." in proc.stdout and "The end." in proc.stdout
    assert proc.returncode == 0, proc.stderr


def test_a_dash_at_a_choice_that_cannot_be_skipped_says_so(tmp_path):
    story = write_story(tmp_path / "must", {
        "story.yaml": "id: must\ntitle: Must\nstart: a\n",
        "a.yaml": "id: a\ntitle: A\ntext: [Hi.]\nchoices:\n  prompt: Which door?\n  options:\n"
                  "    - text: Red.\n      goto: end\n    - text: Blue.\n      goto: end\n",
        "end.yaml": "id: end\ntitle: End\ntext: [Bye.]\n",
    })
    proc = subprocess.run([sys.executable, "-m", "engine", "play", str(story), "--choices", "-"],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "d")))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "answer 1 ('-') goes on without choosing, but the choice at prompt 1 \"Which door?\"" in proc.stderr
    assert "cannot be skipped; it offers 1 (Red.), 2 (Blue.)" in proc.stderr


@pytest.mark.parametrize("argv, shown", [(["--new", "--choices", "1,-"], "Scene 2 of"),
                                         (["{story}", "--choices", "1"], "Bye.")])
def test_play_is_the_default_command_for_its_options_and_a_story_folder(tmp_path, argv, shown):
    story = write_story(tmp_path / "must", {
        "story.yaml": "id: must\ntitle: Must\nstart: a\n",
        "a.yaml": "id: a\ntitle: A\ntext: [Hi.]\nchoices:\n  prompt: Which door?\n  options:\n"
                  "    - text: Red.\n      goto: end\n",
        "end.yaml": "id: end\ntitle: End\ntext: [Bye.]\n",
    })
    code, out, err = run_cli(*[a.format(story=story) for a in argv])
    assert shown in out and "Traceback" not in err


def test_a_misspelt_command_is_still_named_as_one():
    code, out, err = run_cli("chek")
    assert code == 2 and "invalid choice: 'chek'" in err


def test_a_finished_game_is_neither_promised_nor_kept_as_resumable(tmp_path):
    story = write_story(tmp_path / "must", {
        "story.yaml": "id: must\ntitle: Must\nstart: a\n",
        "a.yaml": "id: a\ntitle: A\ntext: [Hi.]\nchoices:\n  prompt: Which door?\n  options:\n"
                  "    - text: Red.\n      goto: end\n    - text: Blue.\n      goto: end\n",
        "end.yaml": "id: end\ntitle: End\ntext: [Bye.]\n",
    })
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "d"))

    def play_(*argv, typed=""):
        return subprocess.run([sys.executable, "-m", "engine", "play", str(story), "--plain", *argv], input=typed,
                              capture_output=True, text=True, timeout=30, env=env)
    done = play_("--new", typed="1\n")
    assert "Bye." in done.stdout and "resumes it" not in done.stdout
    again = play_("--new", typed="2\n")
    assert "earlier game is kept" not in again.stdout  # a finished game is nothing to go back to
    resumed = play_("--resume", typed="1\n")
    assert "had reached its end; starting a new one" in resumed.stdout and "Hi." in resumed.stdout


def test_answers_running_out_end_the_prompt_line_before_the_message(tmp_path):
    done = subprocess.run([sys.executable, "-m", "engine", "play", "--choices", "1"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "d")))
    seen = done.stdout  # both streams, as a terminal shows them
    prompt = seen.rindex("Your choice")
    assert seen[prompt:].split("\n", 1)[0].rstrip().endswith("help):")
    assert "\nvignettes: the --choices answers ran out before the story's end" in seen


def test_leaving_at_the_resume_question_says_the_saved_game_is_untouched(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "d"))

    def play_(typed):
        return subprocess.run([sys.executable, "-m", "engine", "play", "--plain"], input=typed, capture_output=True,
                              text=True, timeout=30, env=env)
    assert "Your place is kept" in play_("\n1\nq\n").stdout
    left = play_("")  # end of input at "Resume where you left off?"
    assert "Resume where you left off" in left.stdout
    assert "Goodbye. Your saved game is untouched; vignettes play resumes it." in " ".join(left.stdout.split())
    assert "Scene 2 of" in play_("y\nq\n").stdout  # and so it is
