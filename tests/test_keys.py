"""Any key, any answer: odd digits, pasted text and control characters never end the game.

`str.isdigit` is true for `²` (the key below Esc on French keyboards), which
int() refuses; fullwidth and Arabic-Indic digits are real decimal digits. The
line player, `--choices` and the full-screen player are fuzzed with text of
every kind.
"""

from __future__ import annotations

import io
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from engine import runtime
from engine.frontend.plain import ChoicesError, PlainUI, parse_script
from engine.frontend.session import ENDED, EOF, INTERRUPTED, QUIT, Action, ScriptError, Session, option_number
from engine.frontend.tui import TerminalUI
from play_stories import SMALL, build
from test_plain import play

STORY = build(SMALL)


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch):
    """The games these tests play are saved in a temporary folder, never the user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


ODD = ["²", "³", "¹", "½", "Ⅻ", "①", "𝟐", "😀", "👍🏽", "\x00", "\x07", "\x1b", "\u202e1", "1\u200f", "9" * 5000,
       "-1", "+1", "1.0", " 1 ", "0", "٠", "\ufeff1"]


@pytest.mark.parametrize("typed, expected", [("2", 2), ("２", 2), ("٢", 2), ("۲", 2), ("²", None), ("0", None),
                                             ("3", None), ("9" * 5000, None), ("", None), (" 1 ", 1)])
def test_option_number_takes_decimal_digits_only(typed, expected):
    assert option_number(typed, 2) == expected


@pytest.mark.parametrize("answer", ODD)
def test_odd_choices_values_are_a_clear_error_or_an_answer(answer):
    code, out, err = play("--choices", answer)
    assert "went wrong" not in err and "Traceback" not in err
    assert code in (0, 1, 2)
    if code == 1:
        assert "names no option" in err or "cannot be skipped" in err


@pytest.mark.parametrize("answer", ["２", "٢"])
def test_fullwidth_and_arabic_indic_digits_pick_in_choices(answer):
    code, out, err = play("--choices", f"{answer},1")
    assert code == 0 and "The Hall: A key." in out


@pytest.mark.parametrize("answer", ODD)
def test_odd_typed_answers_in_the_line_player_are_ignored_with_a_hint(answer):
    code, out, err = play(stdin=f"\n{answer}\nq\n")
    assert code == 0 and "went wrong" not in err and "Traceback" not in err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_fuzz_the_choices_parser(text):
    try:
        script = parse_script(text)
    except ChoicesError as e:  # a usage error that names the item
        assert e.message.startswith("--choices")
        return
    assert all(answer == "-" or answer.isdecimal() for answer in script)
    assert script or not text.strip()  # only a blank list answers nothing
    ui = PlainUI(io.StringIO(""), io.StringIO(), script, columns=lambda: 40)
    try:
        outcome = Session(STORY, ui, None).play("no")
    except ScriptError as e:
        assert "names no option" in e.message or "cannot be skipped" in e.message
    else:
        assert outcome in (ENDED, EOF)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=12), max_size=8))
def test_fuzz_the_line_player(lines):
    ui = PlainUI(io.StringIO("\n".join(lines) + "\n"), io.StringIO(), columns=lambda: 30)
    assert Session(STORY, ui, None).play("no") in (ENDED, EOF, QUIT)


_KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["\r", "\n", "\r\n", "\x1b[A", "\x1b[B", "\x1b[200~", "\x1b[201~",
                                                        "²", "٢", "２", "😀", "\x1b[31m", "\x7f", "\t", "u", "r", "h",
                                                        "-", "1", "2", "9", "\x1b[99~", "\x1bO", "\x9b"]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_KEYS, max_size=6).map("".join), max_size=10))
def test_fuzz_the_full_screen_keys(bursts):
    """Each prompt gets the next burst of keys, then Ctrl-D (which, if the burst already answered, is
    typed ahead: dropped at a choice, ending the game elsewhere). The game always ends cleanly, and
    no burst traps the reader: a paste's start with no end (`ESC[200~`) still lets Ctrl-D through.

    A prompt still up ten seconds after its Ctrl-D fails the test (after freeing it, so it cannot hang)."""
    todo = list(bursts)
    out = io.StringIO()
    trapped = []
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe, output=Vt100_Output(out, lambda: Size(24, 30), term="xterm"))
        run = ui._run
        prompts = [0]

        def free(number):
            if prompts[0] == number:
                trapped.append(bursts)
                pipe.send_text("\x1b[201~\x04")

        def prompt(*args, **kw):
            prompts[0] += 1
            pipe.send_text((todo.pop(0) if todo else "") + "\x04")
            timer = threading.Timer(10, free, (prompts[0],))
            timer.daemon = True
            timer.start()
            return run(*args, **kw)
        ui._run = prompt
        try:
            assert Session(STORY, ui, None).play("no") in (ENDED, EOF, QUIT, INTERRUPTED)
        finally:
            prompts[0] = -1
    assert not trapped
    assert "Unhandled exception" not in out.getvalue() and "Traceback" not in out.getvalue()


@pytest.mark.parametrize("choices, named", [("1,,2", "item 2 of 3 is empty"), ("1,2,", "item 3 of 3 is empty"),
                                            (",1", "item 1 of 2 is empty"), ("1, ,2", "item 2 of 3 is empty"),
                                            ("1,²", "item 2 of 2 ('²') is not an option number"),
                                            ("😀", "--choices ('😀') is not an option number"),
                                            ("1,\x07", "item 2 of 2 ('\\x07') is not an option number"),
                                            ("1,2 1", "('2 1') is not an option number"), ("1.0", "('1.0')")])
def test_a_choices_list_that_cannot_be_read_is_a_usage_error_naming_the_item(choices, named):
    """An empty item used to be dropped, giving every later answer to the prompt before it."""
    code, out, err = play("--choices", choices)
    assert code == 2 and named in err and err.startswith("vignettes play: --choices")
    assert "Scene" not in out and "\x07" not in err


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.just("-"), st.integers(0, 999).map(str), st.sampled_from(["２", "٢", "۱۲", "𝟐"])),
                min_size=1, max_size=12),
       st.sampled_from([",", ", ", " ,", " , "]))
def test_every_well_formed_choices_list_reads_back_item_for_item(answers, comma):
    assert parse_script(comma.join(answers)) == answers


def _tui_picks(typed: str):
    """What the full-screen player makes of `typed` at the first scene's reflection (then Ctrl-D)."""
    with create_pipe_input() as pipe:
        ui = TerminalUI(colour=False, input=pipe, output=Vt100_Output(io.StringIO(), lambda: Size(24, 40), term="xterm"))
        view = runtime.view(STORY, runtime.start(STORY))
        pipe.send_text(typed + "\x04")
        try:
            return ui.ask(view, frozenset())
        except EOFError:
            return None


@pytest.mark.parametrize("typed, index", [("2", 1), ("２", 1), ("٢", 1), ("۱", 0), ("1", 0)])
def test_the_full_screen_player_takes_the_digits_the_line_player_takes(typed, index):
    _, out, _ = play("--plain", stdin=f"\n{typed}\nq\n")
    assert ("The key is warm." in out) == (index == 1) and ("Shout." in out) == (index == 0)
    assert _tui_picks(typed) == Action("choose", index)


@pytest.mark.parametrize("typed", ["²", "³", "½", "①", "3", "0", "😀", "\x07"])
def test_the_full_screen_player_ignores_what_names_no_option(typed):
    assert _tui_picks(typed) is None
