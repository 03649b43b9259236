"""`vignettes check`: play every path before the reader does.

The story is validated first (its problems are check's problems too), then
explored whole (`engine.explore`) or played at random, and what was found
becomes located diagnostics, one JSON document for tools, and a summary.
Witnesses are written as `vignettes play --choices` takes them, so any
finding can be replayed in the real player.
"""

from __future__ import annotations

import difflib
import gc
import shlex
from dataclasses import dataclass, field
from typing import Optional, Sequence

from engine import codes, explore, graph, report, validate
from engine.errors import Diagnostic, EngineError
from engine.model import Pos, Story

OK, PROBLEMS, USAGE, INCOMPLETE = 0, 1, 2, 3


class CheckUsage(EngineError):
    """A request that cannot be answered as asked (an unknown --to scene, a bad number)."""


def _diag(pos: Pos, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(pos.file, pos.line, pos.col, code, message, codes.severity(code), hint)


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass
class Outcome:
    """Everything one run of check found, before it is rendered."""

    story: Story
    complete: bool
    states: int
    diagnostics: list[Diagnostic]
    data: dict = field(default_factory=dict)
    summary: str = ""
    answer: str = ""  # the --to answer, for text output
    to_reached: Optional[bool] = None
    stats: Optional[explore.Stats] = None


class Checker:
    """One `check` run: the story, how witnesses are written, the options asked for."""

    def __init__(self, story: Story, static: list[Diagnostic], story_arg: Optional[str]):
        self.story = story
        self.static = static
        self.play = "vignettes play" + (f" {shlex.quote(story_arg)}" if story_arg else "")
        self.check = "vignettes check" + (f" {shlex.quote(story_arg)}" if story_arg else "")
        self.machine = explore.Machine(story)
        # Conditions that validate already calls impossible (W110) are not reported twice.
        self.impossible = {(d.file, d.line, d.col) for d in static if d.code == "W110"}

    def command(self, entries: list[str]) -> str:
        return f"{self.play} --choices {','.join(entries) if entries else shlex.quote('')}"

    def witness(self, entries: list[str], s: Optional[int] = None) -> str:
        """How to get to a finding; a scene that asks nothing (`s`) is shown and gone past, not stopped at."""
        past = s is not None and self.machine.scenes[s].choice is None
        how = self.command(entries)
        if not entries:
            return f"at the start, before any answer{' (shown, then gone past: it asks nothing)' if past else ''}: {how}"
        if past:
            return f"passed through (shown, then gone past: it asks nothing) by: {how}"
        return f"reached by: {how}"

    # -- findings shared by both ways of playing ------------------------------------------

    def coverage_findings(self, reached: list[bool], aggregate, proven: bool) -> tuple[list[Diagnostic], dict]:
        """Scenes, options and paragraphs never met; diagnostics only when the walk was exhaustive."""
        story, m = self.story, self.machine
        shown_any, shown_all, open_any = aggregate
        out: list[Diagnostic] = []
        linked: Optional[set[str]] = None  # scenes linked from the start: worked out only if one is never reached
        data: dict = {
            "scenes_reached": [s.id for s, r in zip(m.scenes, reached) if r],
            "endings_reached": [s.id for s, r in zip(m.scenes, reached) if r and s.is_ending],
            "endings_never_reached": [s.id for s, r in zip(m.scenes, reached) if not r and s.is_ending],
            "never_open": [], "never_shown": [], "always_shown": [],
        }
        for s, scene in enumerate(m.scenes):
            if not reached[s]:
                if proven:
                    linked = graph.reachable(story, [story.start.scene]) if linked is None else linked
                if proven and scene.id in linked:  # unlinked scenes are validate's W103
                    if scene.is_ending:
                        out.append(_diag(scene.pos, "W207", f"ending '{scene.id}' is never reached",
                                         "no path's conditions let the reader get here; check the `if:` on the ways in"))
                    else:
                        out.append(_diag(scene.pos, "W200", f"scene '{scene.id}' is never reached",
                                         "it is linked, but the conditions on every way in are closed "
                                         "whenever the reader gets there"))
                continue
            for k, option in enumerate(scene.choice.options if scene.choice else ()):
                if not open_any[s] >> k & 1:
                    data["never_open"].append({"scene": scene.id, "option": k + 1})
                    if proven and self._fresh(option.condition):
                        out.append(_diag(option.pos, "W201", f"option {k + 1} of scene '{scene.id}' is never open",
                                         f"`{_short(option.condition.source)}` is false whenever the reader is here"))
            for p, para in enumerate(scene.paragraphs):
                if para.condition is None:
                    continue
                if not shown_any[s] >> p & 1:
                    data["never_shown"].append({"scene": scene.id, "paragraph": p + 1})
                    if proven and self._fresh(para.condition):
                        out.append(_diag(para.pos, "W202", f"paragraph {p + 1} of scene '{scene.id}' is never shown",
                                         f"`{_short(para.condition.source)}` is false whenever the reader is here"))
                elif shown_all[s] >> p & 1:
                    data["always_shown"].append({"scene": scene.id, "paragraph": p + 1})
                    if proven:
                        out.append(_diag(para.pos, "W203", f"paragraph {p + 1} of scene '{scene.id}' is always shown",
                                         f"`{_short(para.condition.source)}` is true whenever the reader is here; "
                                         "drop the `if:` or check it"))
        return out, data

    def _fresh(self, condition) -> bool:
        pos = condition.pos
        return (pos.file, pos.line, pos.col) not in self.impossible

    def dead_end(self, s: int, entries: list[str]) -> Diagnostic:
        scene = self.machine.scenes[s]
        return _diag(scene.choice.pos if scene.choice else scene.pos, "E204",
                     f"the reader can be stranded in scene '{scene.id}': no option is open and there is no way on",
                     self.witness(entries) + "\nadd `next:` for when every option is closed, or an option that is always open")

    # -- exhaustive ---------------------------------------------------------------------------------

    def exhaustive(self, max_states: int, to: Optional[str], stats: bool = False) -> Outcome:
        m = self.machine
        ex = explore.explore(self.story, max_states, machine=m)
        reached = ex.reached()
        out, data = self.coverage_findings(reached, ex.aggregate(), ex.complete)
        dead = ex.dead_ends()
        dead_set = set(dead)
        data["dead_ends"] = []
        for s, i in sorted(ex.nearest(dead).items()):
            entries = ex.witness(i)
            data["dead_ends"].append({"scene": m.scenes[s].id, "choices": ",".join(entries)})
            out.append(self.dead_end(s, entries))
        data["stuck"] = []
        stuck = ex.stuck()
        for s, i in sorted(ex.nearest(stuck).items()):
            data["stuck"].append({"scene": m.scenes[s].id, "choices": ",".join(ex.witness(i))})
        # A dead end is stuck too, but E204 has said so; E205 is for the scenes that lead into one, and loops.
        for s, i in sorted(ex.nearest([i for i in stuck if i not in dead_set]).items()):
            out.append(_diag(m.scenes[s].pos, "E205", f"no ending can be reached from scene '{m.scenes[s].id}' on some paths",
                             f"{self.witness(ex.witness(i), s)}\n{self._trail(ex, i)}"))
        data["passed_required"] = []
        for s, i in sorted(ex.nearest(ex.passed_required()).items()):
            scene = m.scenes[s]
            entries = ex.witness(i)
            data["passed_required"].append({"scene": scene.id, "choices": ",".join(entries)})
            out.append(_diag(scene.choice.pos, "W206",
                             f"every option of the choice in scene '{scene.id}' can be closed, and the story then goes on without asking",
                             self.witness(entries) + "\nmake the choice `optional: true`, or keep one option always open"))
        outcome = Outcome(self.story, ex.complete, ex.states, out, data)
        if stats:
            outcome.stats = explore.statistics(ex) if ex.complete else None
            data["stats"] = self.stats_data(outcome.stats)
        if to is not None:
            i = ex.shortest_to(to)
            entries = ex.witness(i) if i is not None else None
            outcome.to_reached = i is not None
            data["to"] = {"scene": to, "reached": i is not None, "choices": ",".join(entries) if entries is not None else None}
            if i is not None:
                outcome.answer = f"scene '{to}' is {self.witness(entries, ex.scene_of(i))}"
            elif ex.complete:
                outcome.answer = f"no path reaches scene '{to}' (all {_count(ex.states, 'state')} explored)"
            else:
                outcome.answer = f"scene '{to}' was not reached in the first {_count(ex.states, 'state')}; the search is incomplete"
        outcome.summary = self._summary(ex.complete, ex.states, reached, out, max_states)
        return outcome

    def _trail(self, ex: explore.Exploration, i: int) -> str:
        """Where a stuck reader goes from state i: the loop it ends in, or the dead end."""
        m = ex.machine
        order: dict[int, int] = {}
        while i not in order and i < ex.expanded:
            order[i] = len(order)
            nxt = ex.successors(i)
            if not nxt:
                return f"from there every way leads to a dead end in scene '{m.scenes[ex.scene_of(i)].id}'"
            i = nxt[0]
        if i not in order:
            return "from there no ending can be reached"
        loop = [s for s, n in sorted(order.items(), key=lambda x: x[1]) if n >= order[i]]
        names = _dedupe([m.scenes[ex.scene_of(j)].id for j in loop])
        return f"from there the story only goes round: {' -> '.join(names + names[:1])}"

    def _summary(self, complete: bool, states: int, reached: list[bool], found: list[Diagnostic],
                 max_states: int) -> str:
        m = self.machine
        endings = [r for s, r in zip(m.scenes, reached) if s.is_ending]
        seen = (f"{sum(reached):,} of {_count(len(reached), 'scene')} and {sum(endings):,} of "
                f"{_count(len(endings), 'ending')} reached")
        problems = _problems(self.static + found)
        if complete:
            return f"checked {_count(states, 'state')}: {seen}; {problems}"
        return (f"incomplete: stopped at the budget of {max_states:,} states (--max-states); "
                f"so far {seen}; {problems}. Raise --max-states, or test a story this large with "
                f"random playthroughs: {self.play.replace('vignettes play', 'vignettes check', 1)} --random 1000 --seed 1")

    # -- statistics ------------------------------------------------------------------------------

    def _para(self, s: int, p: int) -> dict:
        return {"scene": self.machine.scenes[s].id, "paragraph": p + 1}

    def _same(self, stats: explore.Stats) -> dict[tuple[int, int], list[int]]:
        """Per (scene, option): the other options of its scene with exactly the same echo."""
        groups: dict[tuple, list[explore.Echo]] = {}
        for e in stats.echoes:
            if e.comparable:
                groups.setdefault((e.scene, e.adds, e.removes), []).append(e)
        return {(e.scene, e.option): [o.option for o in group if o is not e]
                for group in groups.values() for e in group}

    def stats_data(self, stats: Optional[explore.Stats]) -> Optional[dict]:
        if stats is None:
            return None
        m = self.machine
        ids = [s.id for s in m.scenes]
        same = self._same(stats)
        return {
            "paths": "infinite" if stats.paths is None else stats.paths,
            "loop": [ids[s] for s in stats.loop] if stats.paths is None else None,
            "words": {
                "shortest": None if stats.shortest is None else
                {"words": stats.shortest[0], "choices": ",".join(stats.shortest[1])},
                "longest": None if stats.longest is None else
                {"words": stats.longest[0], "choices": ",".join(stats.longest[1])},
                "scenes": {ids[s]: {"min": lo, "max": hi} for s, (lo, hi) in sorted(stats.scene_words.items())},
            },
            "echoes": [{
                "scene": ids[e.scene], "option": e.option + 1, "open": e.comparable,
                "against": None if not e.comparable else "go on" if e.against is None else e.against + 1,
                "adds": [self._para(*x) for x in e.adds], "removes": [self._para(*x) for x in e.removes],
                "same_as": [o + 1 for o in same.get((e.scene, e.option), [])],
            } for e in stats.echoes],
        }

    def stats_text(self, stats: Optional[explore.Stats]) -> str:
        if stats is None:
            return "statistics: not gathered: they need a complete exploration (raise --max-states)\n"
        m = self.machine
        ids = [s.id for s in m.scenes]
        lines = ["statistics"]
        if stats.paths is None:
            lines.append(f"  paths to an ending: infinite: the loop {' -> '.join(_dedupe([ids[s] for s in stats.loop]) + [ids[stats.loop[0]]])} "
                         "can be taken again and again")
        else:
            lines.append(f"  paths to an ending: {stats.paths:,}")
        if stats.shortest is not None:
            lines.append(f"  words on the shortest path: {stats.shortest[0]:,} ({self.command(stats.shortest[1])})")
        if stats.longest is not None:
            lines.append(f"  words on the longest path: {stats.longest[0]:,} ({self.command(stats.longest[1])})")
        elif stats.paths is None:
            lines.append("  words on the longest path: no limit (a loop can be taken again and again)")
        width = max((len(ids[s]) for s in stats.scene_words), default=0)
        lines.append("  words per scene (fewest-most):")
        for s, (lo, hi) in sorted(stats.scene_words.items()):
            lines.append(f"    {ids[s]:<{width}}  {lo:,}" + (f"-{hi:,}" if hi != lo else ""))
        lines.append("  echoes: the paragraphs shown later when the option is picked (+) or only without it (-),")
        lines.append("  then going on wherever allowed, else taking the first open option; against going on")
        lines.append("  without choosing, or, where the choice cannot be skipped, against its first other option:")
        same = self._same(stats)
        for e in stats.echoes:
            scene = m.scenes[e.scene]
            head = f"    {ids[e.scene]} {e.option + 1} \"{_short(scene.choice.options[e.option].text, 30)}\""
            if not e.comparable:
                lines.append(f"{head}: " + ("never open" if e.option not in self._opened(e.scene) else
                                            "the only option open: nothing to compare"))
                continue
            against = "" if e.against is None else f" (against option {e.against + 1})"
            adds, removes = _paragraphs(ids, e.adds), _paragraphs(ids, e.removes)
            text = " ".join(x for x in (f"+ {adds}" if adds else "", f"- {removes}" if removes else "") if x) or "no echo"
            twins = same.get((e.scene, e.option))
            note = f"  [same as option{'s' if len(twins) > 1 else ''} {', '.join(str(o + 1) for o in twins)}]" if twins else ""
            lines.append(f"{head}{against}: {text}{note}")
        return "\n".join(lines) + "\n"

    def _opened(self, s: int) -> set[int]:
        return {k for offer in self.machine.offers[s].values() for k in offer.open}

    # -- random -----------------------------------------------------------------------------------

    def randomly(self, plays: int, seed: int, max_steps: int, max_states: int) -> Outcome:
        m = self.machine
        result = explore.random_plays(self.story, plays, seed, max_steps, max_states, machine=m)
        reached = result.reached()
        aggregate = result.aggregate()
        _, data = self.coverage_findings(reached, aggregate, proven=False)
        out: list[Diagnostic] = []
        data["dead_ends"] = []
        for s, (play, entries) in sorted(result.stranded.items()):
            data["dead_ends"].append({"scene": m.scenes[s].id, "choices": ",".join(entries)})
            out.append(self.dead_end(s, entries))
        data["stuck"] = []
        data["passed_required"] = []
        if result.capped:
            shown = ", ".join(f"play {p} (seed {seed + p - 1}, in scene '{m.scenes[s].id}')" for p, s in result.capped[:5])
            more = f" and {len(result.capped) - 5} more" if len(result.capped) > 5 else ""
            out.append(_diag(self.story.start.pos, "W208",
                             f"{len(result.capped)} of {_count(plays, 'random play')} did not end within {max_steps:,} steps",
                             f"{shown}{more}; replay one with `{self.check} --random 1 --seed SEED`, and look for a loop "
                             "with no way out (an exhaustive `vignettes check` proves it)"))
        total_options = sum(len(s.choice.options) if s.choice else 0 for s in m.scenes)
        taken = sum(bin(t).count("1") for t in result.taken)
        paragraphs = sum(len(s.paragraphs) for s in m.scenes)
        shown = sum(bin(x).count("1") for x in aggregate[0])
        data["random"] = {
            "plays": plays, "seed": seed, "max_steps": max_steps, "ended": result.ended,
            "stranded": result.stranded_plays, "capped": [
                {"play": p, "seed": seed + p - 1, "scene": m.scenes[s].id} for p, s in result.capped],
            "coverage": {"scenes": [sum(reached), len(reached)], "options_taken": [taken, total_options],
                         "paragraphs_shown": [shown, paragraphs]},
        }
        outcome = Outcome(self.story, False, result.states, out, data)
        cov = data["random"]["coverage"]
        outcome.summary = (f"played {_count(plays, 'random path')} (seed {seed}): {result.ended:,} ended, "
                           + (f"{result.stranded_plays:,} stranded, " if result.stranded_plays else "")
                           + f"{len(result.capped):,} stopped at {max_steps:,} steps; coverage: scenes {cov['scenes'][0]:,}/"
                           f"{cov['scenes'][1]:,}, options taken {taken:,}/{total_options:,}, paragraphs shown "
                           f"{shown:,}/{paragraphs:,}; {_problems(self.static + out)}. Random plays cannot prove "
                           "a story clean: run without --random for that")
        return outcome


def _paragraphs(ids: list[str], found: tuple[tuple[int, int], ...]) -> str:
    """(scene, paragraph) pairs as `london ¶2; refusal ¶3,5`, paragraphs numbered from 1."""
    by_scene: dict[int, list[int]] = {}
    for s, p in found:
        by_scene.setdefault(s, []).append(p + 1)
    return "; ".join(f"{ids[s]} ¶{','.join(map(str, ps))}" for s, ps in by_scene.items())


def _dedupe(names: list[str]) -> list[str]:
    """Scene names along a loop, without repeating a scene the reader stays in."""
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out


def _problems(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return "no problems"
    return ", ".join(_count(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n)


def examine(story: Story, static: list[Diagnostic], options: Sequence[str] = ()) -> list[Diagnostic]:
    """What check reports on a loaded story, given check's options as words (`--random 3`): for `explain`."""
    given = dict(zip(options[::2], options[1::2]))
    checker = Checker(story, static, None)
    number = lambda name, default: int(given.get(name, default))  # noqa: E731
    if "--random" in given:
        found = checker.randomly(number("--random", 1), number("--seed", 1), number("--max-steps", explore.DEFAULT_MAX_STEPS),
                                 number("--max-states", explore.DEFAULT_MAX_STATES))
    else:
        found = checker.exhaustive(number("--max-states", explore.DEFAULT_MAX_STATES), None)
    return found.diagnostics


# -- the command -------------------------------------------------------------------------


def run(story_arg: Optional[str], args, out, err, colour: bool = False) -> int:
    """`vignettes check` on one story folder (None: the bundled story), as asked; returns the exit code.

    The cycle collector is paused throughout, as validation pauses it while loading: exploration
    allocates hundreds of thousands of objects that form no cycles, and the collector would walk
    them, and the whole loaded story, again and again (a tenth of the run).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(story_arg, args, out, err, colour)
    finally:
        if was_enabled:
            gc.enable()


def _run(story_arg: Optional[str], args, out, err, colour: bool) -> int:
    folder = validate.story_folder(story_arg)
    story, result = validate.checked_story(folder)
    static = result.diagnostics
    if story is None or any(d.is_error for d in static):
        _emit(args.format, out, err, static, {"complete": False, "states": 0}, colour,
              f"{_problems(static)}: fix these before the story can be checked (vignettes validate "
              f"{shlex.quote(story_arg) if story_arg else ''})".replace(" )", ")"))
        return PROBLEMS
    if args.to is not None and args.to not in story.by_id:
        near = difflib.get_close_matches(args.to, list(story.by_id), n=1)
        raise CheckUsage(f"--to: there is no scene '{args.to}' in this story" + (f"; did you mean '{near[0]}'?" if near else ""))
    checker = Checker(story, static, story_arg)
    if args.random is not None:
        outcome = checker.randomly(args.random, args.seed, args.max_steps, args.max_states)
    else:
        outcome = checker.exhaustive(args.max_states, args.to, stats=args.stats)
    diagnostics = static + outcome.diagnostics
    data = {"story": story.id, "complete": outcome.complete, "states": outcome.states, **outcome.data}
    if args.to is not None and args.format in ("concise", "full"):
        out.write(outcome.answer + "\n")
        return OK if outcome.to_reached else PROBLEMS if outcome.complete else INCOMPLETE
    _emit(args.format, out, err, diagnostics, data, colour, outcome.summary)
    if args.stats and args.format in ("concise", "full"):
        out.write(checker.stats_text(outcome.stats) if args.random is None else
                  "statistics: not gathered under --random: they need a complete exploration\n")
    if args.to is not None:
        return OK if outcome.to_reached else PROBLEMS if outcome.complete else INCOMPLETE
    if any(d.is_error or args.strict for d in diagnostics):
        return PROBLEMS
    return OK if outcome.complete else INCOMPLETE


def _emit(fmt: str, out, err, diagnostics: list[Diagnostic], data: dict, colour: bool, summary: str) -> None:
    if fmt == "json":
        import json

        doc = dict(data)
        doc["diagnostics"] = report.records(diagnostics)
        out.write(json.dumps(doc, indent=2, ensure_ascii=True) + "\n")
        return
    sources = validate.sources(diagnostics) if fmt == "full" else None
    text = report.render(diagnostics, fmt, colour=colour, sources=sources)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    if fmt in ("concise", "full"):
        err.write(summary + "\n")


def marks(story: Story, story_arg: Optional[str]) -> tuple[graph.Marks, str]:
    """What exploring the story finds, as marks for its map, and a one-line summary.

    Scenes never reached and options never open are marked only when every
    state was explored (otherwise they may just not have been met yet);
    dead ends are marked whenever one was found, each having a witness.
    """
    outcome = Checker(story, [], story_arg).exhaustive(explore.DEFAULT_MAX_STATES, None)
    data, proven = outcome.data, outcome.complete
    unreached = frozenset(set(story.by_id) - set(data["scenes_reached"])) if proven else frozenset()
    closed = frozenset((x["scene"], x["option"] - 1) for x in data["never_open"]) if proven else frozenset()
    dead = frozenset(x["scene"] for x in data["dead_ends"])
    found = (f"{_count(len(unreached), 'scene')} never reached, {_count(len(closed), 'option')} never open, "
             f"{_count(len(dead), 'dead end')}")
    how = f"all {_count(outcome.states, 'state')} explored" if proven else (
        f"the first {_count(outcome.states, 'state')} explored, so only dead ends are marked")
    return graph.Marks(unreached, closed, dead), f"check: {found} ({how})"
