"""The story as immutable data, each part with the place it was written.

The loader builds it, the checks and the runtime read it; nothing here
knows about YAML or the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Union

Value = Union[int, bool]


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based place in a file, so every later message can point at it."""

    file: str
    line: int = 0
    col: int = 0


@dataclass(frozen=True, slots=True)
class Condition:
    """An `if:` expression, kept as written; `engine.expr` parses it."""

    source: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    pos: Pos
    condition: Optional[Condition] = None


@dataclass(frozen=True, slots=True)
class Effect:
    """`add` (integers) or `set` (any type) applied to one variable."""

    op: str
    variable: str
    value: Value
    pos: Pos


@dataclass(frozen=True, slots=True)
class Target:
    """A reference to a scene (`start`, `next`, `goto`), with its place."""

    scene: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    pos: Pos
    condition: Optional[Condition] = None
    effects: tuple[Effect, ...] = ()
    goto: Optional[Target] = None


@dataclass(frozen=True, slots=True)
class Choice:
    prompt: str
    optional: bool
    options: tuple[Option, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Scene:
    id: str
    title: str
    paragraphs: tuple[Paragraph, ...]
    pos: Pos
    choice: Optional[Choice] = None
    next: Optional[Target] = None

    @property
    def is_ending(self) -> bool:
        return self.next is None and self.choice is None

    def target_of(self, option: Option) -> Optional[Target]:
        """Where an option leads: its own goto, else the scene's next."""
        return option.goto or self.next


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    start: Value
    pos: Pos

    @property
    def type(self) -> str:
        return "bool" if isinstance(self.start, bool) else "int"


@dataclass(frozen=True, slots=True)
class Source:
    """The work a story adapts, credited before the story starts."""

    title: str = ""
    author: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Story:
    """A whole story; scenes keep the order of their files."""

    id: str
    title: str
    start: Target
    pos: Pos
    scenes: tuple[Scene, ...] = ()
    variables: tuple[Variable, ...] = ()
    content_notes: tuple[str, ...] = ()
    author: str = ""
    summary: str = ""
    language: str = "en"
    source: Optional[Source] = None
    fingerprint: str = ""
    by_id: Mapping[str, Scene] = field(init=False, repr=False, compare=False)
    numbers: Mapping[str, int] = field(init=False, repr=False, compare=False)  # "Scene n of N"; endings have none

    def __post_init__(self) -> None:
        index: dict[str, Scene] = {}
        numbers: dict[str, int] = {}
        counted = 0
        for scene in self.scenes:
            index.setdefault(scene.id, scene)
            if not scene.is_ending:
                counted += 1
                numbers.setdefault(scene.id, counted)
        object.__setattr__(self, "by_id", MappingProxyType(index))
        object.__setattr__(self, "numbers", MappingProxyType(numbers))
        object.__setattr__(self, "numbered", counted)

    numbered: int = field(init=False, repr=False, compare=False, default=0)  # how many scenes are not endings

    def scene(self, scene_id: str) -> Scene:
        return self.by_id[scene_id]

    @property
    def types(self) -> dict[str, str]:
        return {v.name: v.type for v in self.variables}

    @property
    def start_values(self) -> dict[str, Value]:
        return {v.name: v.start for v in self.variables}
