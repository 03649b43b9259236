"""YAML syntax errors in an author's words, and positions as an editor counts them.

libyaml says "did not find expected '-' indicator" where the author wrote
a paragraph that opens with dialogue, and names the end of the file for a
quote left open on line 2. These functions read the text around libyaml's
marks and say what happened, where the broken construct began, and how to
fix it. They work on text and character offsets only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Optional

# What editors (and the SARIF spec) count as line breaks. libyaml also
# breaks lines at U+0085, U+2028 and U+2029, which would put every later
# line number off by one.
_BREAK = re.compile(r"\r\n|\r|\n")
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")
_OPENING_QUOTE = re.compile(r"""^(?P<lead>\s*(?:-\s+)*(?:[^\s#'"][^:#]*:\s+)?)(?P<q>["'])""")
_BARE_KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s:#'\"\-][^:#]*?)\s*$")
SHOW = 40


def has_odd_breaks(text: str) -> bool:
    return any(ch in text for ch in _ODD_BREAKS)


class Lines:
    """Character offset -> 1-based (line, column) as an editor shows them."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def pos(self, index: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, index) - 1
        return i + 1, index - self.starts[i] + 1

    def line(self, number: int) -> str:
        """The text of a 1-based line, without its break."""
        if not 1 <= number <= len(self.starts):
            return ""
        start = self.starts[number - 1]
        m = _BREAK.search(self.text, start)
        return self.text[start: m.start() if m else len(self.text)]


def cut(text: str, width: int = SHOW) -> str:
    """A value as shown in a message: one line, at most `width` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def single_quoted(text: str) -> str:
    """Text as a YAML single-quoted scalar: the one quoting that needs no escapes but ''."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Explained:
    line: int
    col: int
    message: str
    hint: str
    code: str = "E003"


# A value that starts with a character YAML gives a meaning to: `- *sigh*`, `title: [aside] more`.
_INDICATED = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*(?:(?P<key>[A-Za-z_][\w-]*):[ ]+)?)(?P<c>[*&\[{@`%>|?!,])")
_READS_AS = {
    "*": ("an alias (a reference to a value marked elsewhere with &); aliases are not allowed", "E007"),
    "&": ("an anchor (a mark that lets a value be repeated elsewhere); anchors are not allowed", "E007"),
    "[": ("the start of a list written in brackets", "E003"),
    "{": ("the start of a mapping written in braces", "E003"),
    "@": ("a reserved character: it cannot start unquoted text", "E003"),
    "`": ("a reserved character: it cannot start unquoted text", "E003"),
    "%": ("a reserved character (it starts a directive): it cannot start unquoted text", "E003"),
    ">": ("a block scalar indicator (text written on the lines below)", "E003"),
    "|": ("a block scalar indicator (text written on the lines below)", "E003"),
    "?": ("the mark of a mapping key", "E003"),
    "!": ("a tag (a type for the value); tags are not allowed", "E006"),
    ",": ("a separator between the entries of a list or mapping in brackets", "E003"),
}


def starts_with_indicator(text: str, at: int) -> Optional[Explained]:
    """A value whose first character YAML read as syntax, when the character at offset `at` is that one.

    Prose often opens with `*`, `[`, `@` or `>`; the fix is the same for all: quote the whole text.
    """
    lines = Lines(text)
    line_no, col = lines.pos(at)
    line = lines.line(line_no)
    m = _INDICATED.match(line)
    if m is None or m.start("c") != col - 1:
        return None
    return _indicated(line_no, line, m)


def _indicated(line_no: int, line: str, m: "re.Match[str]") -> Explained:
    char, key = m.group("c"), m.group("key")
    what = ("this text" if key == "text" else f"this `{key}:` value") if key else \
        "this paragraph" if m.group("lead").strip() else "this value"
    whole = re.sub(r"[ \t]+#.*$", "", line[m.start("c"):]).rstrip()
    lead = m.group("lead").strip()
    reads, code = _READS_AS[char]
    return Explained(line_no, m.start("c") + 1, f"{what} starts with `{char}`, which YAML reads as {reads}",
                     f"if the {char} belongs to the text, put the whole {'paragraph' if 'paragraph' in what else 'text'} "
                     f"in single quotes, doubling any ' inside:\n{lead} {single_quoted(whole)}".rstrip(), code)


def _indicator(lines: Lines, marks: list[int]) -> Optional[Explained]:
    """A syntax error on a line whose value starts with an indicator, at or after that indicator."""
    for line_no in sorted({lines.pos(at)[0] for at in marks}):
        line = lines.line(line_no)
        m = _INDICATED.match(line)
        if m is None:
            continue
        start = lines.starts[line_no - 1] + m.start("c")
        after = [at for at in marks if at >= start and lines.pos(at)[0] == line_no]
        if not after:
            continue
        if m.group("c") in "[{" and not _closes_before(line, m.start("c"), max(after) - lines.starts[line_no - 1]):
            continue  # an error inside brackets that were meant as a list: not this slip
        return _indicated(line_no, line, m)
    return None


def _closes_before(line: str, opened: int, stop: int) -> bool:
    """Whether the bracket at `opened` is closed before column `stop` (0-based), quotes aside."""
    depth, quote = 0, ""
    for i in range(opened, min(stop, len(line))):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return True
    return False


def explain(text: str, problem: str, context: Optional[str], problem_at: Optional[int],
            context_at: Optional[int]) -> Optional[Explained]:
    """Plain words for a libyaml error, or None when no better words are known.

    `problem_at` and `context_at` are character offsets of libyaml's marks.
    """
    lines = Lines(text)
    context = context or ""
    gave_up = ""
    if problem_at is not None:
        pl, pc = lines.pos(problem_at)
        gave_up = ("the end of the file" if problem_at >= len(text.rstrip()) else "") or f"line {pl}, column {pc}"
    if context_at is not None and "quoted scalar" in context and ("end of stream" in problem or "document" in problem):
        line, col = lines.pos(context_at)
        quote = text[context_at] if context_at < len(text) else '"'
        return Explained(line, col, f"this {quote} opens a quoted text that is never closed (the parser gave up at {gave_up})",
                         f"close it with a matching {quote} at the end of the text; inside "
                         + ("'...' write '' for a '" if quote == "'" else '"..." write \\" for a "'))
    if context_at is not None and ("flow sequence" in context or "flow mapping" in context):
        line, col = lines.pos(context_at)
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        return Explained(line, col, f"this {opener} is never closed (the parser gave up at {gave_up})",
                         f"close it with {closer}, or put text that holds {opener} in quotes")
    indicated = _indicator(lines, [at for at in (problem_at, context_at) if at is not None])
    if indicated is not None:
        return indicated
    if problem_at is None:
        return None
    pl, pc = lines.pos(problem_at)
    current = lines.line(pl)
    dialogue = _dialogue(current, pc)
    if dialogue is not None:
        return Explained(pl, dialogue[0], dialogue[1], dialogue[2])
    folded = _folded_item(lines, pl, problem)
    if folded is not None:
        return folded
    indent = _indentation(lines, pl, pc, problem)
    if indent is not None:
        return indent
    if "mapping values are not allowed" in problem:
        m = re.match(r"^(\s*(?:-\s+)?[^\s:#][^:#]*:\s+)(.*)$", current)
        if m and ":" in m.group(2):
            value = m.group(2).rstrip()
            return Explained(pl, len(m.group(1)) + 1, f"this text holds ': ', which YAML reads as the start of a mapping",
                             f"put the whole text in quotes:\n{m.group(1).strip()} {single_quoted(value)}")
        return Explained(pl, pc, "': ' here starts a mapping where none is allowed",
                         "put text that contains ': ' in quotes")
    return None


def _dialogue(line: str, problem_col: int) -> Optional[tuple[int, str, str]]:
    """A value that opens with a quoted part and goes on after it: `- "Look," said Tam.`"""
    m = _OPENING_QUOTE.match(line)
    if not m:
        return None
    quote = m.group("q")
    start = m.end("q")
    close = _closing(line, start, quote)
    if close is None or problem_col <= close:
        return None
    lead = m.group("lead")
    whole = line[m.start("q"):].rstrip()
    rest = line[close + 1:].strip()
    key = lead.strip()
    what = "paragraph" if key.endswith("-") or key in ("- text:", "text:") else "text"
    fixed = f"{key} {single_quoted(whole)}".strip()
    block_lead = key if key else "-"
    indent = " " * (len(lead) - len(lead.lstrip()) + 2)
    return (m.start("q") + 1,
            f"this {what} opens with a quote, so YAML reads only {cut(line[m.start('q'):close + 1])} as the "
            f"text and cannot read what follows it ({cut(rest, 20)})",
            f"put the whole {what} in single quotes, doubling any ' inside:\n{fixed}\n"
            f"or write it as a block, on the lines below:\n{block_lead} >-\n{indent}{whole}")


def _closing(line: str, start: int, quote: str) -> Optional[int]:
    """The 0-based index of the quote closing a scalar that opens at `start`."""
    i = start
    while i < len(line):
        ch = line[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "'" and line[i + 1: i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _folded_item(lines: Lines, line_no: int, problem: str) -> Optional[Explained]:
    """`- if:` indented past the dash of a plain paragraph above: YAML reads it as more of that paragraph."""
    if "mapping values are not allowed" not in problem:
        return None
    current = lines.line(line_no)
    m = re.match(r"^( *)(- +)?([A-Za-z_][\w-]*):", current)
    previous = next((n for n in range(line_no - 1, 0, -1) if lines.line(n).strip()), None)
    if m is None or previous is None:
        return None
    above = re.match(r"^( *)- +[^\s\[{'\"&*!|>%@`?#-]", lines.line(previous))
    if above is None or len(above.group(1)) >= len(m.group(1)) or ": " in lines.line(previous):
        return None
    col, dash = len(m.group(1)) + 1, len(above.group(1)) + 1
    said = f"is indented to column {col}, past the '-' on line {previous} (column {dash}), so YAML reads it as more " \
           "of the paragraph above"
    if m.group(2):
        return Explained(line_no, col, f"this `- {m.group(3)}:` item {said}", f"align the dash with the others, at column {dash}")
    owner = next(((n, lines.line(n)) for n in range(previous - 1, 0, -1) if lines.line(n).strip()
                  and len(lines.line(n)) - len(lines.line(n).lstrip(" ")) < dash - 1
                  and lines.line(n).rstrip().endswith(":")), None)
    if owner is None:
        return None
    at = len(owner[1]) - len(owner[1].lstrip(" ")) + 1
    return Explained(line_no, col, f"`{m.group(3)}:` {said}",
                     f"move it to column {at} to line it up with `{_name(owner[1][at - 1:])}` on line {owner[0]}")


def _content_col(line: str) -> int:
    """0-based column where a line's key or value starts: past the indent and any '- '."""
    m = re.match(r"^(\s*(?:-\s+)*)", line)
    return len(m.group(1)) if m else 0


def _name(line: str) -> str:
    body = line.strip()
    if body.startswith("-"):
        return "-"
    return body.split(":", 1)[0].strip() + ":"


def _indentation(lines: Lines, line_no: int, col: int, problem: str) -> Optional[Explained]:
    """A line indented off its neighbours: name the column it should start at and the key it belongs to."""
    current = lines.line(line_no)
    indent = len(current) - len(current.lstrip(" "))
    stripped = current.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if "mapping values are not allowed" in problem:
        if not _BARE_KEY.match(current[: col - 1]):
            return None  # a ': ' inside a value, not a key out of place
    elif col != indent + 1:
        return None
    previous = next((n for n in range(line_no - 1, 0, -1)
                     if lines.line(n).strip() and not lines.line(n).strip().startswith("#")), None)
    if previous is None:
        return None
    above = lines.line(previous)
    is_item = stripped.startswith("- ") or stripped == "-"
    above_indent = len(above) - len(above.lstrip(" "))
    if is_item:
        want = above_indent if above.lstrip().startswith("-") else None
        sibling = "the '-' of the item above"
    else:
        want = _content_col(above) if not above.rstrip().endswith(":") or above.lstrip().startswith("-") else None
        sibling = f"`{_name(above[_content_col(above):])}`"
    if want is None or want == indent:
        parents = _parents(lines, previous, indent)
        if not parents:
            return None
        key, where = parents[0]
        return Explained(line_no, indent + 1, f"`{_name(stripped)}` is indented to column {indent + 1}, which lines it up with no key above",
                         f"move it to column {where + 1} to put it under `{key}`")
    what = "item" if is_item else f"`{_name(stripped)}`"
    if above.lstrip().startswith("-") and not is_item:
        belongs = f" (the keys of the item that starts there)"
    else:
        owner = _owner(lines, previous, want)
        belongs = f" (the entries of `{owner}`)" if owner else ""
    return Explained(line_no, indent + 1,
                     f"{what} is indented to column {indent + 1}, but {sibling} on line {previous} is at column {want + 1}{belongs}",
                     f"move it to column {want + 1} to line it up with line {previous}; entries of one list or mapping start "
                     "at the same column")


def _owner(lines: Lines, from_line: int, col: int) -> str:
    """The key whose block holds entries at `col`: the nearest line above indented less."""
    for n in range(from_line, 0, -1):
        text = lines.line(n)
        if not text.strip() or text.strip().startswith("#"):
            continue
        if _content_col(text) < col and text.rstrip().endswith(":"):
            return _name(text[_content_col(text):]) or ""
        if len(text) - len(text.lstrip(" ")) < col and not text.lstrip().startswith("-"):
            return _name(text.strip())
    return ""


def _parents(lines: Lines, from_line: int, indent: int) -> list[tuple[str, int]]:
    """Keys above that open a block, nearest first, with the column their entries use."""
    out = []
    for n in range(from_line, 0, -1):
        text = lines.line(n)
        if text.rstrip().endswith(":") and not text.strip().startswith("#"):
            child = next((lines.line(m) for m in range(n + 1, from_line + 1) if lines.line(m).strip()), None)
            if child is not None:
                out.append((_name(text.strip()), len(child) - len(child.lstrip(" "))))
    return out
