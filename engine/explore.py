"""Every reachable state of a story, breadth-first: what `vignettes check` proves.

A state, for exploration, is the scene, the variables' values and, for each
scene named in some `seen()`, whether it has been seen: nothing else changes
what can happen next (`project` maps a `runtime.State` onto it). Two paths to
one state are explored once.

The story is compiled once: scenes become integers, value tuples are
interned (a value id), seen flags are bits, conditions become closures over
(values, bits). A state is one integer key: value id, seen bits and scene id
packed side by side. What a scene offers depends only on the values and on
the seen bits its own conditions read, so it is worked out once per distinct
(scene, values, those bits) and memoised; the inner loop does no condition
evaluation at all once a story's few value combinations are known.

Nothing here prints or reads files; `engine.check` turns the result into
diagnostics and reports.
"""

from __future__ import annotations

import operator
import random as _random
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, NamedTuple, Optional, Sequence

from engine import expr
from engine.model import Scene, Story, Value
from engine.runtime import State

DEFAULT_MAX_STATES = 1_000_000
DEFAULT_MAX_STEPS = 10_000

Compiled = Callable[[tuple, int], object]
Key = tuple  # (scene id, variables as runtime keeps them, seen flags of the tracked scenes)


# -- the projection ------------------------------------------------------------------


def _trees(story: Story) -> Iterator[tuple[Scene, object, expr.Node]]:
    """(scene, the paragraph or option, parsed condition) for every condition."""
    for scene in story.scenes:
        for p in scene.paragraphs:
            if p.condition is not None:
                yield scene, p, expr.parse(p.condition.source)
        for o in scene.choice.options if scene.choice else ():
            if o.condition is not None:
                yield scene, o, expr.parse(o.condition.source)


def _seen_names(node: expr.Node) -> Iterator[str]:
    if isinstance(node, expr.Seen):
        yield node.scene
    elif isinstance(node, expr.Unary):
        yield from _seen_names(node.operand)
    elif isinstance(node, expr.Binary):
        yield from _seen_names(node.left)
        yield from _seen_names(node.right)


def tracked_scenes(story: Story) -> tuple[str, ...]:
    """The scenes named in some seen(), in story order: only their flags are state."""
    named = {name for _, _, tree in _trees(story) for name in _seen_names(tree)}
    return tuple(s.id for s in story.scenes if s.id in named)


def project(story: Story, state: State, tracked: Optional[Sequence[str]] = None) -> Key:
    """The part of a runtime State that decides what can happen next.

    Tests and tools that walk the runtime key states with this, so that their
    counts and ours mean the same thing. Pass `tracked` (from
    `tracked_scenes`) to avoid re-reading the story's conditions per call.
    """
    tracked = tracked_scenes(story) if tracked is None else tracked
    seen = set(state.seen)
    return state.scene, state.variables, tuple(s in seen for s in tracked)


# -- conditions as closures ------------------------------------------------------------

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub}


def _compile(node: expr.Node, slot: dict[str, int], bit: dict[str, int]) -> Compiled:
    """A closure f(values, bits) computing what expr.evaluate would, without the tree walk."""
    if isinstance(node, expr.Lit):
        value = node.value
        return lambda v, b: value
    if isinstance(node, expr.Var):
        i = slot[node.name]
        return lambda v, b: v[i]
    if isinstance(node, expr.Seen):
        mask = bit.get(node.scene, 0)
        return lambda v, b: (b & mask) != 0
    if isinstance(node, expr.Unary):
        inner = _compile(node.operand, slot, bit)
        if node.op == "not":
            return lambda v, b: not inner(v, b)
        return lambda v, b: -inner(v, b)
    left, right = _compile(node.left, slot, bit), _compile(node.right, slot, bit)
    if node.op == "and":
        return lambda v, b: bool(left(v, b)) and bool(right(v, b))
    if node.op == "or":
        return lambda v, b: bool(left(v, b)) or bool(right(v, b))
    op = _COMPARE[node.op]
    if isinstance(node.left, expr.Var) and isinstance(node.right, expr.Lit):  # the usual `x >= 1`
        i, c = slot[node.left.name], node.right.value
        return lambda v, b: op(v[i], c)
    return lambda v, b: op(left(v, b), right(v, b))


# -- the compiled story ------------------------------------------------------------------


class Offer(NamedTuple):
    """What one scene offers in one (values, seen bits) situation; shared by every such state."""

    edges: tuple[int, ...]  # per way out (going on first): the successor key, less the seen bits it inherits
    answers: tuple[Optional[int], ...]  # per way out: option index, or None for going on
    open: tuple[int, ...]  # indices of the open options, in order
    can_go_on: bool
    vid: int  # the value id and the seen bits the scene's conditions read
    bits: int

    @property
    def prompt(self) -> bool:
        """Whether the reader is asked (and a --choices entry is spent) here."""
        return bool(self.open)

    def entry(self, k: int) -> str:
        """The --choices entry that takes way out k: its number on screen, or '-'."""
        answer = self.answers[k]
        return "-" if answer is None else str(self.open.index(answer) + 1)


class Machine:
    """A story compiled for exploration: integer scenes, interned values, seen bits, closures."""

    def __init__(self, story: Story):
        self.story = story
        self.scenes = story.scenes
        self.ids = {s.id: i for i, s in reversed(list(enumerate(story.scenes)))}
        self.names = tuple(v.name for v in story.variables)
        slot = {name: i for i, name in enumerate(self.names)}
        self.tracked = tracked_scenes(story)
        bit = {name: 1 << k for k, name in enumerate(self.tracked)}
        self.nb = len(self.tracked)
        self.ns = max(1, (len(self.scenes) - 1).bit_length())
        self.shift = self.nb + self.ns
        self.scene_mask = (1 << self.ns) - 1
        self.bits_field = ((1 << self.nb) - 1) << self.ns
        self.tbit = [bit.get(s.id, 0) << self.ns for s in self.scenes]
        self.values: list[tuple] = []
        self.vid: dict[tuple, int] = {}
        # One test per distinct condition text and one cache per distinct list of effects:
        # stories repeat both, and each is worked out once per value id.
        tests: dict[str, Callable[[int, int], bool]] = {}
        self.cond: dict[int, Callable[[int, int], bool]] = {}
        reads = [0] * len(self.scenes)
        for scene, part, tree in _trees(story):
            mask = sum(bit.get(name, 0) for name in set(_seen_names(tree)))
            source = part.condition.source
            if source not in tests:
                tests[source] = self._test(_compile(tree, slot, bit), mask)
            self.cond[id(part)] = tests[source]
            reads[self.ids[scene.id]] |= mask
        # What a scene's offer depends on: the value id and the seen bits its conditions read.
        self.masks = [(-1 << self.nb) | r for r in reads]
        self.offers: list[dict[int, Offer]] = [{} for _ in self.scenes]
        caches: dict[tuple, dict[int, int]] = {}
        self.plans = [self._plan(s, slot, caches) for s in self.scenes]
        self.ending = [s.is_ending for s in self.scenes]

    def _test(self, f: Compiled, mask: int) -> Callable[[int, int], bool]:
        """A condition as test(value id, seen bits), remembered per value id and the bits it reads."""
        cache: dict[int, bool] = {}
        values, nb = self.values, self.nb

        def test(vid: int, bits: int) -> bool:
            k = (vid << nb) | (bits & mask)
            got = cache.get(k)
            if got is None:
                got = cache[k] = bool(f(values[vid], bits))
            return got
        return test

    def _plan(self, scene: Scene, slot: dict[str, int], caches: dict) -> tuple:
        """Per option: (index, test, effects, target); then the way on, if any, and whether it may be skipped."""
        options = []
        for k, o in enumerate(scene.choice.options if scene.choice else ()):
            changes = tuple((slot[e.variable], e.op == "add", e.value) for e in o.effects)
            t = self.ids[scene.target_of(o).scene]
            effect = (caches.setdefault(changes, {}), changes) if changes else None
            options.append((k, self.cond.get(id(o)), effect, self.tbit[t] | t))
        on = None
        if scene.next is not None:
            t = self.ids[scene.next.scene]
            on = self.tbit[t] | t
        skippable = scene.choice is None or scene.choice.optional
        return tuple(options), on, skippable

    def intern(self, values: tuple) -> int:
        got = self.vid.get(values)
        if got is None:
            got = self.vid[values] = len(self.values)
            self.values.append(values)
        return got

    def start_key(self) -> int:
        s = self.ids[self.story.start.scene]
        vid = self.intern(tuple(v.start for v in self.story.variables))
        return (vid << self.shift) | self.tbit[s] | s

    def offer(self, key: int) -> Offer:
        s = key & self.scene_mask
        mk = (key >> self.ns) & self.masks[s]
        got = self.offers[s].get(mk)
        return got if got is not None else self._offer(s, mk)

    def _offer(self, s: int, mk: int) -> Offer:
        vid, bits = mk >> self.nb, mk & ((1 << self.nb) - 1)
        options, on, skippable = self.plans[s]
        shift = self.shift
        open_, edges = [], []
        answers: list[Optional[int]] = []
        if on is not None and skippable:  # going on first: witnesses prefer '-' among equals
            answers.append(None)
            edges.append((vid << shift) | on)
        for k, test, effect, target in options:
            if test is None or test(vid, bits):
                open_.append(k)
                nvid = vid
                if effect is not None:
                    cache, changes = effect
                    nvid = cache.get(vid)
                    if nvid is None:
                        out = list(self.values[vid])
                        for i, add, value in changes:
                            out[i] = int(out[i]) + int(value) if add else value
                        nvid = cache[vid] = self.intern(tuple(out))
                edges.append((nvid << shift) | target)
        answers += open_
        can_go_on = on is not None and (skippable or not open_)
        if can_go_on and not skippable:  # a choice that cannot be skipped, every option closed
            answers.append(None)
            edges.append((vid << shift) | on)
        offer = Offer(tuple(edges), tuple(answers), tuple(open_), can_go_on, vid, bits)
        self.offers[s][mk] = offer
        return offer

    def shown(self, s: int, offer: Offer) -> int:
        """The paragraphs of scene s shown with this offer's values, as bits (bit p: paragraph p)."""
        cond, out = self.cond, 0
        for p, para in enumerate(self.scenes[s].paragraphs):
            if para.condition is None or cond[id(para)](offer.vid, offer.bits):
                out |= 1 << p
        return out

    def state(self, key: int) -> tuple[str, tuple[tuple[str, Value], ...], frozenset[str]]:
        """A key as people read it: scene id, the variables as runtime keeps them, tracked scenes seen."""
        s, bits = key & self.scene_mask, (key & self.bits_field) >> self.ns
        variables = tuple(sorted(zip(self.names, self.values[key >> self.shift])))
        return self.scenes[s].id, variables, frozenset(n for k, n in enumerate(self.tracked) if bits >> k & 1)


def coverage(m: Machine, offers: Sequence[Iterable[Offer]]) -> tuple[list[int], list[int], list[int]]:
    """Per scene, over the given offers: paragraphs shown in some, shown in all; options open in some.

    A conditional paragraph is settled once it has been seen both shown and
    hidden, so most offers cost only a few condition evaluations here.
    """
    shown_any, shown_all, open_any = [], [], []
    for s, group in enumerate(offers):
        scene = m.scenes[s]
        fixed = sum(1 << p for p, para in enumerate(scene.paragraphs) if para.condition is None)
        pending = [(1 << p, m.cond[id(para)]) for p, para in enumerate(scene.paragraphs) if para.condition is not None]
        some, every, opened, any_ = fixed, fixed | sum(b for b, _ in pending), 0, False
        for offer in group:
            any_ = True
            for k in offer.open:
                opened |= 1 << k
            if pending:
                vid, bits, still = offer.vid, offer.bits, []
                for b, test in pending:
                    if test(vid, bits):
                        some |= b
                    else:
                        every &= ~b
                    if not (some & b and not every & b):
                        still.append((b, test))
                pending = still
        shown_any.append(some if any_ else 0)
        shown_all.append(every if any_ else 0)
        open_any.append(opened)
    return shown_any, shown_all, open_any


# -- exhaustive exploration ------------------------------------------------------------------


class _Budget(Exception):
    pass


@dataclass
class Exploration:
    """Every state found, in discovery order, with its successors in compressed rows.

    State i has key keys[i] and successors succ[off[i]:off[i+1]], in the
    order of its offer's ways out. Only the first `expanded` states have
    rows; when the budget stopped the walk, the rest were found but not
    followed.
    """

    machine: Machine
    keys: list[int]
    index: dict[int, int]
    succ: array
    off: array
    complete: bool
    max_states: int
    _dist: Optional[tuple[array, array, array]] = field(default=None, repr=False)
    _good: Optional[bytearray] = field(default=None, repr=False)

    @property
    def states(self) -> int:
        return len(self.keys)

    @property
    def expanded(self) -> int:
        return len(self.off) - 1

    def scene_of(self, i: int) -> int:
        return self.keys[i] & self.machine.scene_mask

    def successors(self, i: int) -> array:
        return self.succ[self.off[i]:self.off[i + 1]]

    # -- what was reached ------------------------------------------------------------

    def reached(self) -> list[bool]:
        """Per scene index: whether some state is in it."""
        m = self.machine
        out = [bool(offers) for offers in m.offers]
        for key in self.keys[self.expanded:]:
            out[key & m.scene_mask] = True
        return out

    def aggregate(self) -> tuple[list[int], list[int], list[int]]:
        """Per scene: paragraphs shown in some state, in every state; options open in some state."""
        return coverage(self.machine, [offers.values() for offers in self.machine.offers])

    def where(self, test: Callable[[int, Offer], bool]) -> list[int]:
        """The expanded states whose scene and offer pass `test`, scanning only scenes that have such an offer."""
        m = self.machine
        scenes = {s for s, offers in enumerate(m.offers) for o in offers.values() if test(s, o)}
        if not scenes:
            return []
        return [i for i in range(self.expanded) if (self.keys[i] & m.scene_mask) in scenes
                and test(self.keys[i] & m.scene_mask, m.offer(self.keys[i]))]

    def dead_ends(self) -> list[int]:
        """States where the reader is stranded: no open option, no way on, and not an ending."""
        ending = self.machine.ending
        return self.where(lambda s, o: not o.edges and not ending[s])

    def passed_required(self) -> list[int]:
        """States in a choice that cannot be skipped, every option closed, which the story goes past."""
        scenes = self.machine.scenes
        return self.where(lambda s, o: not o.open and scenes[s].choice is not None
                          and not scenes[s].choice.optional and o.can_go_on)

    def good(self) -> bytearray:
        """Per state: 1 if an ending can be reached from it.

        States found but not followed (the budget) count as good: nothing is
        known against them, and `stuck` must only report what is proven.
        """
        if self._good is not None:
            return self._good
        n, done = self.states, self.expanded
        ending, mask, keys = self.machine.ending, self.machine.scene_mask, self.keys
        succ, off = self.succ, self.off
        good = bytearray(n)
        for i in range(done, n):
            good[i] = 1
        # One sweep from the back settles every edge to a later state (most of them, in
        # breadth-first order); what is left is finished with a predecessor worklist.
        for i in range(done - 1, -1, -1):
            if ending[keys[i] & mask]:
                good[i] = 1
                continue
            for j in succ[off[i]:off[i + 1]]:
                if good[j]:
                    good[i] = 1
                    break
        rest = [i for i in range(done) if not good[i]]
        if rest:
            preds: dict[int, list[int]] = {}
            work = []
            for i in rest:
                for j in succ[off[i]:off[i + 1]]:
                    if good[j]:
                        if not good[i]:
                            good[i] = 1
                            work.append(i)
                    else:
                        preds.setdefault(j, []).append(i)
            while work:
                for p in preds.get(work.pop(), ()):
                    if not good[p]:
                        good[p] = 1
                        work.append(p)
        self._good = good
        return good

    def stuck(self) -> list[int]:
        """States from which no ending can be reached (dead ends included)."""
        good = self.good()
        return [i for i in range(self.expanded) if not good[i]]

    # -- witnesses -------------------------------------------------------------------------

    def distances(self) -> tuple[array, array, array]:
        """Fewest --choices entries to each state, with the parent and way out that achieve it.

        A 0-1 breadth-first search: leaving a state where the reader is asked
        costs one entry, going on from a scene with nothing to choose costs none.
        """
        if self._dist is not None:
            return self._dist
        n, m = self.expanded, self.machine
        far = 1 << 62
        dist = array("q", [far]) * self.states
        parent = array("q", [-1]) * self.states
        way = array("l", [0]) * self.states
        dist[0] = 0
        queue = deque([0])
        done = bytearray(self.states)
        succ, off, keys = self.succ, self.off, self.keys
        while queue:
            i = queue.popleft()
            if done[i]:
                continue
            done[i] = 1
            if i >= n:
                continue
            cost = 1 if m.offer(keys[i]).prompt else 0
            d = dist[i] + cost
            for k, j in enumerate(succ[off[i]:off[i + 1]]):
                if d < dist[j]:
                    dist[j], parent[j], way[j] = d, i, k
                    if cost:
                        queue.append(j)
                    else:
                        queue.appendleft(j)
        self._dist = (dist, parent, way)
        return self._dist

    def witness(self, i: int) -> list[str]:
        """The --choices entries that lead from the start to state i by fewest entries."""
        dist, parent, way = self.distances()
        out = []
        while parent[i] >= 0:
            p = parent[i]
            offer = self.machine.offer(self.keys[p])
            if offer.prompt:
                out.append(offer.entry(way[i]))
            i = p
        return out[::-1]

    def nearest(self, states: Sequence[int]) -> dict[int, int]:
        """Per scene index: the state among `states` with the shortest witness."""
        dist = self.distances()[0]
        best: dict[int, int] = {}
        for i in states:
            s = self.scene_of(i)
            if s not in best or dist[i] < dist[best[s]]:
                best[s] = i
        return best

    def shortest_to(self, scene: str) -> Optional[int]:
        """The state in `scene` with the shortest witness, or None if no state found is there."""
        s = self.machine.ids[scene]
        found = [i for i, key in enumerate(self.keys) if key & self.machine.scene_mask == s]
        return self.nearest(found).get(s) if found else None


def explore(story: Story, max_states: int = DEFAULT_MAX_STATES, machine: Optional[Machine] = None) -> Exploration:
    """Walk every reachable state breadth-first, up to `max_states` distinct states."""
    m = machine or Machine(story)
    start = m.start_key()
    keys, index = [start], {start: 0}
    succ, off = array("i"), array("q", [0])
    offers, masks = m.offers, m.masks
    smask, ns, field_ = m.scene_mask, m.ns, m.bits_field
    limit = max(1, max_states)
    make = m._offer
    complete = True
    i = 0
    try:
        while i < len(keys):
            key = keys[i]
            s = key & smask
            mk = (key >> ns) & masks[s]
            offer = offers[s].get(mk) or make(s, mk)
            bits = key & field_
            for edge in offer[0]:
                nk = edge | bits
                j = index.get(nk)
                if j is None:
                    j = len(keys)
                    if j >= limit:
                        raise _Budget
                    index[nk] = j
                    keys.append(nk)
                succ.append(j)
            off.append(len(succ))
            i += 1
    except _Budget:
        complete = False
        del succ[off[-1]:]
    return Exploration(m, keys, index, succ, off, complete, limit)


# -- random playthroughs ---------------------------------------------------------------------


@dataclass
class Plays:
    """What N seeded random playthroughs met. Play p (1-based) uses seed `seed + p - 1`."""

    machine: Machine
    plays: int
    seed: int
    max_steps: int
    ended: int = 0
    stranded: dict[int, tuple[int, list[str]]] = field(default_factory=dict)  # scene -> (play, entries)
    capped: list[tuple[int, int]] = field(default_factory=list)  # (play, scene index where it stopped)
    visited: set = field(default_factory=set)
    seen_offers: list[dict[int, Offer]] = field(default_factory=list)
    taken: list[int] = field(default_factory=list)  # per scene: bit k, option k was picked
    states_full: bool = False  # the visited set reached its cap and stopped growing

    @property
    def states(self) -> int:
        return len(self.visited)

    def reached(self) -> list[bool]:
        return [bool(offers) for offers in self.seen_offers]

    def aggregate(self) -> tuple[list[int], list[int], list[int]]:
        return coverage(self.machine, [offers.values() for offers in self.seen_offers])


def random_plays(story: Story, plays: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS,
                 max_states: int = DEFAULT_MAX_STATES, machine: Optional[Machine] = None) -> Plays:
    """Play `plays` times, each prompt answered uniformly at random among what is on screen.

    Deterministic for a seed; a play that takes `max_steps` steps without
    ending is stopped and reported. At most `max_states` distinct states are
    remembered for the count, so memory stays bounded.
    """
    m = machine or Machine(story)
    out = Plays(m, plays, seed, max_steps, seen_offers=[{} for _ in m.scenes], taken=[0] * len(m.scenes))
    smask, ns, field_, masks = m.scene_mask, m.ns, m.bits_field, m.masks
    visited, seen_offers, taken = out.visited, out.seen_offers, out.taken
    for play in range(1, plays + 1):
        rng = _random.Random(seed + play - 1)
        key = m.start_key()
        entries: list[str] = []
        for step in range(max_steps + 1):
            if len(visited) < max_states:
                visited.add(key)
            else:
                out.states_full = True
            s = key & smask
            mk = (key >> ns) & masks[s]
            offer = m.offers[s].get(mk) or m._offer(s, mk)
            seen_offers[s][mk] = offer
            if not offer.edges:
                if m.ending[s]:
                    out.ended += 1
                elif s not in out.stranded or len(entries) < len(out.stranded[s][1]):
                    out.stranded[s] = (play, entries)
                break
            if step == max_steps:
                out.capped.append((play, s))
                break
            k = rng.randrange(len(offer.edges)) if offer.open else 0
            if offer.open:
                entries.append(offer.entry(k))
                if offer.answers[k] is not None:
                    taken[s] |= 1 << offer.answers[k]
            key = offer.edges[k] | (key & field_)
    return out
