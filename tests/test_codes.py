"""Every code in the catalogue has an example that produces it at its place."""

import os

import pytest

from engine import codes, validate
from storyfiles import write_story


@pytest.mark.parametrize("code", codes.CATALOGUE, ids=lambda c: f"{c.code}-{c.name}")
def test_example_reports_its_code_at_its_place(code, tmp_path, monkeypatch):
    write_story(tmp_path, code.example)
    monkeypatch.chdir(tmp_path)
    saves = "saves" if any(name.startswith("saves/") for name in code.example) else None
    result = validate.validate(["."], saves=saves)
    found = [(d.file, d.line, d.col, d.code) for d in result.diagnostics]
    assert code.where + (code.code,) in found
    assert all(d.severity == codes.severity(d.code) for d in result.diagnostics)


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
