"""The author's run in the pure runtime: start anywhere with chosen values, undo
within it, replay as far as an edited story allows; and recording a plan."""

from __future__ import annotations

import pytest

from engine import plans, runtime, validate
from engine.schema import Schemas
import play_stories

SMALL = play_stories.build(play_stories.SMALL)


def test_start_anywhere_with_values_and_undo_stays_there():
    state = runtime.start(SMALL, "door", {"courage": 1})
    assert state.scene == "door" and state.env["courage"] == 1 and state.is_authors_run
    view = runtime.view(SMALL, state)
    assert [t for _, t in view.options] == ["Knock.", "Shout."]  # Shout needs courage >= 1
    after = runtime.choose(SMALL, state, 2)
    assert after.scene == "garden" and after.origin == state.origin
    assert runtime.undo(SMALL, after) == state
    assert not runtime.start(SMALL).is_authors_run


@pytest.mark.parametrize("text, expected", [("courage=3", ("courage", 3)), ("courage = -2", ("courage", -2)),
                                            ("has_key=true", ("has_key", True)), ("has_key=FALSE", ("has_key", False))])
def test_assignments_are_read_by_declared_type(text, expected):
    assert runtime.assignment(SMALL, text) == expected


@pytest.mark.parametrize("text, words", [
    ("courage=lots", ["'courage' is declared a whole number", "'lots'", "integer"]),
    ("courage=1.5", ["whole number"]),
    ("has_key=1", ["'has_key' is declared true/false", "true or false"]),
    ("corage=1", ["did you mean 'courage'?"]),
    ("courage", ["NAME=VALUE"]),
])
def test_wrong_assignments_name_the_declared_type(text, words):
    with pytest.raises(runtime.RuntimeMisuse) as e:
        runtime.assignment(SMALL, text)
    assert all(w in e.value.message for w in words), e.value.message


def test_replay_as_far_as_it_fits():
    state = runtime.replay(SMALL, [1, 0])  # keep the key, open the door: the garden
    edited = play_stories.build({**play_stories.SMALL, "scenes": [
        {**play_stories.SMALL["scenes"][0], "choices": {"prompt": "?", "optional": True,
                                                         "options": [{"text": "A song.", "add": {"courage": 1}}]}},
        *play_stories.SMALL["scenes"][1:]]})
    reached, stopped = runtime.replay_as_far(edited, state.answers)
    assert reached == runtime.start(edited) and stopped.step == 1 and stopped.scene == "hall"
    reached, stopped = runtime.replay_as_far(SMALL, state.answers)
    assert stopped is None and reached.scene == "garden"


def test_a_recorded_plan_passes_and_pins_what_was_seen():
    story = validate.load_story()
    state = runtime.replay(story, [None, 0, 1, None, 0])
    text = plans.record(story, state, "Recorded", "../../schemas/testplan.schema.json")
    plan, problems = plans.parse("tests/recorded.yaml", text, Schemas())
    assert not problems and not plans.check(plan, story)
    assert plans.run(plan, story) == []
    assert plan.answers == ("-", "1", "2", "-", "1")
    changed = text.replace("He still had the ring.", "He still had a ring.")
    assert changed != text
    plan, _ = plans.parse("tests/recorded.yaml", changed, Schemas())
    assert [f.message for f in plans.run(plan, story)] == ["after answer 2, in scene 'lisa-redux': text not shown"]
    with pytest.raises(runtime.RuntimeMisuse):
        plans.record(story, runtime.start(story, "london"), "x", "")
