"""`vignettes check` against an independent walk over the public runtime, and its witnesses
replayed through the real player."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from engine import check, cli, explore, runtime
from engine.frontend.plain import PlainUI
from engine.frontend.session import Session
from play_stories import build
from storyfiles import write_story

ROOT = Path(__file__).resolve().parent.parent


# -- an independent exploration: a plain breadth-first walk over runtime.view / runtime.step ---------


def plain_walk(story, limit=1_500):
    """Everything check reports, worked out the slow, obvious way over the public runtime."""
    tracked = explore.tracked_scenes(story)
    key = lambda s: explore.project(story, s, tracked)  # noqa: E731
    first = runtime.start(story)
    found = {key(first): first}
    graph = {}  # key -> (view, [(entry, successor key)])
    queue = deque([first])
    while queue and len(found) <= limit:
        state = queue.popleft()
        view = runtime.view(story, state)
        ways = []
        answers = ([None] if view.can_go_on else []) + [i for i, _ in view.options]
        for answer in answers:
            entry = "-" if answer is None else str([i for i, _ in view.options].index(answer) + 1)
            nxt = runtime.step(story, state, answer)
            k = key(nxt)
            if k not in found:
                found[k] = nxt
                queue.append(nxt)
            ways.append((entry, k))
        graph[key(state)] = (view, ways)
    complete = not queue
    scenes = {s.id: s for s in story.scenes}
    reached = {k[0] for k in found}
    out = {"complete": complete, "states": len(found), "scenes_reached": reached,
           "endings_reached": {s for s in reached if scenes[s].is_ending}}
    if not complete:
        return out
    opened, shown, hidden = set(), set(), set()
    for view, _ in graph.values():
        opened |= {(view.scene, i + 1) for i, _ in view.options}
        scene = scenes[view.scene]
        for p, para in enumerate(scene.paragraphs, 1):
            (shown if para.text in view.paragraphs else hidden).add((view.scene, p))
    out["never_open"] = {(s, k) for s in reached if scenes[s].choice
                         for k in range(1, len(scenes[s].choice.options) + 1) if (s, k) not in opened}
    out["never_shown"] = {(s, p) for s in reached for p, para in enumerate(scenes[s].paragraphs, 1)
                          if para.condition is not None and (s, p) not in shown}
    out["always_shown"] = {(s, p) for s in reached for p, para in enumerate(scenes[s].paragraphs, 1)
                           if para.condition is not None and (s, p) in shown and (s, p) not in hidden}
    dead = {k for k, (v, _) in graph.items() if not v.options and not v.can_go_on and not scenes[v.scene].is_ending}
    out["dead_ends"] = {k[0] for k in dead}
    good = {k for k, (v, _) in graph.items() if scenes[v.scene].is_ending}
    changed = True
    while changed:
        changed = False
        for k, (_, ways) in graph.items():
            if k not in good and any(n in good for _, n in ways):
                good.add(k)
                changed = True
    out["stuck"] = {k[0] for k in graph if k not in good}
    out["passed_required"] = {v.scene for v, _ in graph.values()
                              if not v.options and scenes[v.scene].choice and not scenes[v.scene].choice.optional
                              and v.can_go_on}
    # fewest --choices entries to each state: a prompt costs one entry, going on past nothing costs none
    dist = {key(first): 0}
    dq = deque([key(first)])
    while dq:
        k = dq.popleft()
        view, ways = graph[k]
        cost = 1 if view.options else 0
        for _, n in ways:
            if dist[k] + cost < dist.get(n, 1 << 60):
                dist[n] = dist[k] + cost
                (dq.append if cost else dq.appendleft)(n)
    out["fewest"] = {}
    for k, d in dist.items():
        out["fewest"][k[0]] = min(d, out["fewest"].get(k[0], d))
    out["fewest_dead"] = {}
    for k in dead:
        out["fewest_dead"][k[0]] = min(dist[k], out["fewest_dead"].get(k[0], dist[k]))
    return out


def checked(story, max_states=20_000):
    return check.Checker(story, [], "DIR").exhaustive(max_states, None)


# -- replaying a witness through the real player -----------------------------------------------------


class _Recording(PlainUI):
    """The line player, noting each scene it shows with the number of answers given so far.

    It stops after a few hundred scenes: a loop with nothing to choose never asks.
    """

    def scene(self, view):
        self.log = getattr(self, "log", [])
        self.log.append((self.answered, view.scene))
        if len(self.log) > 300:
            raise EOFError
        super().scene(view)


def replay(story, entries):
    """Play `entries` in the line player; return (scenes shown after the last answer, how it ended)."""
    ui = _Recording(io.StringIO(""), io.StringIO(), entries, columns=lambda: 80)
    outcome = Session(story, ui, None).play(resume="no", show_notes=False)
    assert ui.answered == len(entries)  # every entry was taken, none refused
    return [scene for answered, scene in ui.log if answered == len(entries)], outcome


# -- hypothesis stories: cycles, seen(), conditions that hold alone but never together ---------------

CONDITIONS = ("n >= 1", "n == 0", "n < 2", "m > n", "flag", "not flag", "flag and n >= 2", "n + m == 2",
              "not flag or m == 1", "-n < 0", "seen(s0)", "not seen(s1)", "seen(s2) and not flag",
              "seen(s1) or n >= 3")


@st.composite
def stories(draw):
    count = draw(st.integers(1, 5))
    ids = [f"s{i}" for i in range(count)]
    scenes = []
    for i, sid in enumerate(ids):
        text = [f"{sid} paragraph 1."]
        for p in range(draw(st.integers(0, 2))):
            cond = draw(st.sampled_from(CONDITIONS))
            text.append({"if": cond, "text": f"{sid} paragraph {p + 2}."})
        scene = {"id": sid, "text": text}
        nxt = draw(st.one_of(st.none(), st.sampled_from(ids)))
        if nxt:
            scene["next"] = nxt
        if draw(st.integers(0, 3)):
            options = []
            for k in range(draw(st.integers(1, 3))):
                option = {"text": f"{sid} option {k + 1}"}
                if draw(st.booleans()):
                    option["if"] = draw(st.sampled_from(CONDITIONS))
                effect = draw(st.sampled_from(["", "n+", "n=0", "n=2", "m=1", "flag", "noflag"]))
                if effect == "n+":  # kept finite by its condition; the budget test has an endless count
                    option["add"] = {"n": 1}
                    option["if"] = "n < 3"
                elif effect:
                    name, value = {"n=0": ("n", 0), "n=2": ("n", 2), "m=1": ("m", 1), "flag": ("flag", True),
                                   "noflag": ("flag", False)}[effect]
                    option["set"] = {name: value}
                if not nxt or draw(st.booleans()):
                    option["goto"] = draw(st.sampled_from(ids))
                options.append(option)
            scene["choices"] = {"prompt": f"{sid}?", "optional": bool(nxt) and draw(st.booleans()), "options": options}
        scenes.append(scene)
    return build({"id": "gen", "start": "s0", "variables": {"n": 0, "m": 0, "flag": False}, "scenes": scenes})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_check_agrees_with_a_plain_walk_over_the_runtime(story):
    ex = explore.explore(story, 5_000)
    plain = plain_walk(story)
    assume(plain["complete"])  # `n + 1` in a loop has no end; the budget test covers that
    assert ex.complete
    assert ex.states == plain["states"]
    data = checked(story).data
    assert set(data["scenes_reached"]) == plain["scenes_reached"]
    assert set(data["endings_reached"]) == plain["endings_reached"]
    assert {(x["scene"], x["option"]) for x in data["never_open"]} == plain["never_open"]
    assert {(x["scene"], x["paragraph"]) for x in data["never_shown"]} == plain["never_shown"]
    assert {(x["scene"], x["paragraph"]) for x in data["always_shown"]} == plain["always_shown"]
    assert {x["scene"] for x in data["dead_ends"]} == plain["dead_ends"]
    assert {x["scene"] for x in data["stuck"]} == plain["stuck"]
    assert {x["scene"] for x in data["passed_required"]} == plain["passed_required"]
    for finding in data["dead_ends"]:
        entries = [e for e in finding["choices"].split(",") if e]
        assert len(entries) == plain["fewest_dead"][finding["scene"]]  # a shortest witness
        shown, outcome = replay(story, entries)
        assert outcome == "stranded" and shown[-1] == finding["scene"]  # the player stops right there
    for finding in data["stuck"] + data["passed_required"]:
        entries = [e for e in finding["choices"].split(",") if e]
        shown, _ = replay(story, entries)
        assert finding["scene"] in shown


@settings(max_examples=60, deadline=None)
@given(stories(), st.data())
def test_to_gives_a_shortest_witness_that_the_player_follows(story, data):
    plain = plain_walk(story)
    assume(plain["complete"])
    target = data.draw(st.sampled_from([s.id for s in story.scenes]))
    ex = explore.explore(story)
    i = ex.shortest_to(target)
    if target not in plain["scenes_reached"]:
        assert i is None
        return
    entries = ex.witness(i)
    assert len(entries) == plain["fewest"][target]
    shown, _ = replay(story, entries)
    assert target in shown


def test_the_budget_stops_an_endless_count_and_says_so():
    story = build({"id": "up", "start": "a", "variables": {"n": 0}, "scenes": [
        {"id": "a", "text": ["A."], "choices": {"prompt": "?", "options": [
            {"text": "Again.", "add": {"n": 1}, "goto": "a"}, {"text": "Stop.", "goto": "b"}]}},
        {"id": "b", "text": ["B."]}]})
    ex = explore.explore(story, 500)
    assert not ex.complete and ex.states == 500
    assert ex.stuck() == [] and ex.dead_ends() == []  # nothing unproven is reported


def test_projection_keys_a_runtime_state_by_what_decides_the_future():
    story = build({"id": "p", "start": "a", "variables": {"n": 0}, "scenes": [
        {"id": "a", "text": ["A."], "next": "b"},
        {"id": "b", "text": ["B.", {"if": "seen(a)", "text": "Was in a."}], "next": "c"},
        {"id": "c", "text": ["C."]}]})
    state = runtime.start(story)
    assert explore.project(story, state) == ("a", (("n", 0),), (True,))
    later = runtime.go_on(story, runtime.go_on(story, state))
    assert explore.project(story, later) == ("c", (("n", 0),), (True,))
    assert explore.tracked_scenes(story) == ("a",)


# -- the command, on story folders ---------------------------------------------------------------------

TRICKY = {
    "story.yaml": "id: tricky\ntitle: Tricky\nstart: hall\nvariables:\n  keys: 0\n  lamp: false\n",
    "01-hall.yaml": (
        "id: hall\ntitle: Hall\ntext:\n  - A hall.\n  - if: seen(cellar)\n    text: You have been down.\n"
        "choices:\n  prompt: Where?\n  options:\n"
        "    - text: Down.\n      goto: cellar\n"
        "    - text: Up.\n      if: lamp\n      goto: attic\n"
        "    - text: Out.\n      if: keys >= 2\n      goto: garden\n"
    ),
    "02-cellar.yaml": (
        "id: cellar\ntitle: Cellar\ntext: [A cellar.]\nchoices:\n  prompt: Take?\n  options:\n"
        "    - text: A key.\n      set: {keys: 1}\n      goto: hall\n"
        "    - text: The lamp.\n      set: {lamp: true}\n      goto: hall\n"
    ),
    "03-attic.yaml": (
        "id: attic\ntitle: Attic\ntext:\n  - An attic.\n  - if: keys > 5\n    text: Never.\n"
        "choices:\n  prompt: Then?\n  options:\n"
        "    - text: Stay.\n      goto: attic\n"
        "    - text: Leave.\n      if: keys == 3\n      goto: hall\n"
    ),
    "04-garden.yaml": "id: garden\ntitle: Garden\ntext: [The end.]\n",
}


def run(argv, cwd=None):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_story_with_a_loop_with_no_way_out(tmp_path):
    folder = write_story(tmp_path / "tricky", TRICKY)
    code, out, err = run(["check", str(folder), "--format", "json"])
    data = json.loads(out)
    assert code == 1
    assert data["complete"] is True
    assert data["endings_reached"] == [] and data["endings_never_reached"] == ["garden"]
    assert {x["scene"] for x in data["stuck"]} == {"hall", "cellar", "attic"}
    assert {(x["scene"], x["option"]) for x in data["never_open"]} == {("hall", 3), ("attic", 2)}
    assert {(x["scene"], x["paragraph"]) for x in data["never_shown"]} == {("attic", 2)}
    codes_found = {(d["code"], d["file"].rsplit("/", 1)[-1], d["line"]) for d in data["diagnostics"]}
    assert ("E205", "03-attic.yaml", 1) in codes_found
    assert ("W201", "01-hall.yaml", 15) in codes_found
    assert ("W207", "04-garden.yaml", 1) in codes_found
    code, out, err = run(["check", str(folder)])
    assert "error[E205] no ending can be reached from scene 'attic'" in out
    assert "goes round: attic -> attic" in out
    assert err.startswith("checked ") and "0 of 1 ending reached" in err


def test_witnesses_replay_in_the_real_player_from_the_command_line(tmp_path):
    files = dict(TRICKY)
    files["03-attic.yaml"] = "id: attic\ntitle: Attic\ntext: [An attic.]\nchoices:\n  prompt: Then?\n  options:\n" \
                             "    - text: Jump.\n      if: keys == 3\n      goto: garden\n"
    folder = write_story(tmp_path / "dead", files)
    code, out, _ = run(["check", str(folder), "--format", "json"])
    data = json.loads(out)
    assert code == 1 and [x["scene"] for x in data["dead_ends"]] == ["attic"]
    witness = data["dead_ends"][0]["choices"]
    assert witness == "1,2,2"  # down, the lamp, then up
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "engine", "play", str(folder), "--choices", witness],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1  # the player stops there, and calls it a bug in the story
    assert "the story has no way on from scene 'attic'" in done.stderr
    code, out, _ = run(["check", str(folder)])
    assert f"--choices {witness}" in out


@pytest.mark.parametrize("how", [[], ["--to", "hall"]])
def test_a_witness_at_the_start_is_an_empty_list_the_player_takes(tmp_path, how):
    """`--choices ''`, as check prints it, plays up to the first prompt and stops there."""
    folder = write_story(tmp_path / "s", {
        "story.yaml": "id: s\ntitle: S\nstart: hall\nvariables:\n  lit: false\n",
        "hall.yaml": "id: hall\ntitle: Hall\ntext: [A hall.]\nchoices:\n  prompt: Out?\n  options:\n"
                     "    - text: Out.\n      if: lit\n      goto: out\n",
        "out.yaml": "id: out\ntitle: Out\ntext: [Out.]\n"})
    code, out, _ = run(["check", str(folder), *how])
    command = next(line for line in out.splitlines() if "vignettes play" in line)
    argv = shlex.split(command[command.index("vignettes play"):])
    assert argv[-2:] == ["--choices", ""]
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "engine", *argv[1:]], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert "A hall." in done.stdout and "Traceback" not in done.stderr
    # hall is the dead end found: the player stops there, and calls it a bug in the story
    assert done.returncode == 1 and "the story has no way on from scene 'hall'" in done.stderr


def test_a_scene_that_asks_nothing_is_said_to_be_passed_through(tmp_path):
    folder = write_story(tmp_path / "maze", {
        "story.yaml": "id: m\ntitle: M\nstart: hall\n",
        "hall.yaml": "id: hall\ntitle: Hall\ntext: [A hall.]\nchoices:\n  prompt: Where?\n  options:\n"
                     "    - text: Out.\n      goto: out\n    - text: In.\n      goto: maze\n",
        "maze.yaml": "id: maze\ntitle: Maze\ntext: [Twisty.]\nchoices:\n  prompt: Turn?\n  options:\n"
                     "    - text: Left.\n      goto: corridor\n",
        "corridor.yaml": "id: corridor\ntitle: Corridor\ntext: [Long.]\nnext: maze\n",
        "out.yaml": "id: out\ntitle: Out\ntext: [Free.]\n"})
    code, out, _ = run(["check", str(folder)])
    assert f"passed through (shown, then gone past: it asks nothing) by: vignettes play {folder} --choices 2,1" in out
    assert run(["check", str(folder), "--to", "maze"])[1] == f"scene 'maze' is reached by: vignettes play {folder} --choices 2\n"
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "engine", "play", str(folder), "--choices", "2,1"], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert "Long." in done.stdout  # the player shows the corridor on the way


def test_to_answers_with_a_witness_or_a_proof(tmp_path):
    folder = write_story(tmp_path / "tricky", TRICKY)
    assert run(["check", str(folder), "--to", "attic"])[:2] == (0, f"scene 'attic' is reached by: vignettes play {folder} --choices 1,2,2\n")
    code, out, _ = run(["check", str(folder), "--to", "garden"])
    assert code == 1 and out.startswith("no path reaches scene 'garden'")
    code, _, err = run(["check", str(folder), "--to", "gardn"])
    assert code == 2 and "did you mean 'garden'?" in err
    code, out, _ = run(["check", str(folder), "--to", "attic", "--format", "json"])
    assert json.loads(out)["to"] == {"scene": "attic", "reached": True, "choices": "1,2,2"}


def test_exit_codes_clean_strict_incomplete_and_usage(tmp_path):
    assert run(["check"])[0] == 0  # the bundled story is clean
    warned = write_story(tmp_path / "w", {
        "story.yaml": "id: w\ntitle: W\nstart: a\nvariables:\n  n: 0\n",
        "a.yaml": "id: a\ntitle: A\ntext:\n  - A.\n  - if: n == 0\n    text: Always.\n"})
    assert run(["check", str(warned)])[0] == 0
    assert run(["check", str(warned), "--strict"])[0] == 1
    loop = write_story(tmp_path / "loop", {
        "story.yaml": "id: l\ntitle: L\nstart: a\nvariables:\n  n: 0\n",
        "a.yaml": "id: a\ntitle: A\ntext:\n  - A.\n  - if: n > 3\n    text: Late.\n"
                  "choices:\n  prompt: Again?\n  optional: true\n  options:\n    - text: Again.\n      add: {n: 1}\n      goto: a\n"
                  "next: b\n",
        "b.yaml": "id: b\ntitle: B\ntext: [B.]\n"})
    code, out, err = run(["check", str(loop), "--max-states", "50"])
    assert code == 3 and "incomplete" in err and "--random" in err and out == ""
    assert json.loads(run(["check", str(loop), "--max-states", "50", "--format", "json"])[1])["states"] == 50
    assert run(["check", str(loop), "--max-states", "zero"])[0] == 2
    assert run(["check", str(tmp_path / "nowhere")])[0] == 2
    broken = write_story(tmp_path / "broken", {"story.yaml": "id: b\ntitle: B\nstart: a\n", "a.yaml": "id: a\ntitle: A\ntext: [x]\nnext: zz\n"})
    code, out, err = run(["check", str(broken)])
    assert code == 1 and "error[E102]" in out


def test_random_plays_are_seeded_with_coverage(tmp_path):
    folder = write_story(tmp_path / "tricky", TRICKY)
    first = run(["check", str(folder), "--random", "20", "--seed", "5", "--max-steps", "200", "--format", "json"])
    again = run(["check", str(folder), "--random", "20", "--seed", "5", "--max-steps", "200", "--format", "json"])
    assert first == again and first[0] == 3
    data = json.loads(first[1])
    assert data["complete"] is False
    assert data["random"]["ended"] == 0 and len(data["random"]["capped"]) == 20
    assert data["random"]["capped"][2] == {"play": 3, "seed": 7, "scene": data["random"]["capped"][2]["scene"]}
    assert [d["code"] for d in data["diagnostics"]] == ["W208"]
    assert f"vignettes check {folder} --random 1 --seed SEED" in data["diagnostics"][0]["hint"]  # this story, not the bundled one
    assert data["random"]["coverage"]["scenes"] == [3, 4]
    # play k of seed S is play 1 of seed S+k-1
    one = json.loads(run(["check", str(folder), "--random", "1", "--seed", "7", "--max-steps", "200", "--format", "json"])[1])
    assert one["random"]["capped"][0]["scene"] == data["random"]["capped"][2]["scene"]
    code, _, err = run(["check", "--random", "30", "--seed", "1"])  # the bundled story: every play ends
    assert code == 3 and "played 30 random paths (seed 1): 30 ended" in err and "cannot prove" in err


def test_sarif_and_full_formats(tmp_path):
    folder = write_story(tmp_path / "tricky", TRICKY)
    code, out, _ = run(["check", str(folder), "--format", "sarif"])
    log = json.loads(out)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"E205", "W201", "W207"}
    code, out, _ = run(["check", str(folder), "--format", "full"])
    assert "^" in out and "= hint: reached by: vignettes play" in out


# -- statistics ------------------------------------------------------------------------------------------


def every_path(story, limit=20_000):
    """Every answer list from the start to an ending, with the words read on it, by brute force."""
    out = []

    def walk(state, words, depth):
        assert depth < 200 and len(out) < limit
        view = runtime.view(story, state)
        words += sum(len(p.split()) for p in view.paragraphs)
        if view.is_ending:
            out.append(words)
            return
        for answer in ([None] if view.can_go_on else []) + [i for i, _ in view.options]:
            walk(runtime.step(story, state, answer), words, depth + 1)
    walk(runtime.start(story), 0, 0)
    return out


def test_stats_count_every_path_and_its_words_on_the_bundled_story():
    from engine import validate

    story = validate.load_story()
    stats = explore.statistics(explore.explore(story))
    words = every_path(story)
    assert stats.paths == len(words) and stats.loop == []
    assert stats.shortest[0] == min(words) and stats.longest[0] == max(words)
    for total, entries in (stats.shortest, stats.longest):  # each witness reads that many words
        ui = _Recording(io.StringIO(""), io.StringIO(), entries, columns=lambda: 80)
        session = Session(story, ui, None)
        assert session.play(resume="no", show_notes=False) == "ended"
        read = sum(len(line.split()) for line in session.transcript[1:]
                   if line and not line.startswith(("#", ">", "*(")))
        assert read == total


@settings(max_examples=100, deadline=None)
@given(stories())
def test_path_counts_agree_with_brute_force(story):
    ex = explore.explore(story, 5_000)
    assume(ex.complete)
    stats = explore.statistics(ex)
    if stats.paths is None:  # a loop that can be taken again and again, on the way to an ending
        assert stats.loop
        with pytest.raises(AssertionError):  # so listing the paths never ends
            every_path(story, 5_000)
        return
    try:
        words = every_path(story, 5_000)
    except (AssertionError, RecursionError):
        assume(False)  # too many paths to list; the count itself has no limit
    assert stats.paths == len(words)
    if words:
        assert (stats.shortest[0], stats.longest[0]) == (min(words), max(words))


def test_stats_name_a_loop_that_makes_the_paths_endless(tmp_path):
    folder = write_story(tmp_path / "loop", {
        "story.yaml": "id: l\ntitle: L\nstart: a\nvariables:\n  n: 0\n",
        "a.yaml": "id: a\ntitle: A\ntext: [A.]\nnext: b\n",
        "b.yaml": "id: b\ntitle: B\ntext: [B.]\nchoices:\n  prompt: Again?\n  optional: true\n  options:\n"
                  "    - text: Back.\n      goto: a\nnext: c\n",
        "c.yaml": "id: c\ntitle: C\ntext: [C.]\n"})
    code, out, _ = run(["check", str(folder), "--stats"])
    assert code == 0
    assert "paths to an ending: infinite: the loop " in out and ("a -> b -> a" in out or "b -> a -> b" in out)
    assert "words on the longest path: no limit" in out
    data = json.loads(run(["check", str(folder), "--stats", "--format", "json"])[1])["stats"]
    assert data["paths"] == "infinite" and set(data["loop"]) == {"a", "b"}
    assert data["words"]["shortest"] == {"words": 3, "choices": "-"} and data["words"]["longest"] is None


def test_the_echo_table_shows_what_each_option_changes_later(tmp_path):
    folder = write_story(tmp_path / "echo", {
        "story.yaml": "id: e\ntitle: E\nstart: a\nvariables:\n  kept: false\n  hurt: 0\n",
        "a.yaml": "id: a\ntitle: A\ntext: [A.]\nchoices:\n  prompt: Keep?\n  optional: true\n  options:\n"
                  "    - text: The ring.\n      set: {kept: true}\n"
                  "    - text: Nothing.\n"
                  "    - text: Nothing either.\n"
                  "    - text: The hurt.\n      add: {hurt: 1}\nnext: b\n",
        "b.yaml": "id: b\ntitle: B\ntext:\n  - B.\n  - if: kept\n    text: The ring is warm.\n"
                  "  - if: hurt == 0\n    text: Nothing hurts.\n"
                  "choices:\n  prompt: Last?\n  options:\n    - text: Yes.\n      goto: c\n    - text: No.\n      goto: c\n",
        "c.yaml": "id: c\ntitle: C\ntext:\n  - C.\n  - if: hurt > 0\n    text: It hurts.\n"})
    data = json.loads(run(["check", str(folder), "--stats", "--format", "json"])[1])["stats"]
    echo = {(e["scene"], e["option"]): e for e in data["echoes"]}
    assert echo["a", 1]["adds"] == [{"scene": "b", "paragraph": 2}] and echo["a", 1]["removes"] == []
    assert echo["a", 4]["adds"] == [{"scene": "c", "paragraph": 2}]
    assert echo["a", 4]["removes"] == [{"scene": "b", "paragraph": 3}]
    assert echo["a", 2]["adds"] == echo["a", 2]["removes"] == [] and echo["a", 2]["same_as"] == [3]
    assert echo["a", 1]["against"] == "go on" and echo["b", 1]["against"] == 2  # a required choice
    assert echo["b", 1]["same_as"] == [2]
    code, out, _ = run(["check", str(folder), "--stats"])
    assert 'a 4 "The hurt.": + c \u00b62 - b \u00b63' in out
    assert 'a 2 "Nothing.": no echo  [same as option 3]' in out


def test_random_plays_report_a_dead_end_with_the_answers_that_met_it(tmp_path):
    folder = write_story(tmp_path / "dead", {
        "story.yaml": "id: d\ntitle: D\nstart: a\nvariables:\n  lamp: false\n",
        "a.yaml": "id: a\ntitle: A\ntext: [A.]\nchoices:\n  prompt: Take?\n  optional: true\n  options:\n"
                  "    - text: The lamp.\n      set: {lamp: true}\nnext: b\n",
        "b.yaml": "id: b\ntitle: B\ntext: [B.]\nchoices:\n  prompt: Which?\n  options:\n"
                  "    - text: Dark stairs.\n      if: not lamp\n      goto: c\n    - text: Cellar.\n      goto: d\n",
        "c.yaml": "id: c\ntitle: C\ntext: [The end.]\n",
        "d.yaml": "id: d\ntitle: D\ntext: [A cellar.]\nchoices:\n  prompt: Up?\n  options:\n"
                  "    - text: The lit stairs.\n      if: lamp\n      goto: c\n"})
    code, out, _ = run(["check", str(folder), "--random", "40", "--seed", "3", "--format", "json"])
    data = json.loads(out)
    assert code == 1 and {d["code"] for d in data["diagnostics"]} == {"E204", "W112"}  # W112: validate's guess
    [dead] = data["dead_ends"]
    from engine import validate

    story = validate.load_story(folder)
    shown, outcome = replay(story, dead["choices"].split(","))
    assert dead["scene"] == "d" and outcome == "stranded" and shown[-1] == "d"
    # every play either ends or is stranded (nothing here loops): the counts are of plays, not scenes
    assert data["random"]["stranded"] > 1 and data["random"]["ended"] + data["random"]["stranded"] == 40
    single = [json.loads(run(["check", str(folder), "--random", "1", "--seed", str(seed), "--format", "json"])[1])
              for seed in range(3, 43)]
    assert data["random"]["stranded"] == sum(d["random"]["stranded"] for d in single)


def test_changed_checks_each_story_a_commit_touches(tmp_path, monkeypatch):
    write_story(tmp_path / "one", TRICKY)
    write_story(tmp_path / "two", {"story.yaml": "id: two\ntitle: T\nstart: a\n", "a.yaml": "id: a\ntitle: A\ntext: [A.]\n"})
    (tmp_path / "notes.yaml").write_text("- not a story\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "--changed", "one/02-cellar.yaml", "two/a.yaml", "notes.yaml", "--format", "json"])
    docs = json.loads(out)
    assert code == 1 and sorted(d["story"] for d in docs) == ["tricky", "two"]
    assert run(["check", "--changed", "notes.yaml"])[:1] == (0,)
    assert run(["check", "one", "two"])[0] == 2  # without --changed, one story


def test_a_new_story_is_clean_under_check_strict(tmp_path):
    """What `vignettes new story` writes must not greet its author with a warning."""
    assert run(["new", "story", str(tmp_path / "fresh")])[0] == 0
    code, out, err = run(["check", "--strict", str(tmp_path / "fresh")])
    assert code == 0, out + err
    assert "no problems" in out + err
