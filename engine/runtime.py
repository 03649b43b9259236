"""The story in motion: an immutable State and pure transitions over it.

Front ends pull from here (`view`) and push the reader's answers back
(`choose`, `go_on`, `undo`); nothing in this module prints, reads input or
touches files, so every path can be replayed and tested as data. A State is
fully determined by the story and its answers, which is what lets a save
outlive edits to the story: it is replayed answer by answer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from engine import expr
from engine.errors import EngineError
from engine.model import Scene, Story, Value

SAVE_FORMAT = 1

Answer = Optional[int]  # an option's index in the scene's choice.options, or None: went on


class RuntimeMisuse(EngineError):
    """A transition that the story does not allow from this state."""


class ReplayError(EngineError):
    """A list of answers that no longer fits the story; `step` is 1-based."""

    def __init__(self, message: str, step: int, scene: str):
        super().__init__(message)
        self.step = step
        self.scene = scene


class SaveMismatch(EngineError):
    """A save that belongs to another story or contradicts this one."""


@dataclass(frozen=True, slots=True)
class State:
    """Where the reader is; `seen` is the path, one scene per step plus the start.

    `origin` is empty for a reading from the story's start; an author's run
    (started anywhere, with chosen values) keeps its (scene, variables) there,
    so undo and replays begin where it began.
    """

    scene: str
    variables: tuple[tuple[str, Value], ...]
    answers: tuple[Answer, ...] = ()
    seen: tuple[str, ...] = ()
    origin: tuple = ()

    @property
    def is_authors_run(self) -> bool:
        return bool(self.origin)

    @property
    def env(self) -> dict[str, Value]:
        return dict(self.variables)


@dataclass(frozen=True, slots=True)
class View:
    """What a front end shows now; `options` pairs each open option's index with its text.

    `position` is the scene's place among the scenes that are not endings
    (file order) and `total` their number: a reader of six vignettes and an
    ending is told "6 of 6" in the sixth, never "7 of 7" in the ending, and
    a story with many endings does not count each one. An ending has no
    position (None).
    """

    scene: str
    title: str
    paragraphs: tuple[str, ...]
    prompt: str
    options: tuple[tuple[int, str], ...]
    optional: bool
    can_go_on: bool
    is_ending: bool
    position: Optional[int]
    total: int
    stranded: bool = False  # not an ending, yet no option is open and there is no `next`: a story bug


def _variables(values: Mapping[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple(sorted(values.items()))


def _scene(story: Story, scene_id: str) -> Scene:
    try:
        return story.scene(scene_id)
    except KeyError:
        raise RuntimeMisuse(f"scene '{scene_id}' is not in story '{story.id}'") from None


def _holds(condition, state: State) -> bool:
    return condition is None or expr.holds(condition.source, state.env, state.seen)


def start(story: Story, scene: Optional[str] = None, values: Optional[Mapping[str, Value]] = None) -> State:
    """The first State: the story's start, or (an author's run) `scene` with `values` over the start values."""
    first = _scene(story, scene or story.start.scene)
    if scene is None and not values:
        return State(first.id, _variables(story.start_values), (), (first.id,))
    types = story.types
    for name, value in (values or {}).items():
        if name not in types or (types[name] == "bool") != isinstance(value, bool):
            raise RuntimeMisuse(f"'{name}' is not a declared {'variable' if name not in types else types[name]}")
    chosen = _variables({**story.start_values, **(values or {})})
    return State(first.id, chosen, (), (first.id,), (first.id, chosen))


def _origin(story: Story, origin: tuple) -> State:
    return start(story) if not origin else start(story, origin[0], dict(origin[1]))


def assignment(story: Story, text: str) -> tuple[str, Value]:
    """`NAME=VALUE` as a person types it, read by the variable's declared type."""
    name, eq, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    types = story.types
    if not eq or not name:
        raise RuntimeMisuse(f"'{text}' is not NAME=VALUE (e.g. {next(iter(types), 'courage')}=1)")
    if name not in types:
        near = difflib.get_close_matches(name, list(types), n=1)
        declared = ", ".join(types) or "none"
        raise RuntimeMisuse(f"'{name}' is not a variable of story '{story.id}'"
                            + (f"; did you mean '{near[0]}'?" if near else f" (declared: {declared})"))
    start_value = story.start_values[name]
    if types[name] == "bool":
        if raw.lower() in ("true", "false"):
            return name, raw.lower() == "true"
        raise RuntimeMisuse(f"'{name}' is declared true/false (it starts as {str(start_value).lower()}), "
                            f"so '{raw}' cannot be its value: give true or false")
    if re.fullmatch(r"[+-]?\d{1,18}", raw):
        return name, int(raw)
    raise RuntimeMisuse(f"'{name}' is declared a whole number (it starts as {start_value}), "
                        f"so '{raw}' cannot be its value: give an integer such as 2 or -1")


def view(story: Story, state: State) -> View:
    scene = _scene(story, state.scene)
    paragraphs = tuple(p.text for p in scene.paragraphs if _holds(p.condition, state))
    choice = scene.choice
    options: tuple[tuple[int, str], ...] = ()
    if choice is not None:
        options = tuple((i, o.text) for i, o in enumerate(choice.options) if _holds(o.condition, state))
    # A choice whose every option is closed must not trap the reader: it goes on if it can.
    can_go_on = scene.next is not None and (choice is None or choice.optional or not options)
    position = None if scene.is_ending else story.numbers[scene.id]
    stuck = not options and not can_go_on
    return View(
        scene=scene.id,
        title=scene.title,
        paragraphs=paragraphs,
        prompt=choice.prompt if choice else "",
        options=options,
        optional=bool(choice and choice.optional),
        can_go_on=can_go_on,
        is_ending=stuck and scene.is_ending,
        position=position,
        total=story.numbered,
        stranded=stuck and not scene.is_ending,
    )


def _arrive(story: Story, state: State, scene_id: str, values: dict[str, Value], answer: Answer) -> State:
    scene = _scene(story, scene_id)
    return State(scene.id, _variables(values), state.answers + (answer,), state.seen + (scene.id,), state.origin)


def choose(story: Story, state: State, index: int) -> State:
    """Take option `index` (its place in the scene's full option list)."""
    scene = _scene(story, state.scene)
    now = view(story, state)
    open_ = [i for i, _ in now.options]
    if now.is_ending:
        raise RuntimeMisuse(f"scene '{scene.id}' is an ending: there is nothing to choose")
    if isinstance(index, bool) or not isinstance(index, int) or index not in open_:
        shown = ", ".join(str(i) for i in open_) or "none"
        raise RuntimeMisuse(f"option {index!r} is not open in scene '{scene.id}' (open: {shown})")
    option = scene.choice.options[index]
    values = state.env
    for effect in option.effects:
        if effect.variable not in values:
            raise RuntimeMisuse(f"option {index} of scene '{scene.id}' changes undeclared variable '{effect.variable}'")
        if effect.op == "add":
            values[effect.variable] = int(values[effect.variable]) + int(effect.value)
        else:
            values[effect.variable] = effect.value
    target = scene.target_of(option)
    if target is None:
        raise RuntimeMisuse(f"option {index} of scene '{scene.id}' leads nowhere")
    return _arrive(story, state, target.scene, values, index)


def go_on(story: Story, state: State) -> State:
    """Leave the scene without choosing: a skipped reflection or a scene with no choice."""
    scene = _scene(story, state.scene)
    if not view(story, state).can_go_on:
        what = "an ending" if scene.is_ending else "a choice that must be made"
        raise RuntimeMisuse(f"scene '{scene.id}' has {what}: there is no way on without choosing")
    return _arrive(story, state, scene.next.scene, state.env, None)


def step(story: Story, state: State, answer: Answer) -> State:
    return go_on(story, state) if answer is None else choose(story, state, answer)


def replay(story: Story, answers: Sequence[Answer], origin: tuple = ()) -> State:
    """Play `answers` from the start (or an author's run's origin); a step that does not fit raises ReplayError."""
    state = _origin(story, origin)
    for number, answer in enumerate(answers, 1):
        try:
            state = step(story, state, answer)
        except RuntimeMisuse as e:
            raise ReplayError(f"step {number} ({_describe(answer)} in scene '{state.scene}') no longer fits: {e.message}",
                              number, state.scene) from None
    return state


def replay_as_far(story: Story, answers: Sequence[Answer], origin: tuple = ()) -> tuple[State, Optional[ReplayError]]:
    """Play `answers` as far as they fit: the State reached, and why it stopped (None: all fitted).

    What live reload uses to keep the reader's place on an edited story.
    """
    try:
        return replay(story, answers, origin), None
    except ReplayError as e:
        return replay(story, answers[: e.step - 1], origin), e
    except RuntimeMisuse as e:  # the origin itself no longer exists
        return start(story), ReplayError(f"the run's first scene no longer fits: {e.message}", 0, origin[0] if origin else "")


def _describe(answer: Answer) -> str:
    return "going on" if answer is None else f"option {answer + 1}"


def undo(story: Story, state: State) -> State:
    if not state.answers:
        raise RuntimeMisuse("nothing to undo: this is the start of the story")
    return replay(story, state.answers[:-1], state.origin)


def recap(story: Story, state: State) -> tuple[tuple[str, Optional[str]], ...]:
    """Per step taken: the scene's title and the chosen option's text (None: went on)."""
    out = []
    for scene_id, answer in zip(state.seen, state.answers):  # seen has one more: the scene now
        scene = _scene(story, scene_id)
        text = scene.choice.options[answer].text if answer is not None and scene.choice else None
        out.append((scene.title, text))
    return tuple(out)


# -- saves as data -------------------------------------------------------------


def to_dict(story: Story, state: State) -> dict[str, Any]:
    """A save, shaped by schemas/save.schema.json."""
    return {
        "format": SAVE_FORMAT,
        "story": story.id,
        "fingerprint": story.fingerprint,
        "scene": state.scene,
        "variables": dict(state.variables),
        "answers": list(state.answers),
        "seen": list(state.seen),
    }


def is_current(story: Story, data: Mapping[str, Any]) -> bool:
    """Whether a save was made on exactly these story files."""
    return data.get("fingerprint") == story.fingerprint


def from_dict(story: Story, data: Mapping[str, Any]) -> State:
    """Rebuild a State by replaying the save's answers.

    Replaying, rather than trusting the stored scene, means no save (edited by
    hand or made on an older story) can put the reader somewhere the story
    does not lead. On the same story files the replay must agree with the save.
    """
    if data.get("format") != SAVE_FORMAT:
        raise SaveMismatch(f"save format {data.get('format')!r} is not supported (expected {SAVE_FORMAT})")
    if data.get("story") != story.id:
        raise SaveMismatch(f"this save belongs to story '{data.get('story')}', not '{story.id}'")
    answers = data.get("answers")
    if not isinstance(answers, list) or not all(a is None or (isinstance(a, int) and not isinstance(a, bool)) for a in answers):
        raise SaveMismatch("the save's answers are not a list of option numbers")
    state = replay(story, answers)
    if is_current(story, data) and (state.scene != data.get("scene") or dict(state.variables) != data.get("variables")):
        raise SaveMismatch("the save's scene or variables do not match its answers")
    return state
