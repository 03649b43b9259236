"""The terminal player: prose printed wrapped, options picked with arrows, Enter or a number.

The only module that imports prompt_toolkit. It is started only when stdin
and stdout are both terminals (prompt-toolkit writes escape codes into pipes
and fails on a closed stdin), and each prompt is a small inline Application
whose keys are all listed here: no text buffer takes arbitrary input, so a
paste of escape sequences or undecodable bytes has nowhere to go.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from prompt_toolkit.application import Application, get_app
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding import DynamicKeyBindings, KeyBindings, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, HSplit, Layout, Window
from prompt_toolkit.output import ColorDepth, create_output
from prompt_toolkit.styles import Style

from engine import runtime
from engine.frontend.session import HELP, Action, credits
from engine.frontend.text import clean, wrap
from engine.model import Story
from engine.saves import SLOT_NAME

_COLOUR = Style.from_dict({"title": "bold", "prompt": "bold", "selected": "reverse bold",
                           "hint": "fg:ansibrightblack", "chosen": "fg:ansicyan", "note": "fg:ansiyellow"})
_MONO = Style.from_dict({"title": "bold", "prompt": "bold", "selected": "reverse", "hint": "", "chosen": "",
                         "note": ""})
_KEYS_HINT = "↑↓ move · Enter pick · u undo · s save · r recap · h help · q quit"
_COMMAND_KEYS = {"u": "undo", "s": "save", "r": "recap", "h": "help", "?": "help", "q": "quit"}


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


class TerminalUI:
    """The session's UI on a real terminal; `input`/`output` are injectable for tests."""

    def __init__(self, colour: bool = True, input=None, output=None):
        self.input = input or create_input()
        self.output = output or create_output()
        self.style = _COLOUR if colour else _MONO
        self.depth = ColorDepth.DEPTH_1_BIT if not colour else self.output.get_default_color_depth()
        # One Application, run once per prompt with that prompt's text and keys: building
        # one (and prompt-toolkit's default key bindings) anew each time costs milliseconds.
        self._render: Callable[[], list] = list
        self._keys = KeyBindings()
        self._app: Optional[Application] = None

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

    def _run(self, render: Callable[[], list], bindings: KeyBindings):
        """One inline prompt; Ctrl-C and Ctrl-D end the game, every other key is ours or ignored."""
        self._render, self._keys = render, bindings
        return self._application().run(handle_sigint=False)

    def _menu(self, header: str, items: Sequence[tuple[object, str]], extra: Optional[dict] = None,
              numbered: int = 0):
        """Pick one of `items` (value, label); the first `numbered` items also answer to their digit."""
        selected = [0]
        bindings = KeyBindings()

        def render():
            width = get_app().output.get_size().columns
            lines: list = []
            if header:
                lines += [("class:prompt", wrap(header, width) + "\n")]
            for n, (_, label) in enumerate(items):
                mark = f"{n + 1}. " if n < numbered else "   " if numbered else ""
                text = wrap(label, width, first=("› " if n == selected[0] else "  ") + mark)
                if n == selected[0]:
                    lines += [("[SetCursorPosition]", ""), ("class:selected", text), ("", "\n")]
                else:
                    lines += [("", text + "\n")]
            lines += [("class:hint", wrap(_KEYS_HINT, width))]
            return lines

        def move(step: int):
            def handler(event):
                selected[0] = (selected[0] + step) % len(items)
            return handler

        for key in ("up", "k", "s-tab", "left"):
            bindings.add(key)(move(-1))
        for key in ("down", "j", "tab", "right"):
            bindings.add(key)(move(1))

        @bindings.add("enter")
        def _(event):
            event.app.exit(result=items[selected[0]][0])

        for n in range(min(numbered, 9)):
            bindings.add(str(n + 1))(lambda event, n=n: event.app.exit(result=items[n][0]))
        for key, value in (extra or {}).items():
            bindings.add(key)(lambda event, value=value: event.app.exit(result=value))
        return self._run(render, bindings)

    # -- the UI protocol --------------------------------------------------------------

    def say(self, message: str) -> None:
        self.print()
        self.para(message, "note")

    def confirm(self, question: str, default: bool) -> bool:
        items = [(True, "Yes"), (False, "No")] if default else [(False, "No"), (True, "Yes")]
        answer = self._menu(question, items, {"y": True, "n": False, "escape": False})
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
        return self._menu("", [(True, "Begin the story"), (False, "Leave")], {"q": False, "escape": False})

    def scene(self, view: runtime.View) -> None:
        self.print()
        where = f"Scene {view.position} of {view.total} · " if view.position else ""  # an ending takes no number
        self.para(where + clean(view.title), "title")
        self.print()
        for p in view.paragraphs:
            self.para(_one_line(p))
            self.print()

    def ask(self, view: runtime.View) -> Action:
        items: list[tuple[object, str]] = [(Action("choose", i), _one_line(t)) for i, t in view.options]
        if view.can_go_on:
            items.append((Action("go_on"), "Go on without choosing" if view.options else "Go on"))
        extra = {key: Action(kind) for key, kind in _COMMAND_KEYS.items()}
        if view.can_go_on:
            extra["-"] = Action("go_on")
        action = self._menu(_one_line(view.prompt), items, extra, numbered=len(view.options))
        if action.kind == "choose":
            self.para(dict(view.options)[action.index], "chosen", first="› ")
        elif action.kind == "go_on" and view.options:
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
        def _(event):
            event.app.exit(result=name[0])

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
        self.para(f"To play again from the start: {again}", "hint")
