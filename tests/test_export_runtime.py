"""The page's JavaScript runtime against engine/runtime.py, on random well-typed stories.

Both runtimes play the same answers (chosen from what the Python side
offers, with refusals and undos mixed in) and must agree after every step:
the paragraphs, the open options, the prompt, whether the reader can go on,
the ending, the recap and the save each writes. The script under test is the
one taken out of an exported page, run in Node.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine import export, runtime
from engine.errors import EngineError
from engine.model import Choice, Condition, Effect, Option, Paragraph, Pos, Scene, Story, Target, Variable
from engine.saves import SaveFolder
from engine.validate import load_story
from play_stories import SMALL, build
from webtools import need, parts

P = Pos("random.yaml", 1, 1)
MAX_STEPS = 25
HERE = Path(__file__).parent


class Node:
    """One long-running Node process with the page's runtime loaded."""

    def __init__(self, script: Path):
        self.proc = subprocess.Popen([need("node"), str(HERE / "differential.js"), str(script)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert "crash" not in answer, answer["crash"]
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    need("node")
    html = export.page(load_story())
    script = parts(html).scripts["vignettes-runtime"]
    assert "VignettesRuntime" in script
    path = tmp_path_factory.mktemp("page") / "runtime-from-page.js"
    path.write_text(script, encoding="utf-8")
    n = Node(path)
    yield n
    n.close()


# -- random well-typed stories ----------------------------------------------------------

WEIRD_TEXT = st.lists(st.sampled_from(list("ab cé\n\t") + ["\x1b[31m", "\u202e", "\x07", "</script>", "&amp;", "\ud800"]),
                      min_size=1, max_size=8).map("".join)
HUGE = st.one_of(st.integers(-5, 5), st.integers(-10**40, 10**40))
LITERAL = st.integers(0, 10**15)


def int_expr(names, depth):
    leaves = [LITERAL.map(str)] + ([st.sampled_from(names)] if names else [])
    if depth <= 0:
        return st.one_of(leaves)
    sub = int_expr(names, depth - 1)
    return st.one_of(*leaves,
                     sub.map(lambda e: f"(-({e}))"),
                     st.tuples(sub, st.sampled_from(["+", "-"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"))


def bool_expr(ints, bools, scenes, depth):
    leaves = [st.sampled_from(["true", "false"]), st.sampled_from(scenes).map(lambda s: f"seen({s})")]
    if bools:
        leaves.append(st.sampled_from(bools))
    if depth <= 0:
        return st.one_of(leaves)
    sub = bool_expr(ints, bools, scenes, depth - 1)
    num = int_expr(ints, depth - 1)
    return st.one_of(
        *leaves,
        sub.map(lambda e: f"(not ({e}))"),
        st.tuples(sub, st.sampled_from(["and", "or", "==", "!="]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(num, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    )


@st.composite
def stories(draw):
    """Any well-typed story: loops, huge integers, every condition form, odd text."""
    n = draw(st.integers(1, 6))
    ids = [f"s{i}" for i in range(n)]
    ints = draw(st.lists(st.sampled_from(["x", "constructor", "big"]), unique=True, max_size=3))
    bools = draw(st.lists(st.sampled_from(["flag", "other"]), unique=True, max_size=2))
    variables = tuple(Variable(v, draw(HUGE), P) for v in ints) + tuple(Variable(v, draw(st.booleans()), P) for v in bools)
    cond = lambda: Condition(draw(bool_expr(ints, bools, ids, 3)), P) if draw(st.booleans()) else None

    def effects():
        out = []
        for _ in range(draw(st.integers(0, 2))):
            if ints and draw(st.booleans()):
                out.append(Effect("add", draw(st.sampled_from(ints)), draw(HUGE), P))
            elif variables:
                v = draw(st.sampled_from(variables))
                out.append(Effect("set", v.name, draw(st.booleans() if v.type == "bool" else HUGE), P))
        return tuple(out)

    scenes = []
    for sid in ids:
        nxt = draw(st.sampled_from([None] + ids))
        paragraphs = tuple(Paragraph(draw(WEIRD_TEXT), P, cond()) for _ in range(draw(st.integers(1, 3))))
        choice = None
        if draw(st.booleans()):
            options = tuple(
                Option(draw(WEIRD_TEXT), P, cond(), effects(),
                       Target(draw(st.sampled_from(ids)), P) if nxt is None or draw(st.booleans()) else None)
                for _ in range(draw(st.integers(1, 4))))
            choice = Choice(draw(WEIRD_TEXT), nxt is not None and draw(st.booleans()), options, P)
        scenes.append(Scene(sid, draw(WEIRD_TEXT), paragraphs, P, choice, Target(nxt, P) if nxt else None))
    return Story("random", "Random", Target(ids[0], P), P, tuple(scenes), variables,
                 fingerprint=draw(st.sampled_from(["f" * 64, "e" * 64])))


def python_trace(story, actions):
    """What engine/runtime.py shows after the start and after each action."""
    state = runtime.start(story)

    def snap(refused):
        v = runtime.view(story, state)
        return {"refused": refused, "scene": v.scene, "title": export.shown(v.title),
                "paragraphs": [export.shown(p) for p in v.paragraphs], "prompt": export.shown(v.prompt),
                "options": [[i, export.shown(t)] for i, t in v.options], "optional": v.optional,
                "can_go_on": v.can_go_on, "is_ending": v.is_ending, "stranded": v.stranded, "position": v.position, "total": v.total,
                "recap": [[export.shown(t), None if c is None else export.shown(c)] for t, c in runtime.recap(story, state)],
                "save": runtime.to_dict(story, state), "round_trip": True}

    trace = [snap(False)]
    for action in actions:
        try:
            state = runtime.undo(story, state) if action == "undo" else runtime.step(story, state, action)
            refused = False
        except runtime.RuntimeMisuse:
            refused = True
        trace.append(snap(refused))
    return trace


@st.composite
def walks(draw, story):
    """A capped walk chosen from what the Python runtime offers, with undos and refused answers."""
    state, actions = runtime.start(story), []
    for _ in range(draw(st.integers(0, MAX_STEPS))):
        v = runtime.view(story, state)
        offered = [i for i, _ in v.options] + ([None] if v.can_go_on else [])
        closed = [i for i in range(len(story.scene(state.scene).choice.options) + 1) if i not in offered] \
            if story.scene(state.scene).choice else [0]
        kind = draw(st.sampled_from(["answer"] * 6 + ["undo", "refused"]))
        if kind == "undo" and state.answers:
            action = "undo"
        elif kind == "refused" or not offered:
            action = draw(st.sampled_from(closed + ([None] if not v.can_go_on else [])))
        else:
            action = draw(st.sampled_from(offered))
        actions.append(action)
        try:
            state = runtime.undo(story, state) if action == "undo" else runtime.step(story, state, action)
        except runtime.RuntimeMisuse:
            pass
    return actions


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_both_runtimes_agree_at_every_step(node, data):
    story = data.draw(stories())
    actions = data.draw(walks(story))
    js = node.ask({"kind": "play", "story": export.story_data(story), "actions": actions})["trace"]
    py = python_trace(story, actions)
    assert len(js) == len(py)
    for n, (a, b) in enumerate(zip(py, js)):
        b = {**b, "save": json.loads(b["save"])}  # the JavaScript side's save, read as the terminal reads it
        assert a == b, f"step {n} ({actions[n - 1] if n else 'start'}) differs"


def test_integers_stay_exact_beyond_doubles(node):
    story = build({"id": "big", "start": "a", "variables": {"x": 9007199254740993},
                   "scenes": [{"id": "a", "text": [{"if": "x + 1 > x", "text": "exact"}, {"if": "not (x + 1 > x)", "text": "rounded"}],
                               "choices": {"prompt": "?", "options": [{"text": "add", "add": {"x": 10**30}, "goto": "a"}]}}]})
    trace = node.ask({"kind": "play", "story": export.story_data(story), "actions": [0, 0]})["trace"]
    assert [t["paragraphs"] for t in trace] == [["exact"]] * 3
    assert json.loads(trace[-1]["save"])["variables"] == {"x": 9007199254740993 + 2 * 10**30}
    assert '"x":2000000000000009007199254740993' in trace[-1]["save"].replace(" ", "")


# -- saves read back: the schema and the replay agree with the terminal's ----------------

FOLDER = SaveFolder("small")
SAVE_SCHEMA = json.loads((Path(export.__file__).parent.parent / "schemas" / "save.schema.json").read_text())
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                      st.text(max_size=8), st.sampled_from(["hall", "door", "garden", "small", "Bad Id", "f" * 64]))
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                          max_leaves=8)


@st.composite
def saves(draw):
    """Saves of the small story, mostly good, some broken by one edit."""
    story = build(SMALL)
    state = runtime.replay(story, draw(st.sampled_from([(), (0,), (1,), (None, 1), (0, 2), (1, 0), (None, 1, None)])))
    data = runtime.to_dict(story, state)
    edit = draw(st.sampled_from(["none", "set", "drop", "answers", "variables"]))
    keys = list(data) + ["extra"]
    if edit == "set":
        data[draw(st.sampled_from(keys))] = draw(JSON_VALUE)
    elif edit == "drop":
        data.pop(draw(st.sampled_from(list(data))))
    elif edit == "answers":
        data["answers"] = draw(st.lists(st.one_of(st.none(), st.integers(-2, 5), JSON_LEAF), max_size=4))
    elif edit == "variables":
        data["variables"] = draw(st.dictionaries(st.sampled_from(["courage", "has_key", "Bad", "zz"]), JSON_LEAF, max_size=3))
    return data


@settings(max_examples=300, deadline=None)
@given(saves())
def test_saves_read_back_as_the_terminal_reads_them(node, data):
    text = json.dumps(data)
    story = build(SMALL)
    expected_errors = FOLDER.problems(json.loads(text))
    errors = node.ask({"kind": "schema", "schema": SAVE_SCHEMA, "text": text})["errors"]
    assert bool(errors) == bool(expected_errors), (errors, expected_errors)
    if expected_errors:
        return
    answer = node.ask({"kind": "load", "story": export.story_data(story), "text": text})
    try:
        expected = runtime.to_dict(story, runtime.from_dict(story, json.loads(text)))
    except EngineError:
        assert "error" in answer
    else:
        assert json.loads(answer["save"]) == expected


def test_the_page_runtime_refuses_malformed_and_deep_json(node):
    story = export.story_data(build(SMALL))
    for text in ("", "{", "[1,]", "{'a': 1}", "[" * 100 + "]" * 100, '{"a": 1} x', "01"):
        assert "error" in node.ask({"kind": "load", "story": story, "text": text}), text


EVERY_KEYWORD = {
    "type": "object", "required": ["a"], "maxProperties": 3, "propertyNames": {"pattern": "^[a-e]$"},
    "additionalProperties": {"type": "boolean"},
    "properties": {
        "a": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^x"},
        "b": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"enum": [1, "y", None]}},
        "c": {"type": ["integer", "null"], "minimum": 0},
        "d": {"const": 1},
    },
}
NEAR_EVERY_KEYWORD = st.fixed_dictionaries(
    {"a": st.sampled_from(["x", "xyz", "xyzw", "", "y", 1])},
    optional={"b": st.sampled_from([[1], [1, "y"], [None, "y"], [], [1, 1, 1], [2], [True], [1.0]]),
              "c": st.sampled_from([0, 5, -1, None, 1.5, True, 10**30]),
              "d": st.sampled_from([1, 1.0, True, 2, "1"]),
              "e": st.sampled_from([True, 1]), "Z": st.just(True)})


@settings(max_examples=300, deadline=None)
@given(st.one_of(NEAR_EVERY_KEYWORD, JSON_VALUE))
def test_the_page_checks_each_schema_keyword_as_jsonschema_does(node, value):
    import jsonschema

    text = json.dumps(value)
    expected = jsonschema.Draft202012Validator(EVERY_KEYWORD).is_valid(json.loads(text))
    errors = node.ask({"kind": "schema", "schema": EVERY_KEYWORD, "text": text})["errors"]
    assert (not errors) == expected, (value, errors)
