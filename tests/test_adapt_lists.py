"""`vignettes adapt` on plain text with lists: each item stays an item, as the author set it out.

A scene's paragraphs are its only line breaks (the player folds the lines
inside a paragraph), so a list's items become a paragraph each, with their
markers, and never run together into one paragraph.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pexpect
import pytest
import yaml

from engine import cli, validate
from storyfiles import spawn_play


PACKING = """\
The Packing
by Ana Reyes

Leaving

She made a list before she left:
- passport
- the blue scarf that
  his mother knitted
- his letters
Then she went.

* * *

Staying

Three things she never said:

1. That she was afraid.
2. That she had kept the ring.
3) That she would come back.

* bread
* milk
+ eggs

- Where are you going? - he asked.
- Home. - she said.
"""

PACKING_SCENES = [
    ("Leaving", ["She made a list before she left:", "- passport", "- the blue scarf that his mother knitted",
                 "- his letters", "Then she went."]),
    ("Staying", ["Three things she never said:", "1. That she was afraid.", "2. That she had kept the ring.",
                 "3) That she would come back.", "• bread", "• milk", "• eggs",
                 "- Where are you going? - he asked.", "- Home. - she said."]),
]


def screen_lines(output: str) -> list[str]:
    """The lines the player wrote, without its colours and cursor moves."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output).replace("\r", "")
    return [line.strip() for line in plain.split("\n") if line.strip()]


def adapt(tmp_path: Path, text: str, name: str = "story.txt") -> list[tuple[str, list[str]]]:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["adapt", str(source), "-o", str(tmp_path / "out"), "--force"], out, err) == 0, err.getvalue()
    assert [d.concise() for d in validate.validate([tmp_path / "out"]).diagnostics] == []
    scenes = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "out").glob("[0-9]*.yaml"))]
    return [(s["title"], s["text"]) for s in scenes]


def test_lists_tight_wrapped_numbered_and_loose_keep_their_items(tmp_path):
    assert adapt(tmp_path, PACKING) == PACKING_SCENES


def test_a_text_with_a_paragraph_a_line_keeps_its_lists_too(tmp_path):
    text = ("Lists\n\nShe counted what was left.\nThere was not much:\n1. a kettle\n2. two cups\n"
            "She laughed at that.\n\n* * *\n\nHe came home.\nHe brought bread.\n")
    assert adapt(tmp_path, text) == [
        ("Part 1", ["She counted what was left.", "There was not much:", "1. a kettle", "2. two cups",
                    "She laughed at that."]),
        ("Part 2", ["He came home.", "He brought bread."])]


def test_what_only_looks_like_a_list_stays_prose(tmp_path):
    """One dash line inside a paragraph, a sentence opening with `I.`, a year: no list."""
    text = ("Not Lists\n\nShe wrote it down\n- and crossed it out again\nbefore he saw.\n\n"
            "The letter began: I. Jones, Esq. Then nothing.\n\n1984 was the year the mine shut.\n")
    assert adapt(tmp_path, text) == [("Part 1", ["She wrote it down - and crossed it out again before he saw.",
                                                 "The letter began: I. Jones, Esq. Then nothing.",
                                                 "1984 was the year the mine shut."])]


def test_a_list_of_content_warnings_is_still_metadata(tmp_path):
    text = "The Glass\n\nContent warnings:\n- grief\n- a death\n\nOne\n\nShe went.\n\n* * *\n\nTwo\n\nBack.\n"
    source = tmp_path / "g.txt"
    source.write_text(text, encoding="utf-8")
    assert cli.main(["adapt", str(source), "-o", str(tmp_path / "out")], io.StringIO(), io.StringIO()) == 0
    story = yaml.safe_load((tmp_path / "out" / "story.yaml").read_text(encoding="utf-8"))
    assert story["content_notes"] == ["grief", "a death"]


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_the_items_show_one_under_another_in_the_player(tmp_path, enter):
    adapt(tmp_path, PACKING)
    child = spawn_play(tmp_path / "out", tmp_path / "data")
    child.expect("Begin the story")
    child.send(enter)
    child.expect("Then she went.")
    lines = screen_lines(child.before)
    assert lines.index("- passport") < lines.index("- the blue scarf that his mother knitted") < \
        lines.index("- his letters")
    child.expect("q quit")
    child.send(enter)
    child.expect("The end.")
    lines = screen_lines(child.before)
    assert ["1. That she was afraid.", "2. That she had kept the ring.", "3) That she would come back.",
            "• bread", "• milk", "• eggs"] == [line for line in lines if line[:2] in ("1.", "2.", "3)", "• ")]
    child.expect("any key")
    child.send(enter)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "Traceback" not in child.before
