"""`vignettes explain`: every code explained from the catalogue, unknown codes a usage error."""

import io
import re
from pathlib import Path

import pytest

from engine import cli, codes, explain

README = Path(__file__).resolve().parent.parent / "README.md"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("code", codes.CATALOGUE, ids=lambda c: c.code)
def test_every_code_is_explained_with_meaning_example_report_and_fix(code):
    assert code.meaning and code.fix, f"{code.code} needs `meaning` and `fix` text in engine/codes.py"
    status, out, _ = run("explain", code.code)
    assert status == 0
    assert out.startswith(f"{code.code} {code.name} ")
    flat = " ".join(out.split())
    assert " ".join(code.meaning.split()) in flat
    assert " ".join(f"Fix: {code.fix}".split()) in flat
    assert f"Example, {code.where[0] if code.where[0] in code.example else next(iter(code.example))}:" in out
    # the example's diagnostic, produced by the real checker at the catalogue's place
    file, line, col = code.where
    place = f"{file}:{line}:{col}:" if line else f"{file}:"  # a whole-file diagnostic shows no place
    assert f"{place} {'warning' if code.severity == 'warning' else 'error'}[{code.code}]" in out


def test_every_code_in_the_readme_table_is_explained():
    table = re.findall(r"^\| ([EW]\d{3}) \|", README.read_text(encoding="utf-8"), re.M)
    assert set(table) == set(codes.BY_CODE), "README's code table and the catalogue differ"
    for code in table:
        assert run("explain", code)[0] == 0


def test_names_and_lower_case_are_accepted():
    assert run("explain", "unknown-target")[1] == run("explain", "e102")[1] == run("explain", "E102")[1]


@pytest.mark.parametrize("query, nearest", [("E10", "E100"), ("E1022", "E102"), ("unknown-targt", "E102"), ("W1033", "W103")])
def test_unknown_code_is_usage_error_with_nearest(query, nearest):
    status, out, err = run("explain", query)
    assert status == 2 and out == ""
    assert f"unknown code '{query}'; did you mean {nearest}?" in err


def test_unknown_code_with_nothing_near_still_exit_2():
    status, _, err = run("explain", "zzzzzzzz")
    assert status == 2 and "unknown code 'zzzzzzzz'" in err and "Traceback" not in err


def test_no_code_lists_every_code():
    status, out, _ = run("explain")
    assert status == 0
    for c in codes.CATALOGUE:
        assert re.search(rf"^{c.code}\s+{c.name}\s+{re.escape(c.summary)}$", out, re.M)


def test_long_examples_are_cut():
    out = explain.render(codes.BY_CODE["E002"])
    assert max(len(line) for line in out.splitlines()) < 100


def test_sarif_rules_carry_the_same_text(tmp_path, monkeypatch):
    import json

    from storyfiles import write_story

    write_story(tmp_path, codes.BY_CODE["E102"].example)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run("validate", "--format", "sarif", ".")
    [rule] = [r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "E102"]
    known = codes.BY_CODE["E102"]
    assert rule["fullDescription"]["text"] == known.meaning
    assert known.fix in rule["help"]["text"] and "vignettes explain E102" in rule["help"]["text"]
