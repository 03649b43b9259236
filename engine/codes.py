"""The catalogue of diagnostic codes.

Codes are stable: tools and CI filters key on them. Every entry carries an
example story (file name -> text) and the place its diagnostic must point
at; a parametrised test runs each one, so the catalogue cannot drift from
the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from engine.errors import ERROR, WARNING

_STORY = """\
id: tiny
title: Tiny
start: one
variables:
  held_on: 0
  told: false
"""
_ONE = """\
id: one
title: One
text:
  - if: held_on > 0 or told
    text: Hello.
  - Goodbye.
"""


def _story(scenes: str = _ONE, story: str = _STORY, **more: str) -> dict[str, str]:
    files = {"story.yaml": story, "01-one.yaml": scenes}
    files.update({name.replace("_", "-") + ".yaml": text for name, text in more.items()})
    return files


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    summary: str
    severity: str
    example: Mapping[str, str | bytes] = field(repr=False)
    where: tuple[str, int, int] = (("", 0, 0))


CATALOGUE: tuple[Code, ...] = (
    # -- reading files -------------------------------------------------------
    Code("E001", "unreadable-file", "a file cannot be read or is not UTF-8 text", ERROR,
         {**_story(), "01-one.yaml": b"id: one\ntitle: Caf\xe9\ntext: [x]\n"}, ("01-one.yaml", 2, 11)),
    Code("E002", "file-too-large", "a file is larger than the limit", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - '" + "x" * (1024 * 1024) + "'\n"), ("01-one.yaml", 1, 1)),
    Code("E003", "yaml-syntax", "the file is not well-formed YAML", ERROR,
         _story("id: one\ntitle: [One\ntext: [x]\n"), ("01-one.yaml", 3, 5)),
    Code("E004", "yaml-limits", "the file nests too deep or holds too many values", ERROR,
         _story("id: one\ntitle: One\ntext: " + "[" * 200 + "]" * 200 + "\n"), ("01-one.yaml", 3, 38)),
    Code("E005", "duplicate-key", "a key appears twice in one mapping", ERROR,
         _story("id: one\ntitle: One\ntitle: Two\ntext: [x]\n"), ("01-one.yaml", 3, 1)),
    Code("E006", "yaml-tag", "a YAML tag such as !!python/object", ERROR,
         _story("id: one\ntitle: !!python/object:os.system One\ntext: [x]\n"), ("01-one.yaml", 2, 8)),
    Code("E007", "yaml-alias", "a YAML anchor or alias", ERROR,
         _story("id: one\ntitle: &t One\ntext: [*t]\n"), ("01-one.yaml", 2, 8)),
    Code("E008", "yaml-tab", "a tab used for indentation", ERROR,
         _story("id: one\ntitle: One\ntext:\n\t- x\n"), ("01-one.yaml", 4, 1)),
    Code("E009", "ambiguous-id", "an id that YAML reads as a boolean, number or date", ERROR,
         _story(_ONE + "next: no\n", _STORY, no="id: 'no'\ntitle: No\ntext: [x]\n"), ("01-one.yaml", 7, 7)),
    Code("E010", "not-one-document", "a file that is empty or holds several YAML documents", ERROR,
         _story("id: one\ntitle: One\ntext: [x]\n---\nid: two\n"), ("01-one.yaml", 4, 1)),
    Code("E011", "no-manifest", "a story folder without story.yaml", ERROR,
         {"01-one.yaml": _ONE}, ("story.yaml", 0, 0)),
    # -- schema --------------------------------------------------------------
    Code("E100", "schema", "a file does not follow the schema (unknown key, wrong type, missing key)", ERROR,
         _story("id: one\ntitle: One\ntext: [x]\nnxet: one\n"), ("01-one.yaml", 4, 1)),
    # -- story structure -----------------------------------------------------
    Code("E101", "duplicate-scene", "two scenes share one id", ERROR,
         _story(_ONE, _STORY, two=_ONE), ("two.yaml", 1, 5)),
    Code("E102", "unknown-target", "start, next or goto names no scene", ERROR,
         _story(_ONE + "next: tow\n", _STORY, two="id: two\ntitle: Two\ntext: [x]\n"), ("01-one.yaml", 7, 7)),
    Code("W103", "unreachable-scene", "a scene that no path from the start reaches", WARNING,
         _story(_ONE, _STORY, two="id: two\ntitle: Two\ntext: [x]\n"), ("two.yaml", 1, 5)),
    Code("E104", "dead-end", "a way out of a scene that leads nowhere, in a scene that is not an ending", ERROR,
         _story(_ONE + "choices:\n  prompt: Go?\n  optional: true\n  options:\n    - text: Yes.\n      goto: one\n"),
         ("01-one.yaml", 7, 1)),
    Code("E105", "no-ending", "no ending can be reached from the start", ERROR,
         _story(_ONE + "next: one\n"), ("story.yaml", 3, 8)),
    Code("E106", "unknown-variable", "a condition or effect names an undeclared variable", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: hold_on > 0 or told\n    text: Hi.\n"), ("01-one.yaml", 4, 9)),
    Code("E107", "type-mismatch", "a value or condition of the wrong type", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: told > 1 or held_on > 0\n    text: Hi.\n"), ("01-one.yaml", 4, 14)),
    Code("E108", "condition-syntax", "a condition that does not parse", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on >> 1 or told\n    text: Hi.\n"), ("01-one.yaml", 4, 18)),
    Code("W109", "unused-variable", "a declared variable that no condition reads", WARNING,
         _story(story=_STORY + "  spare: 1\n"), ("story.yaml", 7, 3)),
    Code("W110", "never-true", "a condition that no values of its variables can make true", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on > 2 and held_on < 1 or told and not told\n    text: Hi.\n"),
         ("01-one.yaml", 4, 9)),
    Code("E111", "unknown-seen-scene", "seen() names no scene", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: seen(lodnon) or told or held_on > 0\n    text: Hi.\n"),
         ("01-one.yaml", 4, 9)),
)

BY_CODE: Mapping[str, Code] = {c.code: c for c in CATALOGUE}
BY_NAME: Mapping[str, Code] = {c.name: c for c in CATALOGUE}


def severity(code: str) -> str:
    return BY_CODE[code].severity
