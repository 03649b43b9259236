"""The line player: numbered options, one line read per answer, no cursor tricks.

It is what screen readers, pipes and scripts get: every line it writes is
final, and every answer is a line of text. `--choices` feeds it answers from
a list instead of the keyboard.
"""

from __future__ import annotations

import select
import shutil
from typing import Callable, Optional, Sequence

from engine import runtime
from engine.errors import EngineError
from engine.frontend.session import HELP, Action, ScriptError, credits, option_number
from engine.frontend.text import clean, clean_line, wrap
from engine.model import Story

_COMMANDS = {"u": "undo", "undo": "undo", "s": "save", "save": "save", "r": "recap", "recap": "recap",
             "v": "vars", "vars": "vars", "h": "help", "?": "help", "help": "help", "q": "quit", "quit": "quit"}


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class ChoicesError(EngineError):
    """A `--choices` list that cannot be read: a usage error, found before the story is loaded."""


def parse_script(text: str) -> list[str]:
    """`2,-,1` → ['2', '-', '1']; spaces are allowed around the commas.

    Each item is an option number, in the digits a reader may type (`2`, `２`, `٢`), or `-`.
    An empty item is an error, not skipped: skipping it in `1,,2` would give the 2 to the
    prompt the missing answer was meant for. An empty list (`--choices ''`) answers
    nothing: the story plays up to its first prompt, as `check` writes the way to a
    place reached before any answer.
    """
    if not text.strip():
        return []
    items = text.split(",")
    answers = []
    for n, item in enumerate(items, 1):
        answer = clean_line(item)
        where = f"--choices item {n} of {len(items)}" if len(items) > 1 else "--choices"
        if not item.strip():
            raise ChoicesError(f"{where} is empty, in {text!r}: give a number or - for each prompt in turn, "
                               "such as 2,-,1")
        if answer != "-" and not answer.isdecimal():
            raise ChoicesError(f"{where} ({item.strip()!r}) is not an option number or -: a number picks that "
                               "option, - goes on without choosing, such as 2,-,1")
        answers.append(answer)
    return answers


class PlainUI:
    """Reads answers from `stdin` (or a script), writes everything to `out`."""

    def __init__(self, stdin, out, script: Optional[Sequence[str]] = None,
                 columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns,
                 poll: Optional[Callable[[], list]] = None):
        self.stdin = stdin
        self.out = out
        self.script = list(script) if script is not None else None
        self.columns = columns
        self.poll = poll  # `play --watch`: the files changed since the last look
        self.answered = 0
        self.prompts = 0

    @property
    def scripted(self) -> bool:
        return self.script is not None

    @property
    def leftover(self) -> list[str]:
        return self.script or []

    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def para(self, text: str, **kw) -> None:
        self.write(wrap(text, self.columns(), **kw))

    def readline(self, prompt: str) -> str:
        if self.stdin is None or getattr(self.stdin, "closed", False):
            raise EOFError
        self.out.write(wrap(prompt, self.columns(), message=True) + " ")  # the answer is typed after it
        self.out.flush()
        return self._read_line()

    def _read_line(self) -> str:
        try:
            line = self.stdin.readline()
        except UnicodeDecodeError:
            return "\ufffd"
        if not line:  # end of input: nothing was typed, so nothing ended the prompt's line
            self.out.write("\n")
            self.out.flush()
            raise EOFError
        return clean_line(line)

    # -- the UI protocol -----------------------------------------------------------

    def say(self, message: str) -> None:
        self.write()
        self.para(message, message=True)

    def confirm(self, question: str, default: bool) -> bool:
        if self.scripted:
            return default
        while True:
            answer = self.readline(question + (" [Y/n] " if default else " [y/N] ")).lower()
            if not answer:
                return default
            if answer in ("y", "yes", "n", "no"):
                return answer.startswith("y")
            self.para("Please answer y or n.")

    def notes(self, story: Story) -> bool:
        self.write()
        self.para(clean(story.title))
        for line in credits(story):
            self.para(line)
        if not story.content_notes:
            return True
        self.write()
        self.para("Before you begin, this story contains:")
        for note in story.content_notes:
            self.para(clean(note), first="  - ")
        if self.scripted:
            return True
        while True:
            answer = self.readline("Press Enter to begin, or q to leave: ").lower()
            if answer in ("", "y", "yes"):
                return True
            if answer in ("q", "quit", "n", "no"):
                return False

    def scene(self, view: runtime.View) -> None:
        self.write()
        # An ending takes no number: "Scene 6 of 6" is the last place a reader is counted.
        where = f"Scene {view.position} of {view.total}: " if view.position else ""
        self.para(where + clean(view.title))
        self.write()
        for p in view.paragraphs:
            self.para(" ".join(clean(p).split()))
            self.write()
        if view.options:
            self.para(" ".join(clean(view.prompt).split()))
            for n, (_, text) in enumerate(view.options, 1):
                self.para(" ".join(clean(text).split()), first=f"  {n}. ")
            if view.can_go_on:
                self.para("Enter: go on without choosing", first="  ")

    def ask(self, view: runtime.View, commands: frozenset[str] = frozenset()) -> Action:
        if self.scripted and not view.options and view.can_go_on:
            return Action("go_on")
        self.prompts += 1
        if self.script:
            return self._scripted(view)
        while True:
            changed = self._wait(self._prompt(view))
            if changed:
                return Action("reload", files=tuple(changed))
            answer = self._read_line()
            action = self._parse(view, answer)
            if action:
                return action
            self.para(self._hint(view))

    def _wait(self, prompt: str) -> list:
        """Show the prompt, then wait for a line; with --watch, return the changed files if an edit comes first.

        Only a terminal is waited on this way: there each read returns one typed line, so nothing can sit
        unseen in Python's buffer while the file descriptor looks idle.
        """
        if self.stdin is None or getattr(self.stdin, "closed", False):
            raise EOFError
        self.out.write(wrap(prompt, self.columns(), message=True) + " ")  # as readline writes it
        self.out.flush()
        if self.poll is None or not _is_tty(self.stdin):
            return []
        try:
            while not select.select([self.stdin], [], [], 0.25)[0]:
                changed = self.poll()
                if changed:
                    self.out.write("\n")
                    return changed
        except (OSError, ValueError):  # a console select() cannot wait on (Windows): edits show after the next answer
            pass
        return []

    def _prompt(self, view: runtime.View) -> str:
        if view.is_ending:
            return "u to undo, q to quit: "
        if not view.options:
            return "Press Enter to go on (h for help): "
        pick = "1" if len(view.options) == 1 else f"1-{len(view.options)}"
        return f"Your choice ({pick}{', Enter to go on' if view.can_go_on else ''}, h for help): "

    def _hint(self, view: runtime.View) -> str:
        pick = f"a number from 1 to {len(view.options)}" if view.options else ""
        on = "Enter to go on" if view.can_go_on else ""
        return f"Type {' or '.join(x for x in (pick, on) if x)}; h lists the other keys."

    def _parse(self, view: runtime.View, answer: str) -> Optional[Action]:
        word = answer.lower()
        if word in ("", "-") and view.can_go_on:
            return Action("go_on")
        n = option_number(word, len(view.options))
        if n is not None:
            return Action("choose", view.options[n - 1][0])
        if word.split(" ", 1)[0] in _COMMANDS:
            head, _, rest = word.partition(" ")
            return Action(_COMMANDS[head], slot=rest.strip())
        return None

    def _scripted(self, view: runtime.View) -> Action:
        answer = self.script.pop(0)
        self.answered += 1
        numbered = ", ".join(f"{n} ({' '.join(clean(t).split())})" for n, (_, t) in enumerate(view.options, 1))
        allowed = numbered + (", or - to go on" if view.can_go_on else "")
        n = option_number(answer, len(view.options))
        if answer == "-" and view.can_go_on:
            action = Action("go_on")
        elif n is not None:
            action = Action("choose", view.options[n - 1][0])
        elif answer == "-":
            raise ScriptError(f"--choices answer {self.answered} ('-') goes on without choosing, but the choice at prompt "
                              f"{self.prompts} \"{' '.join(clean(view.prompt).split())}\" in scene '{view.scene}' cannot "
                              f"be skipped; it offers {allowed}")
        else:
            raise ScriptError(f"--choices answer {self.answered} ('{clean_line(answer)}') names no option at prompt "
                              f"{self.prompts} \"{' '.join(clean(view.prompt).split())}\" in scene '{view.scene}'; "
                              f"it offers {allowed}")
        self.write(f"> {answer}")
        return action

    def ask_slot(self) -> str:
        return self.readline("Save as (a name such as chapter-2; Enter to cancel): ")

    def recap(self, steps: Sequence[tuple[str, Optional[str]]]) -> None:
        self.write()
        if not steps:
            self.para("Recap: you have only just begun.")
            return
        self.para("Recap, your path so far:")
        self._path(steps)

    def _path(self, steps: Sequence[tuple[str, Optional[str]]]) -> None:
        for n, (title, choice) in enumerate(steps, 1):
            said = f": {' '.join(clean(choice).split())}" if choice else ""
            self.para(f"{clean(title)}{said}", first=f"  {n}. ")

    def problems(self, lines: Sequence[str]) -> None:
        """Diagnostics as validate prints them: one unwrapped line each, so `file:line:col` stays whole."""
        for line in lines:
            self.write(clean_line(line) if not line.startswith("  ") else "  " + clean_line(line))

    def variables(self, values: Sequence[tuple[str, object]]) -> None:
        shown = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in values)
        self.para(f"Variables: {shown or 'none'}", first="  ")

    def help(self) -> None:
        self.write()
        self.para("Keys (type one, then Enter):")
        for key, what in HELP:
            self.para(what, first=f"  {key}: ")

    def ending(self, view: runtime.View, steps: Sequence[tuple[str, Optional[str]]], again: str) -> None:
        self.para("The end.")
        if steps:
            self.write()
            self.para("Your path:")
            self._path(steps)
        self.write()
        self.para(f"To play again from the start: {again}", message=True)
