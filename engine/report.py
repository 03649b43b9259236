"""Render Diagnostics for people (concise, full) and for tools (JSON, SARIF).

Validation only collects Diagnostics; this module decides how they look, so
the checks never format text and every output format sees the same data.
Everything here is a pure function of its arguments: no module-level
mutable state, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import ntpath
import os
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import quote

from engine import __version__
from engine.codes import BY_CODE
from engine.errors import WARNING, Diagnostic

FORMATS = ("concise", "full", "json", "sarif")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "vignettes"

# Widest snippet shown in --format full, in terminal cells (rustc and ruff
# cut long lines too, so a minified line cannot flood the terminal).
SNIPPET_WIDTH = 120
TAB_WIDTH = 4
ELLIPSIS = "..."

# Line breaks as editors count them (and the loader reports positions in):
# U+0085, U+2028 and U+2029 inside text do not start a new line.
_LINE_BREAK = re.compile(r"\r\n|[\n\r]")

# ANSI styles (SGR); used only when the caller asks for colour.
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[1;31m"
_YELLOW = "\x1b[1;33m"
_CYAN = "\x1b[36m"
_BLUE = "\x1b[1;34m"


# -- public API ----------------------------------------------------------------


def render(diagnostics: Iterable[Diagnostic], fmt: str, colour: bool = False,
           sources: Optional[Mapping[str, str]] = None) -> str:
    """Render diagnostics, sorted by (file, line, col, code), in one format.

    concise and full return '' for no diagnostics and carry no trailing
    newline (the caller writes one); json and sarif are complete documents
    ending in a newline, so they can be redirected to a file as they are.
    """
    ordered = _sorted(diagnostics)
    if fmt == "concise":
        return "\n".join(_concise(d, colour) for d in ordered)
    if fmt == "full":
        split: dict = {}
        return "\n\n".join(_full(d, colour, sources or {}, split) for d in ordered)
    if fmt == "json":
        return _json(ordered)
    if fmt == "sarif":
        return _sarif(ordered)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def records(diagnostics: Iterable[Diagnostic]) -> list[dict]:
    """The diagnostics as the json format writes them, in its order: for documents that embed them."""
    return [_record(d) for d in _sorted(diagnostics)]


def summary(diagnostics: Iterable[Diagnostic], files: int) -> str:
    """One line for stderr, so the count is seen even when stdout is piped away."""
    ds = list(diagnostics)
    warnings = sum(1 for d in ds if d.severity == WARNING)
    errors = len(ds) - warnings
    where = _plural(files, "file")
    if not ds:
        return f"{where} checked, no problems"
    parts = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return f"{', '.join(parts)} in {where}"


# -- shared helpers ---------------------------------------------------------------


def _sorted(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """A stable order, so that output diffs and CI logs stay comparable."""
    return sorted(diagnostics, key=lambda d: (d.file, d.line, d.col, d.code, d.message))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _severity_word(d: Diagnostic) -> str:
    """Only 'error' or 'warning' ever reaches the output; anything else fails safe."""
    return "warning" if d.severity == WARNING else "error"


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{style}{text}{_RESET}" if colour and text else text


def _visible(ch: str) -> str:
    """A printable stand-in for a character that must not reach a terminal raw.

    Control characters (C0, DEL, C1) could move the cursor, retitle the
    window or hide text; bidirectional overrides can reorder what is shown
    (Trojan Source); lone surrogates cannot be encoded. Everything else,
    including non-ASCII letters, passes unchanged.
    """
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F:
        return f"\\x{o:02x}"
    if 0xD800 <= o <= 0xDFFF:
        return "\ufffd"
    if unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Co", "Cn") and o != 0x200D:
        return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"
    return ch


def _clean(text: str) -> str:
    """Text with every unsafe character replaced by a visible escape."""
    return "".join(_visible(ch) for ch in text)


def _cell_width(ch: str) -> int:
    """Terminal cells one (already visible) character takes, for caret placement."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


# -- concise ---------------------------------------------------------------------------


def _headline(d: Diagnostic, colour: bool) -> str:
    # a diagnostic about a whole file (line 0) has no place to show: `path:`, as compilers print it
    place = f":{d.line}:{d.col}" if d.line >= 1 else ""
    where = _paint(f"{_clean(d.file)}{place}:", _BOLD, colour)
    word = _severity_word(d)
    tag = _paint(f"{word}[{_clean(d.code)}]", _YELLOW if word == "warning" else _RED, colour)
    return f"{where} {tag} {_clean(d.message)}"


def _hint_lines(hint: str, lead: str, colour: bool) -> list[str]:
    """The hint, one output line per hint line, continuation lines aligned."""
    lines = [_clean(part) for part in _LINE_BREAK.split(hint)]
    pad = " " * len(lead)
    out = [lead + lines[0]] + [pad + line for line in lines[1:]]
    return [_paint(line, _CYAN, colour) for line in out]


def _concise(d: Diagnostic, colour: bool) -> str:
    lines = [_headline(d, colour)]
    if d.hint:
        lines += _hint_lines(d.hint, "  hint: ", colour)
    return "\n".join(lines)


# -- full --------------------------------------------------------------------------------


def _source_line(sources: Mapping[str, str], file: str, line: int,
                 split: dict) -> Optional[str]:
    """The text of one 1-based line, or None when it is not known.

    `split` caches each file's lines for one render call, so many
    diagnostics in one large file split it once.
    """
    if line < 1 or file not in sources:
        return None
    if file not in split:
        text = sources[file]
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        # the empty "line" after a final newline is kept: end-of-file
        # problems point there
        split[file] = _LINE_BREAK.split(text)
    lines = split[file]
    return lines[line - 1] if line <= len(lines) else None


def _cells(line: str) -> list[tuple[str, int]]:
    """Each source character as (what to print, cells it takes)."""
    out = []
    for ch in line:
        if ch == "\t":
            out.append((" " * TAB_WIDTH, TAB_WIDTH))
            continue
        shown = _visible(ch)
        out.append((shown, sum(_cell_width(c) for c in shown)))
    return out


def _window(cells: Sequence[tuple[str, int]], index: int) -> tuple[str, int]:
    """The part of a line to show and the caret's cell offset within it.

    `index` is the 0-based character the caret points at (it may be one past
    the end, e.g. for "unexpected end of line"). A line wider than
    SNIPPET_WIDTH is cut around the caret, with an ellipsis at each cut.
    """
    widths = [w for _, w in cells]
    total = sum(widths)
    caret = sum(widths[:index])
    if total <= SNIPPET_WIDTH:
        return "".join(s for s, _ in cells), caret
    budget = SNIPPET_WIDTH - 2 * len(ELLIPSIS)
    start = index
    used = 0
    # keep up to a third of the budget as context before the caret
    while start > 0 and used + widths[start - 1] <= budget // 3:
        start -= 1
        used += widths[start]
    end = start
    used = 0
    while end < len(cells) and used + widths[end] <= budget:
        used += widths[end]
        end += 1
    # if the line ends early, spend the rest of the budget before the caret
    while start > 0 and used + widths[start - 1] <= budget:
        start -= 1
        used += widths[start]
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(cells) else ""
    shown = head + "".join(s for s, _ in cells[start:end]) + tail
    return shown, len(head) + sum(widths[start:index])


def _snippet(d: Diagnostic, colour: bool, sources: Mapping[str, str], split: dict) -> list[str]:
    """rustc-style source excerpt: gutter, the line, a caret under the column."""
    line = _source_line(sources, d.file, d.line, split)
    if line is None:
        return []
    cells = _cells(line)
    index = min(max(d.col, 1) - 1, len(cells))
    shown, caret = _window(cells, index)
    number = str(d.line)
    gutter = " " * len(number) + " |"
    style = _YELLOW if _severity_word(d) == "warning" else _RED
    out = [_paint(gutter, _BLUE, colour),
           _paint(f"{number} |", _BLUE, colour) + (" " + shown if shown else "")]
    if d.col >= 1:
        out.append(_paint(gutter, _BLUE, colour) + " " + " " * caret + _paint("^", style, colour))
    return out


def _full(d: Diagnostic, colour: bool, sources: Mapping[str, str], split: dict) -> str:
    lines = [_headline(d, colour)] + _snippet(d, colour, sources, split)
    if d.hint:
        pad = " " * (len(str(d.line)) + 1) if len(lines) > 1 else ""
        lines += _hint_lines(d.hint, f"{pad}= hint: ", colour)
    return "\n".join(lines)


# -- json ----------------------------------------------------------------------------------


def _record(d: Diagnostic) -> dict:
    """One diagnostic as plain data; keys in a fixed order for stable output."""
    code = BY_CODE.get(d.code)
    return {
        "file": d.file,
        "line": d.line,
        "col": d.col,
        "code": d.code,
        "name": code.name if code else None,
        "severity": _severity_word(d),
        "message": d.message,
        "hint": d.hint,
    }


def _dump(data) -> str:
    # ensure_ascii keeps the document safe to print on any terminal or
    # console encoding; every JSON reader turns the escapes back.
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def _json(ordered: Sequence[Diagnostic]) -> str:
    return _dump([_record(d) for d in ordered])


# -- sarif ---------------------------------------------------------------------------------


def _level(severity: str) -> str:
    return "warning" if severity == WARNING else "error"


def _rule(code: str) -> dict:
    """A SARIF reportingDescriptor; GitHub shows its descriptions on each alert."""
    known = BY_CODE.get(code)
    if known is None:  # not in the catalogue: still a rule, so ruleIndex stays valid
        return {"id": code, "shortDescription": {"text": code}, "fullDescription": {"text": code},
                "help": {"text": code}, "defaultConfiguration": {"level": "error"}}
    return {
        "id": known.code,
        "name": known.name,
        "shortDescription": {"text": known.summary},
        "fullDescription": {"text": known.meaning or f"{known.summary}."},
        "help": {"text": f"{known.fix or known.summary} Run `vignettes explain {known.code}` for an example."},
        "defaultConfiguration": {"level": _level(known.severity)},
    }


def _uri(file: str) -> tuple[str, Optional[str]]:
    """An artifactLocation uri (and uriBaseId) for a path as the validator gave it.

    Relative paths stay relative to the source root, with forward slashes,
    so GitHub can match them to files in the repository; absolute paths
    become file: URIs.
    """
    if PurePosixPath(file).is_absolute() or PureWindowsPath(file).is_absolute():
        if PureWindowsPath(file).drive:
            return PureWindowsPath(file).as_uri(), None
        return PurePosixPath(file).as_uri(), None
    path = file.replace(ntpath.sep, "/") if os.sep == ntpath.sep else file
    while path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/"), "%SRCROOT%"


def _location(d: Diagnostic) -> dict:
    uri, base = _uri(d.file)
    artifact = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    physical: dict = {"artifactLocation": artifact}
    if d.line >= 1:
        region = {"startLine": d.line}
        if d.col >= 1:
            region["startColumn"] = d.col
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(d: Diagnostic, seen: dict) -> str:
    """A line-independent identity, so an alert survives edits above it.

    GitHub's upload action adds its own line hash; ours also serves uploads
    through the REST API, which add none. Repeats of one problem in one
    file are told apart by their order.
    """
    digest = hashlib.sha256("\0".join((d.file, d.code, d.message)).encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()[:32]
    seen[key] = seen.get(key, 0) + 1
    return f"{key}:{seen[key]}"


def _sarif(ordered: Sequence[Diagnostic]) -> str:
    codes = sorted({d.code for d in ordered})
    index = {code: i for i, code in enumerate(codes)}
    seen: dict = {}
    results = []
    for d in ordered:
        text = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _level(d.severity),
            "message": {"text": text},
            "locations": [_location(d)],
            "partialFingerprints": {"vignettes/v1": _fingerprint(d, seen)},
        })
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(code) for code in codes],
            }},
            # columns count characters, as the YAML loader's marks do
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return _dump(log)
