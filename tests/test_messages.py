"""Author slips, each with its place (code, line, col) and words that say how to fix it."""

from __future__ import annotations

import io
import json
import sys

import pytest

from engine import cli, codes
from storyfiles import run_cli, write_story

STORY = "id: tale\ntitle: Tale\nstart: hall\nvariables:\n  lamps: 0\n  warned: false\n"
HALL = "id: hall\ntitle: Hall\ntext:\n  - if: lamps > 0 or warned\n    text: Light.\n  - Dark.\n"


run = run_cli


def check(tmp_path, monkeypatch, scene: str, story: str = STORY, **more: str):
    """Validate a story whose 01-hall.yaml is `scene`; the diagnostics as (code, line, col) -> (message, hint)."""
    files = {"story.yaml": story, "01-hall.yaml": scene}
    files.update({f"{k}.yaml": v for k, v in more.items()})
    write_story(tmp_path / "s", files)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run("validate", "--format", "json", "s")
    return {(d["code"], d["line"], d["col"]): (d["message"], d["hint"]) for d in json.loads(out)
            if d["file"] == "s/01-hall.yaml"}


def one(found, code, line, col):
    assert (code, line, col) in found, found
    return found[(code, line, col)]


# -- a reader stranded -----------------------------------------------------------------

STRANDS = HALL + "choices:\n  prompt: Which way?\n  options:\n    - text: Up.\n      if: warned\n      goto: stair\n"
STAIR = "id: stair\ntitle: Stair\ntext: [Up.]\n"


def test_every_option_conditional_and_no_next_warns(tmp_path, monkeypatch):
    message, hint = one(check(tmp_path, monkeypatch, STRANDS, stair=STAIR), "W112", 7, 1)
    assert "may be stranded in scene 'hall'" in message and "every option has an `if:`" in message
    assert "add an option with no `if:`" in hint and "next:" in hint


@pytest.mark.parametrize("extra", ["next: stair\n", "choices:\n  prompt: Which way?\n  options:\n"
                                   "    - text: Up.\n      if: warned\n      goto: stair\n    - text: Wait.\n      goto: stair\n"])
def test_no_warning_with_a_next_or_an_open_option(tmp_path, monkeypatch, extra):
    scene = STRANDS + "next: stair\n" if extra.startswith("next") else HALL + extra
    assert not [k for k in check(tmp_path, monkeypatch, scene, stair=STAIR) if k[0] == "W112"]


def test_the_player_never_calls_a_stranded_reader_an_ending(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    gate = "id: gate\ntitle: Gate\ntext: [Gate.]\nchoices:\n  prompt: Go?\n  options:\n    - text: In.\n      goto: hall\n"
    write_story(tmp_path / "s", {"story.yaml": STORY.replace("start: hall", "start: gate"), "00-gate.yaml": gate,
                                 "01-hall.yaml": STRANDS, "02-stair.yaml": STAIR})
    monkeypatch.chdir(tmp_path)
    code, out, err = run("play", "s", "--plain", "--choices", "1")
    assert code == 1
    assert "The end." not in out and "Dark." in out
    assert "no way on from scene 'hall' (s/01-hall.yaml:1)" in err and "a bug in the story, not an ending" in err
    assert "Your place is kept" in out
    code, out, err = run("play", "s", "--plain", "--resume")  # the place was kept: back in the hall
    assert code == 1 and "Dark." in out and "Gate." not in out and "The end." not in out


# -- YAML syntax in the author's words --------------------------------------------------

HEAD = "id: hall\ntitle: Hall\n"


@pytest.mark.parametrize("scene, where, words, fix", [
    (HEAD + 'text:\n  - "Look," said Tam.\n', (4, 5), 'this paragraph opens with a quote, so YAML reads only "Look," as the text',
     "- '\"Look,\" said Tam.'"),
    (HEAD + "text:\n  - 'Run,' she said. 'Now.'\n", (4, 5), "opens with a quote", "- '''Run,'' she said. ''Now.'''"),
    (HEAD + 'text:\n  - if: warned\n    text: "Look," said Tam.\n', (5, 11), "opens with a quote",
     "text: '\"Look,\" said Tam.'"),
    (HEAD + "text:\n  - A.\n - B.\n", (5, 2), "item is indented to column 2, but the '-' of the item above on line 4 is at column 3",
     "move it to column 3"),
    (HEAD + "text: [x]\nchoices:\n  prompt: Now?\n   options:\n    - text: a\n", (6, 4),
     "`options:` is indented to column 4, but `prompt:` on line 5 is at column 3 (the entries of `choices:`)",
     "move it to column 3"),
    (HEAD + "text: [x]\nchoices:\n  options:\n    - text: a\n     goto: hall\n", (7, 6),
     "`goto:` is indented to column 6, but `text:` on line 6 is at column 7", "move it to column 7"),
    ("id: hall\n title: Hall\ntext: [x]\n", (2, 2), "`title:` is indented to column 2, but `id:` on line 1 is at column 1",
     "move it to column 1"),
    (HEAD + 'text:\n  - "Unclosed.\n  - More.\nnext: hall\n', (4, 5),
     'this " opens a quoted text that is never closed (the parser gave up at the end of the file)', 'close it with a matching "'),
    (HEAD + "text: [x, y\nnext: hall\n", (3, 7), "this [ is never closed (the parser gave up at line 4, column 5)", "close it with ]"),
    (HEAD + "text:\n  - {if: warned, text: y\n", (4, 5), "this { is never closed", "close it with }"),
    ("id: hall\ntitle: Pell said: it was late.\ntext: [x]\n", (2, 8), "holds ': '", "title: 'Pell said: it was late.'"),
])
def test_yaml_errors_say_what_happened_where_it_began(tmp_path, monkeypatch, scene, where, words, fix):
    message, hint = one(check(tmp_path, monkeypatch, scene), "E003", *where)
    assert words in message
    assert fix in hint
    assert "did not find expected" not in message + hint


def test_dialogue_hint_offers_a_block_scalar(tmp_path, monkeypatch):
    _, hint = one(check(tmp_path, monkeypatch, HEAD + 'text:\n  - "Look," said Tam.\n'), "E003", 4, 5)
    assert '- >-\n    "Look," said Tam.' in hint


# -- positions as an editor counts them -------------------------------------------------

@pytest.mark.parametrize("odd", ["\u2028", "\u2029", "\x85"])
def test_unusual_line_breaks_inside_text_do_not_shift_positions(tmp_path, monkeypatch, odd):
    scene = f"id: hall\ntitle: Hall\ntext:\n  - 'One{odd}two{odd}three.'\nnxet: hall\n"
    found = check(tmp_path, monkeypatch, scene)
    message, hint = one(found, "E100", 5, 1)
    assert "unknown key 'nxet'" in message and "did you mean 'next'?" in hint
    _, out, _ = run("validate", "--format", "sarif", "s")
    [result] = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "E100"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 1}
    _, out, _ = run("validate", "--format", "full", "s")
    lines = out.splitlines()
    assert lines[2] == "5 | nxet: hall" and lines[3].endswith("| ^")


def test_unusual_line_break_before_a_yaml_error(tmp_path, monkeypatch):
    found = check(tmp_path, monkeypatch, "id: hall\ntitle: 'A\u2028B'\ntext: [x, y\n")
    one(found, "E003", 3, 7)


# -- what YAML read, in real type names -----------------------------------------------

@pytest.mark.parametrize("item, words, fix", [
    ("Pell said: it was late.", "YAML read this paragraph as a mapping, because of the ': ' after 'Pell said'",
     "- 'Pell said: it was late.'"),
    ("yes", "YAML read this paragraph as true/false (yes)", "- 'yes'"),
    ("No", "YAML read this paragraph as true/false (No)", "- 'No'"),
    ("1953", "YAML read this paragraph as a number (1953)", "- '1953'"),
    ("[aside]", "YAML read this paragraph as a list ([aside])", "- '[aside]'"),
    ("It's late: Pell's watch stopped.", "as a mapping", "- 'It''s late: Pell''s watch stopped.'"),
])
def test_paragraphs_yaml_reads_as_something_else(tmp_path, monkeypatch, item, words, fix):
    message, hint = one(check(tmp_path, monkeypatch, f"{HEAD}text:\n  - First.\n  - {item}\n"), "E100", 5, 5)
    assert words in message and "put the paragraph in quotes" in hint and fix in hint.splitlines()


def test_an_empty_paragraph(tmp_path, monkeypatch):
    message, hint = one(check(tmp_path, monkeypatch, f"{HEAD}text:\n  -\n  - x\n"), "E100", 4, 4)
    assert message == "this paragraph is empty" and "remove the line" in hint


def test_a_conditional_paragraph_with_a_typo_names_the_key(tmp_path, monkeypatch):
    found = check(tmp_path, monkeypatch, f"{HEAD}text:\n  - if: warned\n    txt: Light.\n")
    assert one(found, "E100", 5, 5) == ("unknown key 'txt'", "did you mean 'text'?")
    found = check(tmp_path, monkeypatch, f"{HEAD}text:\n  - if: warned\n")
    assert one(found, "E100", 4, 5) == ("missing required key 'text'", "add `text:` here")


@pytest.mark.parametrize("scene, where, words, fix", [
    (HEAD + "text: [x]\nchoices:\n  - text: Up.\n  - text: Down.\n", (5, 3), "'choices' must be a mapping (key: value), not a list",
     "choices:\n  prompt: What now?\n  options:\n    - text: Up."),
    (HEAD + "text: [x]\nchoices:\n  options:\n    text: Up.\n", (6, 5), "'options' must be a list, not a mapping",
     "options:\n  - text: Up."),
    (HEAD + "text:\n  a: b\n", (4, 3), "'text' must be a list, not a mapping", "text:\n  - b"),
    (HEAD.replace("Hall", "[Hall]") + "text: [x]\n", (2, 8), "'title' must be text, not a list", "title: '[Hall]'"),
    (HEAD.replace("Hall", "1953") + "text: [x]\n", (2, 8), "'title' must be text; YAML reads 1953 as a number", "title: '1953'"),
    (HEAD + "text: [x]\nchoices:\n  optional: maybe\n  options:\n    - text: a\n", (5, 13),
     "'optional' must be true or false, not the text 'maybe'", "write true or false"),
    (HEAD + "text: [x]\nchoices:\n  options:\n    - text: a\n      add: {lamps: lots}\n      goto: hall\n", (7, 20),
     "'lamps' must be a whole number, not the text 'lots'", "without quotes"),
    (HEAD + "text: [x]\nchoices:\n  options:\n    - text: a\n      add: [lamps]\n      goto: hall\n", (7, 12),
     "'add' must be a mapping (key: value), not a list", "`add: {lamps: 1}`"),
])
def test_wrong_shapes_name_real_types_and_show_the_right_shape(tmp_path, monkeypatch, scene, where, words, fix):
    message, hint = one(check(tmp_path, monkeypatch, scene), "E100", *where)
    assert message == words
    assert fix in hint
    assert "string" not in message


def test_long_values_are_cut(tmp_path, monkeypatch):
    scene = HEAD.replace("Hall", "9" * 5000) + "text: [x]\n" + "k" * 300 + ": 1\n"
    found = check(tmp_path, monkeypatch, scene)
    for message, hint in found.values():
        assert len(message) < 160 and len(hint) < 200 and "…" in message


# -- effects and conditions -------------------------------------------------------------

def test_add_on_a_true_false_variable_says_use_set(tmp_path, monkeypatch):
    scene = HEAD + "text: [x]\nchoices:\n  options:\n    - text: a\n      add: {warned: 1}\n      goto: hall\n"
    message, hint = one(check(tmp_path, monkeypatch, scene), "E107", 7, 13)
    assert message == "cannot add to 'warned': it is true/false, not a number"
    assert "use `set:`" in hint and "set: {warned: true}" in hint


@pytest.mark.parametrize("condition, col, words, fix", [
    ("lamps = 2", 7, "`=` is not a comparison", "did you mean `lamps == 2`?"),
    ("lamps => 2", 7, "`=>` is not an operator", "did you mean `lamps >= 2`?"),
    ("lamps =< 2", 7, "`=<` is not an operator", "did you mean `lamps <= 2`?"),
    ("!warned", 1, "`!` is not an operator", "did you mean `not warned`?"),
    ("lamps >= '2'", 10, "numbers are written without quotes", "did you mean `lamps >= 2`?"),
    ("seen('hall') or warned", 6, "seen() takes a scene id without quotes", "did you mean `seen(hall) or warned`?"),
    ("warned && lamps > 1", 8, "`&&` is not an operator", "did you mean `warned and lamps > 1`?"),
    ("lamps >", 8, "condition ends too early", "e.g. `lamps >= 1`"),
    ("seen(Hall)", 1, "scene ids are lowercase", "did you mean seen(hall)?"),
    ("warned == yes", 11, "`yes` is not a value in conditions", "write `true`"),
    ("lamps > 1 AND warned", 11, "`AND` is written in lowercase", "write `and`"),
    ("NOT warned", 1, "`NOT` is written in lowercase", "write `not`"),
])
def test_condition_slips_get_a_did_you_mean(tmp_path, monkeypatch, condition, col, words, fix):
    scene = f'{HEAD}text:\n  - if: "{condition}"\n    text: Light.\n'
    message, hint = one(check(tmp_path, monkeypatch, scene), "E108", 4, 10 + col - 1)
    assert message.startswith(words) and fix in hint
    assert "held_on" not in hint and "london" not in hint


@pytest.mark.parametrize("condition, code, col, words, fix", [
    ("warned + 1 > lamps", "E107", 8, "'+' adds numbers, not true/false", "true/false values take"),
    ("lamps - warned > 1", "E107", 7, "'-' subtracts numbers, not true/false", "true/false values take"),
    ("warned > 1", "E107", 8, "'>' compares numbers, not true/false", "true/false values take"),
    ("(lamps > 1", "E108", 11, "missing ')'", "close the '(' that opens at character 1 of the condition"),
    ("lamps > 99999999999999999999999999", "E108", 9, "number 99999999…9999 (26 digits) is too large", "up to"),
    ("seen(nowhere)", "E111", 1, "seen() names no scene 'nowhere'", "name the id of a scene in this story, like seen(hall)"),
])
def test_condition_mistakes_say_what_the_operator_does_and_how_to_fix_it(tmp_path, monkeypatch, condition, code, col,
                                                                         words, fix):
    scene = f'{HEAD}text:\n  - if: "{condition}"\n    text: Light.\n'
    message, hint = one(check(tmp_path, monkeypatch, scene), code, 4, 10 + col - 1)
    assert message.startswith(words) and fix in hint


def test_a_condition_written_in_many_places_is_reported_at_each(tmp_path, monkeypatch):
    """Check reads each condition's text once; every place that holds it still gets its diagnostic."""
    para = '  - if: "lamps = 2"\n    text: Light.\n  - if: lamps > 2 and lamps < 1\n    text: Never.\n'
    found = check(tmp_path, monkeypatch, f"{HEAD}text:\n{para}{para}  - if: seen(hal)\n    text: Typo.\n"
                                         "  - if: seen(hal)\n    text: Again.\n")
    assert sorted(k for k in found if k[0] in ("E108", "W110", "E111")) == [
        ("E108", 4, 16), ("E108", 8, 16), ("E111", 12, 9), ("E111", 14, 9), ("W110", 6, 9), ("W110", 10, 9)]


@pytest.mark.parametrize("condition", [" or ".join(["warned"] * 52), " and ".join(["not warned"] * 60),
                                       " + ".join(["lamps"] * 120) + " > 1"])
def test_long_flat_conditions_are_not_too_deep(tmp_path, monkeypatch, condition):
    found = check(tmp_path, monkeypatch, f"{HEAD}text:\n  - if: {condition}\n    text: Light.\n")
    assert not [k for k in found if k[0].startswith("E")], found


def test_real_nesting_is_still_limited(tmp_path, monkeypatch):
    found = check(tmp_path, monkeypatch, f"{HEAD}text:\n  - if: {'(' * 60}warned{')' * 60}\n    text: Light.\n")
    assert any("nested more than 50 deep" in m for m, _ in found.values())


# -- a comment that cuts the prose -------------------------------------------------------

@pytest.mark.parametrize("scene, where, words, fix", [
    (HEAD + "text:\n  - Room #12 was cold.\n", (4, 10), "YAML reads ' #12 was cold.' as a comment, so this text stops at 'Room'",
     "- 'Room #12 was cold.'"),
    (HEAD + "text:\n  - if: warned\n    text: She wrote it down as item #4 on the list.\n", (5, 37),
     "stops at 'down as item'", "text: 'She wrote it down as item #4 on the list.'"),
    (HEAD + "text: [x]\nchoices:\n  options:\n    - text: Take door #2\n      goto: hall\n", (6, 23),
     "stops at 'Take door'", "text: 'Take door #2'"),
    (HEAD + "text:\n  - Room\t#12 was cold.\n", (4, 10), "stops at 'Room'", "- 'Room #12 was cold.'"),
])
def test_an_unquoted_hash_in_prose_warns(tmp_path, monkeypatch, scene, where, words, fix):
    message, hint = one(check(tmp_path, monkeypatch, scene), "W113", *where)
    assert words in message and fix in hint.splitlines()


@pytest.mark.parametrize("scene", [HEAD + "text:\n  - It was late.  # revise this\n",
                                   HEAD + "text:\n  - 'Room #12 was cold.'\n",
                                   HEAD + "text:\n  - Room#12 was cold.\n",
                                   HEAD + "text: [x]\nnext: hall  # go round\n"])
def test_real_comments_and_quoted_hashes_pass(tmp_path, monkeypatch, scene):
    assert not [k for k in check(tmp_path, monkeypatch, scene) if k[0] == "W113"]


# -- one broken file does not hide the rest ----------------------------------------------

def validate_all(tmp_path, monkeypatch, files):
    write_story(tmp_path / "s", files)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run("validate", "--format", "json", "s")
    return {(d["file"], d["code"], d["line"], d["col"]): d["message"] for d in json.loads(out)}


STAIR_BROKEN = "id: stair\ntitle: Stair\ntext: [Up.]\nnxet: hall\n"


def test_a_broken_scene_does_not_hide_other_files_checks(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY, "01-hall.yaml": HALL + "next: stiar\n", "02-stair.yaml": STAIR_BROKEN,
        "03-cellar.yaml": "id: cellar\ntitle: Cellar\ntext:\n  - if: lamps => 1\n    text: x\nnext: atic\n"})
    assert ("s/02-stair.yaml", "E100", 4, 1) in found
    # the other files are still checked across the story
    assert found[("s/01-hall.yaml", "E102", 7, 7)] == "next 'stiar' not found"  # near the salvaged id 'stair'
    assert found[("s/03-cellar.yaml", "E102", 6, 7)] == "next 'atic' not found"
    assert ("s/03-cellar.yaml", "E108", 4, 15) in found


def test_an_id_used_again_in_a_broken_file_is_said_at_once(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY, "01-hall.yaml": HALL + "next: stair\n", "02-stair.yaml": STAIR,
        "03-stair.yaml": STAIR_BROKEN})
    assert ("s/03-stair.yaml", "E100", 4, 1) in found
    assert found[("s/03-stair.yaml", "E101", 1, 5)] == "scene id 'stair' is already used in s/02-stair.yaml:1"


def test_a_target_naming_a_broken_scene_is_not_unknown(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY, "01-hall.yaml": HALL + "next: stair\n", "02-stair.yaml": 'id: stair\ntitle: "Stair\n'})
    assert ("s/02-stair.yaml", "E003", 2, 8) in found
    assert not [k for k in found if k[1] in ("E102", "W103", "E105")], found


def test_reachability_is_not_guessed_through_a_broken_scene(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY, "01-hall.yaml": HALL + "next: stair\n", "02-stair.yaml": STAIR_BROKEN,
        "03-roof.yaml": "id: roof\ntitle: Roof\ntext: [x]\n"})
    assert not [k for k in found if k[1] in ("W103", "E105")], found  # the stair might lead to the roof


def test_unread_variables_are_still_reported_unless_a_broken_file_names_them(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY + "  spare: 2\n", "01-hall.yaml": HALL + "next: stair\n",
        "02-stair.yaml": "id: stair\ntitle: Stair\ntext:\n  - if: warned\n    text: Up.\n    extra: 1\n"})
    assert found[("s/story.yaml", "W109", 7, 3)] == "variable 'spare' is never read by a condition"
    assert not [k for k in found if k[1] == "W109" and k[2] == 6], found  # 'warned' is named in the broken file


def test_a_broken_story_yaml_does_not_hide_the_scenes_checks(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY.replace("title: Tale", "titel: Tale"),
        "01-hall.yaml": HALL + "next: stiar\n", "02-stair.yaml": STAIR + "choices:\n  optional: true\n  options:\n    - text: a\n",
        "03-cellar.yaml": "id: cellar\ntitle: Cellar\ntext:\n  - if: lamps => 1\n    text: x\n"})
    assert ("s/story.yaml", "E100", 2, 1) in found
    assert found[("s/01-hall.yaml", "E102", 7, 7)] == "next 'stiar' not found"
    assert ("s/02-stair.yaml", "E104", 4, 1) in found
    assert ("s/03-cellar.yaml", "E108", 4, 15) in found
    assert not [k for k in found if k[1] in ("E106", "W103")], found  # the variables and start are unknown


def test_a_goto_typo_does_not_also_call_the_scene_meant_unreachable(tmp_path, monkeypatch):
    found = validate_all(tmp_path, monkeypatch, {
        "story.yaml": STORY, "01-hall.yaml": HALL + "next: stiar\n", "02-stair.yaml": STAIR + "next: roof\n",
        "03-roof.yaml": "id: roof\ntitle: Roof\ntext: [x]\n", "04-shed.yaml": "id: shed\ntitle: Shed\ntext: [x]\n"})
    assert found[("s/01-hall.yaml", "E102", 7, 7)] == "next 'stiar' not found"
    assert not [k for k in found if k[1] == "W103" and k[0] in ("s/02-stair.yaml", "s/03-roof.yaml")], found
    assert ("s/04-shed.yaml", "W103", 1, 5) in found  # truly unreachable scenes are still reported


def test_a_key_indented_into_the_wrong_mapping_says_where_it_belongs(tmp_path, monkeypatch):
    scene = (HEAD + "text: [x]\nchoices:\n  options:\n    - text: a\n      prompt: Where?\n      goto: hall\n"
             "  next: hall\n  add: {lamps: 1}\n")
    found = check(tmp_path, monkeypatch, scene)
    assert one(found, "E100", 7, 7) == ("unknown key 'prompt'",
                                        "`prompt:` belongs to `choices:`: move it to column 3, in line with `options:`")
    assert one(found, "E100", 9, 3)[1] == "`next:` belongs to the scene itself: move it left to column 1 (it is indented under `choices:`)"
    assert "belongs to an option" in one(found, "E100", 10, 3)[1]


def test_a_scene_with_a_schema_error_still_gets_its_conditions_effects_and_targets_checked(tmp_path, monkeypatch):
    scene = (HEAD + "text:\n  - if: lamps = 1\n    text: Light.\n  - Note: the door was open.\nchoices:\n  options:\n"
             "    - text: Back.\n      add: {lamsp: 1}\n      goto: hall\n    - text: On.\n      add: {lamps: '1'}\n"
             "      goto: hall\nnext: stiar\n")
    found = check(tmp_path, monkeypatch, scene, stair=STAIR)
    assert one(found, "E100", 6, 5)[0].startswith("YAML read this paragraph as a mapping")
    assert one(found, "E100", 13, 20)[0] == "'lamps' must be a whole number, not the text '1'"
    assert one(found, "E108", 4, 15) == ("`=` is not a comparison in `lamps = 1`", "did you mean `lamps == 1`?")
    assert one(found, "E106", 10, 13) == ("unknown variable 'lamsp'", "did you mean 'lamps'?")
    assert one(found, "E102", 15, 7) == ("next 'stiar' not found", "did you mean 'stair'?")


def test_missing_keys_are_suggested_in_the_authors_own_words(tmp_path, monkeypatch):
    write_story(tmp_path / "s", {"story.yaml": STORY, "01-hall.yaml": HALL,
                                 "02-the-cellar.yaml": "text: [x]\n", "03-x.yaml": "id: attic\ntext: [x]\n"})
    monkeypatch.chdir(tmp_path)
    _, out, _ = run("validate", "s")
    assert "s/02-the-cellar.yaml:1:1: error[E100] missing required keys 'id', 'title'\n" in out
    assert "id: the-cellar" in out and "title: The cellar" in out
    assert "s/03-x.yaml:1:1: error[E100] missing required key 'title'\n  hint: add `title: Attic`" in out
    assert "my-scene" not in out


# -- garbled or misleading words -------------------------------------------------------


def test_an_empty_text_key_names_the_key(tmp_path, monkeypatch):
    found = check(tmp_path, monkeypatch, HEAD + "text:\n  - if: warned\n    text:\n")
    message, hint = one(found, "E100", 5, 10)
    assert message == "'text' is empty" and hint == "write the text after `text:`"


def test_an_option_written_as_plain_text_is_the_option_that_must_be_a_mapping(tmp_path, monkeypatch):
    scene = HALL + "choices:\n  prompt: Go?\n  options:\n    - text: On.\n      goto: hall\n    - The way back.\n"
    message, hint = one(check(tmp_path, monkeypatch, scene), "E100", 12, 7)
    assert message == "option 2 must be a mapping with `text:`, not the text 'The way back.'"
    assert "- text: The way back.\n  goto: <scene-id>" in hint and "'options'" not in message


@pytest.mark.parametrize("word", ["null", "~", "Null"])
def test_a_paragraph_yaml_reads_as_nothing_names_the_word_typed(tmp_path, monkeypatch, word):
    message, hint = one(check(tmp_path, monkeypatch, HEAD + f"text:\n  - Dark.\n  - {word}\n"), "E100", 5, 5)
    assert message == f"YAML reads {word} as nothing (an empty value), not as the text of a paragraph"
    assert hint.endswith(f"- '{word}'")


def test_a_truncated_save_says_where_its_json_breaks(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    write_story(tmp_path / "s", {"story.yaml": STORY, "01-hall.yaml": HALL})
    (tmp_path / "data" / "vignettes" / "tale").mkdir(parents=True)
    (tmp_path / "data" / "vignettes" / "tale" / "autosave.json").write_text('{\n "format": 1,\n "story": "ta')
    monkeypatch.chdir(tmp_path)
    _, out, err = run("play", "s", "--plain", "--resume")
    said = " ".join((out + err).split())
    assert "not valid JSON: Unterminated string starting at line 3, column 11" in said
    assert "at at" not in said


# -- paths that do not exist ------------------------------------------------------------


@pytest.mark.parametrize("command", ["play", "validate", "check", "graph", "test", "export"])
def test_a_missing_path_is_a_one_line_usage_error(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(command, "nonexist")
    assert code == 2 and out == ""
    assert err == f"vignettes {command}: no such file or folder: nonexist\n"


def test_a_diagnostic_about_a_whole_file_prints_no_zero_place(tmp_path, monkeypatch):
    write_story(tmp_path / "s", {"01-hall.yaml": HALL})  # no story.yaml
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "s")
    assert code == 1 and out.startswith("s/story.yaml: error[E011]") and ":0:" not in out
    _, out, _ = run("validate", "--format", "sarif", "s")
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("story.yaml") and "region" not in location


# -- prose that opens with a character YAML reads as syntax -------------------------------


@pytest.mark.parametrize("opening, code, reads", [
    ("*sigh* Fine.", "E007", "an alias"),
    ("*sigh fine", "E007", "an alias"),
    ("& so on.", "E007", "an anchor"),
    ("&amp; more", "E007", "an anchor"),
    ("[aside] more text", "E003", "the start of a list written in brackets"),
    ("{Note} more", "E003", "the start of a mapping written in braces"),
    ("@home, at last.", "E003", "a reserved character"),
    ("`code` is law.", "E003", "a reserved character"),
    ("% done.", "E003", "a reserved character"),
    ("> tomorrow, then.", "E003", "a block scalar indicator"),
    ("| pipes", "E003", "a block scalar indicator"),
    ("? what now", "E003", "the mark of a mapping key"),
    ("! bang", "E006", "a tag"),
    ("! {a: b}", "E006", "a tag"),
])
def test_prose_opening_with_a_yaml_indicator_says_what_yaml_took_it_for(tmp_path, monkeypatch, opening, code, reads):
    found = check(tmp_path, monkeypatch, HEAD + f"text:\n  - Dark.\n  - {opening}\n")
    message, hint = one(found, code, 5, 5)
    assert message.startswith(f"this paragraph starts with `{opening[0]}`, which YAML reads as {reads}")
    assert "single quotes, doubling any ' inside" in hint and hint.endswith("- " + "'" + opening + "'")
    assert "check the quotes, brackets" not in hint


@pytest.mark.parametrize("scene, where, words, fix", [
    (HEAD.replace("Hall", "*sigh* Hall") + "text: [x]\n", (2, 8), "this `title:` value starts with `*`",
     "title: '*sigh* Hall'"),
    (HEAD + "text: [x]\nchoices:\n  prompt: > tomorrow\n  options:\n    - text: Go.\n", (5, 11),
     "this `prompt:` value starts with `>`", "prompt: '> tomorrow'"),
    (HEAD + "text: [x]\nchoices:\n  options:\n    - text: [aside] the way back\n", (6, 13),
     "this text starts with `[`", "- text: '[aside] the way back'"),
    (HEAD + "text:\n  - \"It's\" [sic] fine\n  - if: warned\n    text: '@home'\n", (4, 5), "opens with a quote", None),
])
def test_titles_prompts_and_options_opening_with_an_indicator(tmp_path, monkeypatch, scene, where, words, fix):
    found = check(tmp_path, monkeypatch, scene)
    message, hint = one(found, "E007" if "`*`" in words else "E003", *where)
    assert words in message
    assert fix is None or hint.endswith(fix)


@pytest.mark.parametrize("tagged, written", [("!bang", "!bang"), ("!!str x", "!!str"), ("!<tag:x> y", "!<tag:x>"),
                                             ("!!python/object:os.system x", "!!python/object:os.system")])
def test_every_tag_form_is_refused_as_written(tmp_path, monkeypatch, tagged, written):
    message, hint = one(check(tmp_path, monkeypatch, HEAD + f"text:\n  - Dark.\n  - {tagged}\n"), "E006", 5, 5)
    assert message == f"YAML tag '{written}' is not allowed"
    assert hint.endswith(f"- '{tagged}'")


def test_brackets_meant_as_a_list_keep_their_own_message(tmp_path, monkeypatch):
    message, _ = one(check(tmp_path, monkeypatch, HEAD + "text: [x, y\nnext: hall\n"), "E003", 3, 7)
    assert message.startswith("this [ is never closed")


# -- list items and keys folded into the text above -------------------------------------


@pytest.mark.parametrize("scene, where, words, fix", [
    (HEAD + "text:\n  - First.\n   - Second.\n", (5, 4),
     "this '- ' line is read as part of the paragraph above (line 4), not as an item of its own",
     "align the dash with the others, at column 3"),
    (HEAD + "text:\n  - First.\n      - Second.\n  - Third.\n", (5, 7), "read as part of the paragraph above (line 4)",
     "at column 3"),
    (HEAD + "text:\n  - if: warned\n    text: Lit.\n     - Unlit.\n", (6, 6), "read as part of the text above (line 5)",
     "align its dash with the other items' dashes"),
])
def test_a_list_item_folded_into_the_text_above_warns(tmp_path, monkeypatch, scene, where, words, fix):
    message, hint = one(check(tmp_path, monkeypatch, scene), "W114", *where)
    assert message.startswith("this '- ' line is") and words in message
    assert fix in hint and "YAML joins a line indented past the '-'" in hint


@pytest.mark.parametrize("scene", [HEAD + "text:\n  - First.\n  - Second.\n",
                                   HEAD + "text:\n  - A long paragraph\n    that goes on -- and on.\n",
                                   HEAD + "text:\n  - >-\n    First.\n    - Second.\n"])
def test_aligned_items_wrapped_prose_and_block_text_do_not_warn(tmp_path, monkeypatch, scene):
    assert not [k for k in check(tmp_path, monkeypatch, scene) if k[0] == "W114"]


def test_a_conditional_item_indented_into_the_paragraph_above(tmp_path, monkeypatch):
    scene = HEAD + "text:\n  - First.\n   - if: warned\n     text: Lit.\n"
    message, hint = one(check(tmp_path, monkeypatch, scene), "E003", 5, 4)
    assert message == ("this `- if:` item is indented to column 4, past the '-' on line 4 (column 3), so YAML reads "
                       "it as more of the paragraph above")
    assert hint == "align the dash with the others, at column 3"


def test_a_key_indented_into_the_paragraph_above_names_its_column_and_key(tmp_path, monkeypatch):
    message, hint = one(check(tmp_path, monkeypatch, HEAD + "text:\n  - Dark.\n   next: hall\n"), "E003", 5, 4)
    assert message == ("`next:` is indented to column 4, past the '-' on line 4 (column 3), so YAML reads it as more "
                       "of the paragraph above")
    assert hint == "move it to column 1 to line it up with `text:` on line 3"


@pytest.mark.parametrize("scene, where, message, fix", [
    (HEAD.replace("title: Hall", "title: #1 Hall") + "text: [x]\n", (2, 8),
     "'title' is empty: YAML reads #1 Hall as a comment", "title: '#1 Hall'"),
    (HEAD + "text:\n  - Dark.\n  - #hashtag\n", (5, 5), "this paragraph is empty: YAML reads #hashtag as a comment",
     "- '#hashtag'"),
])
def test_a_value_that_is_all_comment_says_so(tmp_path, monkeypatch, scene, where, message, fix):
    found = check(tmp_path, monkeypatch, scene)
    said, hint = one(found, "E100", *where)
    assert said == message and hint.endswith(fix)
    assert not [k for k in found if k[0] == "W113"]  # not also "this text stops at ''"
