"""Text made safe and readable for a terminal, shared by both players.

A story is untrusted input: its text must not be able to move the cursor,
recolour the screen or retitle the window, so every escape sequence and
control character is removed before anything is shown. Input from the
reader is cleaned the same way, so nothing odd reaches a save or a transcript.
"""

from __future__ import annotations

import re
import textwrap

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
# C0 and C1 controls except newline, DEL, bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
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


def wrap(text: str, columns: int, indent: str = "", first: str = "") -> str:
    """Wrap each line of `text`; `first` starts the first line (e.g. an option number)."""
    w = width(columns)
    lines = []
    for i, raw in enumerate(clean(text).split("\n")):
        lead = first if i == 0 else indent
        lines.append(textwrap.fill(raw, w, initial_indent=lead, subsequent_indent=indent or " " * len(lead),
                                   break_long_words=True, break_on_hyphens=True) or lead.rstrip())
    return "\n".join(lines)
