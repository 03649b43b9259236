"""One reading of a story, from the resume question to the ending, for either player.

The flow (resume or not, content notes, scene, answer, autosave, undo, save,
ending) is the same in the line player and the full-screen one; only how a
scene is drawn and how an answer is asked differ. So the flow lives here,
once, and each player supplies a small `UI` with those two skills.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Sequence

from engine import explore, runtime
from engine.errors import EngineError
from engine.frontend.text import clean, clean_line
from engine.model import Story
from engine.saves import AUTOSAVE, BrokenSave, SaveError, SaveFolder, check_slot

ENDED, QUIT, EOF, INTERRUPTED, STRANDED, LOOPED = "ended", "quit", "eof", "interrupted", "stranded", "looped"
TERMINATED, HUNG_UP = "terminated", "hung up"  # SIGTERM, SIGHUP


class Stopped(BaseException):
    """Raised by the player's SIGTERM/SIGHUP handler, so the game unwinds (terminal restored, place kept)."""

    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome

HELP = (
    ("1-9", "pick that option"),
    ("arrows, Enter", "move to an option and pick it (full-screen player)"),
    ("Enter / -", "go on without choosing, where the story allows; at a reflection the highlight starts on "
                  "“Go on”"),
    ("u", "undo the last step"),
    ("s", "save to a named slot"),
    ("r", "recap: your path and reflections so far"),
    ("v", "the story's variables now (an author's view)"),
    ("h / ?", "this help"),
    ("q", "quit (your place is kept)"),
    ("Ctrl-C / Ctrl-D", "quit at once (your place is kept)"),
)


@dataclass(frozen=True)
class Action:
    """What the reader asked for: kind is choose, go_on, undo, save, recap, vars, help or quit;
    `reload` comes from the player itself when a watched file changed (`files`)."""

    kind: str
    index: Optional[int] = None
    slot: str = ""
    files: tuple[str, ...] = ()


# What a reader can do at a prompt besides answering; `Session.commands` says which work now.
COMMANDS = ("undo", "save", "recap", "vars", "help", "quit")


class UI(Protocol):
    def say(self, message: str) -> None: ...
    def confirm(self, question: str, default: bool) -> bool: ...
    def notes(self, story: Story) -> bool: ...
    def scene(self, view: runtime.View) -> None: ...
    def ask(self, view: runtime.View, commands: frozenset[str]) -> Action: ...
    def ask_slot(self) -> str: ...
    def recap(self, steps: Sequence[tuple[str, Optional[str]]]) -> None: ...
    def help(self) -> None: ...
    def variables(self, values: Sequence[tuple[str, object]]) -> None: ...
    def problems(self, lines: Sequence[str]) -> None: ...
    def ending(self, view: runtime.View, steps: Sequence[tuple[str, Optional[str]]], again: str) -> None: ...


def credits(story: Story) -> list[str]:
    """The lines shown under the title before the content notes: byline, summary, source credit."""
    lines = [f"by {story.author}"] if story.author else []
    if story.summary:
        lines.append(story.summary)
    source = story.source
    if source and (source.title or source.author or source.url):
        work = f"“{source.title}”" if source.title else "a work"
        credit = f"Adapted from {work}" + (f" by {source.author}" if source.author else "") + "."
        if source.url:
            credit += f" {source.url}"
        lines.append(credit)
    if source and source.note:
        lines.append(source.note)
    return [clean(line) for line in lines]


def option_number(answer: str, count: int) -> Optional[int]:
    """The 1-based option a typed answer names, or None: `2`, `２` or `٢` name option 2; `²` names none.

    Only decimal digits count (str.isdigit also takes superscripts, which int()
    refuses), and a long run of them is no option, whatever int() would make of it.
    """
    answer = answer.strip()
    if not answer.isdecimal() or len(answer) > 3:
        return None
    n = int(answer)
    return n if 1 <= n <= count else None


def _value(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


class ScriptError(EngineError):
    """A scripted answer that names no option."""


class Session:
    """A reader's game: the story, the state, and where it is saved."""

    def __init__(self, story: Story, ui: UI, folder: Optional[SaveFolder], slot: str = AUTOSAVE,
                 command: str = "vignettes play", state: Optional[runtime.State] = None,
                 reload: Optional[Callable[[], tuple[Optional[Story], list]]] = None, show_vars: bool = False):
        self.story = story
        self.ui = ui
        self.folder = folder
        self.slot = check_slot(slot)
        self.command = command
        self.state = state or runtime.start(story)
        self._unprompted: dict = {}  # states passed since the last prompt, in order (a dict keeps it)
        self._tracked: Optional[tuple[str, ...]] = None
        self.loop: list[str] = []
        self.reload = reload  # `play --watch`: the story as it is on disk now, or None and its errors
        self.show_vars = show_vars
        self.transcript: list[str] = [f"# {clean(story.title)}", ""]
        self.save_failed = False
        self.blocked = False  # the slot holds a file that could not be moved aside: never write over it
        self._saving: Optional[threading.Thread] = None
        self._save_error: Optional[Exception] = None

    # -- saves -----------------------------------------------------------------

    def autosave(self) -> None:
        """Keep the reader's place after every step, written while the next scene is drawn.

        fsync on a busy disk can take tens of milliseconds; the reader should not
        wait for it. One save is in flight at most, and every way out waits for it.
        """
        if self.folder is None or self.blocked:
            return
        self.finish_saving()
        data = runtime.to_dict(self.story, self.state)
        self._saving = threading.Thread(target=self._write, args=(data,), name="vignettes-autosave")
        self._saving.start()

    def _write(self, data: dict) -> None:
        try:
            self.folder.write(self.slot, data)
            self._save_error = None
        except (OSError, SaveError) as e:
            self._save_error = e

    def finish_saving(self) -> None:
        """Wait for the autosave in flight; a failing disk is reported once, and is not fatal."""
        if self._saving is not None:
            self._saving.join()
            self._saving = None
        e = self._save_error
        if e is not None and not self.save_failed:
            self.ui.say(f"Your place could not be saved ({getattr(e, 'strerror', None) or e}); "
                        "the story goes on without saving.")
        self.save_failed = e is not None

    def resume(self, mode: str) -> bool:
        """Pick up the slot's save. Mode: ask, yes (--resume), new (--new: the old save is kept as
        `previous`) or no (a script: start afresh). False: the reader left."""
        if self.folder is None:
            return True
        self.folder.clear_stale()
        if mode == "new" and not self._finished():
            self._keep_previous()
        if mode in ("no", "new"):
            return True
        try:
            data = self.folder.read(self.slot)
        except BrokenSave as e:
            self._broken(e)
            return mode == "yes" or self.ui.confirm("Start a new game?", True)
        if data is None:
            if mode == "yes":
                self.ui.say(f"There is no saved game in slot '{self.slot}'; starting a new one.")
            return True
        try:
            state = runtime.from_dict(self.story, data)
        except EngineError as e:
            kept, self.blocked = self.folder.set_aside(self.slot, "broken")
            where = f" It is kept in {kept}." if kept else ""
            self.ui.say(f"Your saved game no longer fits this story, which has changed since you saved "
                        f"({e.message}).{where}")
            if self.blocked:
                self.ui.say("It could not be moved aside, so this game will not be saved over it: "
                            "your place cannot be kept this time.")
            return mode == "yes" or self.ui.confirm("Start a new game?", True)
        if runtime.view(self.story, state).is_ending or not state.answers:
            if mode == "yes" and state.answers:
                self.ui.say(f"The game in slot '{self.slot}' had reached its end; starting a new one.")
            return True
        v = runtime.view(self.story, state)
        changed = not runtime.is_current(self.story, data)
        if mode == "ask" and not self.ui.confirm(
                f"Resume where you left off, in scene {v.position} of {v.total}, “{clean(v.title)}”?", True):
            self._keep_previous()
            return True
        self.state = state
        if changed:
            self.ui.say("The story has changed since you saved; your answers were replayed on it, "
                        "and you are back where you were.")
        return True

    def _broken(self, e: BrokenSave) -> None:
        """Tell the reader what was wrong with their save, where it is kept, and whether play is saved."""
        if e.newer and e.kept_at:
            slot = e.kept_at.stem
            self.ui.say(f"Your saved game was not opened: {e.message}. It is kept as the slot '{slot}'; "
                        f"the newer vignettes resumes it with --slot {slot}.")
        else:
            kept = f" Its bytes are kept in {e.kept_at}." if e.kept_at else ""
            self.ui.say(f"Your saved game could not be read: {e.message}.{kept}")
        if e.blocked:
            self.blocked = True
            self.ui.say(f"It could not be moved aside, so it stays in {self.folder.slot_path(self.slot)}, and this "
                        "game will not be saved over it: your place cannot be kept this time.")

    def untouched(self) -> bool:
        """Whether the slot still holds an unfinished game this session never played on (the reader
        left at the resume question, say): it is kept, and resuming it still works."""
        if self.folder is None or self.blocked or self.state.answers:
            return False
        saved = self._saved()
        return saved is not None and bool(saved.answers) and not runtime.view(self.story, saved).is_ending

    def _finished(self) -> bool:
        """Whether the slot holds a game played to its end: nothing to keep, nothing to resume."""
        saved = self._saved()
        return saved is not None and runtime.view(self.story, saved).is_ending

    def _saved(self) -> Optional[runtime.State]:
        """The slot's game as it would be resumed; None when there is none, or it cannot be read or replayed."""
        try:
            data = self.folder.read(self.slot)
            return runtime.from_dict(self.story, data) if data is not None else None
        except EngineError:
            return None

    def _keep_previous(self) -> None:
        """A new game must not overwrite the old one at its first step: keep it under another slot."""
        try:
            previous = self.folder.keep_previous(self.slot)
        except OSError as e:
            self.blocked = True
            self.ui.say(f"Your earlier game could not be set aside ({e.strerror or e}); this game will not be "
                        "saved over it.")
            return
        if previous:
            self.ui.say(f"Your earlier game is kept in slot '{previous}': {self.command} --slot {previous} "
                        "resumes it.")

    # -- the reading -------------------------------------------------------------

    def play(self, resume: str = "ask", show_notes: bool = True) -> str:
        """Run until the ending or until the reader leaves; returns how it ended."""
        try:
            if not self.resume(resume):
                return QUIT
            if self.state.is_authors_run:
                scene, values = self.state.origin
                changed = ", ".join(f"{k}={_value(v)}" for k, v in values if self.story.start_values.get(k) != v)
                self.ui.say(f"Author's run: from scene '{scene}'" + (f" with {changed}" if changed else "")
                            + ". Nothing is saved, and the reader's saved game is left as it was.")
            elif show_notes and not self.state.answers and not self.ui.notes(self.story):
                return QUIT
            return self._loop()
        except KeyboardInterrupt:
            return INTERRUPTED
        except Stopped as stop:
            return stop.outcome
        except EOFError:
            return EOF
        finally:
            self.finish_saving()

    def _loop(self) -> str:
        shown = stopped = None
        while True:
            v = runtime.view(self.story, self.state)
            moved = shown != self.state  # recap, help and the like leave the reader where they were
            if moved:
                self.ui.scene(v)
                self._record_scene(v)
                if self.show_vars:
                    self.ui.variables(self.state.variables)
                shown = self.state
            if (v.stranded or v.is_ending) and stopped != self.state:
                self.autosave()
                if v.is_ending:
                    self.ui.ending(v, runtime.recap(self.story, self.state), f"{self.command} --new")
                if self.reload is None:
                    return STRANDED if v.stranded else ENDED  # stranded: a story bug, never shown as an ending
                stopped = self.state
                self.ui.say(("The reader is stranded here: no option is open and there is no `next:`. " if v.stranded
                             else "") + "Still watching the story: save an edit to see it here; u undoes, q quits.")
            if self.reload is None and moved and self._goes_round(v):
                self.autosave()
                return LOOPED
            action = self.ui.ask(v, self.commands())
            if action.kind == "choose":
                self._record_answer(v, dict(v.options)[action.index])
                self.state = runtime.choose(self.story, self.state, action.index)
                self.autosave()
            elif action.kind == "go_on":
                self._record_answer(v, None)
                self.state = runtime.go_on(self.story, self.state)
                self.autosave()
            elif action.kind == "undo":
                self.undo()
            elif action.kind == "save":
                self.save_as(action.slot or self.ui.ask_slot())
            elif action.kind == "recap":
                self.ui.recap(runtime.recap(self.story, self.state))
            elif action.kind == "help":
                self.ui.help()
            elif action.kind == "vars":
                self.ui.variables(self.state.variables)
            elif action.kind == "reload":
                if self.reload_story(action.files):
                    shown = stopped = None
            elif action.kind == "quit":
                return ENDED if v.is_ending else QUIT

    def _goes_round(self, v: runtime.View) -> bool:
        """True when a state comes back with no prompt since it was last met: the story loops for ever.

        Sets `self.loop` to the scenes of the loop, for the message.
        """
        if v.options or v.is_ending or v.stranded:
            self._unprompted.clear()
            return False
        if self._tracked is None:
            self._tracked = explore.tracked_scenes(self.story)
        key = explore.project(self.story, self.state, self._tracked)
        if key in self._unprompted:
            scenes = [k[0] for k in self._unprompted]
            self.loop = scenes[scenes.index(key[0]):] + [key[0]]
            return True
        self._unprompted[key] = None
        return False

    def reload_story(self, files: Sequence[str]) -> bool:
        """Take up the story as edited, keeping the reader's place by replaying the answers as far as they fit.

        An edit that breaks the story leaves the last good version playing. True: the story was reloaded.
        """
        what = ", ".join(files) or "a story file"
        story, problems = self.reload()
        if story is None:
            self.ui.say(f"{what} changed, but the story now has errors; still playing the last good version "
                        "until they are fixed:")
            lines = []
            for d in problems[:10]:
                lines += [d.concise()] + ([f"  hint: {d.hint}"] if d.hint else [])
            self.ui.problems(lines + ([f"... and {len(problems) - 10} more"] if len(problems) > 10 else []))
            return False
        state, stopped = runtime.replay_as_far(story, self.state.answers, self.state.origin)
        self.story, self.state = story, state
        if stopped is None:
            self.ui.say(f"Reloaded ({what} changed); your {len(state.answers)} answer(s) were replayed.")
        else:
            self.ui.say(f"Reloaded ({what} changed). The edit changed the path, so the replay stopped: "
                        f"{stopped.message.split(': ', 1)[0]}. You are in scene '{state.scene}', after "
                        f"{len(state.answers)} answer(s).")
        return True

    def commands(self) -> frozenset[str]:
        """The commands that do something now: undo once there is a step, save when saves are on."""
        off = {"undo"} if not self.state.answers else set()
        if self.folder is None:
            off.add("save")
        return frozenset(COMMANDS) - off

    def undo(self) -> None:
        if not self.state.answers:
            self.ui.say("Nothing to undo: this is where the story starts.")
            return
        self.state = runtime.undo(self.story, self.state)
        self._unprompted.clear()  # going back is the reader's doing: meeting a scene again is no loop
        self.transcript += ["*(undone)*", ""]
        self.autosave()
        v = runtime.view(self.story, self.state)
        self.ui.say(f"Undone: back to scene {v.position} of {v.total}, “{clean(v.title)}”.")

    def save_as(self, name: str) -> None:
        name = clean_line(name)
        if not name:
            return
        if self.folder is None:
            self.ui.say("Saving is off for this game.")
            return
        try:
            if (self.folder.exists(name) or name == self.slot) and not self.ui.confirm(
                    f"There is already a save named '{name}'. Replace it?", False):
                self.ui.say(f"Not saved; '{name}' is unchanged.")
                return
            self.folder.write(name, runtime.to_dict(self.story, self.state))
        except SaveError as e:
            self.ui.say(e.message)
        except OSError as e:
            self.ui.say(f"Could not save: {e.strerror or e}.")
        else:
            self.ui.say(f"Saved as '{name}'. To come back to it: {self.command} --slot {name}")

    # -- transcript ----------------------------------------------------------------

    def _record_scene(self, v: runtime.View) -> None:
        where = f" ({v.position}/{v.total})" if v.position else ""
        self.transcript += [f"## {clean(v.title)}{where}", ""]
        for p in v.paragraphs:
            self.transcript += [" ".join(clean(p).split()), ""]

    def _record_answer(self, v: runtime.View, text: Optional[str]) -> None:
        if v.options:
            self.transcript += [f"> {' '.join(clean(v.prompt).split())}", ">"]
            self.transcript += [f"> **{' '.join(clean(text).split())}**" if text else "> *(went on without choosing)*", ""]

    def transcript_text(self) -> str:
        return "\n".join(self.transcript).rstrip() + "\n"
