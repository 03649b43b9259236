"""The story as a graph of scenes: reachability and the ways out of each scene."""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from engine.model import Scene, Story


def successors(scene: Scene) -> Iterator[str]:
    """Every scene id a scene can lead to, ignoring conditions."""
    if scene.next is not None:
        yield scene.next.scene
    if scene.choice is not None:
        for option in scene.choice.options:
            if option.goto is not None:
                yield option.goto.scene


def reachable(story: Story, starts: Iterable[str]) -> set[str]:
    """Scene ids reachable from `starts` by any path, ignoring conditions."""
    seen: set[str] = set()
    queue = deque(s for s in starts if s in story.by_id)
    seen.update(queue)
    while queue:
        for nxt in successors(story.by_id[queue.popleft()]):
            if nxt in story.by_id and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def predecessors(story: Story) -> dict[str, set[str]]:
    back: dict[str, set[str]] = {s.id: set() for s in story.scenes}
    for scene in story.scenes:
        for nxt in successors(scene):
            back.setdefault(nxt, set()).add(scene.id)
    return back


def can_end(story: Story) -> set[str]:
    """Scene ids from which some path reaches an ending.

    A way out to a missing scene counts as a possible ending: that scene is
    reported on its own, and should not also make the whole story look endless.
    """
    back = predecessors(story)
    good = {s.id for s in story.scenes
            if s.is_ending or any(n not in story.by_id for n in successors(s))}
    queue = deque(good)
    while queue:
        for prev in back.get(queue.popleft(), ()):
            if prev not in good:
                good.add(prev)
                queue.append(prev)
    return good


# -- the story map: Mermaid and Graphviz DOT ------------------------------------


@dataclass(frozen=True)
class Marks:
    """What `check` found, to highlight on the map: scene ids and (scene id, option index) pairs."""

    unreached: frozenset = frozenset()
    closed_options: frozenset = frozenset()
    dead_ends: frozenset = frozenset()


@dataclass(frozen=True)
class Edge:
    """One way out of a scene: `next` (option None) or an option, with its condition if any."""

    source: str
    target: str
    label: str
    option: Optional[int] = None
    condition: str = ""


# Control characters and bidirectional overrides: story text is untrusted, and a map may be printed to a terminal.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    return " ".join(_CONTROLS.sub(" ", text).split())


def short(text: str, width: int = 32) -> str:
    """Text on one line, cut at a word near `width` with an ellipsis."""
    text = one_line(text)
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ,.;:") + "…"


def edges(story: Story) -> list[Edge]:
    """Every way out of every scene, in file order: `next` first, then each option."""
    out: list[Edge] = []
    for scene in story.scenes:
        if scene.next is not None:
            verb = "go on" if scene.choice is not None and scene.choice.optional else "next"
            out.append(Edge(scene.id, scene.next.scene, verb))
        for i, option in enumerate(scene.choice.options if scene.choice else ()):
            target = scene.target_of(option)
            if target is not None:
                cond = option.condition.source if option.condition else ""
                out.append(Edge(scene.id, target.scene, f"{i + 1}. {short(option.text)}", i, one_line(cond)))
    return out


def _missing(story: Story, all_edges: list[Edge]) -> list[str]:
    names = [e.target for e in all_edges if e.target not in story.by_id]
    if story.start.scene not in story.by_id:
        names.insert(0, story.start.scene)
    return list(dict.fromkeys(names))


def _edge_label(edge: Edge) -> str:
    return edge.label + (f" [if {short(edge.condition, 40)}]" if edge.condition else "")


def _closed(edge: Edge, marks: Marks) -> bool:
    return edge.option is not None and (edge.source, edge.option) in marks.closed_options


def dot(story: Story, marks: Optional[Marks] = None) -> str:
    """The story map as Graphviz DOT: `dot -Tsvg` draws it."""
    marks = marks or Marks()
    all_edges = edges(story)
    lines = [f"digraph {_dq(story.id)} {{",
             f"  graph [label={_dq(one_line(story.title))}, labelloc=t, rankdir=TB, fontname=Helvetica];",
             "  node [shape=box, style=rounded, fontname=Helvetica];",
             "  edge [fontname=Helvetica, fontsize=10];",
             '  "start" [shape=circle, style=filled, fillcolor=black, fontcolor=white, label="start", width=0.5];']
    for scene in story.scenes:
        attrs = {"label": f"{scene.id}\n{short(scene.title, 40)}"}
        if scene.id == story.start.scene:
            attrs["penwidth"] = "2"
        if scene.is_ending:
            attrs.update(shape="box", style="rounded,bold", peripheries="2")
        if scene.id in marks.unreached:
            attrs.update(style="rounded,filled,dashed", fillcolor="#f4cccc", tooltip="never reached")
        if scene.id in marks.dead_ends:
            attrs.update(color="red", penwidth="2", tooltip="dead end")
        lines.append(f"  {_dq(scene.id)} [{_dot_attrs(attrs)}];")
    for name in _missing(story, all_edges):
        lines.append(f"  {_dq(name)} [{_dot_attrs({'label': name + chr(10) + '(missing)', 'color': 'red', 'style': 'dashed'})}];")
    if story.start.scene:
        lines.append(f'  "start" -> {_dq(story.start.scene)};')
    for e in all_edges:
        attrs = {"label": _edge_label(e)}
        if e.condition:
            attrs["style"] = "dashed"
        if e.option is None:
            attrs["color"] = "gray40"
        if _closed(e, marks):
            attrs.update(color="red", fontcolor="red", style="dotted", label=attrs["label"] + " (never open)")
        lines.append(f"  {_dq(e.source)} -> {_dq(e.target)} [{_dot_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dq(text: str) -> str:
    """A DOT double-quoted string: backslash and quote escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n") + '"'


def _dot_attrs(attrs: dict) -> str:
    return ", ".join(f"{k}={_dq(str(v))}" for k, v in attrs.items())


# Characters that Mermaid's parser or its HTML labels could take for syntax,
# written as Mermaid entity codes (`#35;` is '#'); the renderer turns them back.
_MERMAID_ESCAPES = {c: f"#{ord(c)};" for c in '#";<>&`|{}[]()\\'}


def _mq(text: str) -> str:
    """A quoted Mermaid label, safe whatever the author wrote."""
    text = one_line(text)
    return '"' + "".join(_MERMAID_ESCAPES.get(c, c) for c in text) + '"'


def mermaid(story: Story, marks: Optional[Marks] = None) -> str:
    """The story map as a Mermaid flowchart, which GitHub draws in Markdown.

    Node ids are generated (`s1`, `s2`, …) so no scene id can collide with
    Mermaid's keywords such as `end`; the scene id is in the label.
    """
    marks = marks or Marks()
    all_edges = edges(story)
    ids = {scene.id: f"s{n}" for n, scene in enumerate(story.scenes, 1)}
    for n, name in enumerate(_missing(story, all_edges), 1):
        ids.setdefault(name, f"m{n}")
    lines = ["---", f"title: {json.dumps(one_line(story.title))}", "---", "flowchart TD",
             '  start(("start"))']
    classes: dict[str, list[str]] = {"ending": [], "unreached": [], "deadend": [], "missing": []}
    for scene in story.scenes:
        label = _mq(f"{scene.id}: {short(scene.title, 40)}")
        shape = f"([{label}])" if scene.is_ending else f"[{label}]"
        lines.append(f"  {ids[scene.id]}{shape}")
        if scene.is_ending:
            classes["ending"].append(ids[scene.id])
        if scene.id in marks.unreached:
            classes["unreached"].append(ids[scene.id])
        if scene.id in marks.dead_ends:
            classes["deadend"].append(ids[scene.id])
    for name in _missing(story, all_edges):
        if name not in {s.id for s in story.scenes}:
            lines.append(f"  {ids[name]}[{_mq(name + ' (missing)')}]")
            classes["missing"].append(ids[name])
    if story.start.scene in ids:
        lines.append(f"  start --> {ids[story.start.scene]}")
    for e in all_edges:
        arrow = "-.->" if e.condition else "-->"
        label = _edge_label(e) + (" (never open)" if _closed(e, marks) else "")
        lines.append(f"  {ids[e.source]} {arrow}|{_mq(label)}| {ids[e.target]}")
    lines += ["  classDef ending stroke-width:3px",
              "  classDef unreached fill:#f4cccc,stroke-dasharray:4 4",
              "  classDef deadend stroke:#c00,stroke-width:3px",
              "  classDef missing stroke:#c00,stroke-dasharray:4 4"]
    for name, members in classes.items():
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    edge_count = 1 if story.start.scene in ids else 0
    closed_links = [edge_count + i for i, e in enumerate(all_edges) if _closed(e, marks)]
    if closed_links:
        lines.append(f"  linkStyle {','.join(map(str, closed_links))} stroke:#c00,color:#c00")
    return "\n".join(lines) + "\n"
