"""The terminal player driven through prompt-toolkit's pipe input, its output read back as text."""

from __future__ import annotations

import io
import json
import re
import threading

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from engine.frontend.session import EOF, ENDED, INTERRUPTED, QUIT, Session
from engine.frontend.tui import TerminalUI
from engine.saves import SaveFolder
from play_stories import SMALL, build

UP, DOWN, ENTER = "\x1b[A", "\x1b[B", "\r"
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>78]|\r")


def run(keys, story=None, columns=60, colour=False, folder=None, resume="no"):
    """Play, typing `keys`; returns (outcome, raw output, output without control codes, session).

    A list holds what the reader types at each prompt in turn, typed once that prompt is up;
    a string (or tuple of parts) is typed ahead, all at once, before the game starts.
    """
    buf = io.StringIO()
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=colour, input=pipe, output=Vt100_Output(buf, lambda: Size(24, columns), term="xterm"))
        if isinstance(keys, list):
            ui._run = _typing(ui._run, pipe, keys)
        else:
            _send(pipe, keys)
        session = Session(story or build(SMALL), ui, folder)
        outcome = session.play(resume)
    return outcome, buf.getvalue(), _CONTROL.sub("", buf.getvalue()), session


def _send(pipe, keys):
    """Type `keys` (text, bytes, or a tuple of them); a number in the tuple is a pause of that many
    seconds, after which the rest is typed from another thread while the prompt runs."""
    parts = list(keys) if isinstance(keys, tuple) else [keys]
    while parts:
        part = parts.pop(0)
        if isinstance(part, (int, float)):
            threading.Timer(part, _send, (pipe, tuple(parts))).start()
            return
        pipe.send_bytes(part) if isinstance(part, bytes) else pipe.send_text(part)


def _typing(run_prompt, pipe, keys):
    """Wrap the UI's prompt runner so that each prompt gets the next entry of `keys`, typed after it starts;
    a `-- more --` page is turned with Space, so `keys` holds only the answers."""
    todo = list(keys)

    def prompt(render, *args, **kw):
        if "-- more --" in "".join(text for _, text in render()):
            _send(pipe, " ")
        else:
            _send(pipe, todo.pop(0) if todo else "\x04")  # out of keys: Ctrl-D, so a test cannot hang
        return run_prompt(render, *args, **kw)
    return prompt


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return SaveFolder("small")


def test_play_to_the_end_with_arrow_keys(folder):
    outcome, _, text, session = run([ENTER, DOWN + DOWN + ENTER, DOWN + DOWN + ENTER, ENTER], folder=folder)
    assert outcome == ENDED
    assert "a closed door" in text and "Scene 1 of 3 · The Hall" in text
    assert "The Garden" in text and "· The Garden" not in text and "of 4" not in text  # the ending has no number
    assert "› A key." in text and "› Knock." in text
    assert "Your path:" in text and "1. The Hall: A key." in text and "vignettes play --new" in text
    assert session.state.answers == (1, 1, None)
    assert json.loads(folder.slot_path("autosave").read_text())["scene"] == "garden"


def test_numbers_pick_and_dash_goes_on():
    outcome, _, _, session = run([ENTER, "-", "91", ENTER])
    assert outcome == ENDED and session.state.answers == (None, 1, None)


def test_up_from_go_on_wraps_around_to_the_last_option():
    outcome, _, _, session = run([ENTER, UP + ENTER, "1"])
    assert outcome == ENDED and session.state.answers == (1, 0)


def test_undo_recap_help_then_quit():
    outcome, _, text, session = run([ENTER, "2", "r", "h", "u", "1", "q"])
    assert outcome == QUIT
    assert "Recap: your path so far" in text and "1. The Hall: A key." in text
    assert "u: undo the last step" in text
    assert session.state.answers == (0,)


def test_save_takes_only_slot_characters(folder):
    outcome, _, text, _ = run([ENTER, "s", "../My Slot!" + ENTER, "q"], folder=folder)
    assert outcome == QUIT
    assert "Saved as 'myslot'" in text and folder.slot_path("myslot").exists()
    assert sorted(p.name for p in folder.path.iterdir()) == ["myslot.json"]


def test_save_cancelled_with_escape(folder):
    outcome, _, text, _ = run([ENTER, "s", "abc" + "\x1b", "q"], folder=folder)
    assert outcome == QUIT and "Saved" not in text


@pytest.mark.parametrize("key, outcome", [("\x03", INTERRUPTED), ("\x04", EOF)])
def test_ctrl_c_and_ctrl_d_end_the_game(folder, key, outcome):
    got, _, _, session = run([ENTER, "1", key], folder=folder)
    assert got == outcome
    assert json.loads(folder.slot_path("autosave").read_text())["answers"] == [0]


def test_leaving_at_the_content_notes():
    outcome, _, text, _ = run([DOWN + ENTER])
    assert outcome == QUIT and "Scene 1" not in text


def test_pasted_escape_sequences_and_bytes_do_nothing():
    paste = "\x1b[200~\x1b[31m2\x1b[0m\x1b[201~"
    outcome, _, _, session = run([ENTER, (paste + "\x1b[31m" + "\x1b[99~", b"\xff\xfe\xed\xa0\x80", "2"), "q"])
    assert outcome == QUIT and session.state.answers == (1,)


def test_hostile_story_text_is_cleaned():
    hostile = {**SMALL, "title": "T\x1b]0;owned\x07", "scenes": [
        {**SMALL["scenes"][0], "title": "\x1b[2J\x1b[Hhall", "text": ["A\x1b[31mred\x1b[0m \x07bell\x9b1m"],
         "choices": {**SMALL["scenes"][0]["choices"], "prompt": "why\x1b[8m?"}},
        *SMALL["scenes"][1:]]}
    _, raw, text, _ = run([ENTER, "q"], story=build(hostile))
    assert "owned" not in raw and "\x1b[2J" not in raw and "\x1b[31m" not in raw and "\x1b[8m" not in raw
    assert "\x07" not in raw and "\x9b" not in raw and "Ared bell" in text


def test_no_color_means_no_colour_codes():
    _, raw, _, _ = run([ENTER, DOWN + ENTER, "q"], colour=False)
    sgr = re.findall(r"\x1b\[([0-9;]*)m", raw)
    colours = [s for s in sgr if any(p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)
                                     for p in s.split(";"))]
    assert not colours
    _, raw, _, _ = run([ENTER, DOWN + ENTER, "q"], colour=True)
    assert any(re.search(r"\x1b\[[0-9;]*3[0-9]", raw) for _ in [0])


def test_twenty_columns_still_reads():
    long = {**SMALL, "scenes": [{**SMALL["scenes"][0], "text": ["extraordinarily " * 8 + "y" * 45]},
                                *SMALL["scenes"][1:]]}
    outcome, _, text, _ = run([ENTER, "1", "1", ENTER], story=build(long), columns=20)
    assert outcome == ENDED
    prose = [line for line in text.split("\n") if "extraordinarily" in line or "yyy" in line]
    assert prose and all(len(line) <= 20 for line in prose)


def test_only_tui_imports_prompt_toolkit():
    import ast
    from pathlib import Path

    import engine

    for path in Path(engine.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        if any(name.split(".")[0] == "prompt_toolkit" for name in names):
            assert path.name == "tui.py", path


CHAIN = {**SMALL, "id": "chain", "start": "a", "content_notes": ["stairs"], "scenes": [
    {"id": "a", "title": "Stair A", "text": ["First step."], "next": "b"},
    {"id": "b", "title": "Stair B", "text": ["Second step."], "next": "c"},
    {"id": "c", "title": "Landing", "text": ["The top."]}]}


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_enter_as_cr_or_lf_works_at_every_prompt(folder, enter):
    # Begin; go on at the untouched reflection; Enter at the required choice picks nothing, so quit there.
    outcome, _, text, session = run([enter, enter, enter + "q"], folder=folder)
    assert outcome == QUIT and session.state.answers == (None,)
    assert json.loads(folder.slot_path("autosave").read_text())["answers"] == [None]
    # The next start asks to resume: Enter says yes; the only option is picked with arrows and Enter.
    outcome, _, text, session = run([enter, DOWN + enter, enter], folder=folder, resume="ask")
    assert outcome == ENDED and session.state.answers == (None, 1, None)
    assert "Resume where you left off" in text


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_enter_at_an_untouched_reflection_goes_on_and_numbers_stay(enter):
    outcome, _, text, session = run([ENTER, enter, "q"])
    assert session.state.answers == (None,)
    assert "1. A song." in text and "2. A key." in text and "Go on without choosing" in text


def test_cr_lf_is_one_enter():
    outcome, _, text, session = run(["\r\n", "\r\n", "q"], story=build(CHAIN))
    assert outcome == QUIT and session.state.scene == "b"


def test_keys_typed_before_a_choice_appears_are_discarded():
    # "2" and Enter typed while the notes were still up must not answer the reflection.
    outcome, _, _, session = run([ENTER + "2" + ENTER, "q"])
    assert outcome == QUIT and session.state.answers == ()


def test_question_and_answer_stay_on_screen():
    _, _, text, _ = run([ENTER, "2", "q"])
    assert "What do you remember?\n› A key.\n" in text


def test_going_on_at_a_reflection_is_recorded_under_its_question():
    _, _, text, _ = run([ENTER, "-", "q"])
    assert "What do you remember?\n(you go on without choosing)\n" in text


def test_hint_bar_lists_only_the_keys_that_work(folder):
    _, _, text, _ = run([ENTER, "q"])  # no saves, nothing to undo yet
    hall = [line for line in text.split("\n") if "Enter pick" in line][-1]
    assert "- go on" in hall and "1-2 pick" in hall and "u undo" not in hall and "s save" not in hall
    _, _, text, _ = run([ENTER, "1", "q"], folder=folder)
    door = [line for line in text.split("\n") if "Enter pick" in line][-1]
    assert "- go on" not in door and "u undo" in door and "s save" in door


def test_undo_says_where_it_went():
    _, _, text, session = run([ENTER, "2", "u", "q"])
    assert "Undone: back to scene 1 of 3, “The Hall”." in text and session.state.answers == ()


@pytest.mark.parametrize("key", ["h", "r"])
def test_the_highlight_stays_where_it_was_after_help_or_recap(key):
    _, _, _, session = run([ENTER, DOWN + DOWN + key, ENTER, "q"])
    assert session.state.answers == (1,)


def test_required_choice_enter_with_nothing_picked_commits_nothing():
    _, _, _, session = run([ENTER, "1", ENTER + ENTER + "q"])
    assert session.state.answers == (0,) and session.state.scene == "door"


# -- pastes -----------------------------------------------------------------------
PASTE, END = "\x1b[200~", "\x1b[201~"


@pytest.mark.parametrize("key, outcome", [("\x03", INTERRUPTED), ("\x04", EOF)])
@pytest.mark.parametrize("where", [[], [ENTER], [ENTER, "1"]])  # the notes, a reflection, a required choice
def test_a_paste_that_never_ends_still_lets_ctrl_c_and_ctrl_d_through(where, key, outcome):
    """The start of a bracketed paste typed by hand, then a digit: no end ever comes. The paste cut
    short by Ctrl-C or Ctrl-D answers nothing, and the key ends the game as it always does."""
    result, _, _, session = run(where + [PASTE + "2" + key])
    assert result == outcome and len(session.state.answers) == len(where[1:])


def test_a_paste_that_never_ends_is_over_at_the_first_pause():
    """A terminal sends a paste at once: after a pause the keys are keys again."""
    _, _, text, session = run([ENTER, (PASTE, 1.5, "2"), "q"])
    assert session.state.answers == (1,) and "› A key." in text


@pytest.mark.parametrize("enter", ["\r", "\n", "\r\n"])
def test_a_pasted_number_picks_and_a_pasted_line_break_is_enter(enter):
    _, _, text, session = run([ENTER, PASTE + "2" + enter + END, PASTE + " 2 " + END, "q"])
    assert session.state.answers == (1, 1)  # A key., then Knock. at the door
    _, _, text, session = run([PASTE + enter + END, PASTE + enter + END, "q"])
    assert session.state.answers == (None,) and "you go on without choosing" in text


def test_a_paste_that_is_not_an_answer_says_so_and_picks_nothing():
    _, _, text, session = run([ENTER, (PASTE + "2 and 3" + END, 1, PASTE + "\x1b[31m2" + END), "q"])
    assert "A paste is taken only as an option's number, or as Enter." in text
    assert session.state.answers == (1,)  # the escape code is cleaned away: "2"


def test_a_paste_picks_options_past_nine():
    many = {**SMALL, "scenes": [{**SMALL["scenes"][0], "choices": {
        "prompt": "Which?", "optional": True, "options": [{"text": f"Option {n}."} for n in range(1, 13)]}},
        *SMALL["scenes"][1:]]}
    _, _, text, session = run([ENTER, PASTE + "12" + END, "q"], story=build(many))
    assert session.state.answers == (11,) and "› Option 12." in text


def test_a_pasted_slot_name_keeps_what_a_name_may_hold(folder):
    run([ENTER, "1", "s", PASTE + "My Slot!\nsecond line" + END + ENTER, "q"], folder=folder)
    assert folder.read("myslot")["answers"] == [0]


# -- narrow and short terminals -------------------------------------------------------

HINTS = {"↑↓ move", "Enter pick", "1-2 pick", "1 pick", "- go on", "u undo", "s save", "r recap", "v variables",
         "h help", "q quit", "q leave", "Enter go on", "-- more --", "Space/Enter go on", "-- the end --",
         "press any key", "a-z 0-9 - _", "Enter save", "Esc cancel"}


def test_at_twenty_columns_no_key_is_split_from_its_word(folder):
    long = {**SMALL, "scenes": [{**SMALL["scenes"][0], "text": ["A hall, described at length. " * 30]},
                                *SMALL["scenes"][1:]]}
    _, _, text, _ = run([ENTER, "1", "s", "ab" + ENTER, "2", ENTER, " "], story=build(long), columns=20, folder=folder)
    assert "Saved as 'ab'" in text
    bars = [line for line in text.split("\n") if (" · " in line or line in HINTS) and not line.startswith("Scene")]
    assert len(bars) > 10
    for line in bars:
        assert all(hint in HINTS for hint in line.split(" · ")), line


def test_a_menu_taller_than_the_terminal_keeps_the_highlight_and_the_hint_bar_on_screen():
    tall = {**SMALL, "scenes": [{**SMALL["scenes"][0], "choices": {
        "prompt": "Which?", "optional": True,
        "options": [{"text": f"Option {n}, which is told at some length here."} for n in range(1, 9)]}},
        *SMALL["scenes"][1:]]}
    rows = 12
    drawn = []  # what each prompt showed last, while it was up
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe, output=Vt100_Output(io.StringIO(), lambda: Size(rows, 30), term="xterm"))
        run_prompt = ui._run

        def spying(render, *args, **kw):
            drawn.append(None)

            def spy():
                drawn[-1] = render()
                return drawn[-1]
            return run_prompt(spy, *args, **kw)
        ui._run = _typing(spying, pipe, [ENTER, (DOWN * 7, 0.5, "q")])
        Session(build(tall), ui, None).play("no")
    reflection = [frame for frame in drawn if "q quit" in "".join(text for _, text in frame)][0]
    shown = "".join(text for _, text in reflection).split("\n")  # as drawn when left
    assert len(shown) <= rows
    assert shown[-1].endswith("q quit") and "↑ more above" in shown[0]
    assert any(line.startswith("› 7. Option 7") for line in shown) and "↓ more below" in "".join(shown)


def test_after_a_resize_at_more_the_rest_of_a_paragraph_is_wrapped_at_the_new_width():
    words = [f"w{n:03d}" for n in range(200)]
    long = {**SMALL, "scenes": [{**SMALL["scenes"][0], "text": [" ".join(words)]}, *SMALL["scenes"][1:]]}
    size = [Size(10, 80)]
    buf = io.StringIO()
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe, output=Vt100_Output(buf, lambda: size[0], term="xterm"))
        typing = _typing(ui._run, pipe, [ENTER, "q"])

        def prompt(render, *args, **kw):
            if "-- more --" in "".join(text for _, text in render()):
                size[0] = Size(10, 20)  # the reader narrows the window while the page waits
            return typing(render, *args, **kw)
        ui._run = prompt
        Session(build(long), ui, None).play("no")
    text = _CONTROL.sub("", buf.getvalue()).replace("q leave", "q leave\n")  # the erased prompt's last line
    prose = [line for line in text.split("\n") if line.startswith("w")]
    assert " ".join(prose).split() == words  # every word once, in order
    first_page = [line for line in prose if len(line) > 20]
    assert first_page and prose[:len(first_page)] == first_page  # wide lines only before the resize


def _prompts(story, keys, rows, columns=40):
    """The prompts a game showed, in order: "more" for a page, else the first row of the menu."""
    shown = []
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe,
                        output=Vt100_Output(io.StringIO(), lambda: Size(rows, columns), term="xterm"))
        run_prompt = ui._run

        def spying(render, *args, **kw):
            first = "".join(text for _, text in render()).split("\n")[0]
            shown.append("more" if first.startswith("-- more --") else first)
            return run_prompt(render, *args, **kw)
        ui._run = _typing(spying, pipe, keys)
        Session(story, ui, None).play("no")
    return shown


def test_a_page_waits_before_a_menu_that_would_push_it_off_the_screen():
    nine = {**SMALL, "scenes": [{**SMALL["scenes"][0], "text": ["Nine lines of the hall. " * 14]}, *SMALL["scenes"][1:]]}
    assert _prompts(build(nine), [ENTER, "q"], rows=12) == ["› Begin the story", "more", "What do you remember?"]
    assert _prompts(build(nine), [ENTER, "q"], rows=24) == ["› Begin the story", "What do you remember?"]


def test_content_notes_longer_than_the_terminal_are_paged():
    noted = {**SMALL, "content_notes": [f"note number {n}" for n in range(1, 16)]}
    shown = _prompts(build(noted), ["q"], rows=12)
    assert shown[0] == "more" and shown[-1] == "› Begin the story"


def test_a_signal_between_prompts_ends_the_game_as_the_next_prompt_starts():
    """Raised while prompt-toolkit starts its event loop, it would leave asyncio half built."""
    out = io.StringIO()
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe, output=Vt100_Output(out, lambda: Size(24, 60), term="xterm"))
        assert ui.stop(INTERRUPTED)  # no prompt is up: the outcome is held
        pipe.send_text("\r")  # would begin the story, were the prompt to run
        outcome = Session(build(SMALL), ui, None).play("no")
    assert outcome == INTERRUPTED
    assert "You stand in a hall." not in out.getvalue()
