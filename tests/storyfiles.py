"""Write small story folders for tests from a mapping of file name -> text."""

from __future__ import annotations

import os
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


def spawn_play(story, data, rows: int = 40, columns: int = 100):
    """`vignettes play STORY` in a real pty, with its saves under `data`, as a reader starts it."""
    import sys

    import pexpect

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    # A pty answers no cursor-position requests; without this prompt-toolkit waits for them.
    env.update(XDG_DATA_HOME=str(data), PYTHONPATH=str(root), TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
    return pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story)], env=env, cwd=str(root),
                         dimensions=(rows, columns), encoding="utf-8", timeout=20)
