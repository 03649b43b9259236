"""Text made safe and readable for a terminal, shared by both players.

A story is untrusted input: its text must not be able to move the cursor,
recolour the screen or retitle the window, so every escape sequence and
control character is removed before anything is shown. Input from the
reader is cleaned the same way, so nothing odd reaches a save or a transcript.

Invisible characters go too: bidi marks and overrides (they reorder what is
shown), zero-width spaces and joiners, word joiners, byte-order marks, soft
hyphens. Terminals disagree on how wide they make a line, so no wrap could be
right on all of them. That includes the zero-width joiner inside emoji
sequences: a family emoji is drawn as its members side by side (👨👩👧), six
columns on every terminal, where kept it is two columns on some and six on others.

Lines are wrapped by display columns (wcwidth): CJK characters and most emoji
take two, combining marks none.
"""

from __future__ import annotations

import re
from typing import Sequence

import wcwidth

MIN_WIDTH = 20
MAX_WIDTH = 100  # long lines are hard to read, even on a wide terminal

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                 # CSI: colours, cursor moves
  | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, DCS, SOS, PM, APC: titles, links
  | \x9b[0-?]*[ -/]*[@-~]?                   # 8-bit CSI
  | [\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # 8-bit string commands
  | \x1b[ -/]*[0-~]?                         # any other escape
    """,
    re.VERBOSE,
)
# C0 and C1 controls except newline, DEL; soft hyphen; bidi marks (ALM, LRM, RLM), embeddings, overrides and
# isolates; zero-width space, non-joiner and joiner, word joiner, invisible operators, Mongolian vowel separator, BOM.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                       r"\u2060-\u2064\u2066-\u2069\ufeff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """Strip escape sequences and control characters; tabs become spaces, newlines stay."""
    text = _SURROGATES.sub("\ufffd", str(text))
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def clean_line(text: str) -> str:
    """One line of the reader's input, trimmed, with nothing that could hurt a save."""
    return " ".join(clean(text).split())


def width(columns: int) -> int:
    """The width to wrap at: the terminal's, but never under 20 or over 100 columns."""
    return max(MIN_WIDTH, min(MAX_WIDTH, columns - 1))


def wrap(text: str, columns: int, indent: str = "", first: str = "", message: bool = False) -> str:
    """Wrap each line of `text` to the display width; `first` starts the first line (an option's number).

    Lines after the first hang under the text, not the number, unless `indent`
    says otherwise; a lead wider than half the line gets a line of its own, so
    that the text is not squeezed into a sliver at 20 columns. A `message`
    (anything naming a command or a file) is never broken at a hyphen, and a
    path wider than the line is kept whole on a line of its own, for the
    terminal to fold: `--new` and `five-times/autosave.json` are to be copied.
    """
    w = width(columns)
    lines: list[str] = []
    for i, raw in enumerate(clean(text).split("\n")):
        lead = first if i == 0 else indent
        hang = indent or " " * wcwidth.width(lead)
        if raw.strip() and wcwidth.width(lead) > w // 2:
            lines.append(lead.rstrip())
            lead = hang = indent or " " * (len(lead) - len(lead.lstrip()) + 2)
        lines += _fill(raw, w, lead, hang, message) or [lead.rstrip()]
    return "\n".join(lines)


def height(line: str, columns: int) -> int:
    """How many rows of a terminal `columns` wide one line of text takes."""
    return max(1, -(-wcwidth.width(line) // max(1, columns)))


def hint_bar(hints: Sequence[str], columns: int) -> str:
    """Key hints on as few lines as fit, broken only between hints: "q quit" is never split.

    Measured in display columns, like everything wrapped here; a hint wider than
    the line (none of the player's are, at 20 columns) is wrapped on its own.
    """
    w = width(columns)
    lines: list[str] = []
    line = ""
    for hint in hints:
        hint = " ".join(clean(hint).split())
        if line and wcwidth.width(f"{line} · {hint}") <= w:
            line = f"{line} · {hint}"
            continue
        if line:
            lines.append(line)
        *whole, line = wrap(hint, columns).split("\n")
        lines += whole
    return "\n".join(lines + [line])


def rest(text: str, shown: Sequence[str], first: str = "") -> str:
    """What is left of `text` once `shown`, its first lines as wrap(text, first=first) made them, are on screen.

    Wrapping only drops whitespace, so counting the other characters finds the
    place, even inside a word broken across lines or a run of CJK with no spaces.
    """
    count = sum(len("".join(line.split())) for line in shown) - (len("".join(first.split())) if shown else 0)
    for i, ch in enumerate(text):
        if count == 0:
            return text[i:].lstrip()
        if not ch.isspace():
            count -= 1
    return ""


def _fill(text: str, w: int, lead: str, hang: str, message: bool) -> list[str]:
    if not message:
        return wcwidth.wrap(text, w, initial_indent=lead, subsequent_indent=hang)
    lines: list[str] = []

    def fill(words: list[str]) -> None:
        lines.extend(wcwidth.wrap(" ".join(words), w, initial_indent=hang if lines else lead,
                                  subsequent_indent=hang, break_on_hyphens=False))

    words: list[str] = []
    for word in text.split(" "):
        if "/" in word and wcwidth.width(hang + word) > w:  # a path no line can hold: whole, on its own
            fill(words)
            words = []
            lines.append((hang if lines else lead) + word)
        else:
            words.append(word)
    fill(words)
    return lines
