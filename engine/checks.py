"""Semantic checks of a loaded story: one small generator per check, in one registry.

Each check reads the model and yields Diagnostics; none raises for an
author's mistake. Tests drive each by the (file, line, col, code) it must
report.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from engine import codes, expr, graph
from engine.errors import Diagnostic
from engine.model import Condition, Pos, Scene, Story


def diag(pos: Pos, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(pos.file, pos.line, pos.col, code, message, codes.severity(code), hint)


def _nearest(name: str, names) -> str:
    near = difflib.get_close_matches(name, list(names), n=1)
    return f"did you mean '{near[0]}'?" if near else ""


@dataclass
class Context:
    """What several checks share: the story and its conditions, parsed once."""

    story: Story
    whole: bool = True  # every file loaded cleanly, so cross-file checks are meaningful
    trees: dict[Condition, Optional[expr.Node]] = field(default_factory=dict)

    def conditions(self) -> Iterator[tuple[Scene, Condition]]:
        for scene in self.story.scenes:
            for p in scene.paragraphs:
                if p.condition is not None:
                    yield scene, p.condition
            if scene.choice is not None:
                for o in scene.choice.options:
                    if o.condition is not None:
                        yield scene, o.condition


Check = Callable[[Context], Iterator[Diagnostic]]


def duplicate_scenes(ctx: Context) -> Iterator[Diagnostic]:
    first: dict[str, Scene] = {}
    for scene in ctx.story.scenes:
        if scene.id in first:
            other = first[scene.id].pos
            yield diag(scene.pos, "E101", f"scene id '{scene.id}' is already used in {other.file}:{other.line}",
                       "give each scene its own id")
        else:
            first[scene.id] = scene


def unknown_targets(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.whole:
        return
    ids = ctx.story.by_id
    story = ctx.story
    if story.start.scene not in ids:
        yield diag(story.start.pos, "E102", f"start scene '{story.start.scene}' not found",
                   _nearest(story.start.scene, ids) or "name the id of a scene in this folder")
    for scene in story.scenes:
        targets = [("next", scene.next)] + [("option target", o.goto) for o in (scene.choice.options if scene.choice else ())]
        for what, target in targets:
            if target is not None and target.scene not in ids:
                yield diag(target.pos, "E102", f"{what} '{target.scene}' not found",
                           _nearest(target.scene, ids) or "name the id of a scene in this story")


def unreachable_scenes(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.whole:
        return
    seen = graph.reachable(ctx.story, [ctx.story.start.scene])
    if ctx.story.start.scene not in ctx.story.by_id:
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
    if not ctx.whole or story.start.scene not in story.by_id:
        return
    if story.start.scene not in graph.can_end(story):
        yield diag(story.start.pos, "E105", "no ending can be reached from the start",
                   "an ending is a scene with no `next:` and no `choices:`")


def conditions(ctx: Context) -> Iterator[Diagnostic]:
    types = ctx.story.types
    ids = ctx.story.by_id
    codes_by_kind = {"syntax": "E108", "unknown-variable": "E106", "type": "E107"}
    for _, cond in ctx.conditions():
        try:
            tree = expr.compile_condition(cond.source, types, list(ids))
        except expr.ExprError as e:
            ctx.trees[cond] = None
            pos = Pos(cond.pos.file, cond.pos.line, cond.pos.col + e.col - 1)
            yield diag(pos, codes_by_kind[e.kind], f"{e.message} in `{_short(cond.source)}`", e.hint)
            continue
        ctx.trees[cond] = tree
        if ctx.whole:
            for node in _seen_nodes(tree):
                if node.scene not in ids:
                    pos = Pos(cond.pos.file, cond.pos.line, cond.pos.col + node.col - 1)
                    yield diag(pos, "E111", f"seen() names no scene '{node.scene}'", _nearest(node.scene, ids))
        if expr.never_true(tree, types):
            yield diag(cond.pos, "W110", f"`{_short(cond.source)}` can never be true", "check the comparisons")


def effects(ctx: Context) -> Iterator[Diagnostic]:
    types = ctx.story.types
    for scene in ctx.story.scenes:
        for option in scene.choice.options if scene.choice else ():
            for e in option.effects:
                if e.variable not in types:
                    yield diag(e.pos, "E106", f"unknown variable '{e.variable}'",
                               _nearest(e.variable, types) or f"declare it under `variables:` in story.yaml, e.g. `{e.variable}: 0`")
                elif e.op == "add" and types[e.variable] == "bool":
                    yield diag(e.pos, "E107", f"cannot add to '{e.variable}': it is true/false, not a number",
                               f"use `set:` for true/false variables: `set: {{{e.variable}: true}}`")
                elif e.op == "set" and (types[e.variable] == "bool") != isinstance(e.value, bool):
                    want = "true or false" if types[e.variable] == "bool" else "a whole number"
                    yield diag(e.pos, "E107", f"'{e.variable}' takes {want}", f"set it to {want}")


def unused_variables(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.whole or None in ctx.trees.values():
        return
    read: set[str] = set()
    for tree in ctx.trees.values():
        if tree is not None:
            read |= expr.names(tree)
    for variable in ctx.story.variables:
        if variable.name not in read:
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


def run(story: Story, whole: bool = True) -> list[Diagnostic]:
    ctx = Context(story, whole)
    out: list[Diagnostic] = []
    for check in REGISTRY:
        out.extend(check(ctx))
    return out
