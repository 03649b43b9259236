"""Write small story folders for tests from a mapping of file name -> text."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from engine.codes import Entry, write_example


def write_story(folder: Path, files: Mapping[str, Entry]) -> Path:
    """Write each entry: text or bytes as a file, Link as a symbolic link, Special as a folder, FIFO or huge file."""
    return write_example(folder, files)


def run_cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """`vignettes ARGV` in-process with a piped stdin; returns (exit code, stdout, stderr)."""
    import io
    import sys

    from engine import cli

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(argv), out, err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()
