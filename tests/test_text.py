"""Terminal text by display columns: CJK and emoji are two columns wide, invisible marks never reach the screen.

Unit tests over `wrap` at widths 20 to 80, then both players on a story in
Japanese with emoji, at 20 columns: the line player through a pipe, and both
players in a real pseudo-terminal, whose screen is modelled by pyte.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pyte
import pytest
import wcwidth
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import cli
from engine.frontend.text import clean, hint_bar, rest, width, wrap

ROOT = Path(__file__).resolve().parent.parent
WIDE = ROOT / "tests" / "fixtures" / "wide-story"
INVISIBLE = "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"

# Words as stories have them: English, Japanese with no spaces at all, emoji, accents as combining marks,
# with invisible marks anywhere in them.
_LETTERS = st.sampled_from("abcdefghij")
_KANA = st.sampled_from("雨の日駅傘を待つ第一章「」、。ホーム")
_EMOJI = st.sampled_from("🌂☔🚉🌸📖🏠🌙")
_PIECE = st.one_of(_LETTERS, _KANA, _EMOJI, st.just("e\u0301"), st.sampled_from(INVISIBLE))
WORDS = st.lists(st.lists(_PIECE, min_size=1, max_size=40).map("".join), min_size=1, max_size=30)
LEADS = st.sampled_from(["", "  1. ", "  10. ", "› 3. ", "  - ", "  h / ?: "])


def visible(text: str) -> str:
    return "".join(clean(text).split())


@settings(max_examples=300, deadline=None)
@given(words=WORDS, columns=st.integers(21, 81), lead=LEADS)
def test_every_line_fits_and_the_hanging_indent_holds(words, columns, lead):
    text = " ".join(words)
    w = width(columns)
    lines = wrap(text, columns, first=lead).split("\n")
    assert all(wcwidth.wcswidth(line) <= w for line in lines), lines
    assert lines[0].startswith(lead.rstrip())
    hang = " " * wcwidth.wcswidth(lead)
    for line in lines[1:]:  # under the text, not under the number
        assert line.startswith(hang) and not line[len(hang):].startswith(" "), lines
    assert visible(lines[0][len(lead):] + "".join(line[len(hang):] for line in lines[1:])) == visible(text)
    assert not set(INVISIBLE) & set("".join(lines))


@pytest.mark.parametrize("w", range(20, 81, 5))
def test_a_cjk_scene_heading_and_options_fit_every_width(w):
    heading = wrap("Scene 1 of 6: 第一章 🌂 雨の日の駅", w + 1)
    option = wrap("最後に交わした言葉と、その時の彼の少し困ったような笑顔。🌂 A smile, and then the rain.", w + 1,
                  first="  2. ")
    for line in heading.split("\n") + option.split("\n"):
        assert wcwidth.wcswidth(line) <= w
    assert option.startswith("  2. 最後") and all(line.startswith("     ") for line in option.split("\n")[1:])
    # 24 code points, 32 columns: counting code points would have let it run past the line at 24 to 31
    assert (len(heading.split("\n")) > 1) == (w < 32)


def test_twenty_columns_by_hand():
    assert wrap("Scene 1 of 6: 第一章 🌂 雨の日の駅", 21).split("\n") == ["Scene 1 of 6: 第一章", "🌂 雨の日の駅"]
    assert wrap("彼女は傘を二本持って待っていた", 21, first="  1. ").split("\n") == [
        "  1. 彼女は傘を二本", "     持って待ってい", "     た"]


def test_a_lead_wider_than_half_the_line_gets_a_line_of_its_own():
    lines = wrap("quit at once (your place is kept)", 21, first="  Ctrl-C / Ctrl-D: ").split("\n")
    assert lines[0] == "  Ctrl-C / Ctrl-D:"
    assert all(line.startswith("    ") and len(line) <= 20 for line in lines[1:])
    assert " ".join(line.strip() for line in lines[1:]) == "quit at once (your place is kept)"


def test_messages_never_break_a_path_or_a_command_at_a_hyphen():
    path = "/root/.local/share/vignettes/five-times/autosave.broken-20261126-165402.json"
    message = f"Your saved game could not be read: not JSON. Its bytes are kept in {path}. Or run vignettes play --new"
    for columns in (21, 40, 81, 120):
        lines = wrap(message, columns, message=True).split("\n")
        assert any(path in line for line in lines)  # whole, to be copied
        assert any("--new" in line for line in lines) and not any(line.endswith("-") for line in lines)
        assert all(wcwidth.wcswidth(line) <= width(columns) or path in line for line in lines)
    # prose may still break at a hyphen, as it always could
    assert wrap("a well-trodden path", 21).split("\n") == ["a well-trodden path"]


def test_bidi_marks_and_zero_width_characters_are_stripped():
    assert clean("a\u200eb\u200fc\u061cd\u200be\u2060f\ufeffg\u00adh\u200ci\u180ej") == "abcdefghij"
    # The joiner inside an emoji sequence goes too: the family is drawn as its members, as wide as measured.
    family = clean("👨\u200d👩\u200d👧")
    assert family == "👨👩👧" and wcwidth.wcswidth(family) == 6


def play_plain(monkeypatch, columns: int, *argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("COLUMNS", str(columns))
    assert cli.main(["play", str(WIDE), "--new", *argv], out, err) == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.mark.parametrize("columns", [21, 30, 60])
def test_the_line_player_keeps_a_japanese_story_inside_the_width(monkeypatch, columns):
    out = play_plain(monkeypatch, columns, "--choices", "1,2")
    lines = out.split("\n")
    long = [line for line in lines if wcwidth.wcswidth(line) > width(columns)]
    assert all(str(WIDE) in line for line in long), long  # only the story's path in "play again", kept whole
    assert "第一章" in out and "Your path:" in out and "ホームの端で" in out
    assert not set(INVISIBLE) & set(out)


# -- in a real pseudo-terminal, 20 columns wide ---------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT), TERM="xterm-256color",
               PROMPT_TOOLKIT_NO_CPR="1")
    return env


class Terminal:
    """The program sees a 20-column terminal; pyte draws what it writes on a wider screen, so a line
    that runs past column 20 shows as text past column 20 instead of being folded out of sight."""

    def __init__(self, env, *argv):
        self.child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(WIDE), *argv], env=env,
                                   cwd=str(ROOT), dimensions=(24, 20), encoding="utf-8", timeout=20)
        self.log = io.StringIO()
        self.child.logfile_read = self.log

    def rows(self) -> list[str]:
        screen = pyte.Screen(80, 400)
        pyte.Stream(screen).feed(self.log.getvalue())
        return [row.rstrip() for row in screen.display]

    def overflowing(self) -> list[str]:
        return [row for row in self.rows() if wcwidth.wcswidth(row) > 20 and str(WIDE) not in row]

    def expect(self, pattern: str) -> None:
        """Wait for `pattern`, turning the pages that come before it."""
        while self.child.expect([pattern, "-- more --"]) == 1:
            assert not self.overflowing(), self.rows()
            self.child.send(" ")
        assert not self.overflowing(), self.rows()

    def finish(self) -> str:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0 and "Traceback" not in self.log.getvalue()
        assert not self.overflowing(), self.rows()
        raw = self.log.getvalue()
        assert not set(INVISIBLE) & set(raw)
        return "\n".join(self.rows())


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_the_full_screen_player_at_twenty_columns(env, enter):
    term = Terminal(env)
    term.expect("Begin the story")
    term.child.send(enter)
    term.expect("何を覚えている")  # the menu: options with hanging indents
    term.expect("quit")
    term.child.send("r")
    term.expect("just begun")
    term.expect("quit")
    term.child.send("1")
    term.expect("どうする")
    term.expect("quit")
    term.child.send("2")
    term.expect("The end")
    while term.child.expect(["-- more --", "any key"]) == 0:  # the path may take more than a page
        term.child.send(" ")
    assert not term.overflowing(), term.rows()
    term.child.send(" ")  # the ending is held until a key is pressed
    screen = term.finish()
    assert "第一章 🌂 雨の日の駅" in screen and "     ような笑顔。🌂" in screen  # a hanging indent of the path


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_the_line_player_at_twenty_columns(env, enter):
    term = Terminal(env, "--plain")
    term.expect("Press Enter")
    term.child.send(enter)
    term.expect("Your choice")
    term.child.send("1" + enter)
    term.expect("Your choice")
    term.child.send("2" + enter)
    term.expect("The end")
    screen = term.finish()
    assert "Scene 1 of 2: 第一章" in screen and "  1. 最後に交わした" in screen


# -- the hint bar and the rest of a paragraph -------------------------------------------------

HINT = st.lists(st.one_of(_LETTERS, _KANA, _EMOJI), min_size=1, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(hints=st.lists(st.tuples(st.one_of(_LETTERS, _KANA, _EMOJI, st.sampled_from("↑↓-?")), HINT), min_size=1,
                      max_size=12),
       columns=st.integers(20, 120))
def test_the_hint_bar_wraps_between_hints_never_inside_one(hints, columns):
    hints = [f"{key} {word}" for key, word in hints]  # "q quit", "戻 もどる", "🌂 傘"
    lines = hint_bar(hints, columns).split("\n")
    assert all(wcwidth.wcswidth(line) <= width(columns) for line in lines)
    assert [hint for line in lines for hint in line.split(" · ")] == hints  # each whole, in order
    for above, below in zip(lines, lines[1:]):  # a line is broken only where the next hint would not fit
        assert wcwidth.wcswidth(f"{above} · {below.split(' · ')[0]}") > width(columns)


def test_the_players_hint_bar_at_twenty_columns_by_hand():
    keys = ["↑↓ move", "Enter pick", "1-3 pick", "- go on", "s save", "r recap", "v variables", "h help", "q quit"]
    assert hint_bar(keys, 20).split("\n") == [
        "↑↓ move · Enter pick", "1-3 pick · - go on", "s save · r recap", "v variables · h help", "q quit"]
    assert hint_bar(keys, 80).split("\n") == [
        "↑↓ move · Enter pick · 1-3 pick · - go on · s save · r recap · v variables", "h help · q quit"]


@settings(max_examples=300, deadline=None)
@given(words=WORDS, columns=st.integers(21, 81), cut=st.integers(0, 40), lead=LEADS)
def test_the_rest_of_a_paragraph_is_what_its_first_lines_left_out(words, columns, cut, lead):
    text = clean(" ".join(words))
    lines = wrap(text, columns, first=lead).split("\n")
    left = rest(text, lines[:cut], lead)
    assert visible(lead if cut else "") + visible(text) == visible("".join(lines[:cut])) + visible(left)
    assert left == "" or not left[0].isspace()
