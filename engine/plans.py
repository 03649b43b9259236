"""Test plans: scripted playthroughs of a story with what each must show.

A plan lives in the story folder's `tests/` subfolder, is checked against
schemas/testplan.schema.json and then against the story (scenes and
variables it names must exist), and runs on the pure runtime, answering as
`play --choices` does. A failure names the plan's file and line and says
what was expected and what was seen.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from engine import codes, loader, runtime
from engine.errors import Diagnostic
from engine.model import Pos, Story
from engine.schema import Schemas

FOLDER = "tests"
END = "end"
_TOKEN = re.compile(r"\d{1,9}|-")  # no story has a billion options; int() refuses 4300 digits


@dataclass(frozen=True)
class Expectation:
    after: Union[int, str]
    pos: Pos
    scene: Optional[tuple[str, Pos]] = None
    shows: tuple[tuple[str, Pos], ...] = ()
    hides: tuple[tuple[str, Pos], ...] = ()
    variables: tuple[tuple[str, Any, Pos], ...] = ()
    ending: Optional[tuple[Union[str, bool], Pos]] = None
    last_words: Optional[tuple[str, Pos]] = None


@dataclass(frozen=True)
class Plan:
    name: str
    file: str
    pos: Pos
    answers: tuple[str, ...]
    answers_pos: Pos
    expectations: tuple[Expectation, ...]
    content_notes: tuple[tuple[str, Pos], ...] = ()


@dataclass(frozen=True)
class Failure:
    """One expectation not met: where it is written, what it wanted, what the reader saw."""

    pos: Pos
    message: str
    expected: str = ""
    seen: str = ""


@dataclass
class Outcome:
    """One plan's run: passed, failed (with failures) or error (the plan could not be read or fit the story)."""

    file: str
    name: str
    line: int = 0
    failures: list[Failure] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "error" if self.diagnostics else "failed" if self.failures else "passed"


# -- loading ---------------------------------------------------------------------


def _diag(pos: Pos, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(pos.file, pos.line, pos.col, code, message, codes.severity(code), hint)


def parse(display: str, text: str, schemas: Schemas) -> tuple[Optional[Plan], list[Diagnostic]]:
    """Parse and schema-check one plan file's text; a plan with problems is not to be run."""
    doc, problems = loader.parse(display, text)
    if doc is None:
        return None, [replace(d, hint="a plan needs at least `name`, `answers` and `expect`") if d.code == "E010"
                      and "empty" in d.message else d for d in problems]
    problems = schemas.check("testplan", doc)
    if problems:
        return None, problems
    return _build(doc)


def _texts(doc, where: tuple) -> tuple[tuple[str, Pos], ...]:
    value = doc.data
    for step in where:
        value = value[step]
    if isinstance(value, str):
        return ((value, doc.pos(where)),)
    return tuple((text, doc.pos(where + (i,))) for i, text in enumerate(value))


def _build(doc) -> tuple[Optional[Plan], list[Diagnostic]]:
    data = doc.data
    problems: list[Diagnostic] = []
    answers_pos = doc.pos(("answers",))
    raw = data["answers"]
    if isinstance(raw, list):
        tokens = [str(a) for a in raw]
    else:
        tokens = [t.strip() for t in str(raw).split(",")] if str(raw).strip() else []
    for n, token in enumerate(tokens, 1):
        if not _TOKEN.fullmatch(token) or (token != "-" and int(token) == 0):
            problems.append(_diag(answers_pos, "E303", f"answer {n} ({token!r}) is not an option number or '-'",
                                  "write the answers as `play --choices` takes them, e.g. `-,2,1`"))
    expectations = []
    for i, item in enumerate(data["expect"]):
        at = ("expect", i)
        after = item.get("after", END)
        if isinstance(after, int) and after > len(tokens):
            problems.append(_diag(doc.pos(at + ("after",)), "E304",
                                  f"after: {after} is past the plan's {len(tokens)} answer(s)",
                                  "use a step from 0 to the number of answers, or `after: end`"))
        expectations.append(Expectation(
            after=after, pos=doc.pos(at),
            scene=(item["scene"], doc.pos(at + ("scene",))) if "scene" in item else None,
            shows=_texts(doc, at + ("shows",)) if "shows" in item else (),
            hides=_texts(doc, at + ("hides",)) if "hides" in item else (),
            variables=tuple((k, v, doc.pos(at + ("variables", k), key=True)) for k, v in item.get("variables", {}).items()),
            ending=(item["ending"], doc.pos(at + ("ending",))) if "ending" in item else None,
            last_words=(item["last_words"], doc.pos(at + ("last_words",))) if "last_words" in item else None,
        ))
    notes = _texts(doc, ("content_notes",)) if "content_notes" in data else ()
    return Plan(data["name"], doc.path, doc.pos(), tuple(tokens), answers_pos, tuple(expectations), notes), problems


def check(plan: Plan, story: Story) -> list[Diagnostic]:
    """What in a plan cannot fit this story at all: scenes and variables it names that do not exist."""
    out = []
    types = story.types
    for e in plan.expectations:
        named = [e.scene] + ([e.ending] if e.ending and isinstance(e.ending[0], str) else [])
        for item in named:
            if item is not None and item[0] not in story.by_id:
                near = difflib.get_close_matches(item[0], list(story.by_id), n=1)
                out.append(_diag(item[1], "E300", f"no scene '{item[0]}' in story '{story.id}'",
                                 f"did you mean '{near[0]}'?" if near else "name a scene id of the story"))
        for name, value, pos in e.variables:
            if name not in types:
                near = difflib.get_close_matches(name, list(types), n=1)
                out.append(_diag(pos, "E301", f"no variable '{name}' in story '{story.id}'",
                                 f"did you mean '{near[0]}'?" if near else "name a variable declared in story.yaml"))
            elif (types[name] == "bool") != isinstance(value, bool):
                want = "true or false" if types[name] == "bool" else "an integer"
                out.append(_diag(pos, "E302", f"'{name}' is {'a boolean' if types[name] == 'bool' else 'an integer'}, "
                                              f"so it cannot be {_show(value)}", f"expect {want}"))
    return out


# -- running ------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quote(text: str, width: int = 200) -> str:
    text = _norm(text)
    return '"' + (text if len(text) <= width else text[: width - 1] + "…") + '"'


def _shown(view: runtime.View) -> list[str]:
    """Everything the reader sees of a scene, one item per piece."""
    return [view.title, *view.paragraphs] + ([view.prompt] if view.options else []) + [t for _, t in view.options]


def _offers(view: runtime.View) -> str:
    numbered = ", ".join(f"{n} ({_norm(t)[:40]})" for n, (_, t) in enumerate(view.options, 1))
    on = "- to go on" if view.can_go_on else ""
    return " or ".join(x for x in (numbered, on) if x) or "nothing: it is an ending"


def run(plan: Plan, story: Story) -> list[Failure]:
    """Play the plan's answers and check each expectation at its step."""
    by_step: dict[Union[int, str], list[Expectation]] = {}
    for e in plan.expectations:
        by_step.setdefault(e.after, []).append(e)
    failures: list[Failure] = []
    for text, pos in plan.content_notes:
        if not any(_norm(text) in _norm(n) for n in story.content_notes):
            failures.append(Failure(pos, "content note not shown before the first scene", _quote(text),
                                    "; ".join(_quote(n) for n in story.content_notes) or "no content notes"))
    state = runtime.start(story)
    failures += _check_all(by_step.get(0, ()), story, state, "at the start")
    for n, token in enumerate(plan.answers, 1):
        state = _pass_through(story, state)
        view = runtime.view(story, state)
        try:
            if token == "-":
                state = runtime.go_on(story, state) if view.can_go_on else None
            else:
                k = int(token)
                state = runtime.choose(story, state, view.options[k - 1][0]) if 1 <= k <= len(view.options) else None
        except runtime.RuntimeMisuse:
            state = None
        if state is None:
            failures.append(Failure(plan.answers_pos, f"answer {n} ('{token}') does not fit scene '{view.scene}'",
                                    "an answer it offers", _offers(view)))
            return failures
        failures += _check_all(by_step.get(n, ()), story, state, f"after answer {n}")
    failures += _check_all(by_step.get(END, ()), story, _pass_through(story, state), "at the end")
    return failures


def _pass_through(story: Story, state: runtime.State) -> runtime.State:
    """Go on through scenes with nothing to answer, as the scripted player does."""
    while True:
        view = runtime.view(story, state)
        if view.options or not view.can_go_on:
            return state
        state = runtime.go_on(story, state)


def _check_all(expectations: Sequence[Expectation], story: Story, state: runtime.State, when: str) -> list[Failure]:
    out: list[Failure] = []
    if not expectations:
        return out
    view = runtime.view(story, state)
    where = f"{when}, in scene '{view.scene}'"
    shown = [_norm(t) for t in _shown(view)]
    whole = "\n".join(shown)
    values = state.env
    for e in expectations:
        if e.scene and e.scene[0] != view.scene:
            out.append(Failure(e.scene[1], f"{when}: wrong scene", f"'{e.scene[0]}'", f"'{view.scene}'"))
        for text, pos in e.shows:
            if _norm(text) not in whole:
                out.append(Failure(pos, f"{where}: text not shown", _quote(text), _nearest_piece(text, shown)))
        for text, pos in e.hides:
            if _norm(text) in whole:
                out.append(Failure(pos, f"{where}: text shown that should not be", f"not {_quote(text)}",
                                   _nearest_piece(text, shown)))
        for name, value, pos in e.variables:
            if name in values and (values[name] != value or isinstance(values[name], bool) != isinstance(value, bool)):
                out.append(Failure(pos, f"{where}: variable '{name}'", _show(value), _show(values[name])))
        if e.ending is not None:
            want, pos = e.ending
            if want is False and view.is_ending:
                out.append(Failure(pos, f"{when}: at an ending", "not an ending", f"ending '{view.scene}'"))
            elif want is not False and (not view.is_ending or (isinstance(want, str) and want != view.scene)):
                seen = f"ending '{view.scene}'" if view.is_ending else f"scene '{view.scene}', not an ending"
                out.append(Failure(pos, f"{when}: ending", "an ending" if want is True else f"ending '{want}'", seen))
        if e.last_words is not None:
            want, pos = e.last_words
            last = view.paragraphs[-1] if view.paragraphs else ""
            if not view.is_ending:
                out.append(Failure(pos, f"{where}: last words", _quote(want), f"no ending reached (scene '{view.scene}')"))
            elif _norm(want) != _norm(last):
                out.append(Failure(pos, f"{where}: last words", _quote(want), _quote(last)))
    return out


def _nearest_piece(text: str, shown: list[str]) -> str:
    """The piece of the scene most like the expected text, so a changed word is easy to spot."""
    want = _norm(text)
    best = max(shown, key=lambda s: difflib.SequenceMatcher(None, want, s[: len(want) * 2]).ratio(), default="")
    return _quote(best) if best else "nothing"


# -- a whole story's plans ------------------------------------------------------------


def run_all(story: Story, loaded: Sequence[tuple[Union[Plan, str], list[Diagnostic]]]) -> list[Outcome]:
    """Run each loaded plan whose problems are none; `loaded` pairs a Plan (or the display path of a
    file that did not parse) with its problems."""
    out = []
    for plan, problems in loaded:
        if isinstance(plan, str):
            out.append(Outcome(plan, Path(plan).stem, 0, diagnostics=problems))
            continue
        outcome = Outcome(plan.file, plan.name, plan.pos.line, diagnostics=problems)
        if not problems:
            outcome.failures = run(plan, story)
        out.append(outcome)
    return out


# -- recording -------------------------------------------------------------------------


def record(story: Story, state: runtime.State, name: str, schema_ref: str) -> str:
    """A plan whose expectations are what this reading showed, for the author to trim:
    the scene, its paragraphs and the variables after each answer, and the ending with its last words."""
    if state.is_authors_run:
        raise runtime.RuntimeMisuse("a test plan starts at the story's start; record without --from and --set")
    tokens: list[str] = []
    now = runtime.start(story)
    steps = [now]
    for answer in state.answers:
        view = runtime.view(story, now)
        now = runtime.step(story, now, answer)
        if view.options:  # a prompt: this answer is one of the plan's
            tokens.append("-" if answer is None else str([i for i, _ in view.options].index(answer) + 1))
            steps.append(now)
    lines = [f"# yaml-language-server: $schema={schema_ref}",
             "# Recorded by `vignettes play --record-plan`: trim it to what this plan should pin.",
             f"name: {_yaml_str(name)}", f"answers: {_yaml_str(','.join(tokens))}"]
    if story.content_notes:
        lines += ["content_notes:"] + [f"  - {_yaml_str(n)}" for n in story.content_notes]
    lines.append("expect:")
    for n, st in enumerate(steps):
        view = runtime.view(story, st)
        lines += [f"  - after: {n}", f"    scene: {view.scene}"]
        if view.paragraphs:
            lines += ["    shows:"] + [f"      - {_yaml_str(_norm(p))}" for p in view.paragraphs]
        if st.variables:
            lines.append("    variables: {" + ", ".join(f"{k}: {_show(v)}" for k, v in st.variables) + "}")
    end = runtime.view(story, _pass_through(story, now))
    lines += ["  - after: end", f"    scene: {end.scene}"]
    if end.is_ending:
        lines.append(f"    ending: {end.scene}")
        if end.paragraphs:
            lines.append(f"    last_words: {_yaml_str(_norm(end.paragraphs[-1]))}")
    else:
        lines.append("    ending: false")
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# -- reports ------------------------------------------------------------------------------

_GREEN, _RED, _YELLOW, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


def summary(outcomes: Sequence[Outcome]) -> tuple[int, int, int]:
    """(passed, failed, errors)."""
    statuses = [o.status for o in outcomes]
    return statuses.count("passed"), statuses.count("failed"), statuses.count("error")


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    """One line with every control character shown as an escape: a plan or story must not drive the terminal."""
    return _CONTROLS.sub(lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100 else "\\u%04x" % ord(m.group()),
                         text)


def render_text(outcomes: Sequence[Outcome], colour: bool = False) -> str:
    """pytest's shape: one line per plan, then each failure at its place, then `N passed, M failed`."""
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if colour else text

    styles = {"passed": _GREEN, "failed": _RED, "error": _YELLOW}
    lines = [f"{_safe(o.file)}::{_safe(o.name)} {paint(o.status.upper(), styles[o.status])}" for o in outcomes]
    bad = [o for o in outcomes if o.status != "passed"]
    if bad:
        lines += ["", " FAILURES ".center(60, "=")]
        for o in bad:
            title = f" {_safe(o.file)}::{_safe(o.name)} "
            lines += ["", title.center(max(60, len(title) + 6), "_")]
            for d in o.diagnostics:
                lines.append(_safe(d.concise()))
                lines += [f"  hint: {_safe(d.hint)}"] if d.hint else []
            for f in o.failures:
                lines.append(_safe(f"{f.pos.file}:{f.pos.line}:{f.pos.col}: {f.message}"))
                if f.expected or f.seen:
                    lines += [f"  expected: {_safe(f.expected)}", f"  seen:     {_safe(f.seen)}"]
    passed, failed, errors = summary(outcomes)
    closing = f"{passed} passed, {failed} failed" + (f", {errors} error{'s' if errors != 1 else ''}" if errors else "")
    if not outcomes:
        closing += " (no test plans found: they are YAML files in the story folder's tests/ folder)"
    lines += ["", paint(closing, _RED if failed or errors else _GREEN)]
    return "\n".join(lines) + "\n"


def render_json(outcomes: Sequence[Outcome], problems: Sequence[Diagnostic] = ()) -> str:
    def diag(d: Diagnostic) -> dict:
        return {"file": d.file, "line": d.line, "col": d.col, "code": d.code, "severity": d.severity,
                "message": d.message, "hint": d.hint}

    passed, failed, errors = summary(outcomes)
    data = {
        "plans": [{"file": o.file, "line": o.line, "name": o.name, "outcome": o.status,
                   "failures": [{"file": f.pos.file, "line": f.pos.line, "col": f.pos.col, "message": f.message,
                                 "expected": f.expected, "seen": f.seen} for f in o.failures],
                   "diagnostics": [diag(d) for d in o.diagnostics]} for o in outcomes],
        "problems": [diag(d) for d in problems],
        "passed": passed, "failed": failed, "errors": errors + len(problems),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
