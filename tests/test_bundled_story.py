"""The bundled story, walked down every combination of answers through the runtime."""

import re

import pytest

from engine import runtime, validate

STORY = validate.load_story()
LAST = STORY.scenes[-1].id


def walk(state=None, views=()):
    """Yield (views along the path, final state) for every path, skipping each reflection too."""
    state = state or runtime.start(STORY)
    view = runtime.view(STORY, state)
    views = views + (view,)
    if view.is_ending:
        yield views, state
        return
    answers = [i for i, _ in view.options] + ([None] if view.can_go_on else [])
    for answer in answers:
        yield from walk(runtime.step(STORY, state, answer), views)


PATHS = list(walk())


def words(view):
    return len(re.findall(r"[\w’']+", " ".join(view.paragraphs)))


def test_six_scenes_in_the_source_order():
    assert [s.id for s in STORY.scenes] == ["year-nine", "london", "lisa-redux", "the-doctor", "the-tapes", "refusal"]


def test_every_path_ends_in_the_last_scene_on_his_last_words():
    assert len(PATHS) > 100
    for views, state in PATHS:
        assert state.scene == LAST and views[-1].is_ending
        assert [v.scene for v in views] == [s.id for s in STORY.scenes]
        assert views[-1].paragraphs[-1].strip("“”\"' ") == "I love you."


def test_a_reader_who_only_presses_enter_reads_to_the_end():
    state = runtime.start(STORY)
    while not runtime.view(STORY, state).is_ending:
        state = runtime.go_on(STORY, state)
    assert state.scene == LAST


def test_every_scene_reads_150_to_450_words_on_every_path():
    for views, _ in PATHS:
        for view in views:
            assert 150 <= words(view) <= 450, (view.scene, words(view))


def test_the_last_scene_has_at_least_three_distinct_texts():
    texts = {views[-1].paragraphs for views, _ in PATHS}
    assert len(texts) >= 3


def test_each_of_the_five_offers_an_optional_reflection_of_two_or_three_options():
    for scene in STORY.scenes[:5]:
        assert scene.choice is not None and scene.choice.optional
        assert 2 <= len(scene.choice.options) <= 3
    assert STORY.scenes[-1].is_ending


def test_conditional_paragraphs_are_reachable_and_avoidable():
    conditional = [(s.id, p.text) for s in STORY.scenes for p in s.paragraphs if p.condition is not None]
    assert len([c for c in conditional if c[0] != "year-nine"]) >= 4
    for scene_id, text in conditional:
        shown = [any(v.scene == scene_id and text in v.paragraphs for v in views) for views, _ in PATHS]
        assert any(shown) and not all(shown), (scene_id, text[:60])


def test_exactly_one_build_up_of_the_last_scene_shows_on_each_path():
    """The build-ups are mutually exclusive versions; two at once would contradict each other."""
    last = STORY.scenes[-1]
    build_ups = [p for p in last.paragraphs if p.condition and re.search(r"held_on|bitterness", p.condition.source)]
    assert len(build_ups) >= 3
    for views, _ in PATHS:
        assert sum(p.text in views[-1].paragraphs for p in build_ups) == 1


@pytest.mark.parametrize("note", ["death", "slur", "sexual", "grief", "gun"])
def test_content_notes_name_each_warning(note):
    assert any(note in n for n in STORY.content_notes)
