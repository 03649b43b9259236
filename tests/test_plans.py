"""`vignettes test`: test plans run on their story, fail where the story breaks
their promise, and belong to the story everywhere (validate, schema, new)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from engine import cli, plans, validate
from storyfiles import write_story

BUNDLED = validate.bundled_story()


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def story_copy(tmp_path) -> Path:
    target = tmp_path / "story"
    shutil.copytree(BUNDLED, target)
    return target


def test_bundled_plans_pass():
    code, out, err = run("test")
    lines = out.splitlines()
    assert code == 0, out + err
    plan_lines = [l for l in lines if "::" in l]
    assert len(plan_lines) >= 3 and all(l.endswith(" PASSED") for l in plan_lines)
    assert lines[-1] == f"{len(plan_lines)} passed, 0 failed"


def _loaded_plans():
    story, loaded, problems = validate.story_plans(BUNDLED)
    assert not problems and all(not p for _, p in loaded), loaded
    return story, [plan for plan, _ in loaded]


def _picks(story, plan):
    """(scene id, option index) of every option the plan's answers pick."""
    state = plans.runtime.start(story)
    picked = set()
    for token in plan.answers:
        state = plans._pass_through(story, state)
        view = plans.runtime.view(story, state)
        if token == "-":
            state = plans.runtime.go_on(story, state)
        else:
            index = view.options[int(token) - 1][0]
            picked.add((view.scene, index))
            state = plans.runtime.choose(story, state, index)
    return picked


def test_every_reflection_option_is_picked_by_a_plan_and_skipped_by_another():
    story, loaded = _loaded_plans()
    picks = [_picks(story, p) for p in loaded]
    for scene in story.scenes:
        if scene.choice and scene.choice.optional:
            for i in range(len(scene.choice.options)):
                assert any((scene.id, i) in p for p in picks), (scene.id, i)
                assert any((scene.id, i) not in p for p in picks), (scene.id, i)
    assert any(p.content_notes for p in loaded)
    ends = [e for p in loaded for e in p.expectations if e.last_words]
    assert {e.ending[0] for e in ends if e.ending} == {s.id for s in story.scenes if s.is_ending}


def _mutations():
    """Each conditional paragraph and the last words of each ending, by (file, line) of the paragraph."""
    story = validate.load_story()
    out = []
    for scene in story.scenes:
        for n, p in enumerate(scene.paragraphs):
            last = scene.is_ending and n == len(scene.paragraphs) - 1
            if p.condition is not None or last:
                out.append(pytest.param(Path(p.pos.file).name, p.pos.line, p.text, id=f"{scene.id}-{n + 1}"))
    return out


@pytest.mark.parametrize("file, line, text", _mutations())
def test_changing_a_conditional_paragraph_or_the_last_words_fails(story_copy, file, line, text):
    """Change one word of the paragraph in a copy of the story: some plan must fail, naming its line."""
    path = story_copy / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    word = max(re.findall(r"\w+", text), key=len)
    for i in range(line - 1, len(lines)):
        if re.search(rf"\b{word}\b", lines[i]):
            lines[i] = re.sub(rf"\b{word}\b", word[::-1] + "x", lines[i], count=1)
            break
    else:
        pytest.fail(f"'{word}' not found below {file}:{line}")
    path.write_text("".join(lines), encoding="utf-8")
    assert run("validate", str(story_copy))[0] == 0
    code, out, _ = run("test", str(story_copy))
    assert code == 1, out
    assert re.search(r"^\S+/tests/[\w.-]+\.yaml:\d+:\d+: .*(not shown|last words)", out, re.M), out
    assert "FAILED" in out and re.search(r"^\d+ passed, [1-9]\d* failed$", out.splitlines()[-1])


def test_a_failure_names_the_plan_line_and_expected_against_seen(tmp_path, monkeypatch):
    story = tmp_path / "s"
    run("new", "story", str(story))
    plan = story / "tests" / "01-the-way-on.yaml"
    plan.write_text(plan.read_text().replace("courage: 1", "courage: 5"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("test", "s")
    assert code == 1
    line = next(n for n, l in enumerate(plan.read_text().splitlines(), 1) if "courage: 5" in l)
    assert f"s/tests/01-the-way-on.yaml:{line}:" in out
    assert "expected: 5" in out and "seen:     1" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed"
    code, out, _ = run("test", "s", "--format", "json")
    data = json.loads(out)
    assert code == 1 and (data["passed"], data["failed"]) == (0, 1)
    [failure] = data["plans"][0]["failures"]
    assert (failure["file"], failure["line"], failure["expected"], failure["seen"]) == (
        "s/tests/01-the-way-on.yaml", line, "5", "1")


def test_answers_that_do_not_fit_fail_at_the_answers_line(tmp_path):
    story = tmp_path / "s"
    run("new", "story", str(story))
    plan = story / "tests" / "01-the-way-on.yaml"
    plan.write_text(plan.read_text().replace('answers: "2"', 'answers: "3"'), encoding="utf-8")
    code, out, _ = run("test", str(story))
    assert code == 1 and ":4:10: answer 1 ('3') does not fit scene 'beginning'" in out
    assert "1 (The way back.), 2 (The way on.) or - to go on" in out


def test_plan_paths_and_scene_files_pick_plans(story_copy):
    one = sorted((story_copy / "tests").glob("*.yaml"))[0]
    code, out, _ = run("test", str(one))
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"
    code, out, _ = run("test", str(story_copy / "02-london.yaml"), str(one))
    count = len(list((story_copy / "tests").glob("*.yaml")))
    assert code == 0 and out.splitlines()[-1] == f"{count} passed, 0 failed"
    code, _, err = run("test", str(story_copy / "nowhere"))
    assert code == 2 and "no such file" in err


def test_broken_plans_are_errors_with_places_and_exit_2(story_copy):
    (story_copy / "tests" / "zz-broken.yaml").write_text(
        "name: Broken\nanswers: 1,x\nexpect:\n  - scene: refusl\n    variables: {held: 1}\n    nonsense: 1\n",
        encoding="utf-8")
    code, out, _ = run("test", str(story_copy))
    assert code == 2 and "zz-broken.yaml::zz-broken ERROR" in out
    assert re.search(r"zz-broken.yaml:6:5: error\[E100\] unknown key 'nonsense'", out)
    assert out.splitlines()[-1].endswith("0 failed, 1 error")
    (story_copy / "tests" / "zz-broken.yaml").write_text(
        "name: Broken\nanswers: 1,x\nexpect:\n  - scene: refusl\n    variables: {held: 1}\n", encoding="utf-8")
    code, out, _ = run("validate", str(story_copy))
    assert code == 1
    found = re.findall(r"zz-broken.yaml:(\d+):(\d+): error\[(E\d+)\]", out)
    assert found == [("2", "10", "E303"), ("4", "12", "E300"), ("5", "17", "E301")]
    assert "did you mean 'refusal'?" in out


def test_validate_never_reads_a_plan_as_a_scene(story_copy):
    plan = sorted((story_copy / "tests").glob("*.yaml"))[0]
    code, out, err = run("validate", "--strict", str(plan))
    assert code == 0 and out == "", out
    code, out, err = run("validate", "--strict", str(story_copy))
    assert code == 0, out
    files = len(list(story_copy.glob("*.yaml"))) + len(list((story_copy / "tests").glob("*.yaml")))
    assert f"{files} files checked" in err


def test_new_story_has_a_plan_that_passes(tmp_path):
    run("new", "story", str(tmp_path / "mine"))
    plan = tmp_path / "mine" / "tests" / "01-the-way-on.yaml"
    assert plan.read_text().startswith("# yaml-language-server: $schema=../schemas/testplan.schema.json")
    assert (tmp_path / "mine" / "schemas" / "testplan.schema.json").is_file()
    code, out, _ = run("test", str(tmp_path / "mine"))
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"


def test_schema_command_writes_the_plan_schema(tmp_path):
    code, out, _ = run("schema", "testplan")
    assert code == 0 and json.loads(out)["$id"].endswith("testplan.schema.json")


def test_a_story_without_plans_says_so(tmp_path):
    write_story(tmp_path, {"story.yaml": "id: t\ntitle: T\nstart: one\n", "01-one.yaml": "id: one\ntitle: One\ntext: [x]\n"})
    code, out, _ = run("test", str(tmp_path))
    assert code == 0 and "0 passed, 0 failed (no test plans found" in out


def test_shows_hides_ending_and_content_notes(tmp_path):
    write_story(tmp_path, {
        "story.yaml": "id: t\ntitle: T\nstart: one\ncontent_notes: [spiders]\nvariables: {seen_it: false}\n",
        "01-one.yaml": "id: one\ntitle: One\ntext:\n  - A  door\n    opens.\n  - if: seen_it\n    text: You saw it.\n"
                       "choices:\n  prompt: Look?\n  optional: true\n  options:\n    - text: Look.\n      set: {seen_it: true}\n"
                       "next: two\n",
        "02-two.yaml": "id: two\ntitle: Two\ntext:\n  - if: seen_it\n    text: It saw you too.\n  - The end.\n",
        "tests/a.yaml": "name: Looking\nanswers: [1]\ncontent_notes: spiders\nexpect:\n"
                        "  - after: 0\n    shows: A door opens.\n    hides: You saw it.\n    ending: false\n"
                        "  - shows: [It saw you too.]\n    ending: two\n    last_words: The   end.\n",
        "tests/b.yaml": "name: Not looking\nanswers: '-'\ncontent_notes: [snakes]\nexpect:\n"
                        "  - hides: It saw you too.\n    ending: true\n    shows: It saw you too.\n",
    })
    code, out, _ = run("test", str(tmp_path))
    assert code == 1
    assert "a.yaml::Looking PASSED" in out and "b.yaml::Not looking FAILED" in out
    assert re.search(r"b.yaml:3:17: content note not shown before the first scene\n  expected: \"snakes\"", out)
    assert re.search(r"b.yaml:7:12: at the end, in scene 'two': text not shown", out)
    assert "b.yaml:5:12:" not in out  # hides held


def test_escape_sequences_in_plans_and_stories_are_shown_not_obeyed(tmp_path):
    write_story(tmp_path, {
        "story.yaml": "id: t\ntitle: T\nstart: one\n",
        "01-one.yaml": 'id: one\ntitle: One\ntext: ["Hello \\e[2J there."]\n',
        "tests/a.yaml": 'name: "Evil \\e]0;owned\\a name"\nanswers: ""\nexpect:\n  - shows: "Goodbye \\e[31m"\n',
    })
    code, out, _ = run("test", str(tmp_path))
    assert code == 1 and "\x1b" not in out and "\x07" not in out
    assert "Evil \\x1b]0;owned\\x07 name FAILED" in out and '"Hello \\x1b[2J there."' in out


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 9), st.sampled_from(["-", "end", "2,-,1", "x", "", "one"]),
                     st.text(max_size=12))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["after", "scene", "shows", "hides", "variables", "ending", "last_words", "courage", "x"]),
    inner, max_size=4), max_leaves=12)
_plans = st.fixed_dictionaries({}, optional={"name": _values, "answers": _values, "expect": _values,
                                             "content_notes": _values, "extra": _values})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=_plans)
def test_any_plan_is_run_or_reported_never_a_crash(tmp_path_factory, plan):
    folder = tmp_path_factory.mktemp("s")
    run("new", "story", str(folder / "s"))
    (folder / "s" / "tests" / "01-the-way-on.yaml").write_text(yaml.safe_dump(plan), encoding="utf-8")
    code, out, err = run("test", str(folder / "s"))
    assert code in (0, 1, 2) and "Traceback" not in out + err
    assert re.search(r"^\d+ passed, \d+ failed", out.splitlines()[-1])
    code, out, err = run("validate", str(folder / "s"))
    assert code in (0, 1) and "Traceback" not in out + err
