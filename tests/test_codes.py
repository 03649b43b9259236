"""Every code in the catalogue has an example that produces it at its place."""

import io
import json
import os

import pytest

from engine import cli, codes, validate
from storyfiles import write_story


@pytest.mark.parametrize("code", codes.CATALOGUE, ids=lambda c: f"{c.code}-{c.name}")
def test_example_reports_its_code_at_its_place(code, tmp_path, monkeypatch):
    write_story(tmp_path, code.example)
    monkeypatch.chdir(tmp_path)
    if code.command == ("validate",):
        saves = "saves" if any(name.startswith("saves/") for name in code.example) else None
        diagnostics = [(d.file, d.line, d.col, d.code, d.severity)
                       for d in validate.validate(["."], saves=saves).diagnostics]
    else:  # reported by another command: run it as a user would, and read its JSON
        out = io.StringIO()
        argv = code.command if code.command[0] == "adapt" else (*code.command, ".")  # adapt's name their files
        cli.main([*argv, "--format", "json"], out, io.StringIO())
        diagnostics = [(d["file"], d["line"], d["col"], d["code"], d["severity"])
                       for d in json.loads(out.getvalue())["diagnostics"]]
    assert code.where + (code.code,) in [d[:4] for d in diagnostics]
    assert all(severity == codes.severity(c) for *_, c, severity in diagnostics)


def test_codes_are_unique_and_well_formed():
    seen = set()
    for c in codes.CATALOGUE:
        assert c.code not in seen
        seen.add(c.code)
        assert c.code[0] == ("E" if c.severity == "error" else "W")
        assert c.code[1:].isdigit() and len(c.code) == 4
        assert c.name == c.name.lower() and " " not in c.name


def test_every_code_the_engine_emits_is_catalogued():
    """Scan the sources for code literals so none escapes the catalogue."""
    import re

    root = os.path.join(os.path.dirname(__file__), "..", "engine")
    used = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py") and name != "codes.py":
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    used |= set(re.findall(r'"([EW]\d{3})"', f.read()))
    assert used <= set(codes.BY_CODE), used - set(codes.BY_CODE)
