"""A terminal resized in the middle of a scene, between 80 and 20 columns, in two real terminals.

tmux re-flows what is on screen when it is resized, as most terminals do
today (VTE, kitty, iTerm2, Windows Terminal); pyte, fed by a real
pseudo-terminal, keeps its lines and cuts them, as xterm does. In both the
reader must see every line of the story once: no copy of a prompt left
behind, no line pushed off the screen unread, no word split by the terminal.

Every word of the stories here is unique (`w001`, `w002`, …), so a word seen
twice on one screen is a duplicated line, and a word never seen is a lost one.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pyte
import pytest

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"w\d{3}")
ROWS = 24


def words(start: int, count: int) -> str:
    return " ".join(f"w{n:03d}" for n in range(start, start + count))


@pytest.fixture
def story(tmp_path) -> Path:
    """A long first scene (three screenfuls at 80 columns), then a reflection with a long question."""
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "story.yaml").write_text("id: resized\ntitle: Resized\nstart: long\n")
    paragraphs = "".join(f"  - {words(n, 60)}.\n" for n in range(100, 580, 60))
    (folder / "long.yaml").write_text(
        f"id: long\ntitle: The Long One\ntext:\n{paragraphs}"
        f"choices:\n  optional: true\n  prompt: {words(1, 12)}?\n  options:\n"
        f"    - text: {words(20, 10)}.\n    - text: {words(40, 10)}.\n    - text: {words(60, 10)}.\n"
        "next: short\n")
    (folder / "short.yaml").write_text("id: short\ntitle: The Short One\ntext:\n  - w900 w901.\n")
    return folder


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES", "TMUX")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return env


class Tmux:
    """tmux on a socket of its own, running the player; it re-flows lines on a resize."""

    name = "tmux"

    def __init__(self, tmp_path, story: Path, columns: int):
        tmux = shutil.which("tmux")
        assert tmux, "these tests need tmux (`apt-get install tmux`; .ci/run installs it)"
        self.dir = tempfile.mkdtemp(prefix="vt-")  # a socket path must be short
        self.base = [tmux, "-S", os.path.join(self.dir, "s"), "-f", "/dev/null"]
        command = f"{sys.executable} -m engine play {story}; echo exit=$?; sleep 60"
        subprocess.run(self.base + ["new-session", "-d", "-x", str(columns), "-y", str(ROWS), "-c", str(ROOT),
                                    command], env=_env(tmp_path), check=True)

    def send(self, keys: str) -> None:
        subprocess.run(self.base + ["send-keys", "-t", "0", "-H", *(f"{b:02x}" for b in keys.encode())], check=True)

    def resize(self, columns: int) -> None:
        subprocess.run(self.base + ["resize-window", "-t", "0", "-x", str(columns), "-y", str(ROWS)], check=True)

    def screen(self) -> list[str]:
        out = subprocess.run(self.base + ["capture-pane", "-p", "-t", "0"], capture_output=True, text=True, check=True)
        return out.stdout.split("\n")[:ROWS]

    def close(self) -> None:
        subprocess.run(self.base + ["kill-server"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class Pyte:
    """A real pseudo-terminal whose screen pyte draws; like xterm, it cuts lines on a resize."""

    name = "pyte"

    def __init__(self, tmp_path, story: Path, columns: int):
        env = {**_env(tmp_path), "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
        self.child = pexpect.spawn(sys.executable, ["-m", "engine", "play", str(story)], env=env, cwd=str(ROOT),
                                   dimensions=(ROWS, columns), encoding="utf-8", timeout=20)
        self.term = pyte.Screen(columns, ROWS)
        self.stream = pyte.Stream(self.term)

    def _drain(self) -> None:
        while True:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.1))
            except (pexpect.TIMEOUT, pexpect.EOF):
                return

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def resize(self, columns: int) -> None:
        self._drain()
        self.term.resize(ROWS, columns)
        self.child.setwinsize(ROWS, columns)

    def screen(self) -> list[str]:
        self._drain()
        return [row.rstrip() for row in self.term.display]

    def close(self) -> None:
        self.child.close(force=True)


@pytest.fixture(params=[Tmux, Pyte], ids=["tmux", "pyte"])
def terminal(request, tmp_path, story):
    made = []

    def start(columns: int):
        made.append(request.param(tmp_path, story, columns))
        return made[-1]
    yield start
    for term in made:
        term.close()


PROMPTS = ("-- more --", "q quit")  # a page waiting, a choice


def wait(term, *texts: str, timeout: float = 20) -> list[str]:
    """The screen once one of `texts` is on it, and nothing more has been drawn for a moment."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        screen = term.screen()
        if any(text in row for row in screen for text in texts) and screen == last:
            return screen
        last = screen
        time.sleep(0.3)
    raise AssertionError(f"{texts} never came on the {term.name} screen:\n" + "\n".join(term.screen()))


def seen(screen: list[str]) -> list[str]:
    return WORD.findall("\n".join(screen))


def assert_clean(screen: list[str], columns: int, since_resize: bool = True) -> None:
    """No word twice on the screen; and, drawn after the resize, no line wider than the terminal."""
    found = seen(screen)
    twice = sorted({w for w in found if found.count(w) > 1})
    assert not twice, f"shown twice: {twice}\n" + "\n".join(screen)
    if since_resize:
        for row in screen:
            for token in row.split():  # a story word, an option's number, the hint "1-3"
                whole = not re.search(r"\d", token) or re.fullmatch(r"w\d{3}[.,?]?|[1-9]\.|1-[1-9]", token)
                assert whole, f"a word split: {row!r}\n" + "\n".join(screen)


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_a_resize_at_a_choice_leaves_one_menu_on_screen(terminal, enter):
    term = terminal(80)
    wait(term, "Begin the story")
    term.send(enter)
    while "q quit" not in "\n".join(wait(term, *PROMPTS)):
        term.send(enter)
    menu = set(seen([words(1, 12), words(20, 10), words(40, 10), words(60, 10)]))
    for columns in (20, 80, 20, 80):
        term.resize(columns)
        time.sleep(0.5)
        screen = wait(term, "q quit")
        assert_clean(screen, columns, since_resize=term.name == "tmux")
        assert menu <= set(seen(screen)), "\n".join(screen)  # the whole menu, once
        bars = [row for row in screen if "q quit" in row]
        assert len(bars) == 1 and all(len(row) <= columns for row in screen if row.strip())
    term.send("2")
    screen = wait(term, "The Short One")
    assert sum(row.startswith("› w040") for row in screen) == 1  # the answer, under its question


def test_a_resize_while_a_long_scene_is_paged_loses_and_repeats_no_line(terminal):
    """Resized at each `-- more --` in turn: every word of the scene is read once, none is cut."""
    term = terminal(80)
    wait(term, "Begin the story")
    term.send("\r")
    read: list[str] = []
    sizes = itertools.cycle([20, 80])
    while True:
        screen = wait(term, *PROMPTS)
        if "q quit" in "\n".join(screen):
            break
        assert "-- more --" in "\n".join(screen), "\n".join(screen)
        page = seen(screen)
        read += [w for w in page if w not in read]
        columns = next(sizes)
        term.resize(columns)
        time.sleep(0.5)
        term.send(" ")
        time.sleep(0.3)
        screen = wait(term, *PROMPTS)
        assert_clean(screen, columns, since_resize=term.name == "tmux")
    read += [w for w in seen(screen) if w not in read]
    scene = [f"w{n:03d}" for n in range(100, 580)]
    assert [w for w in read if w in scene] == scene  # each word read, in order: none lost, none skipped
