"""The schemas: well-formed, documented for editors, and the fast checker agrees with jsonschema."""


import pytest
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

from engine import loader, resources, schema

SCHEMAS = schema.Schemas()


@pytest.mark.parametrize("kind", schema.KINDS)
def test_schema_is_valid_draft_2020_12_with_an_id(kind):
    doc = SCHEMAS.documents[kind]
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith(f"{kind}.schema.json")


@pytest.mark.parametrize("kind", ["scene", "story"])
def test_every_property_has_title_description_and_example(kind):
    """What an editor's hover help and completion need."""
    doc = SCHEMAS.documents[kind]

    def walk(node, where):
        for name, sub in node.get("properties", {}).items():
            target = sub
            if "$ref" in sub and not ("title" in sub and "description" in sub):
                target = doc["$defs"][sub["$ref"].split("/")[-1]]
            for key in ("title", "description", "examples"):
                assert key in sub or key in target, f"{where}.{name} lacks {key}"
            walk(target, f"{where}.{name}")

    walk(doc, kind)
    for name, sub in doc.get("$defs", {}).items():
        walk(sub, f"$defs.{name}")


def test_bundled_scenes_carry_the_modeline():
    for path in sorted(resources.bundled_story().glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=../schemas/"), path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, width=16)
    | st.sampled_from(["", "x", "year-nine", "Year Nine", "held_on > 1", "held_on", "no"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "title", "text", "if", "choices", "prompt", "optional", "options", "add", "set",
                         "goto", "next", "start", "variables", "content_notes", "author", "x", "held_on"]),
        inner, max_size=5),
    max_leaves=12)


def scene_like():
    option = st.fixed_dictionaries({"text": st.sampled_from(["Go.", "", 3])},
                                   optional={"add": json_values, "set": json_values, "goto": json_values, "if": json_values})
    return st.fixed_dictionaries(
        {"id": st.sampled_from(["one", "One", "", "a-b", 1]), "title": st.sampled_from(["T", "", None]),
         "text": st.lists(st.one_of(st.sampled_from(["p", ""]), st.fixed_dictionaries({"if": json_values, "text": json_values})),
                          max_size=3)},
        optional={"choices": st.fixed_dictionaries({"options": st.lists(option, max_size=2)},
                                                   optional={"optional": json_values, "prompt": json_values}),
                  "next": json_values, "extra": json_values})


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, scene_like()))
def test_fast_checker_agrees_with_jsonschema_on_scenes(value):
    assert SCHEMAS.is_valid("scene", value) == SCHEMAS.validator("scene").is_valid(value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries(
    {"id": st.sampled_from(["s", "S"]), "title": st.just("T"), "start": st.sampled_from(["a", 1])},
    optional={"variables": json_values, "content_notes": json_values, "author": json_values})))
def test_fast_checker_agrees_with_jsonschema_on_manifests(value):
    assert SCHEMAS.is_valid("story", value) == SCHEMAS.validator("story").is_valid(value)


def test_fast_checker_refuses_keywords_it_does_not_know():
    with pytest.raises(ValueError):
        schema.compile_checker({"type": "object", "dependentRequired": {"a": ["b"]}})


def check(text, kind="scene"):
    doc, problems = loader.parse("f.yaml", text)
    assert not problems
    return [(d.line, d.col, d.code, d.message, d.hint) for d in SCHEMAS.check(kind, doc)]


def test_unknown_key_points_at_the_key_and_suggests():
    [(line, col, code, message, hint)] = check("id: one\ntitle: One\ntext: [x]\nnxet: one\n")
    assert (line, col, code) == (4, 1, "E100") and "nxet" in message and "'next'" in hint


def test_yaml_boolean_id_gets_a_quote_hint():
    [(line, col, code, message, hint)] = check("id: one\ntitle: One\ntext: [x]\nnext: no\n")
    assert (line, col, code) == (4, 7, "E009") and "'no'" in hint


def test_missing_key_and_wrong_type():
    problems = check("id: one\ntext: x\n")
    assert [(p[0], p[1], p[2]) for p in problems] == [(1, 1, "E100"), (2, 7, "E100")]
    assert "title" in problems[0][3] and "a list" in problems[1][3]


def test_bad_variable_name_points_at_it():
    [(line, col, code, message, _)] = check("id: s\ntitle: T\nstart: a\nvariables:\n  HeldOn: 0\n", "story")
    assert (line, col, code) == (5, 3, "E100") and "HeldOn" in message


def test_schema_registry_never_fetches():
    """A $ref outside our schemas fails instead of reaching the network."""
    from referencing.exceptions import Unresolvable

    registry_validator = SCHEMAS.validator("scene")
    with pytest.raises(Unresolvable):
        registry_validator.evolve(schema={"$ref": "https://example.com/s.json"}).is_valid({})


@pytest.mark.parametrize("kind", ["story", "scene"])
def test_editors_have_hover_help_for_variable_names_and_values(kind):
    """yaml-language-server shows a subschema's title and description on hover: variable names
    (propertyNames) and the values of variables, add: and set: (additionalProperties) need them."""
    from engine.schema import load_schema

    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key in ("propertyNames", "additionalProperties"):
                sub = node.get(key)
                if isinstance(sub, dict):
                    found.append(where + (key,))
                    assert sub.get("title") and sub.get("description"), where + (key,)
            for k, v in node.items():
                walk(v, where + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, where + (i,))

    walk(load_schema(kind), ())
    assert found
    if kind == "scene":
        add = load_schema(kind)["$defs"]["effects_add"]
        assert "set:" in add["propertyNames"]["description"]  # a true/false variable is changed with set:
