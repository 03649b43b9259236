"""Tests for engine.report: what authors, terminals and CI tools receive."""

from __future__ import annotations

import json
import re

import pytest

from engine import __version__, report
from engine.codes import BY_CODE
from engine.errors import WARNING, Diagnostic

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

TARGET = Diagnostic("scenes/02-london.yaml", 3, 7, "E102",
                    "option target 'lodnon' not found; did you mean 'london'?",
                    hint="change it to 'london'")
UNUSED = Diagnostic("story.yaml", 7, 3, "W109", "variable 'spare' is never read", severity=WARNING)
MISSING = Diagnostic("story.yaml", 0, 0, "E011", "no story.yaml in 'scenes/'")
SOURCES = {"scenes/02-london.yaml": "id: london\ntitle: London\nnext: lodnon\n"}


def _no_escape_codes(text: str) -> bool:
    return "\x1b" not in text


# -- concise ---------------------------------------------------------------------


def test_concise_exact_lines_sorted_by_file_line_col_code():
    text = report.render([UNUSED, MISSING, TARGET], "concise")
    assert text.splitlines() == [
        "scenes/02-london.yaml:3:7: error[E102] option target 'lodnon' not found; did you mean 'london'?",
        "  hint: change it to 'london'",
        "story.yaml: error[E011] no story.yaml in 'scenes/'",
        "story.yaml:7:3: warning[W109] variable 'spare' is never read",
    ]


def test_concise_line_matches_diagnostic_concise():
    assert report.render([UNUSED], "concise") == UNUSED.concise()


def test_concise_hint_line_only_when_hint_given():
    assert report.render([TARGET], "concise").splitlines()[1] == "  hint: change it to 'london'"
    assert len(report.render([UNUSED], "concise").splitlines()) == 1


def test_multiline_hint_is_aligned():
    d = Diagnostic("a.yaml", 1, 1, "E100", "bad", hint="add these lines:\nnext: london")
    assert report.render([d], "concise").splitlines()[1:] == ["  hint: add these lines:", "        next: london"]


def test_no_escape_codes_without_colour():
    for fmt in report.FORMATS:
        assert _no_escape_codes(report.render([TARGET, UNUSED, MISSING], fmt, sources=SOURCES)), fmt


def test_colour_has_escapes_and_same_text_underneath():
    plain = report.render([TARGET, UNUSED], "concise")
    coloured = report.render([TARGET, UNUSED], "concise", colour=True)
    assert "\x1b[" in coloured
    assert "\x1b[1;31merror[E102]" in coloured
    assert "\x1b[1;33mwarning[W109]" in coloured
    assert "\x1b[36m  hint:" in coloured
    assert ANSI.sub("", coloured) == plain
    full = report.render([TARGET], "full", colour=True, sources=SOURCES)
    assert ANSI.sub("", full) == report.render([TARGET], "full", sources=SOURCES)


def test_empty_renders():
    assert report.render([], "concise") == ""
    assert report.render([], "full") == ""
    assert report.render([], "json") == "[]\n"
    log = json.loads(report.render([], "sarif"))
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_unknown_format_is_misuse():
    with pytest.raises(ValueError):
        report.render([TARGET], "xml")


# -- full -------------------------------------------------------------------------


def _caret_column(lines: list[str], source_index: int) -> int:
    """Index, in the printed source line, of the character above the caret."""
    src, caret = lines[source_index], lines[source_index + 1]
    bar = src.index("| ") + 2
    return caret.index("^") - bar


def test_full_snippet_caret_under_column():
    lines = report.render([TARGET], "full", sources=SOURCES).splitlines()
    assert lines == [
        "scenes/02-london.yaml:3:7: error[E102] option target 'lodnon' not found; did you mean 'london'?",
        "  |",
        "3 | next: lodnon",
        "  |       ^",
        "  = hint: change it to 'london'",
    ]


def test_full_caret_after_multibyte_characters():
    # é is two bytes in UTF-8 but one column; 日本 are one column each to
    # the loader but two terminal cells each.
    src = {"s.yaml": "title: Café 日本 lodnon\n"}
    d = Diagnostic("s.yaml", 1, 16, "E102", "x")
    assert "title: Café 日本 lodnon"[15] == "l"
    lines = report.render([d], "full", sources=src).splitlines()
    assert lines[2] == "1 | title: Café 日本 lodnon"
    # cells before the caret: "title: Café " = 12, 日本 = 4, " " = 1
    assert _caret_column(lines, 2) == 17


def test_full_tabs_expand_and_caret_follows():
    src = {"s.yaml": "\tnext: lodnon\n"}
    lines = report.render([Diagnostic("s.yaml", 1, 8, "E102", "x")], "full", sources=src).splitlines()
    assert "\t" not in "".join(lines)
    assert lines[2] == "1 |     next: lodnon"
    assert _caret_column(lines, 2) == 4 + 6


def test_full_no_snippet_when_position_or_source_unknown():
    assert report.render([MISSING], "full", sources=SOURCES) == "story.yaml: error[E011] no story.yaml in 'scenes/'"
    assert report.render([TARGET], "full").splitlines()[1] == "= hint: change it to 'london'"
    beyond = Diagnostic("scenes/02-london.yaml", 40, 1, "E102", "x")
    assert report.render([beyond], "full", sources=SOURCES) == beyond.concise()


def test_full_col_zero_shows_line_without_caret():
    d = Diagnostic("scenes/02-london.yaml", 2, 0, "E100", "x")
    lines = report.render([d], "full", sources=SOURCES).splitlines()
    assert lines[1:] == ["  |", "2 | title: London"]


def test_full_crlf_and_end_of_file():
    src = {"s.yaml": "id: one\r\ntitle: [One\r\n"}
    lines = report.render([Diagnostic("s.yaml", 2, 8, "E003", "x")], "full", sources=src).splitlines()
    assert lines[2] == "2 | title: [One"
    eof = report.render([Diagnostic("s.yaml", 3, 1, "E003", "x")], "full", sources=src).splitlines()
    assert eof[2:] == ["3 |", "  | ^"]


def test_full_wide_line_is_cut_around_the_column():
    line = "a" * 300 + "X" + "b" * 300
    d = Diagnostic("w.yaml", 1, 301, "E003", "x")
    lines = report.render([d], "full", sources={"w.yaml": line}).splitlines()
    shown = lines[2].split("| ", 1)[1]
    assert len(shown) <= report.SNIPPET_WIDTH
    assert shown.startswith("...") and shown.endswith("...")
    assert shown[_caret_column(lines, 2)] == "X"


def test_full_wide_line_near_end():
    line = "a" * 300 + "X"
    lines = report.render([Diagnostic("w.yaml", 1, 301, "E003", "x")], "full", sources={"w.yaml": line}).splitlines()
    shown = lines[2].split("| ", 1)[1]
    assert len(shown) <= report.SNIPPET_WIDTH and not shown.endswith("...")
    assert shown[_caret_column(lines, 2)] == "X"


def test_several_diagnostics_are_separated_by_blank_lines():
    text = report.render([TARGET, UNUSED], "full", sources=SOURCES)
    assert "\n\nstory.yaml:7:3: warning[W109]" in text
    assert not text.endswith("\n")


# -- control characters --------------------------------------------------------------


def test_control_characters_in_source_are_not_emitted_raw():
    src = {"s.yaml": "id: \x1b]0;pwned\x07one\x9b2J \u202eevil\x00\n"}
    d = Diagnostic("s.yaml", 1, 23, "E003", "special characters are not allowed")
    assert src["s.yaml"][22] == "e"
    for colour in (False, True):
        text = report.render([d], "full", colour=colour, sources=src)
        assert not RAW_CONTROL.search(ANSI.sub("", text)), text
        assert "\\x1b]0;pwned\\x07one\\x9b2J \\u202eevil\\x00" in text
    lines = report.render([d], "full", sources=src).splitlines()
    shown = lines[2].split("| ", 1)[1]
    assert shown[_caret_column(lines, 2):].startswith("evil")


def test_control_characters_in_messages_and_paths_are_not_emitted_raw():
    d = Diagnostic("sc\x1b[2Jenes/a.yaml", 1, 1, "E102", "target 'lo\x1b[31mdnon' not found",
                   hint="rename \u202e'x'")
    for fmt in ("concise", "full"):
        text = report.render([d], fmt)
        assert not RAW_CONTROL.search(text), text
        assert "\\x1b[31m" in text


def test_invalid_surrogates_become_replacement_characters():
    d = Diagnostic("a.yaml", 1, 1, "E001", "bad byte \udce9")
    assert "\ufffd" in report.render([d], "concise")
    report.render([d], "concise").encode("utf-8")  # must not raise


# -- json ----------------------------------------------------------------------------------


def test_json_round_trip():
    text = report.render([UNUSED, TARGET, Diagnostic("a.yaml", 1, 1, "X999", "odd")], "json")
    assert text.endswith("\n")
    data = json.loads(text)
    assert [list(r) for r in data] == [["file", "line", "col", "code", "name", "severity", "message", "hint"]] * 3
    assert data[0] == {"file": "a.yaml", "line": 1, "col": 1, "code": "X999", "name": None,
                       "severity": "error", "message": "odd", "hint": ""}
    assert data[1] == {"file": "scenes/02-london.yaml", "line": 3, "col": 7, "code": "E102",
                       "name": "unknown-target", "severity": "error", "message": TARGET.message,
                       "hint": "change it to 'london'"}
    assert data[2]["severity"] == "warning" and data[2]["name"] == "unused-variable"
    back = [Diagnostic(r["file"], r["line"], r["col"], r["code"], r["message"], r["severity"], r["hint"])
            for r in data[1:]]
    assert back == [TARGET, UNUSED] and [b.hint for b in back] == [TARGET.hint, UNUSED.hint]


def test_json_is_stable():
    assert report.render([TARGET, UNUSED], "json") == report.render([UNUSED, TARGET], "json")


# -- sarif --------------------------------------------------------------------------------


def _sarif(diagnostics):
    return json.loads(report.render(diagnostics, "sarif"))


def test_sarif_log_structure():
    log = _sarif([TARGET, UNUSED, MISSING])
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "vignettes"
    assert driver["version"] == __version__
    for rule in driver["rules"]:
        # what GitHub code scanning reads for each rule
        assert rule["id"] and rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_sarif_rules_and_rule_index_agree():
    log = _sarif([TARGET, UNUSED, MISSING, TARGET])
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) == 3
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    for rule in rules:
        known = BY_CODE[rule["id"]]
        assert rule["name"] == known.name
        assert rule["shortDescription"]["text"] == known.summary
        assert rule["defaultConfiguration"]["level"] == known.severity


def test_sarif_results_level_message_and_region():
    results = _sarif([TARGET, UNUSED, MISSING])["runs"][0]["results"]
    target, missing, unused = results
    assert target["level"] == "error" and unused["level"] == "warning"
    assert target["message"]["text"] == f"{TARGET.message}\nhint: {TARGET.hint}"
    assert unused["message"]["text"] == UNUSED.message
    physical = target["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "scenes/02-london.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3, "startColumn": 7}
    # line 0: the file is named, with no region
    assert missing["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "story.yaml", "uriBaseId": "%SRCROOT%"}}
    for result in results:
        assert result["message"]["text"]
        assert len(result["locations"]) == 1
        assert result["partialFingerprints"]


def test_sarif_uris():
    def uri(path):
        loc = _sarif([Diagnostic(path, 1, 1, "E100", "x")])["runs"][0]["results"][0]["locations"][0]
        return loc["physicalLocation"]["artifactLocation"]

    assert uri("./my story/01 one.yaml") == {"uri": "my%20story/01%20one.yaml", "uriBaseId": "%SRCROOT%"}
    assert uri("/tmp/story/a.yaml") == {"uri": "file:///tmp/story/a.yaml"}


def test_sarif_unknown_code_still_has_a_rule():
    run = _sarif([Diagnostic("a.yaml", 1, 1, "X999", "odd")])["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "X999"
    assert run["results"][0]["ruleIndex"] == 0


def test_sarif_fingerprints_ignore_line_but_separate_repeats():
    moved = Diagnostic(TARGET.file, TARGET.line + 5, TARGET.col, TARGET.code, TARGET.message)
    fp = lambda ds: [r["partialFingerprints"] for r in _sarif(ds)["runs"][0]["results"]]  # noqa: E731
    assert fp([TARGET]) == fp([moved])
    twice = fp([TARGET, moved])
    assert twice[0] != twice[1]


# -- summary --------------------------------------------------------------------------------


@pytest.mark.parametrize("diagnostics, files, expected", [
    ([TARGET, MISSING, UNUSED], 7, "2 errors, 1 warning in 7 files"),
    ([TARGET], 1, "1 error in 1 file"),
    ([UNUSED, UNUSED], 3, "2 warnings in 3 files"),
    ([], 7, "7 files checked, no problems"),
    ([], 1, "1 file checked, no problems"),
])
def test_summary(diagnostics, files, expected):
    assert report.summary(diagnostics, files) == expected


def test_severity_words_are_only_error_or_warning():
    odd = Diagnostic("a.yaml", 1, 1, "E100", "x", severity="fatal")
    assert "error[E100]" in report.render([odd], "concise")
    assert json.loads(report.render([odd], "json"))[0]["severity"] == "error"
