"""The terminal player: prose printed wrapped, options picked with arrows, Enter or a number.

The only module that imports prompt_toolkit. It is started only when stdin
and stdout are both terminals (prompt-toolkit writes escape codes into pipes
and fails on a closed stdin), and each prompt is a small inline Application
whose keys are all listed here: no text buffer takes arbitrary input, so a
paste of escape sequences or undecodable bytes has nowhere to go.
"""

from __future__ import annotations

import asyncio
import os
import termios
from typing import Callable, Optional, Sequence

from prompt_toolkit.application import Application, get_app
from prompt_toolkit.input import create_input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import DynamicKeyBindings, KeyBindings, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, HSplit, Layout, Window
from prompt_toolkit.output import ColorDepth, create_output
from prompt_toolkit.styles import Style

from engine import runtime
from engine.frontend.session import HELP, Action, Stopped, credits, option_number
from engine.frontend.text import clean, wrap
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
_MORE = "-- more (Space or Enter; q leaves) --"
_UNPICKED = "Nothing is picked yet: type an option's number, or move to it with ↑↓ and press Enter."


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


class TerminalUI:
    """The session's UI on a real terminal; `input`/`output` are injectable for tests."""

    def __init__(self, colour: bool = True, input=None, output=None, poll: Optional[Callable[[], list]] = None):
        self.input = input or create_input()
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
        self.poll = poll  # `play --watch`: the files changed since the last look

    # -- output ------------------------------------------------------------------

    def columns(self) -> int:
        return self.output.get_size().columns

    def print(self, text: str = "", style: str = "") -> None:
        """Write a line straight to the terminal; `text` is already cleaned and wrapped."""
        out = self.output
        out.set_attributes(self.style.get_attrs_for_style_str(f"class:{style}" if style else ""), self.depth)
        out.write(text)
        out.reset_attributes()
        out.write("\n")
        out.flush()

    def para(self, text: str, style: str = "", **kw) -> None:
        self.print(wrap(text, self.columns(), **kw), style)

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
        try:
            return app.run(handle_sigint=False,
                           pre_run=(lambda: app.create_background_task(self._watching(app, watch))) if watching else None)
        finally:  # older prompt-toolkit releases leave the cursor hidden after an inline prompt
            self.output.show_cursor()
            self.output.flush()

    async def _watching(self, app: Application, result) -> None:
        while True:
            await asyncio.sleep(0.25)
            changed = self.poll()
            if changed:
                app.exit(result=result(tuple(changed)))
                return

    def stop(self, outcome: str) -> bool:
        """End the prompt on screen with Stopped (from a signal handler); False when none is up."""
        app = self._app
        loop = getattr(app, "loop", None)
        if app is None or not app.is_running or loop is None:
            return False

        def end():
            if app.is_running and app.future is not None and not app.future.done():
                app.exit(exception=Stopped(outcome))
        loop.call_soon_threadsafe(end)
        return True

    def _drop_unread(self) -> None:
        """Throw away what the terminal holds unread (keys typed while a scene was drawn)."""
        try:
            fd = self.input.fileno()
            if os.isatty(fd):
                termios.tcflush(fd, termios.TCIFLUSH)
        except (OSError, ValueError, NotImplementedError, termios.error):
            pass

    def _answered(self, event, value):
        self._after_cr = event.key_sequence[-1].key == Keys.ControlM
        event.app.exit(result=value)

    def _menu(self, header: str, items: Sequence[tuple[object, str, str]], hint: str,
              extra: Optional[dict] = None, numbered: int = 0, start: Optional[int] = 0, discard: bool = False,
              watch: bool = False):
        """Pick one of `items` (value, label, mark); digits 1..`numbered` pick the items marked with them.

        With `start` None nothing is highlighted: Enter then picks nothing and says how to pick.
        Returns (value, where the highlight was).
        """
        selected: list = [start]
        warning = [""]
        digits = [i for i, (_, _, mark) in enumerate(items) if mark[:1].isdigit()][:min(numbered, 9)]
        bindings = KeyBindings()

        def render():
            width = get_app().output.get_size().columns
            lines: list = []
            if header:
                lines += [("class:prompt", wrap(header, width) + "\n")]
            for n, (_, label, mark) in enumerate(items):
                text = wrap(label, width, first=("› " if n == selected[0] else "  ") + mark)
                if n == selected[0]:
                    lines += [("[SetCursorPosition]", ""), ("class:selected", text), ("", "\n")]
                else:
                    lines += [("", text + "\n")]
            if warning[0]:
                lines += [("class:note", wrap(warning[0], width) + "\n")]
            lines += [("class:hint", wrap(hint, width))]
            return lines

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
        for key, value in (extra or {}).items():
            bindings.add(key)(lambda event, value=value: self._answered(event, (value, selected[0])))
        reload = (lambda files: (Action("reload", files=files), selected[0])) if watch else None
        return self._run(render, bindings, discard, reload)

    # -- the UI protocol --------------------------------------------------------------

    def say(self, message: str) -> None:
        self.print()
        self.para(message, "note", message=True)

    def confirm(self, question: str, default: bool) -> bool:
        items = [(True, "Yes", ""), (False, "No", "")] if default else [(False, "No", ""), (True, "Yes", "")]
        answer, _ = self._menu(question, items, "↑↓ move · Enter pick · y yes · n no",
                               {"y": True, "n": False, "escape": False})
        self.para(f"{_one_line(question)} {'Yes' if answer else 'No'}", "hint")
        return answer

    def notes(self, story: Story) -> bool:
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
                              "↑↓ move · Enter pick · q leave", {"q": False, "escape": False})
        return begin

    def scene(self, view: runtime.View) -> None:
        """Printed a screenful at a time, so that a long scene's title and first lines are read, not scrolled away."""
        self._highlight = None
        where = f"Scene {view.position} of {view.total} · " if view.position else ""  # an ending takes no number
        blocks = [("", ""), (where + clean(view.title), "title"), ("", "")]
        for p in view.paragraphs:
            blocks += [(_one_line(p), ""), ("", "")]
        shown = 0
        for text, style in blocks:
            # Wrapped at the width of the moment, so a resize between pages is followed.
            for line in (wrap(text, self.columns()) if text else "").split("\n"):
                if shown >= self.output.get_size().rows - self._wrapped(_MORE).count("\n") - 1:  # room for the prompt
                    self._more()
                    shown = 0
                self.print(line, style)
                shown += 1

    def _more(self) -> None:
        """Wait for Space or Enter between pages; the prompt is erased, so the scrollback reads on unbroken."""
        bindings = KeyBindings()
        for key in (" ",) + _ENTER:
            bindings.add(key)(lambda event: self._answered(event, None))

        @bindings.add("q")
        def _(event):
            event.app.exit(exception=EOFError)

        self._run(lambda: [("class:hint", self._wrapped(_MORE))], bindings)

    def _wrapped(self, text: str) -> str:
        return wrap(text, self.columns())

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
        action, self._highlight = self._menu(_one_line(view.prompt), items, " · ".join(keys), extra,
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
        """A slot name typed key by key: only characters a slot name may hold are taken."""
        name = [""]
        bindings = KeyBindings()

        def render():
            width = get_app().output.get_size().columns
            return [("class:prompt", wrap("Save as (letters, digits, - and _; Enter saves, Esc cancels):", width)
                     + "\n"), ("", "> " + name[0]), ("[SetCursorPosition]", ""), ("", " ")]

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

        def typed(event):
            candidate = name[0] + event.data.lower()
            if SLOT_NAME.fullmatch(candidate):
                name[0] = candidate

        for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_":
            bindings.add(ch)(typed)
        return self._run(render, bindings)

    def recap(self, steps: Sequence[tuple[str, Optional[str]]]) -> None:
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
        self.print()
        self.para("Keys", "title")
        for key, what in HELP:
            self.para(what, first=f"  {key}: ")

    def ending(self, view: runtime.View, steps: Sequence[tuple[str, Optional[str]]], again: str) -> None:
        self.para("The end.", "title")
        if steps:
            self.print()
            self.para("Your path:")
            self._path(steps)
        self.print()
        self.para(f"To play again from the start: {again}", "hint", message=True)
        if self.poll is None:  # with --watch the player stays open on the ending anyway
            self._any_key("-- the end: press any key --")

    def _any_key(self, text: str) -> None:
        """Hold the last screen until the reader has seen it; any key, Ctrl-C and Ctrl-D included, leaves."""
        bindings = KeyBindings()
        for key in (Keys.Any, "c-c", "c-d") + _ENTER:
            bindings.add(key)(lambda event: event.app.exit(result=None))
        self._run(lambda: [("class:hint", self._wrapped(text))], bindings, discard=True)
