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

import bisect
import itertools
import operator
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Collection, Iterable, Iterator, NamedTuple, Optional, Sequence

from engine import expr
from engine.model import Scene, Story, Value
from engine.runtime import State

DEFAULT_MAX_STATES = 1_000_000
DEFAULT_MAX_STEPS = 10_000

Compiled = Callable[[tuple, int], object]
Key = tuple  # (scene id, variables as runtime keeps them, seen flags of the tracked scenes)


# -- the projection ------------------------------------------------------------------


def _trees(story: Story) -> Iterator[tuple[Scene, object, expr.Node]]:
    """(scene, the paragraph or option, parsed condition) for every condition; each text parsed once."""
    parsed: dict[str, expr.Node] = {}
    for scene in story.scenes:
        parts = [p for p in scene.paragraphs if p.condition is not None]
        parts += [o for o in (scene.choice.options if scene.choice else ()) if o.condition is not None]
        for part in parts:
            source = part.condition.source
            tree = parsed.get(source)
            if tree is None:
                tree = parsed[source] = expr.parse(source)
            yield scene, part, tree


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
    return _tracked(story, list(_trees(story)))


def _tracked(story: Story, trees: list) -> tuple[str, ...]:
    named = {name for tree in {id(t): t for _, _, t in trees}.values() for name in _seen_names(tree)}
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


_new_offer = tuple.__new__  # an Offer without NamedTuple's keyword handling: offers are made by the ten thousand


class Machine:
    """A story compiled for exploration: integer scenes, interned values, seen bits, closures."""

    def __init__(self, story: Story):
        self.story = story
        self.scenes = story.scenes
        self.ids = {s.id: i for i, s in reversed(list(enumerate(story.scenes)))}
        self.names = tuple(v.name for v in story.variables)
        slot = {name: i for i, name in enumerate(self.names)}
        trees = list(_trees(story))
        self.tracked = _tracked(story, trees)
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
        masks: dict[str, int] = {}
        for scene, part, tree in trees:
            source = part.condition.source
            if source not in tests:
                masks[source] = sum(bit.get(name, 0) for name in set(_seen_names(tree)))
                tests[source] = self._test(_compile(tree, slot, bit), masks[source])
            self.cond[id(part)] = tests[source]
            reads[self.ids[scene.id]] |= masks[source]
        # Per scene: the paragraphs always shown, as bits (bit p: paragraph p), and a test per conditional one.
        self.paragraphs: list[tuple[int, list[tuple[int, Callable[[int, int], bool]]]]] = []
        for scene in self.scenes:
            always, tested = 0, []
            for p, para in enumerate(scene.paragraphs):
                if para.condition is None:
                    always |= 1 << p
                else:
                    tested.append((1 << p, self.cond[id(para)]))
            self.paragraphs.append((always, tested))
        # Every paragraph of the story numbered in one run, scene by scene: where each scene's paragraphs begin.
        self.first_paragraph = list(itertools.accumulate((len(scene.paragraphs) for scene in self.scenes[:-1]), initial=0))
        # What a scene's offer depends on: the value id and the seen bits its conditions read.
        self.masks = [(-1 << self.nb) | r for r in reads]
        self.offers: list[dict[int, Offer]] = [{} for _ in self.scenes]
        # Per scene, one offer for each distinct list of ways out: which options can be open, whether
        # the reader can be stranded or pass a choice unasked, and where a scene leads, are read from these few.
        self.kinds: list[dict[int, Offer]] = [{} for _ in self.scenes]  # keyed by the open options, as bits
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
        shift, values = self.shift, self.values
        base = vid << shift
        # going on first: witnesses prefer '-' among equals
        edges = [base | on] if on is not None and skippable else []
        opened = 0
        for k, test, effect, target in options:
            if test is None or test(vid, bits):
                opened |= 1 << k
                if effect is None:
                    edges.append(base | target)
                    continue
                cache, changes = effect
                nvid = cache.get(vid)
                if nvid is None:
                    out = list(values[vid])
                    for i, add, value in changes:
                        out[i] = int(out[i]) + int(value) if add else value
                    nvid = cache[vid] = self.intern(tuple(out))
                edges.append((nvid << shift) | target)
        if not opened and on is not None and not skippable:  # a choice that cannot be skipped, every option closed
            edges.append(base | on)
        kind = self.kinds[s].get(opened)
        if kind is None:
            return self._kind(s, mk, opened, tuple(edges))
        offer = _new_offer(Offer, (tuple(edges), kind[1], kind[2], kind[3], vid, bits))
        self.offers[s][mk] = offer
        return offer

    def _kind(self, s: int, mk: int, opened: int, edges: tuple) -> Offer:
        """The first offer of scene s with these options open: its answers and open options are
        shared by every later one."""
        options, on, skippable = self.plans[s]
        open_ = tuple(k for k, *_ in options if opened >> k & 1)
        can_go_on = on is not None and (skippable or not open_)
        answers = ((None,) if can_go_on and skippable else ()) + open_ + ((None,) if can_go_on and not skippable else ())
        offer = _new_offer(Offer, (edges, answers, open_, can_go_on, mk >> self.nb, mk & ((1 << self.nb) - 1)))
        self.offers[s][mk] = self.kinds[s][opened] = offer
        return offer

    def shown(self, s: int, offer: Offer) -> int:
        """The paragraphs of scene s shown with this offer's values, as bits (bit p: paragraph p)."""
        out, tests = self.paragraphs[s]
        for b, test in tests:
            if test(offer.vid, offer.bits):
                out |= b
        return out

    def state(self, key: int) -> tuple[str, tuple[tuple[str, Value], ...], frozenset[str]]:
        """A key as people read it: scene id, the variables as runtime keeps them, tracked scenes seen."""
        s, bits = key & self.scene_mask, (key & self.bits_field) >> self.ns
        variables = tuple(sorted(zip(self.names, self.values[key >> self.shift])))
        return self.scenes[s].id, variables, frozenset(n for k, n in enumerate(self.tracked) if bits >> k & 1)


def coverage(m: Machine, offers: Sequence[Collection[int]],
             kinds: Sequence[Iterable[Offer]]) -> tuple[list[int], list[int], list[int]]:
    """Per scene: paragraphs shown in some of its offers, shown in all; options open in some.

    `offers` gives per scene the keys its offers are filed under (value id
    and the seen bits its conditions read); which options are open is read
    from the scene's kinds of offer (the offers themselves will do). Each
    conditional paragraph is settled once it has been seen both shown and
    hidden, so most take only a few condition tests.
    """
    nb, low = m.nb, (1 << m.nb) - 1
    shown_any, shown_all, open_any = [], [], []
    for s, group in enumerate(offers):
        opened = 0
        for offer in kinds[s]:
            for k in offer.open:
                opened |= 1 << k
        open_any.append(opened)
        if not group:
            shown_any.append(0)
            shown_all.append(0)
            continue
        fixed, tests = m.paragraphs[s]
        some = every = fixed
        for b, test in tests:
            shown = hidden = False
            for mk in group:
                if test(mk >> nb, mk & low):
                    shown = True
                    if hidden:
                        break
                else:
                    hidden = True
                    if shown:
                        break
            if shown:
                some |= b
            if not hidden:
                every |= b
        shown_any.append(some)
        shown_all.append(every)
    return shown_any, shown_all, open_any


# -- exhaustive exploration ------------------------------------------------------------------


@dataclass
class Exploration:
    """Every state found, in discovery order.

    State i has key keys[i] (index maps a key back to i). Only the first
    `expanded` states were followed; when the budget stopped the walk, the
    rest were found but not followed. The edges between states are not
    kept: a state's successors are its offer's edges, looked up in `index`
    when a finding needs them.
    """

    machine: Machine
    keys: list[int]
    index: dict[int, int]
    complete: bool
    max_states: int
    expanded: int
    _search: Optional[tuple] = field(default=None, repr=False)  # the witness search, to take up again
    _good: Optional[bytearray] = field(default=None, repr=False)
    _rows: Optional[tuple[array, array]] = field(default=None, repr=False)

    @property
    def states(self) -> int:
        return len(self.keys)

    def scene_of(self, i: int) -> int:
        return self.keys[i] & self.machine.scene_mask

    def successors(self, i: int) -> list[int]:
        """The states an expanded state i leads to, in the order of its offer's ways out."""
        key, index = self.keys[i], self.index
        bits = key & self.machine.bits_field
        return [index[edge | bits] for edge in self.machine.offer(key).edges]

    def rows(self) -> tuple[array, array]:
        """Every expanded state's successors in compressed rows: state i's are succ[off[i]:off[i+1]]."""
        if self._rows is None:
            succ, off = array("i"), array("q", [0])
            for i in range(self.expanded):
                succ.extend(self.successors(i))
                off.append(len(succ))
            self._rows = succ, off
        return self._rows

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
        m = self.machine
        return coverage(m, m.offers, [kinds.values() for kinds in m.kinds])

    def where(self, test: Callable[[int, Offer], bool]) -> list[int]:
        """The expanded states whose scene and offer pass `test`, a test of the offer's ways out only:
        it is first put to each scene's kinds of offer, and only scenes with a kind that passes are scanned."""
        m = self.machine
        scenes = {s for s, kinds in enumerate(m.kinds) for o in kinds.values() if test(s, o)}
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

    def sure(self) -> bytearray:
        """Per scene: 1 when every state found there can be proven, from the scene's kinds of offer
        alone, to reach an ending: an ending, or a scene each of whose kinds has a way out into a
        sure scene. A scene with no state followed is sure: states found but not followed count as good.
        """
        m = self.machine
        mask = m.scene_mask
        sure = bytearray(len(m.scenes))
        into: list[list[tuple[int, int]]] = [[] for _ in m.scenes]  # scene -> (scene, kind) with a way into it
        left = [set(kinds) for kinds in m.kinds]  # per scene: the kinds with no way out into a sure scene yet
        work = []
        for s, kinds in enumerate(m.kinds):
            if m.ending[s] or not kinds:
                sure[s] = 1
                work.append(s)
                continue
            for opened, offer in kinds.items():
                for edge in offer.edges:
                    into[edge & mask].append((s, opened))
        while work:
            for s, opened in into[work.pop()]:
                pending = left[s]
                if opened in pending:
                    pending.discard(opened)
                    if not pending:
                        sure[s] = 1
                        work.append(s)
        return sure

    def good(self) -> bytearray:
        """Per state: 1 if an ending can be reached from it.

        States found but not followed (the budget) count as good: nothing is
        known against them, and `stuck` must only report what is proven.
        States in a sure scene are good; the others are settled with a
        predecessor worklist.
        """
        if self._good is not None:
            return self._good
        n, done = self.states, self.expanded
        mask, keys = self.machine.scene_mask, self.keys
        sure = self.sure()
        good = bytearray(n)
        good[done:] = b"\x01" * (n - done)
        rest = []
        for i in range(done):
            if sure[keys[i] & mask]:
                good[i] = 1
            else:
                rest.append(i)
        preds: dict[int, list[int]] = {}
        work = []
        for i in rest:
            for j in self.successors(i):
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
        if self._good is None and all(self.sure()):
            return []
        good = self.good()
        return [i for i in range(self.expanded) if not good[i]]

    # -- witnesses -------------------------------------------------------------------------

    def distances(self, wanted: Optional[Iterable[int]] = None) -> tuple[array, array, array]:
        """Fewest --choices entries to states, with the parent and way out that achieve it.

        A 0-1 breadth-first search: leaving a state where the reader is asked
        costs one entry, going on from a scene with nothing to choose costs
        none. It stops once every state in `wanted` is settled (every state
        when None), and the next call takes up where it stopped. A settled
        state's distance, parent and way never change again, so a witness is
        the same however far the search has gone.
        """
        if self._search is None:
            far, n = 1 << 62, self.states
            dist, parent, way = array("q", [far]) * n, array("q", [-1]) * n, array("l", [0]) * n
            dist[0] = 0
            self._search = (dist, parent, way, deque([0]), bytearray(n))
        dist, parent, way, queue, done = self._search
        left = None if wanted is None else {i for i in wanted if not done[i]}
        if left is not None and not left:
            return dist, parent, way
        n, m = self.expanded, self.machine
        keys, index, field_ = self.keys, self.index, m.bits_field
        while queue:
            i = queue.popleft()
            if done[i]:
                continue
            done[i] = 1
            if i < n:
                key = keys[i]
                offer = m.offer(key)
                cost = 1 if offer.open else 0
                d = dist[i] + cost
                bits = key & field_
                for k, edge in enumerate(offer.edges):
                    j = index[edge | bits]
                    if d < dist[j]:
                        dist[j], parent[j], way[j] = d, i, k
                        if cost:
                            queue.append(j)
                        else:
                            queue.appendleft(j)
            if left is not None and i in left:
                left.discard(i)
                if not left:
                    break
        return dist, parent, way

    def witness(self, i: int) -> list[str]:
        """The --choices entries that lead from the start to state i by fewest entries."""
        dist, parent, way = self.distances((i,))
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
        if not states:
            return {}
        dist = self.distances(states)[0]
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
    """Walk every reachable state breadth-first, up to `max_states` distinct states.

    The queue is the list of keys found, read as it grows; no edge is
    stored (most runs need none, and the few findings that do look them up).
    """
    m = machine or Machine(story)
    start = m.start_key()
    keys, index = [start], {start: 0}
    offers, masks = m.offers, m.masks
    smask, ns, field_ = m.scene_mask, m.ns, m.bits_field
    limit = max(1, max_states)
    make = m._offer
    found = 1
    put = keys.append
    for key in keys:
        s = key & smask
        mk = (key >> ns) & masks[s]
        offer = offers[s].get(mk) or make(s, mk)
        bits = key & field_
        for edge in offer[0]:
            edge |= bits
            if edge not in index:
                if found == limit:  # this state is not followed: the ones it found so far stay
                    return Exploration(m, keys, index, False, limit, index[key])
                index[edge] = found
                found += 1
                put(edge)
    return Exploration(m, keys, index, True, limit, found)


# -- statistics (only when asked) ---------------------------------------------------------------------


@dataclass
class Echo:
    """What picking one option changes later: paragraphs (scene index, paragraph index) shown only with it, only without."""

    scene: int
    option: int  # index in the scene's full option list
    against: Optional[int]  # the option it is compared with, or None: going on without choosing
    adds: tuple[tuple[int, int], ...]
    removes: tuple[tuple[int, int], ...]
    comparable: bool = True  # False: the option is never open, or there is nothing to compare it with


@dataclass
class Stats:
    paths: Optional[int]  # distinct answer lists from the start to an ending; None: infinite
    loop: list[int]  # with infinite paths: the scenes of a loop that can be taken again and again
    shortest: Optional[tuple[int, list[str]]]  # (words, witness) of the path with the fewest words
    longest: Optional[tuple[int, list[str]]]  # (words, witness) of the path with the most; None with loops
    scene_words: dict[int, tuple[int, int]]  # scene index -> (fewest, most) words shown there
    echoes: list[Echo]


def _words(text: str) -> int:
    return len(text.split())


def statistics(ex: Exploration) -> Stats:
    """Paths, words and echoes over a complete exploration."""
    m = ex.machine
    n = ex.expanded
    keys, mask = ex.keys, m.scene_mask
    succ, off = ex.rows()
    words_of = [[_words(p.text) for p in s.paragraphs] for s in m.scenes]

    def shown_words(i: int) -> int:
        s = keys[i] & mask
        bits, total, p = m.shown(s, m.offer(keys[i])), 0, 0
        while bits:
            if bits & 1:
                total += words_of[s][p]
            bits >>= 1
            p += 1
        return total

    weight = [shown_words(i) for i in range(n)]
    scene_words: dict[int, tuple[int, int]] = {}
    for i in range(n):
        s = keys[i] & mask
        lo, hi = scene_words.get(s, (weight[i], weight[i]))
        scene_words[s] = (min(lo, weight[i]), max(hi, weight[i]))
    good = ex.good()
    order, loop = _topological(ex, good)
    paths: Optional[int] = None
    longest = None
    if loop:
        loop_scenes = [keys[i] & mask for i in loop]
    else:
        loop_scenes = []
        ways = [0] * n
        most = [-1] * n
        most_next = [-1] * n
        for i in reversed(order):
            if m.ending[keys[i] & mask]:
                ways[i], most[i] = 1, weight[i]
                continue
            for j in succ[off[i]:off[i + 1]]:
                if good[j]:
                    ways[i] += ways[j]
                    if most[j] + weight[i] > most[i]:
                        most[i], most_next[i] = most[j] + weight[i], j
        paths = ways[0] if good[0] else 0
        if good[0]:
            longest = (most[0], _follow(ex, most_next))
    shortest = _fewest_words(ex, good, weight)
    return Stats(paths, loop_scenes, shortest, longest, scene_words, echoes(ex))


def _topological(ex: Exploration, good: bytearray) -> tuple[list[int], list[int]]:
    """Good states in an order where every edge goes forward; or, if they hold a cycle, one cycle."""
    n, (succ, off) = ex.expanded, ex.rows()
    indegree = [0] * n
    for i in range(n):
        if good[i]:
            for j in succ[off[i]:off[i + 1]]:
                if good[j]:
                    indegree[j] += 1
    ready = [i for i in range(n) if good[i] and not indegree[i]]
    order = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in succ[off[i]:off[i + 1]]:
            if good[j]:
                indegree[j] -= 1
                if not indegree[j]:
                    ready.append(j)
    left = [i for i in range(n) if good[i] and indegree[i]]
    if not left:
        return order, []
    # Every state left has a predecessor left (its in-degree never fell to 0): walking back
    # from any of them must come round to a state met before, which closes a cycle.
    inside = set(left)
    back: dict[int, int] = {}
    for i in left:
        for j in succ[off[i]:off[i + 1]]:
            if j in inside:
                back.setdefault(j, i)
    i, seen = left[0], {}
    while i not in seen:
        seen[i] = len(seen)
        i = back[i]
    cycle = [j for j, k in sorted(seen.items(), key=lambda x: x[1]) if k >= seen[i]]
    return order, cycle[::-1]


def _follow(ex: Exploration, nxt: list[int]) -> list[str]:
    """The witness of the path from the start that follows `nxt` to an ending."""
    out, i = [], 0
    while nxt[i] >= 0:
        j = nxt[i]
        offer = ex.machine.offer(ex.keys[i])
        if offer.prompt:
            k = list(ex.successors(i)).index(j)
            out.append(offer.entry(k))
        i = j
    return out


def _fewest_words(ex: Exploration, good: bytearray, weight: list[int]) -> Optional[tuple[int, list[str]]]:
    """Dijkstra over states weighted by the words they show, from the start to the nearest ending."""
    import heapq

    if not good[0]:
        return None
    m, keys, mask = ex.machine, ex.keys, ex.machine.scene_mask
    best = {0: weight[0]}
    parent: dict[int, int] = {}
    heap = [(weight[0], 0)]
    while heap:
        d, i = heapq.heappop(heap)
        if d > best[i]:
            continue
        if m.ending[keys[i] & mask]:
            path = [i]
            while path[-1] in parent:
                path.append(parent[path[-1]])
            path.reverse()
            nxt = [-1] * ex.expanded
            for a, b in zip(path, path[1:]):
                nxt[a] = b
            return d, _follow(ex, nxt)
        for j in ex.successors(i):
            if good[j] and d + weight[j] < best.get(j, 1 << 62):
                best[j] = d + weight[j]
                parent[j] = i
                heapq.heappush(heap, (best[j], j))
    return None


def run_default(m: Machine, key: int, steps: dict[int, tuple[int, Optional[int]]],
                limit: int = 100_000) -> int:
    """Paragraphs shown from state `key` on, going on wherever allowed, else taking the first open
    option, until an ending, a dead end or a state met twice (a loop); as bits, paragraph p of
    scene s at bit m.first_paragraph[s] + p.

    `steps` remembers, per offer met, the paragraphs it shows and its first way out: the echo
    table walks the same stretches of story again and again.
    """
    shown = 0
    met: set[int] = set()
    field_, smask, ns, masks, first = m.bits_field, m.scene_mask, m.ns, m.masks, m.first_paragraph
    for _ in range(limit):
        if key in met:
            break
        met.add(key)
        s = key & smask
        filed = (((key >> ns) & masks[s]) << ns) | s
        step = steps.get(filed)
        if step is None:
            offer = m.offer(key)
            step = steps[filed] = (m.shown(s, offer) << first[s], offer.edges[0] if offer.edges else None)
        shown |= step[0]
        if step[1] is None:
            break
        key = step[1] | (key & field_)  # going on comes first; else the first open option
    return shown


def _pairs(m: Machine, bits: int) -> tuple[tuple[int, int], ...]:
    """Paragraph bits as run_default sets them -> (scene index, paragraph index) pairs, in order."""
    out = []
    while bits:
        low = bits & -bits
        g = low.bit_length() - 1
        s = bisect.bisect_right(m.first_paragraph, g) - 1
        out.append((s, g - m.first_paragraph[s]))
        bits ^= low
    return tuple(out)


def echoes(ex: Exploration) -> list[Echo]:
    """For each option: what picking it shows later, against going on without it (or its first other option)."""
    m = ex.machine
    dist = ex.distances()[0]
    field_ = m.bits_field
    first: dict[tuple[int, int], int] = {}  # (scene, option) -> the state nearest the start where it is open
    steps: dict[int, tuple[int, Optional[int]]] = {}
    for i in range(ex.expanded):
        key = ex.keys[i]
        s = key & m.scene_mask
        if m.scenes[s].choice is None:
            continue
        for k in m.offer(key).open:
            if (s, k) not in first or dist[i] < dist[first[(s, k)]]:
                first[(s, k)] = i
    out = []
    for s, scene in enumerate(m.scenes):
        for k, _ in enumerate(scene.choice.options if scene.choice else ()):
            i = first.get((s, k))
            if i is None:
                out.append(Echo(s, k, None, (), (), comparable=False))
                continue
            key = ex.keys[i]
            offer = m.offer(key)
            way = offer.answers.index(k)
            if offer.can_go_on:
                other, against = offer.answers.index(None), None
            else:
                rest = [o for o in offer.open if o != k]
                if not rest:
                    out.append(Echo(s, k, None, (), (), comparable=False))
                    continue
                other, against = offer.answers.index(rest[0]), rest[0]
            bits = key & field_
            picked = run_default(m, offer.edges[way] | bits, steps)
            without = run_default(m, offer.edges[other] | bits, steps)
            out.append(Echo(s, k, against, _pairs(m, picked & ~without), _pairs(m, without & ~picked)))
    return out


# -- random playthroughs ---------------------------------------------------------------------


@dataclass
class Plays:
    """What N seeded random playthroughs met. Play p (1-based) uses seed `seed + p - 1`."""

    machine: Machine
    plays: int
    seed: int
    max_steps: int
    ended: int = 0
    stranded_plays: int = 0  # plays that stopped with the reader stranded
    stranded: dict[int, tuple[int, list[str]]] = field(default_factory=dict)  # scene -> (play, fewest entries)
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
        return coverage(self.machine, self.seen_offers, [offers.values() for offers in self.seen_offers])


def random_plays(story: Story, plays: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS,
                 max_states: int = DEFAULT_MAX_STATES, machine: Optional[Machine] = None) -> Plays:
    """Play `plays` times, each prompt answered uniformly at random among what is on screen.

    Deterministic for a seed; a play that takes `max_steps` steps without
    ending is stopped and reported. At most `max_states` distinct states are
    remembered for the count, so memory stays bounded.
    """
    import random  # only here: random plays are the rarer use

    m = machine or Machine(story)
    out = Plays(m, plays, seed, max_steps, seen_offers=[{} for _ in m.scenes], taken=[0] * len(m.scenes))
    smask, ns, field_, masks = m.scene_mask, m.ns, m.bits_field, m.masks
    visited, seen_offers, taken = out.visited, out.seen_offers, out.taken
    for play in range(1, plays + 1):
        rng = random.Random(seed + play - 1)
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
                else:
                    out.stranded_plays += 1
                    if s not in out.stranded or len(entries) < len(out.stranded[s][1]):
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
