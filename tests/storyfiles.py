"""Write small story folders for tests from a mapping of file name -> text."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from engine.codes import Entry, Link, Special


def write_story(folder: Path, files: Mapping[str, Entry]) -> Path:
    """Write each entry: text or bytes as a file, Link as a symbolic link, Special as a folder or FIFO."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, entry in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Link):
            target = folder / entry.target
            if not target.exists() and entry.target.startswith(".."):
                target.write_text("SECRET=do-not-show\n", encoding="utf-8")
            os.symlink(entry.target, path)
        elif isinstance(entry, Special):
            path.mkdir() if entry.kind == "folder" else os.mkfifo(path)
        else:
            path.write_bytes(entry if isinstance(entry, bytes) else entry.encode("utf-8"))
    return folder


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
