"""Semantic checks of a loaded story: one small generator per check, in one registry.

Each check reads the model and yields Diagnostics; none raises for an
author's mistake. Tests drive each by the (file, line, col, code) it must
report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from engine import codes, expr, graph
from engine.errors import Diagnostic
from engine.model import Condition, Pos, Scene, Story, Target


def diag(pos: Pos, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(pos.file, pos.line, pos.col, code, message, codes.severity(code), hint)


def _nearest(name: str, names) -> str:
    near = difflib.get_close_matches(name, list(names), n=1)
    return f"did you mean '{near[0]}'?" if near else ""


@dataclass(frozen=True)
class Broken:
    """A scene file that did not load, and what can still be known of it.

    `id` is salvaged when the file parsed far enough to show it; `text` is
    None when the file could not be read at all.
    """

    file: str
    id: Optional[str] = None
    text: Optional[str] = None
    partial: Optional[Scene] = None  # its well-formed parts, when it parsed (loader.partial_scene)


@dataclass
class Context:
    """What several checks share: the story and its conditions, parsed once.

    A story with broken files is still checked: each cross-file check runs
    unless its answer could depend on what the broken files hold.
    """

    story: Story
    whole: bool = True  # False for a lone scene: no story around it, so no cross-file checks
    broken: tuple[Broken, ...] = ()  # scene files that did not load
    manifest: bool = True  # story.yaml loaded: the start and the variables are real
    trees: dict[Condition, Optional[expr.Node]] = field(default_factory=dict)

    @property
    def partial(self) -> tuple[Scene, ...]:
        """The well-formed parts of broken scenes: their conditions, effects and targets are checked too."""
        return tuple(b.partial for b in self.broken if b.partial is not None)

    def conditions(self) -> Iterator[tuple[Scene, Condition]]:
        for scene in self.story.scenes + self.partial:
            for p in scene.paragraphs:
                if p.condition is not None:
                    yield scene, p.condition
            if scene.choice is not None:
                for o in scene.choice.options:
                    if o.condition is not None:
                        yield scene, o.condition

    @property
    def ids(self) -> set[str]:
        """Every scene id known: loaded scenes and those salvaged from broken files."""
        return set(self.story.by_id) | {b.id for b in self.broken if b.id}

    @property
    def unknown_ids(self) -> bool:
        """Whether a broken file may hold a scene whose id cannot be known."""
        return any(b.id is None for b in self.broken)

    def reached(self) -> Optional[set[str]]:
        """Scene ids reachable from the start, or None when the broken files make that unknowable.

        A misspelt target counts as leading to the id it was surely meant
        for, so one typo does not also make the scenes behind it look
        unreachable. A broken scene's ways out are unknown: if one can be
        reached, anything might be.
        """
        story = self.story
        if not self.whole or not self.manifest:
            return None
        ids = self.ids
        by_id = story.by_id
        start = story.start.scene
        if start not in by_id:
            return None
        seen, todo = {start}, [start]
        while todo:
            for target in graph.successors(by_id[todo.pop()]):
                if target not in ids:
                    if self.unknown_ids:
                        return None
                    near = difflib.get_close_matches(target, sorted(ids), n=1)
                    if not near:
                        continue
                    target = near[0]
                if target not in by_id:
                    return None  # a broken scene is reached
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen


Check = Callable[[Context], Iterator[Diagnostic]]


def duplicate_scenes(ctx: Context) -> Iterator[Diagnostic]:
    """Ids used twice; a broken file that still shows its id counts too, so this is said at once,
    not only after the file is mended."""
    scenes = ctx.story.scenes + tuple(s for s in ctx.partial if s.id)
    first: dict[str, Scene] = {}
    for scene in sorted(scenes, key=lambda s: (s.pos.file, s.pos.line, s.pos.col)):
        if scene.id in first:
            other = first[scene.id].pos
            yield diag(scene.pos, "E101", f"scene id '{scene.id}' is already used in {other.file}:{other.line}",
                       "give each scene its own id")
        else:
            first[scene.id] = scene


def _missing_targets(story: Story, more: tuple[Scene, ...] = ()) -> Iterator[tuple[str, Target]]:
    """Every `next` and `goto` that names no scene, with what kind of way out it is."""
    ids = story.by_id
    for scene in story.scenes + more:
        targets = [("next", scene.next)] + [("option target", o.goto) for o in (scene.choice.options if scene.choice else ())]
        for what, target in targets:
            if target is not None and target.scene not in ids:
                yield what, target


def unknown_targets(ctx: Context) -> Iterator[Diagnostic]:
    """Targets naming no scene; when a broken file's id is unknown, it might be the one named."""
    if not ctx.whole or ctx.unknown_ids:
        return
    ids = ctx.ids
    story = ctx.story
    if ctx.manifest and story.start.scene not in ids:
        yield diag(story.start.pos, "E102", f"start scene '{_short(story.start.scene)}' not found",
                   _nearest(story.start.scene, ids) or "name the id of a scene in this folder")
    for what, target in _missing_targets(story, ctx.partial):
        if target.scene not in ids:
            yield diag(target.pos, "E102", f"{what} '{_short(target.scene)}' not found",
                       _nearest(target.scene, ids) or "name the id of a scene in this story")


def unreachable_scenes(ctx: Context) -> Iterator[Diagnostic]:
    """Scenes no path reaches; the scene a misspelt target was meant for is left to that E102."""
    seen = ctx.reached()
    if seen is None:
        return
    for scene in ctx.story.scenes:
        if scene.id not in seen:
            yield diag(scene.pos, "W103", f"scene '{scene.id}' cannot be reached from the start",
                       "point a `next:` or `goto:` at it, or remove it")


def dead_ends(ctx: Context) -> Iterator[Diagnostic]:
    for scene in ctx.story.scenes:
        choice = scene.choice
        if choice is None or scene.next is not None:
            continue
        if choice.optional:
            yield diag(choice.pos, "E104", f"scene '{scene.id}' has an optional choice but no `next:` to go on to",
                       "add `next: <scene-id>` for readers who skip the choice, or remove `optional: true`")
        for option in choice.options:
            if option.goto is None:
                yield diag(option.pos, "E104", f"option '{_short(option.text)}' leads nowhere",
                           "add `goto: <scene-id>` to the option or `next: <scene-id>` to the scene")


def may_strand(ctx: Context) -> Iterator[Diagnostic]:
    """A required choice whose every option has an `if:` and no `next:` to fall back on.

    Whether the conditions can all be false at once depends on the paths
    that lead here, which only exploring the story can tell; here it is a
    warning that it may happen.
    """
    for scene in ctx.story.scenes:
        choice = scene.choice
        if choice is None or scene.next is not None or choice.optional or not choice.options:
            continue
        if all(o.condition is not None for o in choice.options):
            yield diag(choice.pos, "W112",
                       f"the reader may be stranded in scene '{scene.id}': every option has an `if:`, and when "
                       "none holds there is no `next:` to go on to",
                       "add an option with no `if:`, or a `next: <scene-id>` the story goes on to when no option is open")


def no_ending(ctx: Context) -> Iterator[Diagnostic]:
    story = ctx.story
    if ctx.reached() is None:
        return
    if story.start.scene not in graph.can_end(story):
        yield diag(story.start.pos, "E105", "no ending can be reached from the start",
                   "an ending is a scene with no `next:` and no `choices:`")


def conditions(ctx: Context) -> Iterator[Diagnostic]:
    """Parse and type-check every condition; without story.yaml, only its syntax can be checked."""
    types = ctx.story.types
    ids = ctx.ids
    typed = ctx.whole and ctx.manifest
    codes_by_kind = {"syntax": "E108", "unknown-variable": "E106", "type": "E107"}
    example = (min(ids),) if ids else ()  # a scene id of the author's own, for hints; worked out once
    # Stories repeat their conditions (`trust >= 2` in many scenes): each text is parsed and judged once.
    judged: dict[str, tuple[Optional[expr.Node], Optional[expr.ExprError], bool]] = {}
    for _, cond in ctx.conditions():
        if cond.source not in judged:
            try:
                tree = expr.compile_condition(cond.source, types, example) if typed else expr.parse(cond.source)
                judged[cond.source] = (tree, None, typed and bool(expr.never_true(tree, types)))
            except expr.ExprError as e:
                judged[cond.source] = (None, e, False)
        tree, e, never = judged[cond.source]
        ctx.trees[cond] = tree
        if e is not None:
            pos = Pos(cond.pos.file, cond.pos.line, cond.pos.col + e.col - 1)
            yield diag(pos, codes_by_kind[e.kind], f"{e.message} in `{_short(cond.source)}`", e.hint)
            continue
        if not typed:
            continue
        for node in _seen_nodes(tree):
            if node.scene not in ids and not ctx.unknown_ids:
                pos = Pos(cond.pos.file, cond.pos.line, cond.pos.col + node.col - 1)
                yield diag(pos, "E111", f"seen() names no scene '{_short(node.scene)}'",
                           _nearest(node.scene, ids) or "name the id of a scene in this story"
                           + (f", like seen({example[0]})" if example else ""))
        if never:
            yield diag(cond.pos, "W110", f"`{_short(cond.source)}` can never be true", "check the comparisons")


def effects(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.manifest:
        return
    types = ctx.story.types
    for scene in ctx.story.scenes + ctx.partial:
        for option in scene.choice.options if scene.choice else ():
            for e in option.effects:
                if e.variable not in types:
                    yield diag(e.pos, "E106", f"unknown variable '{_short(e.variable)}'",
                               _nearest(e.variable, types) or f"declare it under `variables:` in story.yaml, e.g. `{_short(e.variable)}: 0`")
                elif e.op == "add" and types[e.variable] == "bool":
                    yield diag(e.pos, "E107", f"cannot add to '{e.variable}': it is true/false, not a number",
                               f"use `set:` for true/false variables: `set: {{{e.variable}: true}}`")
                elif e.op == "set" and (types[e.variable] == "bool") != isinstance(e.value, bool):
                    want = "true or false" if types[e.variable] == "bool" else "a whole number"
                    yield diag(e.pos, "E107", f"'{e.variable}' takes {want}", f"set it to {want}")


def unused_variables(ctx: Context) -> Iterator[Diagnostic]:
    """Variables no condition reads; a broken file that names a variable may read it."""
    if not ctx.whole or not ctx.manifest or None in ctx.trees.values():
        return
    if any(b.text is None for b in ctx.broken):
        return
    read: set[str] = set()
    for tree in ctx.trees.values():
        if tree is not None:
            read |= expr.names(tree)
    for variable in ctx.story.variables:
        if variable.name in read:
            continue
        if any(re.search(rf"\b{re.escape(variable.name)}\b", b.text) for b in ctx.broken):
            continue
        yield diag(variable.pos, "W109", f"variable '{variable.name}' is never read by a condition",
                   "use it in an `if:` or remove it")


def _seen_nodes(tree: expr.Node) -> Iterator[expr.Seen]:
    if isinstance(tree, expr.Seen):
        yield tree
    elif isinstance(tree, expr.Unary):
        yield from _seen_nodes(tree.operand)
    elif isinstance(tree, expr.Binary):
        yield from _seen_nodes(tree.left)
        yield from _seen_nodes(tree.right)


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# `conditions` runs before `unused_variables`, which reads the trees it parsed.
REGISTRY: tuple[Check, ...] = (
    duplicate_scenes, unknown_targets, unreachable_scenes, dead_ends, may_strand, no_ending,
    conditions, effects, unused_variables,
)


def run(story: Story, whole: bool = True, broken: tuple[Broken, ...] = (), manifest: bool = True) -> list[Diagnostic]:
    ctx = Context(story, whole, broken, manifest)
    out: list[Diagnostic] = []
    for check in REGISTRY:
        out.extend(check(ctx))
    return out
