"""The pure runtime: transitions, misuse, replay, saves as data; random stories by hypothesis."""

from __future__ import annotations

import ast
import pathlib

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st

from engine import runtime
from engine.errors import EngineError
from engine.resources import schema_path
from play_stories import SMALL, build

import json

STORY = build(SMALL)


def test_start_sets_the_start_scene_and_values():
    s = runtime.start(STORY)
    assert s.scene == "hall" and s.answers == () and s.seen == ("hall",)
    assert s.env == {"courage": 0, "has_key": False}


def test_view_shows_paragraphs_and_options_that_hold():
    s = runtime.start(STORY)
    v = runtime.view(STORY, s)
    assert v.paragraphs == ("You stand in a hall.",)
    assert v.options == ((0, "A song."), (1, "A key."))
    assert v.optional and v.can_go_on and not v.is_ending
    assert (v.position, v.total, v.title) == (1, 3, "The Hall")  # the garden, an ending, is not counted


def test_endings_take_no_number_and_of_n_counts_the_scenes_that_are_not():
    """Six vignettes and two endings read "Scene 6 of 6", then an unnumbered ending, never "8 of 8"."""
    spec = {**SMALL, "scenes": SMALL["scenes"] + [{"id": "cellar", "title": "The Cellar", "text": ["Dark."]}]}
    spec["scenes"][1] = {**spec["scenes"][1], "choices": {**spec["scenes"][1]["choices"], "options": (
        spec["scenes"][1]["choices"]["options"] + [{"text": "Go down.", "goto": "cellar"}])}}
    story = build(spec)
    s = runtime.choose(story, runtime.go_on(story, runtime.start(story)), 3)
    v = runtime.view(story, s)
    assert v.is_ending and (v.position, v.total) == (None, 3)
    s = runtime.choose(story, runtime.go_on(story, runtime.start(story)), 1)
    assert (runtime.view(story, s).position, runtime.view(story, s).total) == (3, 3)


def test_choose_applies_effects_and_moves_on():
    s = runtime.choose(STORY, runtime.start(STORY), 0)
    assert s.scene == "door" and s.env["courage"] == 1 and s.answers == (0,)
    assert runtime.view(STORY, s).options == ((1, "Knock."), (2, "Shout."))


def test_set_effect_and_conditional_paragraph():
    s = runtime.choose(STORY, runtime.start(STORY), 1)
    v = runtime.view(STORY, s)
    assert s.env["has_key"] is True
    assert "The key is warm." in v.paragraphs
    assert [i for i, _ in v.options] == [0, 1]


def test_go_on_skips_a_reflection_and_leaves_a_scene_without_choices():
    s = runtime.go_on(STORY, runtime.start(STORY))
    assert s.scene == "door" and s.answers == (None,)
    s = runtime.choose(STORY, s, 1)
    assert runtime.view(STORY, s).can_go_on and not runtime.view(STORY, s).options
    s = runtime.go_on(STORY, s)
    v = runtime.view(STORY, s)
    assert v.is_ending and "You took the long way." in v.paragraphs
    assert s.seen == ("hall", "door", "corridor", "garden") and s.answers == (None, 1, None)


@pytest.mark.parametrize("answers, bad", [
    ((None,), 0),            # closed option
    ((None,), 7),            # no such option
    ((None,), True),         # not an index
    ((None, 1, None), 0),    # at an ending
])
def test_misuse_raises_one_clear_error(answers, bad):
    s = runtime.replay(STORY, answers)
    with pytest.raises(runtime.RuntimeMisuse) as e:
        runtime.choose(STORY, s, bad)
    assert isinstance(e.value, EngineError) and "'" in e.value.message


def test_go_on_at_a_required_choice_or_an_ending_is_misuse():
    for answers in ((None,), (None, 1, None)):
        with pytest.raises(runtime.RuntimeMisuse):
            runtime.go_on(STORY, runtime.replay(STORY, answers))


def test_undo_at_the_start_is_misuse():
    with pytest.raises(runtime.RuntimeMisuse, match="nothing to undo"):
        runtime.undo(STORY, runtime.start(STORY))


def test_recap_lists_each_step():
    s = runtime.replay(STORY, (0, 2))
    assert runtime.recap(STORY, s) == (("The Hall", "A song."), ("The Door", "Shout."))


def test_replay_names_the_step_that_fails():
    with pytest.raises(runtime.ReplayError) as e:
        runtime.replay(STORY, (None, 0))
    assert e.value.step == 2 and e.value.scene == "door" and "step 2" in e.value.message


def test_save_round_trip_validates_against_the_schema():
    s = runtime.replay(STORY, (1, 0))
    data = runtime.to_dict(STORY, s)
    schema = json.loads(schema_path("save").read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(data)))
    assert runtime.from_dict(STORY, json.loads(json.dumps(data))) == s


def test_from_dict_rejects_another_story_and_a_contradicting_save():
    data = runtime.to_dict(STORY, runtime.replay(STORY, (1,)))
    with pytest.raises(runtime.SaveMismatch):
        runtime.from_dict(STORY, {**data, "story": "other"})
    with pytest.raises(runtime.SaveMismatch):
        runtime.from_dict(STORY, {**data, "scene": "garden"})
    with pytest.raises(runtime.SaveMismatch):
        runtime.from_dict(STORY, {**data, "format": 99})


def test_a_save_from_an_edited_story_is_replayed():
    data = runtime.to_dict(STORY, runtime.replay(STORY, (0, 2)))
    edited = build({**SMALL, "fingerprint": "e" * 64})
    assert not runtime.is_current(edited, data)
    assert runtime.from_dict(edited, {**data, "scene": "stale"}).scene == "garden"


def test_pure_layers_never_import_io_libraries():
    for name in ("runtime", "model", "expr"):
        tree = ast.parse((pathlib.Path(runtime.__file__).parent / f"{name}.py").read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not imported & {"yaml", "jsonschema", "prompt_toolkit", "os", "sys", "io", "pathlib"}, name


# -- random stories ------------------------------------------------------------


@st.composite
def stories(draw):
    """Acyclic stories (every target lies later in file order), so every path is finite."""
    n = draw(st.integers(1, 6))
    ids = [f"s{i}" for i in range(n)]
    scenes = []
    for i, sid in enumerate(ids):
        later = ids[i + 1:]
        scene = {"id": sid, "text": ["p", {"if": draw(st.sampled_from(["x >= 1", "flag", "seen(s0)", "not flag"])), "text": "q"}]}
        nxt = draw(st.sampled_from(later)) if later and draw(st.booleans()) else None
        if nxt:
            scene["next"] = nxt
        if later and draw(st.booleans()):
            options = []
            for _ in range(draw(st.integers(1, 4))):
                o = {"text": "o"}
                goto = draw(st.sampled_from([None] + later)) if nxt else draw(st.sampled_from(later))
                if goto:
                    o["goto"] = goto
                if draw(st.booleans()):
                    o["if"] = draw(st.sampled_from(["x >= 1", "x < 2", "flag", "not seen(s1)"]))
                if draw(st.booleans()):
                    o["add"] = {"x": draw(st.integers(-2, 2))}
                if draw(st.booleans()):
                    o["set"] = {"flag": draw(st.booleans())}
                options.append(o)
            scene["choices"] = {"prompt": "?", "optional": bool(nxt) and draw(st.booleans()), "options": options}
        scenes.append(scene)
    return build({"id": "random", "start": "s0", "variables": {"x": 0, "flag": False}, "scenes": scenes})


def answers_now(story, state):
    v = runtime.view(story, state)
    return [i for i, _ in v.options] + ([None] if v.can_go_on else [])


def all_paths(story):
    todo, ends = [runtime.start(story)], []
    while todo:
        state = todo.pop()
        nexts = answers_now(story, state)
        if not nexts:
            ends.append(state)
        todo.extend(runtime.step(story, state, a) for a in nexts)
    return ends


@settings(max_examples=200, deadline=None)
@given(stories())
def test_every_path_of_a_finite_story_ends(story):
    for end in all_paths(story):
        v = runtime.view(story, end)
        scene = story.scene(end.scene)
        # a path stops at an ending, or is stranded (a story bug, never called an ending) at a
        # choice whose every option has an `if:` and that has no `next:`
        assert v.is_ending != v.stranded
        assert v.is_ending == scene.is_ending
        if v.stranded:
            assert scene.next is None and all(o.condition is not None for o in scene.choice.options)
        assert len(end.answers) < len(story.scenes) and len(end.seen) == len(end.answers) + 1


@settings(max_examples=200, deadline=None)
@given(stories(), st.data())
def test_undo_after_choose_and_save_round_trip(story, data):
    state = runtime.start(story)
    while answers_now(story, state):
        answer = data.draw(st.sampled_from(answers_now(story, state)))
        after = runtime.step(story, state, answer)
        assert runtime.undo(story, after) == state
        saved = json.loads(json.dumps(runtime.to_dict(story, after)))
        assert runtime.from_dict(story, saved) == after
        state = after
    with pytest.raises(runtime.RuntimeMisuse):
        runtime.choose(story, state, 0)
