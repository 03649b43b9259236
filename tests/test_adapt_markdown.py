"""`vignettes adapt` on Markdown: lists keep their items, `##`-only headings title the scenes,
front matter is read by the safe loader or refused at its place (E440).

Every adapted folder must validate clean, check clean and play to its end, as an author
would try it straight after adapting.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from engine import cli
from storyfiles import spawn_play
from test_adapt_lists import screen_lines


def run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def adapt_md(tmp_path: Path, text: str, name: str = "story.md") -> tuple[dict, list[tuple[str, list[str]]], str]:
    """Adapt, then validate, check and play the folder as an author would; story.yaml, the scenes
    (title, paragraphs) in order, and adapt's report."""
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    folder = tmp_path / "out"
    code, report, err = run("adapt", source, "-o", folder, "--force")
    assert code == 0, err
    code, out, err = run("validate", folder)
    assert code == 0 and "no problems" in out + err and "warning" not in out + err, out + err
    code, out, err = run("check", folder)
    assert code == 0 and "no problems" in out + err and "warning" not in out + err, out + err
    code, out, err = run("play", folder, "--choices", "")
    assert code == 0 and "The end." in out, out + err
    story = yaml.safe_load((folder / "story.yaml").read_text(encoding="utf-8"))
    scenes = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("[0-9]*.yaml"))]
    return story, [(s["title"], s["text"]) for s in scenes], report


# -- lists ------------------------------------------------------------------------------------

LISTS = """\
# Packing

## Leaving

She made a list:

- passport
- the blue scarf that
  his mother knitted
- his letters

Then she went.

## Staying

Three things she never said:

1. That she was afraid.
2. That she had kept the ring.
3. That she would come back.

* bread
* milk

+ eggs

4) four
5) five

## Sorting

What to keep:

1. Letters
   - the ones from Cardiff
   - the ones with stamps
     * French ones
2. Photographs

   The ones of the sea, mostly.
3. Nothing else
"""


def test_markdown_lists_keep_their_items_and_markers(tmp_path):
    story, scenes, _ = adapt_md(tmp_path, LISTS)
    assert story["title"] == "Packing"
    assert scenes == [
        ("Leaving", ["She made a list:", "• passport", "• the blue scarf that his mother knitted", "• his letters",
                     "Then she went."]),
        ("Staying", ["Three things she never said:", "1. That she was afraid.", "2. That she had kept the ring.",
                     "3. That she would come back.", "• bread", "• milk", "• eggs", "4) four", "5) five"]),
        ("Sorting", ["What to keep:", "1. Letters", "◦ the ones from Cardiff", "◦ the ones with stamps",
                     "▪ French ones", "2. Photographs", "The ones of the sea, mostly.", "3. Nothing else"]),
    ]


def test_numbers_are_kept_as_written(tmp_path):
    _, scenes, _ = adapt_md(tmp_path, "## Count\n\nShe counted down:\n\n10. ten\n9. nine\n\n7. seven\n")
    assert scenes == [("Count", ["She counted down:", "10. ten", "9. nine", "7. seven"])]


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_the_items_show_one_under_another_in_the_player(tmp_path, enter):
    adapt_md(tmp_path, LISTS)
    child = spawn_play(tmp_path / "out", tmp_path / "data")
    child.expect("Begin the story")
    child.send(enter)
    child.expect("Then she went.")
    lines = screen_lines(child.before)
    assert lines.index("• passport") < lines.index("• the blue scarf that his mother knitted") < \
        lines.index("• his letters")
    for last in ("5) five", "3. Nothing else"):
        child.send(enter)
        child.expect_exact(last)
    lines = screen_lines(child.before)
    assert lines[lines.index("1. Letters"):] == ["1. Letters", "◦ the ones from Cardiff", "◦ the ones with stamps",
                                                 "▪ French ones", "2. Photographs", "The ones of the sea, mostly."]
    child.expect("The end.")
    child.send(enter)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "Traceback" not in child.before


# -- headings at one level below `#` --------------------------------------------------------------

FRONT = "---\ntitle: The Sea\nauthor: Ana Reyes\n---\n\n"


@pytest.mark.parametrize("heading", ["## A", "### A", "A\n---"])
def test_with_front_matter_a_single_heading_titles_its_scene(tmp_path, heading):
    story, scenes, report = adapt_md(tmp_path, FRONT + f"{heading}\n\nThe tide came in.\n")
    assert (story["title"], story["author"]) == ("The Sea", "Ana Reyes")
    assert scenes == [("A", ["The tide came in."])]
    assert "no heading" not in report and "left out" not in report


def test_a_lone_heading_without_front_matter_titles_its_scene(tmp_path):
    story, scenes, report = adapt_md(tmp_path, "## The Wall\n\nShe walked the wall at dawn.\n", "low-water.md")
    assert scenes == [("The Wall", ["She walked the wall at dawn."])]
    assert story["title"] == "low water" and "the title is the file's name" in report


def test_a_title_heading_the_front_matter_overrides_is_reported_as_left_out(tmp_path):
    story, scenes, report = adapt_md(tmp_path, FRONT + "# Draft Title\n\n## A\n\nOne.\n\n## B\n\nTwo.\n")
    assert story["title"] == "The Sea" and [t for t, _ in scenes] == ["A", "B"]
    left_out = report.split("left out:", 1)[1]
    assert "“Draft Title”" in left_out


# -- front matter -------------------------------------------------------------------------------


def test_front_matter_fields_go_to_story_yaml_and_the_rest_is_reported(tmp_path):
    text = ("---\ntitle: \"Tides: A Story\"\nauthor:\n  - Ana Reyes\n  - Ben Hale\ndescription: >\n  The sea\n"
            "  comes in.\ncontent-warnings: [grief, drowning]\nlayout: post\ndate: 2024-05-01\n---\n\n"
            "## Low Water\n\nShe walked the wall.\n")
    story, scenes, report = adapt_md(tmp_path, text)
    assert (story["title"], story["author"], story["summary"]) == ("Tides: A Story", "Ana Reyes, Ben Hale",
                                                                   "The sea comes in.")
    assert story["content_notes"] == ["grief", "drowning"]
    assert scenes == [("Low Water", ["She walked the wall."])]
    assert "front matter fields not used: layout, date" in report.split("left out:", 1)[1]


@pytest.mark.parametrize("front, line, col, says", [
    ("title: [broken\nauthor: Ana\n", 2, 8, "not valid YAML"),
    ("title: 'broken\n", 2, 8, "not valid YAML"),
    ("title: The Sea\ntitle: The Sky\n", 3, 1, "duplicate key 'title'"),
    ("title: The Sea\n\tauthor: Ana\n", 3, 1, "tab"),
    ("title: &t The Sea\nauthor: *t\n", 2, 8, "anchor"),
    ("title: !!python/object/apply:os.system [echo hi]\n", 2, 8, "tag"),
    ("- title: The Sea\n- author: Ana\n", 2, 1, "a list, not `key: value` lines"),
    ("title: 1984\n", 2, 8, "`title` is a number, not text"),
    ("title: [The, Sea]\n", 2, 8, "`title` is a list, not text"),
    ("author: {name: Ana}\n", 2, 9, "`author` is a mapping, not text"),
    ("title: The Sea\nauthor: true\n", 3, 9, "`author` is true/false, not text"),
    ("title: The Sea\nauthor: yes\n", 3, 9, 'in quotes where YAML would read it otherwise: author: "yes"'),
    ("title: 2001-01-01\n", 2, 8, "`title` is a date, not text"),
])
def test_broken_front_matter_is_refused_at_its_place(tmp_path, front, line, col, says):
    source = tmp_path / "story.md"
    source.write_text(f"---\n{front}---\n\n## A\n\nThe tide came in.\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "engine", "adapt", str(source), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"{source}:{line}:{col}: error[E440] ") and says in proc.stderr, proc.stderr
    assert "hint:" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_quoted_front_matter_that_looks_broken_is_read_as_written(tmp_path):
    story, _, _ = adapt_md(tmp_path, "---\ntitle: \"[broken \\\"sea\\\"]\"\nauthor: '1984'\n---\n\n## A\n\nThe tide.\n")
    assert (story["title"], story["author"]) == ('[broken "sea"]', "1984")
