"""The loader: positions, YAML traps refused at their place, model building."""

import pytest

from engine import loader


def parse(text):
    return loader.parse("f.yaml", text)


def first(text):
    doc, problems = parse(text)
    assert doc is None and problems
    d = problems[0]
    return d.code, d.line, d.col


@pytest.mark.parametrize("text, expected", [
    ("a: 1\na: 2\n", ("E005", 2, 1)),
    ("a:\n  b: 1\n  b: 2\n", ("E005", 3, 3)),
    ("a: !!python/object/apply:os.system [echo]\n", ("E006", 1, 4)),
    ("a: !custom x\n", ("E006", 1, 4)),
    ("a: &x 1\nb: *x\n", ("E007", 1, 4)),
    ("b: *x\n", ("E007", 1, 4)),
    ("a:\n\t- 1\n", ("E008", 2, 1)),
    ("a: 1\n---\nb: 2\n", ("E010", 2, 1)),
    ("", ("E010", 1, 1)),
    ("a: [1\n", ("E003", 1, 4)),  # where the unclosed bracket began
    ("a: \"\\xZZ\"\n", ("E003", 1, 7)),
    ("x: " + "[" * 30000 + "]" * 30000 + "\n", ("E004", 1, 4 + 31)),
    ("x: " + "{a: " * 30000 + "1" + "}" * 30000 + "\n", ("E004", 1, 4 + 31 * 4)),
    # Block nesting, which the bracket count does not flag: past libyaml's own limit of recent releases.
    ("".join(" " * i + "k:\n" for i in range(1500)) + " " * 1500 + "v\n", ("E004", 33, 33)),
    ("x: " + "[" * 40 + "1" + "]" * 40 + "\n", ("E004", 1, 4 + 31)),
], ids=lambda v: repr(v)[:40])
def test_traps_are_errors_at_their_place(text, expected):
    assert first(text) == expected


def test_yaml11_scalars_are_read_as_pyyaml_reads_them():
    doc, problems = parse("a: no\nb: 0123\nc: 2024-01-01\nd: '0123'\ne: ~\nf: 1_000\ng: " + "9" * 5000 + "\nh: 2024-02-30\n")
    assert problems == []
    d = doc.data
    assert d["a"] is False and d["b"] == 83 and d["d"] == "0123" and d["e"] is None and d["f"] == 1000
    assert isinstance(d["c"], loader.YamlValue) and d["c"].kind == "date"
    assert isinstance(d["g"], loader.YamlValue) and isinstance(d["h"], loader.YamlValue)


def test_keys_stay_text():
    doc, _ = parse("no: 1\n'yes': 2\n")
    assert doc.data == {"no": 1, "yes": 2}


def test_positions_count_characters_not_bytes():
    doc, _ = parse("title: Café\nnext: ééé\n")
    assert doc.pos(("next",)).col == 7
    assert doc.pos(("next",), key=True).col == 1


@pytest.mark.parametrize("raw, where", [
    (b"id: one\ntitle: Caf\xe9\n", (2, 11)),
    (b"\xff\xfe", (1, 1)),
])
def test_non_utf8_is_reported_at_the_byte(raw, where):
    text, problems = loader.decode("f.yaml", raw)
    assert text is None and (problems[0].code, problems[0].line, problems[0].col) == ("E001",) + where


def test_bom_is_accepted_and_size_is_capped():
    text, problems = loader.decode("f.yaml", b"\xef\xbb\xbfa: 1\n")
    assert text == "a: 1\n" and not problems
    text, problems = loader.decode("f.yaml", b"#" * (loader.MAX_FILE_BYTES + 1))
    assert text is None and problems[0].code == "E002"


def test_scene_model_keeps_positions():
    doc, _ = parse(
        "id: one\ntitle: One\ntext:\n  - Hi.\n  - if: 'x > 1'\n    text: There.\n"
        "choices:\n  optional: true\n  options:\n    - text: Go.\n      add: {x: 1}\n      goto: two\nnext: two\n")
    scene = loader.scene(doc)
    assert scene.pos.line == 1 and scene.pos.col == 5
    assert scene.paragraphs[1].condition.source == "x > 1"
    assert (scene.paragraphs[1].condition.pos.line, scene.paragraphs[1].condition.pos.col) == (5, 10)
    option = scene.choice.options[0]
    assert option.goto.scene == "two" and (option.goto.pos.line, option.goto.pos.col) == (12, 13)
    assert option.effects[0].variable == "x" and option.effects[0].value == 1
    assert scene.choice.optional and scene.next.scene == "two"
