"""The bundled story, walked down every combination of answers through the runtime.

The bars it holds the story to: five vignettes of 150-450 words and a sixth,
longer on every path, that ends in the one choice the reader cannot skip;
every path ends on "I love you."; at least three last vignettes that differ
in what he refuses; and every option its own echo, computed from the text
the reader would see, not from the variables an option happens to set.
"""

import functools
import io
import itertools
import json
import re

import pytest

from engine import cli, runtime, validate

STORY = validate.load_story()
VIGNETTES = ["year-nine", "london", "lisa-redux", "the-doctor", "the-tapes", "refusal"]
LAST_WORDS = "“I love you.”"


def walk(state=None, views=()):
    """Yield (views along the path, answers, final state) for every path, skipping each reflection too."""
    state = state or runtime.start(STORY)
    view = runtime.view(STORY, state)
    views = views + (view,)
    assert not view.stranded, f"a reader is stranded in {view.scene} after answers {state.answers}"
    if view.is_ending:
        yield views, state
        return
    for answer in [i for i, _ in view.options] + ([None] if view.can_go_on else []):
        yield from walk(runtime.step(STORY, state, answer), views)


PATHS = list(walk())


def words(view):
    return len(re.findall(r"[\w’']+", " ".join(view.paragraphs)))


def by_scene(views):
    return {v.scene: v for v in views}


# -- echoes ---------------------------------------------------------------------
# What the reader can still be shown from a state on: every paragraph and every
# option text, with the scene it is in. An option's echo, from one state, is
# what taking it adds to or removes from that, against going on without it
# (for the choice that cannot be skipped: against all its other options).


@functools.lru_cache(maxsize=None)
def _future(state):
    view = runtime.view(STORY, state)
    shown = {(view.scene, "paragraph", p) for p in view.paragraphs}
    shown |= {(view.scene, "option", t) for _, t in view.options}
    for answer in [i for i, _ in view.options] + ([None] if view.can_go_on else []):
        shown |= _future(runtime.step(STORY, state, answer))
    return frozenset(shown)


def _choice_states():
    seen, todo = set(), [runtime.start(STORY)]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        view = runtime.view(STORY, state)
        if view.options:
            yield state, view
        todo += [runtime.step(STORY, state, a) for a in [i for i, _ in view.options] + ([None] if view.can_go_on else [])]


def _echoes():
    """{(scene, option index): {state: echo}}, echo a set of ('+'|'-', scene, kind, text)."""
    out = {}
    for state, view in _choice_states():
        after = {i: _future(runtime.choose(STORY, state, i)) for i, _ in view.options}
        for i in after:
            if view.can_go_on:
                base = _future(runtime.go_on(STORY, state))
            else:
                base = frozenset().union(*(f for j, f in after.items() if j != i))
            echo = {("+",) + x for x in after[i] - base} | {("-",) + x for x in base - after[i]}
            out.setdefault((view.scene, i), {})[state] = frozenset(echo)
    return out


ECHOES = _echoes()


def _name(key):
    scene, i = key
    return f"{scene} option {i + 1}: {STORY.scene(scene).choice.options[i].text[:50]!r}"


def test_every_option_changes_later_text_from_every_state_it_is_open_in():
    options = {(s.id, i) for s in STORY.scenes if s.choice for i in range(len(s.choice.options))}
    assert set(ECHOES) == options, "every option is open on some path"
    for key, per_state in ECHOES.items():
        for state, echo in per_state.items():
            assert echo, f"{_name(key)} changes nothing later after answers {state.answers}"


def test_no_two_options_make_the_same_change():
    whole = {key: frozenset().union(*per_state.values()) for key, per_state in ECHOES.items()}
    for a, b in itertools.combinations(whole, 2):
        assert whole[a] != whole[b], f"{_name(a)} and {_name(b)} have the same echo"


def test_every_option_has_a_paragraph_that_exists_because_of_it():
    """Not a shared tally: some later paragraph shows only on paths where this very option was taken."""
    required = {}
    for views, state in PATHS:
        taken = {(v.scene, a) for v, a in zip(views, state.answers) if a is not None}
        for v in views:
            for p in v.paragraphs:
                key = (v.scene, p)
                required[key] = required[key] & taken if key in required else taken
    owned = set().union(*required.values())
    for key in ECHOES:
        assert key in owned, f"{_name(key)} has no paragraph that shows only because it was taken"


def test_every_paragraph_can_be_read_and_every_conditional_one_avoided():
    shown = {}
    for views, _ in PATHS:
        here = {(v.scene, p) for v in views for p in v.paragraphs}
        for scene in STORY.scenes:
            for p in scene.paragraphs:
                shown.setdefault((scene.id, p.text), []).append((scene.id, p.text) in here)
    for scene in STORY.scenes:
        for p in scene.paragraphs:
            seen = shown[(scene.id, p.text)]
            assert any(seen), f"{scene.id}: never shown: {p.text[:60]!r}"
            if p.condition is not None:
                reached = [s for s, (views, _) in zip(seen, PATHS) if scene.id in {v.scene for v in views}]
                assert not all(reached), f"{scene.id}: shown on every path that reaches it: {p.text[:60]!r}"


def test_the_third_kind_of_option_stands_beside_bitter_and_tender():
    """Each of the five reflections offers three: one kept for the refusal (bitter), and two that are not."""
    refusal = STORY.scene("refusal").choice
    recalled = {o.condition.source for o in refusal.options if o.condition}
    for scene_id in VIGNETTES[:5]:
        choice = STORY.scene(scene_id).choice
        assert choice.optional and len(choice.options) == 3
        flags = [e.variable for o in choice.options for e in o.effects]
        assert len(set(flags)) == 3 and sum(f in recalled for f in flags) == 1, scene_id


def test_check_is_clean_and_its_echo_table_has_no_two_options_alike():
    """The author's own tool agrees: `vignettes check --stats` finds no problem and no echo twice, story-wide."""
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["check", "--stats", "--format", "json"], out, err) == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert report["complete"] and not report["diagnostics"], report["diagnostics"]
    echoes = report["stats"]["echoes"]
    assert len(echoes) == len(ECHOES)
    seen = {}
    for e in echoes:
        assert e["open"] and e["adds"], e
        key = (tuple((a["scene"], a["paragraph"]) for a in e["adds"]),
               tuple((r["scene"], r["paragraph"]) for r in e["removes"]))
        assert key not in seen, f"{e['scene']} {e['option']} echoes like {seen.get(key)}"
        seen[key] = (e["scene"], e["option"])


# -- the shape of the story -----------------------------------------------------------


def test_six_vignettes_in_the_source_order_then_endings():
    numbered = [s.id for s in STORY.scenes if not s.is_ending]
    assert numbered == VIGNETTES
    assert all(s.is_ending for s in STORY.scenes[len(VIGNETTES):])
    assert len(PATHS) > 1000
    for views, _ in PATHS:
        assert [v.scene for v in views[:-1]] == VIGNETTES and views[-1].is_ending


def test_exactly_one_choice_cannot_be_skipped_and_it_comes_after_the_fifth_vignette():
    required = {(v.scene, v.options) for views, _ in PATHS for v in views if v.options and not v.can_go_on}
    assert {scene for scene, _ in required} == {"refusal"}
    unskippable = [s.id for s in STORY.scenes if s.choice and not s.choice.optional]
    assert unskippable == ["refusal"]


def test_the_refusal_offers_each_bitter_line_only_if_kept_and_always_something():
    refusal = STORY.scene("refusal")
    for views, state in PATHS:
        view = by_scene(views)["refusal"]
        offered = {i for i, _ in view.options}
        always = {i for i, o in enumerate(refusal.choice.options) if o.condition is None}
        assert always and always <= offered
        for i, option in enumerate(refusal.choice.options):
            if option.condition is not None:
                kept = state.env[option.condition.source]
                assert (i in offered) == kept, (option.text, state.answers)


def test_every_path_ends_on_his_last_words():
    for views, state in PATHS:
        assert views[-1].paragraphs[-1] == LAST_WORDS, state.scene
        assert sum(p.count("I love you") for v in views for p in v.paragraphs) == 1


def test_at_least_three_last_vignettes_that_differ_in_what_he_refuses():
    refused = {}
    for views, state in PATHS:
        refused.setdefault(state.answers[-1], set()).add(views[-1].paragraphs)
    assert len(refused) >= 3
    endings = {state.scene for _, state in PATHS}
    assert len(endings) == len(refused) >= 3, "each refusal has its own ending"
    texts = [t for ts in refused.values() for t in ts]
    assert len(set(texts)) >= 3


def test_a_reader_who_only_presses_enter_still_has_to_refuse_something():
    state = runtime.start(STORY)
    while runtime.view(STORY, state).can_go_on:
        state = runtime.go_on(STORY, state)
    view = runtime.view(STORY, state)
    assert state.scene == "refusal" and len(view.options) >= 2 and not view.is_ending
    for i, _ in view.options:
        assert runtime.view(STORY, runtime.choose(STORY, state, i)).paragraphs[-1] == LAST_WORDS


def test_the_five_hold_150_to_450_words_and_the_sixth_is_the_longest_on_every_path():
    longest = {scene: 0 for scene in VIGNETTES}
    for views, _ in PATHS:
        counts = {v.scene: words(v) for v in views}
        for scene in VIGNETTES[:5]:
            assert 150 <= counts[scene] <= 450, (scene, counts[scene])
        for scene in VIGNETTES:
            longest[scene] = max(longest[scene], counts[scene])
        assert counts["refusal"] > max(counts[s] for s in VIGNETTES[:5]), counts
    assert longest["refusal"] > max(longest[s] for s in VIGNETTES[:5])


def test_prompts_read_naturally_when_skipped():
    """A prompt that assumes a pick ("he'll keep one thing") reads wrong to a reader who goes on."""
    for scene_id in VIGNETTES[:5]:
        prompt = STORY.scene(scene_id).choice.prompt.lower()
        assert not re.search(r"\b(he’ll|he will|he'll) (keep|choose|pick)|\bone thing\b", prompt), prompt


def test_the_refrain_comes_back_in_london_and_lisa_redux():
    refrain = "He shielded her, he hid her, he drew them off."
    for scene_id in ("london", "lisa-redux"):
        assert any(refrain in p.text for p in STORY.scene(scene_id).paragraphs), scene_id


def test_jack_comes_back_on_every_path():
    for views, _ in PATHS:
        assert "Jack came back." in by_scene(views)["the-tapes"].paragraphs[0]


def test_the_title_keeps_lost_and_the_source_is_credited():
    assert "Lost" in STORY.title and "Refused" in STORY.title
    assert STORY.source is not None and STORY.source.title and "adaptation" in STORY.source.note


@pytest.mark.parametrize("note", ["death", "poison gas", "slur", "outed", "internalised homophobia", "assault",
                                  "underage drinking", "smoking", "sexual", "grief", "gun"])
def test_content_notes_name_each_warning(note):
    assert any(note in n for n in STORY.content_notes)
