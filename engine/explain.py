"""`vignettes explain CODE`: what a code means, an example that triggers it, the fix.

Everything shown comes from the catalogue in `engine.codes`, and the
example's diagnostic is produced by running the example through the real
pipeline in memory, so the explanation cannot drift from the checker.
"""

from __future__ import annotations

import difflib
import textwrap
from dataclasses import replace
from typing import Optional

from engine import codes, report
from engine.codes import Code, Link, Special

EXAMPLE_LINES = 14
EXAMPLE_WIDTH = 72
WRAP = 78


class UnknownCode(LookupError):
    """A code or name the catalogue does not hold; `nearest` is the best guess, if any."""

    def __init__(self, query: str, nearest: Optional[str]):
        super().__init__(query)
        self.query = query
        self.nearest = nearest


def find(query: str) -> Code:
    """A code by its number (`E102`, `e102`) or its name (`unknown-target`)."""
    wanted = query.strip()
    found = codes.BY_CODE.get(wanted.upper()) or codes.BY_NAME.get(wanted.lower())
    if found is not None:
        return found
    prefixed = [c for c in codes.BY_CODE if wanted and c.startswith(wanted.upper())]
    if prefixed:
        raise UnknownCode(query, prefixed[0])
    keys = list(codes.BY_CODE) + list(codes.BY_NAME)
    near = difflib.get_close_matches(wanted.upper() if wanted[:1].isalpha() and wanted[1:].isdigit() else wanted.lower(),
                                     keys, n=1, cutoff=0.5)
    if not near and wanted[-3:].isdigit():  # `102`, `X102`: the number alone
        near = [c for c in codes.BY_CODE if c[1:] == wanted[-3:]]
    nearest = near[0] if near else None
    if nearest in codes.BY_NAME:
        nearest = codes.BY_NAME[nearest].code
    raise UnknownCode(query, nearest)


def reported(code: Code) -> list:
    """The diagnostics of this code that the catalogue's example produces."""
    if code.command[0] == "adapt":
        return [d for d in sorted(_adapted(code)) if d.code == code.code]
    from engine import validate

    result = validate.Result()
    story = validate.Validator().texts(code.example, result)
    found = list(result.diagnostics)
    if code.command[0] == "check" and story is not None and not any(d.is_error for d in found):
        from engine import check

        found += check.examine(story, found, code.command[1:])
    return [d for d in sorted(found) if d.code == code.code]


def _adapted(code: Code) -> list:
    """adapt's diagnostics for its example, run on a copy in a temporary folder (adapt reads and writes files)."""
    import tempfile
    from pathlib import Path

    from engine import adapt

    source, _, folder, *flags = code.command[1:]  # adapt SOURCE -o DIR [--force]
    with tempfile.TemporaryDirectory(prefix="vignettes-explain-") as tmp:
        root = codes.write_example(Path(tmp), code.example)
        try:
            result, _ = adapt.adapt(root / source, root / folder, force="--force" in flags)
            found = result.draft.warnings
        except adapt.AdaptError as e:
            found = list(e.diagnostics)
        prefix = str(root) + "/"
        return [replace(d, file=d.file[len(prefix):] if d.file.startswith(prefix) else d.file) for d in found]


def _example_file(code: Code) -> tuple[str, list[str]]:
    name = code.where[0] if code.where[0] in code.example else next(iter(code.example))
    entry = code.example[name]
    if isinstance(entry, Link):
        return name, [f"(a symbolic link to {entry.target})"]
    if isinstance(entry, Special):
        what = {"folder": "a folder, not a file", "fifo": "a named pipe, not a file",
                "huge": "a file just over 10 MiB"}[entry.kind]
        return name, [f"({what})"]
    text = entry.decode("utf-8", "replace") if isinstance(entry, bytes) else entry
    lines = text.splitlines()
    shown = [line if len(line) <= EXAMPLE_WIDTH else line[: EXAMPLE_WIDTH - 3] + "..." for line in lines[:EXAMPLE_LINES]]
    if len(lines) > EXAMPLE_LINES:
        shown.append(f"... ({len(lines) - EXAMPLE_LINES} more lines)")
    return name, shown


def render(code: Code) -> str:
    """The whole explanation, as plain text for a terminal or a pager."""
    kind = "warning" if code.severity == "warning" else "error"
    out = [f"{code.code} {code.name} ({kind}): {code.summary}", ""]
    if code.meaning:
        out += [textwrap.fill(code.meaning, WRAP), ""]
    name, lines = _example_file(code)
    out.append(f"Example, {name}:")
    width = len(str(len(lines)))
    out += [f"  {i:>{width}} | {line}".rstrip() for i, line in enumerate(lines, 1)]
    found = reported(code)
    if found:
        out += ["", f"vignettes {' '.join(code.command)} reports:"]
        out += ["  " + line for line in report.render(found[:1], "concise").splitlines()]
    if code.fix:
        out += ["", textwrap.fill(f"Fix: {code.fix}", WRAP, subsequent_indent="     ")]
    return "\n".join(out) + "\n"


def listing() -> str:
    """Every code, one line each, as `vignettes explain` with no code shows them."""
    width = max(len(c.name) for c in codes.CATALOGUE)
    lines = [f"{c.code}  {c.name:<{width}}  {c.summary}" for c in codes.CATALOGUE]
    return "\n".join(lines) + "\n\nRun `vignettes explain CODE` for the meaning, an example and the fix.\n"
