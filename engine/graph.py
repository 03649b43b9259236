"""The story as a graph of scenes: reachability and the ways out of each scene."""

from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator

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
