"""The terminal player: prose printed wrapped, options picked with arrows, Enter or a number.

The only module that imports prompt_toolkit. It is started only when stdin
and stdout are both terminals (prompt-toolkit writes escape codes into pipes
and fails on a closed stdin), and each prompt is a small inline Application
whose keys are all listed here: no text buffer takes arbitrary input, so a
paste of escape sequences or undecodable bytes has nowhere to go.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
import os
import termios
from typing import Callable, Optional, Sequence

from prompt_toolkit.application import Application, get_app
from prompt_toolkit.input import create_input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import DynamicKeyBindings, KeyBindings, merge_key_bindings
from prompt_toolkit.key_binding.key_processor import KeyPress
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, HSplit, Layout, Window
from prompt_toolkit.output import ColorDepth, create_output
from prompt_toolkit.styles import Style

from engine import runtime
from engine.frontend.session import HELP, Action, Stopped, credits, option_number
from engine.frontend.text import clean, height, hint_bar, rest, wrap
from engine.model import Story
from engine.saves import SLOT_NAME

_COLOUR = Style.from_dict({"title": "bold", "prompt": "bold", "selected": "reverse bold",
                           "hint": "fg:ansibrightblack", "chosen": "fg:ansicyan", "note": "fg:ansiyellow"})
_MONO = Style.from_dict({"title": "bold", "prompt": "bold", "selected": "reverse", "hint": "", "chosen": "",
                         "note": ""})
_COMMAND_KEYS = {"u": "undo", "s": "save", "r": "recap", "v": "vars", "h": "help", "?": "help", "q": "quit"}
_COMMAND_HINTS = (("undo", "u undo"), ("save", "s save"), ("recap", "r recap"), ("vars", "v variables"),
                  ("help", "h help"), ("quit", "q quit"))
_ENTER = ("enter", "c-j")  # a terminal sends CR; LF comes from keys typed before raw mode, pastes, Ctrl-J
_MORE = ("-- more --", "Space/Enter go on", "q leave")
_UNPICKED = "Nothing is picked yet: type an option's number, or move to it with ↑↓ and press Enter."
_PASTED = "A paste is taken only as an option's number, or as Enter."
_PASTE_START, _PASTE_END = "\x1b[200~", "\x1b[201~"
_PASTE_LIMIT = 4096  # a paste longer than this is no answer: the rest is not kept


class _PasteGuard:
    """prompt-toolkit's key parser, with a bracketed paste the reader can always get out of.

    prompt-toolkit takes everything after ESC[200~ as pasted text until ESC[201~, so
    the start typed by hand, or a paste whose end never comes, swallows every key
    after it, Ctrl-C included. Here Ctrl-C or Ctrl-D drops an open paste and does
    what it always does, and a paste also ends at the first pause in the input: a
    terminal sends a paste all at once. Outside a paste the stock parser does the
    work; it never sees a paste's start, so it never enters its own paste mode.
    """

    def __init__(self, keys):
        self.keys = keys
        self.pasted: Optional[str] = None  # the open paste's text so far
        self.held = ""  # the end of the input so far, while it may be the start of a paste's mark

    def feed(self, data: str) -> None:
        data, self.held = self.held + data, ""
        while data:
            if self.pasted is None:
                start = data.find(_PASTE_START)
                if start < 0:
                    self.held = _mark_start(data, _PASTE_START)
                    self.keys.feed(data[:len(data) - len(self.held)])
                    return
                self.keys.feed(data[:start])
                self.keys.flush()  # keys typed before the paste come before it
                self.pasted, data = "", data[start + len(_PASTE_START):]
                continue
            ends = [i for i in (data.find(_PASTE_END), data.find("\x03"), data.find("\x04")) if i >= 0]
            if not ends:
                self.held = _mark_start(data, _PASTE_END)
                self._keep(data[:len(data) - len(self.held)])
                return
            end = min(ends)
            if data.startswith(_PASTE_END, end):
                self._keep(data[:end])
                self._end()
                data = data[end + len(_PASTE_END):]
            else:  # Ctrl-C or Ctrl-D: a paste cut short is no answer, and the key does what it always does
                self.pasted, data = None, data[end:]

    def flush(self) -> None:
        """Called by prompt-toolkit when the input pauses: an open paste ends here."""
        data, self.held = self.held, ""
        if self.pasted is not None:
            self._keep(data)
            self._end()
        else:
            self.keys.feed(data)
        self.keys.flush()

    def reset(self) -> None:
        self.pasted, self.held = None, ""
        self.keys.reset()

    def feed_and_flush(self, data: str) -> None:
        self.feed(data)
        self.flush()

    def _keep(self, text: str) -> None:
        self.pasted = (self.pasted + text)[:_PASTE_LIMIT]

    def _end(self) -> None:
        text, self.pasted = self.pasted, None
        self.keys.feed_key_callback(KeyPress(Keys.BracketedPaste, text))


def _mark_start(data: str, mark: str) -> str:
    """The longest end of `data` that may be the start of `mark`, split across two reads."""
    for n in range(min(len(mark) - 1, len(data)), 0, -1):
        if mark.startswith(data[-n:]):
            return data[-n:]
    return ""


def _scrolled(rows: list, focus: tuple[int, int], room: int, top: int) -> tuple[list, int]:
    """The rows that fit in `room` lines, from about `top` on, holding rows focus[0]..focus[1]-1.

    Rows left out are shown as a line saying so above or below. Returns the rows
    and the first one shown, to start from at the next drawing (so the list does
    not jump as the highlight moves).
    """
    if len(rows) <= room:
        return rows, 0
    room = max(room, 3)
    first, last = focus
    start = max(0, min(top, first, len(rows) - room + 1))
    while True:
        end = min(len(rows), start + room - (start > 0))
        end -= end < len(rows)
        if last <= end or start >= first:
            break
        start += 1
    more = [("class:hint", "  ↓ more below")] if end < len(rows) else []
    return ([("class:hint", "  ↑ more above")] if start else []) + rows[start:end] + more, start


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


class TerminalUI:
    """The session's UI on a real terminal; `input`/`output` are injectable for tests."""

    def __init__(self, colour: bool = True, input=None, output=None, poll: Optional[Callable[[], list]] = None):
        self.input = input or create_input()
        if hasattr(self.input, "vt100_parser"):  # every terminal input but Windows' console
            self.input.vt100_parser = _PasteGuard(self.input.vt100_parser)
        self.output = output or create_output()
        self.style = _COLOUR if colour else _MONO
        self.depth = ColorDepth.DEPTH_1_BIT if not colour else self.output.get_default_color_depth()
        # One Application, run once per prompt with that prompt's text and keys: building
        # one (and prompt-toolkit's default key bindings) anew each time costs milliseconds.
        self._render: Callable[[], list] = list
        self._keys = KeyBindings()
        self._app: Optional[Application] = None
        self._after_cr = False  # the last prompt was answered by CR: an LF right behind it is the same Enter
        self._highlight: Optional[int] = None  # where the highlight was at this scene's choice, kept across h and r
        self._shown = 0  # rows written since the last prompt: what the reader has not yet been asked to read
        self._paging = False
        self.poll = poll  # `play --watch`: the files changed since the last look
        self._held: Optional[str] = None  # a signal's outcome, kept until the game can end cleanly

    # -- output ------------------------------------------------------------------

    def columns(self) -> int:
        return self.output.get_size().columns

    def print(self, text: str = "", style: str = "") -> None:
        """Write lines straight to the terminal; `text` is already cleaned and wrapped."""
        for line in text.split("\n"):
            self._page_break()
            self._write(line, style)

    def para(self, text: str, style: str = "", first: str = "", message: bool = False) -> None:
        """A paragraph wrapped at the terminal's width. Where a page ends inside it, the rest is
        wrapped again at the width the terminal has when the reader goes on: a resize at
        `-- more --` then splits no word and pushes no unread line off the screen."""
        columns = self.columns()
        lines = wrap(text, columns, first=first, message=message).split("\n")
        for n, line in enumerate(lines):
            if self._page_break() and n and self.columns() != columns:
                hang = lines[n][:len(lines[n]) - len(lines[n].lstrip())]
                self.para(rest(clean(text), lines[:n], first), style, first=hang, message=message)
                return
            self._write(line, style)

    def _write(self, line: str, style: str) -> None:
        out = self.output
        out.set_attributes(self.style.get_attrs_for_style_str(f"class:{style}" if style else ""), self.depth)
        out.write(line)
        out.reset_attributes()
        out.write("\n")
        out.flush()
        if self._shown or line.strip():  # blank lines at the top of a page may scroll away unread
            self._shown += height(line, self.columns())

    @contextmanager
    def _paged(self):
        """Within it, output longer than the terminal waits at `-- more --` after each screenful,
        measured at the terminal's size of the moment: so a long scene's first lines are read,
        not scrolled away. Nothing else pages: a goodbye after Ctrl-C never waits."""
        self._paging = True
        try:
            yield
        finally:
            self._paging = False

    def _page_break(self) -> bool:
        """Show `-- more --` if the rows written since the reader last pressed a key fill the screen;
        True if it was shown."""
        if not self._paging:
            return False
        size = self.output.get_size()
        if self._shown < max(1, size.rows - len(hint_bar(_MORE, size.columns).split("\n"))):
            return False
        self._more()
        return True

    # -- prompts -------------------------------------------------------------------

    def _application(self) -> Application:
        if self._app is None:
            common = KeyBindings()

            @common.add("c-c")
            def _(event):
                event.app.exit(exception=KeyboardInterrupt)

            @common.add("c-d")
            def _(event):
                event.app.exit(exception=EOFError)

            @common.add(Keys.BracketedPaste)
            @common.add(Keys.Vt100MouseEvent)
            @common.add(Keys.Any)
            def _(event):
                """Pasted text and unknown keys do nothing. A typed `ESC[31m` looks like a mouse
                report to prompt-toolkit, whose own handler then fails; this one wins over it."""

            control = FormattedTextControl(lambda: self._render(), focusable=True, show_cursor=False)
            self._app = Application(
                layout=Layout(HSplit([Window(control, dont_extend_height=True, wrap_lines=True)])),
                key_bindings=merge_key_bindings([common, DynamicKeyBindings(lambda: self._keys)]),
                style=self.style, color_depth=self.depth, full_screen=False, erase_when_done=True,
                input=self.input, output=self.output, mouse_support=False)
        return self._app

    def _run(self, render: Callable[[], list], bindings: KeyBindings, discard: bool = False, watch=None):
        """One inline prompt; Ctrl-C and Ctrl-D end the game, every other key is ours or ignored.

        With `discard`, keys typed before the prompt appeared are dropped, so that an Enter
        meant for an earlier page cannot land on a choice. The LF of a CR+LF pair that
        answered the last prompt is dropped always: it is the same Enter. With `watch` (a
        function of the changed files) and --watch on, an edit to the story ends the prompt
        with watch(files).
        """
        pending = get_typeahead(self.input)
        if discard:
            pending = []
            self._drop_unread()
        elif self._after_cr and pending and pending[0].key == Keys.ControlJ:
            pending = pending[1:]
        self._after_cr = False
        store_typeahead(self.input, pending)
        self._render, self._keys = render, bindings
        app = self._application()
        watching = watch is not None and self.poll is not None

        def started():
            if self._held is not None:  # the signal came while the prompt was starting
                app.exit(exception=Stopped(self._held))
            elif watching:
                app.create_background_task(self._watching(app, watch))
        self._end_if_held()
        try:
            answer = app.run(handle_sigint=False, pre_run=started)
        finally:  # older prompt-toolkit releases leave the cursor hidden after an inline prompt
            self._shown = 0
            self.output.show_cursor()
            self.output.flush()
        self._end_if_held()
        return answer

    def _end_if_held(self) -> None:
        if self._held is not None:
            raise Stopped(self._held)

    async def _watching(self, app: Application, result) -> None:
        while True:
            await asyncio.sleep(0.25)
            changed = self.poll()
            if changed:
                app.exit(result=result(tuple(changed)))
                return

    def stop(self, outcome: str) -> bool:
        """End the game with Stopped, from a signal handler, only where that is safe.

        A prompt on screen is asked to end itself. Between prompts the outcome is
        held and raised when the next one starts: an exception raised while
        prompt-toolkit is starting or leaving its event loop leaves asyncio half
        built and prints its tracebacks.
        """
        self._held = outcome
        app = self._app
        loop = getattr(app, "loop", None)
        if app is None or not app.is_running or loop is None:
            return True

        def end():
            if app.is_running and app.future is not None and not app.future.done():
                app.exit(exception=Stopped(outcome))
        try:
            loop.call_soon_threadsafe(end)
        except RuntimeError:  # the loop has just closed: the held outcome ends the game at the next prompt
            pass
        return True

    def _drop_unread(self) -> None:
        """Throw away what the terminal holds unread (keys typed while a scene was drawn), and a paste begun then."""
        parser = getattr(self.input, "vt100_parser", None)
        if parser is not None:
            parser.reset()
        try:
            fd = self.input.fileno()
            if os.isatty(fd):
                termios.tcflush(fd, termios.TCIFLUSH)
        except (OSError, ValueError, NotImplementedError, termios.error):
            pass

    def _answered(self, event, value):
        self._after_cr = event.key_sequence[-1].key == Keys.ControlM
        event.app.exit(result=value)

    def _menu(self, header: str, items: Sequence[tuple[object, str, str]], hints: Sequence[str],
              extra: Optional[dict] = None, numbered: int = 0, start: Optional[int] = 0, discard: bool = False,
              watch: bool = False):
        """Pick one of `items` (value, label, mark); numbers 1..`numbered` pick the items marked with them.

        With `start` None nothing is highlighted: Enter then picks nothing and says how to pick.
        Returns (value, where the highlight was).
        """
        selected: list = [start]
        warning = [""]
        top = [0]  # the first row shown, when the menu is taller than the terminal
        marked = [i for i, (_, _, mark) in enumerate(items) if mark[:1].isdigit()][:numbered]
        digits = marked[:9]  # one key picks one of the first nine; a paste picks any
        bindings = KeyBindings()

        def render():
            """Drawn anew at each key and resize. The terminal's cursor stays at the menu's first
            row, where a terminal that re-flows lines on a resize keeps it too, so the old menu is
            erased whole before it is drawn at the new width; the hint bar and the highlighted
            option are always on screen, the rest scrolls."""
            return drawn(get_app().output.get_size())

        def drawn(size) -> list:
            rows: list = []
            if header:
                rows += [("class:prompt", line) for line in wrap(header, size.columns).split("\n")]
            focus = (0, len(rows) + 1)
            for n, (_, label, mark) in enumerate(items):
                lines = wrap(label, size.columns, first=("› " if n == selected[0] else "  ") + mark).split("\n")
                if n == selected[0]:
                    focus = (len(rows), len(rows) + len(lines))
                rows += [("class:selected" if n == selected[0] else "", line) for line in lines]
            if warning[0]:
                rows += [("class:note", line) for line in wrap(warning[0], size.columns).split("\n")]
            bar = [("class:hint", line) for line in hint_bar(hints, size.columns).split("\n")]
            shown, top[0] = _scrolled(rows, focus, size.rows - len(bar), top[0])
            return [(style, line + "\n") for style, line in shown + bar[:-1]] + bar[-1:]

        def move(step: int):
            def handler(event):
                warning[0] = ""
                now = selected[0]
                selected[0] = (step - 1 if step > 0 else step) % len(items) if now is None else (now + step) % len(items)
            return handler

        for key in ("up", "k", "s-tab", "left"):
            bindings.add(key)(move(-1))
        for key in ("down", "j", "tab", "right"):
            bindings.add(key)(move(1))

        def enter(event):
            if selected[0] is None:
                warning[0] = _UNPICKED
            else:
                self._answered(event, (items[selected[0]][0], selected[0]))

        for key in _ENTER:
            bindings.add(key)(enter)
        def digit(event):
            """A digit key picks, in any script the line player reads (`２`, `٢` as `2`); `²` and others do nothing."""
            n = option_number(event.data, len(digits))
            if n is not None:
                self._answered(event, (items[digits[n - 1]][0], digits[n - 1]))

        if digits:
            bindings.add(Keys.Any)(digit)  # bound keys (Enter, letters, arrows) still win over Any

        @bindings.add(Keys.BracketedPaste)
        def pasted(event):
            """A paste is one answer: an option's number (`12` too), or a line break for Enter."""
            text = clean(event.data)
            n = option_number(text, len(marked))
            if n is not None:
                self._answered(event, (items[marked[n - 1]][0], marked[n - 1]))
            elif not text.strip() and ("\r" in event.data or "\n" in event.data):
                enter(event)
            elif text.strip():
                warning[0] = _PASTED

        for key, value in (extra or {}).items():
            bindings.add(key)(lambda event, value=value: self._answered(event, (value, selected[0])))
        reload = (lambda files: (Action("reload", files=files), selected[0])) if watch else None
        size = self.output.get_size()
        if self._shown and self._shown + "".join(t for _, t in drawn(size)).count("\n") + 1 > size.rows:
            self._more()  # the menu would push lines off the screen before they were read
        return self._run(render, bindings, discard, reload)

    # -- the UI protocol --------------------------------------------------------------

    def say(self, message: str) -> None:
        self.print()
        self.para(message, "note", message=True)

    def confirm(self, question: str, default: bool) -> bool:
        items = [(True, "Yes", ""), (False, "No", "")] if default else [(False, "No", ""), (True, "Yes", "")]
        answer, _ = self._menu(question, items, ("↑↓ move", "Enter pick", "y yes", "n no"),
                               {"y": True, "n": False, "escape": False})
        self.para(f"{_one_line(question)} {'Yes' if answer else 'No'}", "hint")
        return answer

    def notes(self, story: Story) -> bool:
        with self._paged():  # the content notes are read before the first scene, at any size
            self.print()
            self.para(clean(story.title), "title")
            for line in credits(story):
                self.para(line)
            if story.content_notes:
                self.print()
                self.para("Before you begin, this story contains:")
                for note in story.content_notes:
                    self.para(clean(note), first="  - ")
            self.print()
        begin, _ = self._menu("", [(True, "Begin the story", ""), (False, "Leave", "")],
                              ("↑↓ move", "Enter pick", "q leave"), {"q": False, "escape": False})
        return begin

    def scene(self, view: runtime.View) -> None:
        self._highlight = None
        where = f"Scene {view.position} of {view.total} · " if view.position else ""  # an ending takes no number
        with self._paged():
            self.print()
            self.para(where + clean(view.title), "title")
            self.print()
            for p in view.paragraphs:
                self.para(_one_line(p))
                self.print()

    def _more(self) -> None:
        """Wait for Space or Enter between pages; the prompt is erased, so the scrollback reads on unbroken."""
        bindings = KeyBindings()
        for key in (" ",) + _ENTER:
            bindings.add(key)(lambda event: self._answered(event, None))

        @bindings.add("q")
        def _(event):
            event.app.exit(exception=EOFError)

        self._run(lambda: [("class:hint", hint_bar(_MORE, self.columns()))], bindings)

    def ask(self, view: runtime.View, commands: frozenset[str]) -> Action:
        """A choice, a reflection (the highlight starts on "Go on", which has no number) or a plain "go on"."""
        go_on = (Action("go_on"), "Go on without choosing" if view.options else "Go on", "   " if view.options else "")
        items: list = [go_on] if view.can_go_on else []
        items += [(Action("choose", i), _one_line(t), f"{n}. ") for n, (i, t) in enumerate(view.options, 1)]
        if not items:
            items.append((Action("quit"), "Quit", ""))
        extra = {key: Action(kind) for key, kind in _COMMAND_KEYS.items() if kind in commands}
        if view.can_go_on:
            extra["-"] = Action("go_on")
        keys = []
        if len(items) > 1:
            keys.append("↑↓ move")
        stuck = not view.options and not view.can_go_on  # an ending (or a stranded reader) kept open by --watch
        keys.append("Enter quit" if stuck else "Enter go on" if not view.options else "Enter pick")
        if view.options:
            keys.append("1 pick" if len(view.options) == 1 else f"1-{min(len(view.options), 9)} pick")
        if view.options and view.can_go_on:
            keys.append("- go on")
        keys += [text for kind, text in _COMMAND_HINTS if kind in commands]
        start = self._highlight if self._highlight is not None else (0 if view.can_go_on or stuck else None)
        action, self._highlight = self._menu(_one_line(view.prompt), items, keys, extra,
                                             numbered=len(view.options), start=start, discard=bool(view.options),
                                             watch=True)
        if view.options and action.kind in ("choose", "go_on"):
            self.para(_one_line(view.prompt), "prompt")
            if action.kind == "choose":
                self.para(dict(view.options)[action.index], "chosen", first="› ")
            else:
                self.para("(you go on without choosing)", "hint")
        return action

    def ask_slot(self) -> str:
        """A slot name typed key by key (or pasted): only characters a slot name may hold are taken.

        The name is typed on the first row, so that the cursor stays on the prompt's first row (see _menu).
        """
        name = [""]
        bindings = KeyBindings()

        def render():
            columns = get_app().output.get_size().columns
            return [("class:prompt", "Save as: "), ("", name[0]), ("[SetCursorPosition]", ""), ("", " \n"),
                    ("class:hint", hint_bar(("a-z 0-9 - _", "Enter save", "Esc cancel"), columns))]

        @bindings.add("enter")
        @bindings.add("c-j")
        def _(event):
            self._answered(event, name[0])

        @bindings.add("escape")
        def _(event):
            event.app.exit(result="")

        @bindings.add("backspace")
        def _(event):
            name[0] = name[0][:-1]

        def typed(text: str):
            for ch in text.lower():
                if SLOT_NAME.fullmatch(name[0] + ch):
                    name[0] += ch

        for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_":
            bindings.add(ch)(lambda event: typed(event.data))

        @bindings.add(Keys.BracketedPaste)
        def _(event):
            lines = event.data.strip().splitlines()
            typed(lines[0] if lines else "")
        return self._run(render, bindings)

    def recap(self, steps: Sequence[tuple[str, Optional[str]]]) -> None:
        with self._paged():
            self.print()
            if not steps:
                self.para("Recap: you have only just begun.", "title")
                return
            self.para("Recap: your path so far", "title")
            self._path(steps)

    def _path(self, steps: Sequence[tuple[str, Optional[str]]]) -> None:
        for n, (title, choice) in enumerate(steps, 1):
            self.para(f"{clean(title)}" + (f": {_one_line(choice)}" if choice else ""), first=f"  {n}. ")

    def problems(self, lines: Sequence[str]) -> None:
        """Diagnostics as validate prints them: one unwrapped line each, so `file:line:col` stays whole."""
        for line in lines:
            self.print(("  " if line.startswith("  ") else "") + " ".join(clean(line).split()), "note")

    def variables(self, values: Sequence[tuple[str, object]]) -> None:
        shown = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in values)
        self.para(f"Variables: {shown or 'none'}", "hint", first="  ")

    def help(self) -> None:
        with self._paged():
            self.print()
            self.para("Keys", "title")
            for key, what in HELP:
                self.para(what, first=f"  {key}: ")

    def ending(self, view: runtime.View, steps: Sequence[tuple[str, Optional[str]]], again: str) -> None:
        with self._paged():  # going on from the last page of the ending scene
            self.para("The end.", "title")
            if steps:
                self.print()
                self.para("Your path:")
                self._path(steps)
            self.print()
            self.para(f"To play again from the start: {again}", "hint", message=True)
        if self.poll is None:  # with --watch the player stays open on the ending anyway
            self._any_key(("-- the end --", "press any key"))

    def _any_key(self, hints: Sequence[str]) -> None:
        """Hold the last screen until the reader has seen it; any key, Ctrl-C and Ctrl-D included, leaves."""
        bindings = KeyBindings()
        for key in (Keys.Any, "c-c", "c-d") + _ENTER:
            bindings.add(key)(lambda event: event.app.exit(result=None))
        self._run(lambda: [("class:hint", hint_bar(hints, self.columns()))], bindings, discard=True)
