"""`vignettes graph`: the story map as DOT (read back with pydot) and Mermaid, on the
bundled story and on stories with hostile ids, titles and option texts."""

from __future__ import annotations

import io
import re
import shutil
from collections import Counter

import pydot
import pytest
from hypothesis import given, settings, strategies as st

from engine import cli, graph, validate
from engine.model import Story
import play_stories

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydot still calls old pyparsing names


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def expected_edges(story: Story) -> Counter:
    """(source, target) for each `next` and each option, as the story says it."""
    out = Counter()
    for s in story.scenes:
        if s.next:
            out[(s.id, s.next.scene)] += 1
        for o in s.choice.options if s.choice else ():
            out[(s.id, s.target_of(o).scene)] += 1
    return out


def _unquote_dot(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), text[1:-1])


def parse_dot(text: str):
    [g] = pydot.graph_from_dot_data(text)
    nodes = {_unquote_dot(n.get_name()): n for n in g.get_nodes() if n.get_name() not in ("node", "edge", "graph")}
    edges = [(_unquote_dot(e.get_source()), _unquote_dot(e.get_destination()), e) for e in g.get_edges()]
    return g, nodes, edges


def check_dot(story: Story, text: str) -> None:
    g, nodes, edges = parse_dot(text)
    assert set(nodes) == {s.id for s in story.scenes} | {"start"}
    for s in story.scenes:
        label = _unquote_dot(nodes[s.id].get_label())
        assert label.split("\n")[0] == s.id
        assert label.split("\n")[1] == graph.short(s.title, 40)
        assert (nodes[s.id].get("peripheries") is not None) == s.is_ending
    got = Counter((a, b) for a, b, _ in edges if a != "start")
    assert got == expected_edges(story)
    assert [(a, b) for a, b, _ in edges if a == "start"] == [("start", story.start.scene)]
    for scene in story.scenes:
        for i, option in enumerate(scene.choice.options if scene.choice else ()):
            [edge] = [e for a, _, e in edges if a == scene.id and _unquote_dot(e.get_label()).startswith(f"{i + 1}. ")]
            label = _unquote_dot(edge.get_label())
            assert label.startswith(f"{i + 1}. {graph.short(option.text)}")
            if option.condition:  # dashed, or dotted when --check found it never open
                assert edge.get("style") in ('"dashed"', '"dotted"') and "[if " in label
            else:
                assert edge.get("style") is None


_MERMAID_LINE = re.compile(
    r'^(?:---|title: ".*"|flowchart TD|  start\(\("start"\)\)'
    r'|  [sm]\d+\["[^"]*"\]|  s\d+\(\["[^"]*"\]\)'
    r'|  start --> s\d+'
    r'|  s\d+ (?:-->|-\.->)\|"[^"]*"\| [sm]\d+'
    r'|  classDef \w+ [\w:#,\- .]+|  class [sm\d,]+ \w+|  linkStyle [\d,]+ [\w:#,]+)$')


def _decode_mermaid(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


def check_mermaid(story: Story, text: str) -> None:
    lines = text.splitlines()
    for line in lines:
        assert _MERMAID_LINE.match(line), line
    node_of = {}
    for line in lines:
        m = re.match(r'^  (s\d+)\(?\["(.*)"\]\)?$', line)
        if m:
            # Inside a label nothing Mermaid reads as syntax is left raw.
            assert not set(re.sub(r"#\d+;", "", m.group(2))) & set('";<>&`|[](){}\\'), m.group(2)
            scene_id = _decode_mermaid(m.group(2)).split(":", 1)[0]
            node_of[m.group(1)] = scene_id
    assert sorted(node_of.values()) == sorted(s.id for s in story.scenes)
    got = Counter()
    for line in lines:
        m = re.match(r'^  (s\d+) (-->|-\.->)\|"(.*)"\| ([sm]\d+)$', line)
        if m:
            assert not set(re.sub(r"#\d+;", "", m.group(3))) & set('";<>&`|[](){}\\'), m.group(3)
            got[(node_of[m.group(1)], node_of[m.group(4)])] += 1
    assert got == expected_edges(story)
    endings = [n for n, sid in node_of.items() if story.by_id[sid].is_ending]
    assert all(f'  {n}(["' in text for n in endings)


def test_bundled_story_as_dot_has_every_scene_and_edge():
    story = validate.load_story()
    code, out, _ = run("graph", "--format", "dot")
    assert code == 0
    check_dot(story, out)


def test_bundled_story_as_mermaid_has_every_scene_and_edge():
    story = validate.load_story()
    code, out, _ = run("graph")
    assert code == 0 and out.startswith("---\ntitle: ")
    check_mermaid(story, out)


HOSTILE = ['say "end"; then [go] {on}', "end", 'back\\slash and "quotes"', "a #35; entity", "pipes | and `ticks`",
           "<b>html</b> & more", "line\nbreak", "graph", "subgraph", "click", "style"]


def hostile_story():
    """Conditional options, a missing-free graph with loops, and every awkward text we can think of."""
    spec = {"id": "end", "title": 'The "end"; [really]', "start": "end",
            "variables": {"n": 0, "flag": False},
            "scenes": [
                {"id": "end", "title": HOSTILE[0], "text": ["x"],
                 "choices": {"prompt": "?", "options": [
                     {"text": t, "goto": "subgraph" if i % 2 else "graph", **({"if": "n > 0 and not flag"} if i % 3 else {})}
                     for i, t in enumerate(HOSTILE)]}},
                {"id": "graph", "title": HOSTILE[2], "text": ["y"], "next": "subgraph"},
                {"id": "subgraph", "title": HOSTILE[5], "text": ["z"],
                 "choices": {"prompt": "Again?", "optional": True, "options": [{"text": "Yes; back [to] the start", "goto": "end"}]},
                 "next": "style"},
                {"id": "style", "title": "line\nbreak", "text": ["the end"]},
            ]}
    return play_stories.build(spec)


def test_hostile_text_survives_dot():
    story = hostile_story()
    check_dot(story, graph.dot(story))


def test_hostile_text_survives_mermaid():
    story = hostile_story()
    text = graph.mermaid(story)
    check_mermaid(story, text)
    # the `end` scene is a label, never a node id, and its quotes are entities
    assert "end: say #34;end#34;#59; then #91;go#93; #123;on#125;" in text


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
_slug = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)


@st.composite
def stories(draw):
    ids = draw(st.lists(_slug, min_size=1, max_size=8, unique=True))
    scenes = []
    for i, sid in enumerate(ids):
        scene = {"id": sid, "title": draw(_text), "text": ["x"]}
        later = ids[i + 1:]
        if later and draw(st.booleans()):
            scene["next"] = draw(st.sampled_from(later))
        if draw(st.booleans()):
            options = []
            for _ in range(draw(st.integers(1, 4))):
                o = {"text": draw(_text)}
                if not scene.get("next") or draw(st.booleans()):
                    o["goto"] = draw(st.sampled_from(ids))
                if draw(st.booleans()):
                    o["if"] = draw(st.sampled_from(["n > 1", "flag", "not flag or n == 2"]))
                options.append(o)
            scene["choices"] = {"prompt": "?", "options": options, "optional": bool(scene.get("next"))}
        scenes.append(scene)
    return play_stories.build({"id": "seeded", "title": draw(_text), "start": ids[0],
                               "variables": {"n": 0, "flag": False}, "scenes": scenes})


@settings(max_examples=25, deadline=None)
@given(stories())
def test_any_story_gives_every_scene_and_edge_in_both_formats(story):
    check_dot(story, graph.dot(story))
    check_mermaid(story, graph.mermaid(story))


def test_output_file_and_a_broken_story(tmp_path):
    target = tmp_path / "map.dot"
    code, out, _ = run("graph", "--format", "dot", "-o", str(target))
    assert code == 0 and out == "" and target.read_text(encoding="utf-8").startswith('digraph "five-times"')
    broken = tmp_path / "broken"
    shutil.copytree(validate.bundled_story(), broken)
    (broken / "02-london.yaml").write_text("id: london\ntitle: London\ntext: [x]\nnext: lisa-redx\n", encoding="utf-8")
    code, out, err = run("graph", str(broken))
    assert code == 1 and out == "" and "E102" in err and "Traceback" not in err
    code, _, err = run("graph", "-o", str(tmp_path / "no" / "such" / "dir" / "map.mmd"))
    assert code == 2 and "cannot write" in err


def test_check_marks_show_on_the_map():
    story = hostile_story()
    marks = graph.Marks(unreached=frozenset({"graph"}), closed_options=frozenset({("end", 1)}),
                        dead_ends=frozenset({"style"}))
    _, nodes, edges = parse_dot(graph.dot(story, marks))
    assert "filled" in nodes["graph"].get("style") and nodes["style"].get("color") == '"red"'
    [closed] = [e for a, _, e in edges if a == "end" and _unquote_dot(e.get_label()).startswith("2. ")]
    assert "never open" in closed.get_label() and closed.get("style") == '"dotted"'
    text = graph.mermaid(story, marks)
    check_mermaid(story, text)
    assert re.search(r"^  class s2 unreached$", text, re.M) and re.search(r"^  linkStyle 2 ", text, re.M)


def test_control_characters_never_reach_the_output():
    story = play_stories.build({"id": "esc", "title": "Title\x1b]0;owned\x07", "start": "a", "scenes": [
        {"id": "a", "title": "A\x1b[2J", "text": ["x"], "choices": {"prompt": "?", "options": [
            {"text": "clear\x1b[2J\u202eevil", "goto": "b"}]}},
        {"id": "b", "title": "B\x9b31m", "text": ["y"]}]})
    for text in (graph.dot(story), graph.mermaid(story)):
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text), repr(text)
    check_dot(story, graph.dot(story))


CHECKED = {
    "story.yaml": "id: chk\ntitle: Checked\nstart: a\nvariables: {flag: false, n: 0}\n",
    "01-a.yaml": "id: a\ntitle: Start\ntext: [x]\nchoices:\n  prompt: Go?\n  options:\n"
                 "    - text: To the cellar\n      goto: cellar\n"
                 "    - text: To the attic, if flagged\n      if: flag\n      goto: attic\n"
                 "    - text: Count\n      add: {n: 1}\n      goto: b\n",
    "02-b.yaml": "id: b\ntitle: Stuck room\ntext: [y]\nchoices:\n  prompt: Out?\n  options:\n"
                 "    - text: Only when n is 5\n      if: n == 5\n      goto: end\n",
    "03-cellar.yaml": "id: cellar\ntitle: Cellar\ntext: [c]\nnext: end\n",
    "04-attic.yaml": "id: attic\ntitle: Attic\ntext: [t]\nnext: end\n",
    "05-end.yaml": "id: end\ntitle: The End\ntext: [e]\n",
}


def test_check_marks_what_exploring_finds(tmp_path):
    from storyfiles import write_story

    write_story(tmp_path, CHECKED)
    code, out, err = run("graph", str(tmp_path), "--check", "--format", "dot")
    assert code == 0
    assert "check: 1 scene never reached, 2 options never open, 1 dead end (all 4 states explored)" in err
    story = validate.load_story(tmp_path)
    check_dot(story, out)
    _, nodes, edges = parse_dot(out)
    assert "filled" in nodes["attic"].get("style") and "filled" not in (nodes["cellar"].get("style") or "")
    assert nodes["b"].get("color") == '"red"' and nodes["a"].get("color") is None
    never = sorted((a, b) for a, b, e in edges if "never open" in (e.get_label() or ""))
    assert never == [("a", "attic"), ("b", "end")]
    code, out, _ = run("graph", str(tmp_path), "--check")
    check_mermaid(story, out)
    assert re.search(r"^  class s4 unreached$", out, re.M) and re.search(r"^  class s2 deadend$", out, re.M)
    code, out, _ = run("graph", str(tmp_path))
    assert "never open" not in out and "class s4 unreached" not in out
