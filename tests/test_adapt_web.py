"""`vignettes adapt` on what people save from the web: Twine stories (published HTML, Twine 1,
a Twine archive, Twee) and a work's page saved from the archive in a browser (.html, SingleFile, .mhtml).

The fixtures were written here by hand in each tool's published layout; the
expectations are what an author would check: the scenes and their options,
the metadata, nothing taken from the site around the story, the drafts
validating clean, and the places warnings point at found in the raw file.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pexpect
import pytest
import yaml

from engine import cli, validate
from storyfiles import spawn_play

TWINE = Path(__file__).parent / "fixtures" / "adapt" / "twine"
SAVED = Path(__file__).parent / "fixtures" / "adapt" / "saved"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def adapted(source: Path, folder: Path, *more) -> tuple[dict, dict, list[dict]]:
    """Adapt with --format json; the drafts must validate clean. Returns (report, story.yaml, scenes in order)."""
    code, out, err = run("adapt", source, "-o", folder, "--format", "json", *more)
    assert code == 0, out + err
    assert [d.concise() for d in validate.validate([folder]).diagnostics] == []
    story = yaml.safe_load((folder / "story.yaml").read_text(encoding="utf-8"))
    scenes = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("[0-9]*.yaml"))]
    return json.loads(out), story, scenes


def where(path: Path, needle: str) -> tuple[int, int]:
    """The line and column at which `needle` stands in the raw file."""
    raw = path.read_text(encoding="utf-8")
    index = raw.index(needle)
    return raw.count("\n", 0, index) + 1, index - (raw.rfind("\n", 0, index) + 1) + 1


def branches(scenes: list[dict]) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    return [(s["title"], s["text"], [(o["text"], o["goto"]) for o in s.get("choices", {}).get("options", [])])
            for s in scenes]


# -- Twine --------------------------------------------------------------------------------------


def test_a_published_twine_story_becomes_a_scene_per_passage_with_its_links_as_options(tmp_path):
    source = TWINE / "lighthouse.html"
    report, story, scenes = adapted(source, tmp_path / "out")
    assert (story["title"], story["start"], report["form"]) == ("The Lighthouse", "start", "twine")
    assert "author" not in story  # Twine records the program that made the file, never the author
    assert branches(scenes) == [
        ("Start", ["You wake in the lighthouse. The lamp is dark & the sea is loud.",
                   'Someone has left a note: "Don\'t climb."'],
         [("Climb the stairs", "lamp-room"), ("Go back to sleep", "sleep")]),
        ("Lamp Room", ["The lamp room is cold. You could light the lamp or leave it dark.", "(set: $climbed to true)"],
         [("light the lamp", "light"), ("leave it dark", "dark")]),
        ("Sleep", ["You sleep. Ships pass in the dark, and none of them see you."], []),
        ("Light", ["The light turns. Far out, a ship turns with it."], []),
        ("Dark", ["Dark"], [("Start", "start")]),
    ]
    assert all("next" not in s for s in scenes)  # passages follow their links, not the file's order
    found = [(d["code"], d["line"], d["col"]) for d in report["diagnostics"]]
    assert found == [("W423", *where(source, "(set: $climbed")),
                     ("W422", *where(source, "[[Look for the keeper")),
                     ("W426", *where(source, '<tw-passagedata pid="6"'))]
    assert any("no text in the passage 'Dark'" in item for item in report["left_out"])


def test_a_link_after_character_references_is_pointed_at_in_the_raw_file(tmp_path):
    """Columns count the source's characters: `&quot;` is six of them, though it shows as one."""
    source = tmp_path / "refs.html"
    source.write_text('<tw-storydata name="R" startnode="1"><tw-passagedata pid="1" name="A">&quot;Go,&quot; '
                      'she said &amp; went. [[On-&gt;Nowhere]] [[End]]</tw-passagedata><tw-passagedata pid="2" '
                      'name="End">Done.</tw-passagedata></tw-storydata>\n', encoding="utf-8")
    report, _, scenes = adapted(source, tmp_path / "out")
    assert [(d["code"], d["line"], d["col"]) for d in report["diagnostics"]] == [("W422", *where(source, "[[On-"))]
    assert scenes[0]["text"] == ['"Go," she said & went. On End']


@pytest.mark.parametrize("name,author", [("lighthouse.twee", ""), ("lighthouse-twine1.html", "Mara Quill")])
def test_twee_and_twine_1_give_the_same_branches(tmp_path, name, author):
    report, story, scenes = adapted(TWINE / name, tmp_path / "out")
    assert story["title"] == "The Lighthouse" and story.get("author", "") == author
    titles = [s["title"] for s in scenes]
    ids = {s["title"]: s["id"] for s in scenes}
    assert titles[0] == story["start"].title().replace("-", " ") or scenes[0]["id"] == story["start"]
    assert set(titles) == {titles[0], "Lamp Room", "Sleep", "Light"}
    first = branches(scenes)[0]
    assert first[2] == [("Climb the stairs", ids["Lamp Room"]), ("Sleep", ids["Sleep"])]
    assert [s for s in scenes if s["title"] == "Light"][0]["text"] == ["The light turns." +
                                                                       (" Far out, a ship turns with it." if name.endswith("twee") else "")]
    assert report["diagnostics"] == []


def test_twee_reads_its_start_from_storydata_and_keeps_lines_apart(tmp_path):
    _, story, scenes = adapted(TWINE / "lighthouse.twee", tmp_path / "out")
    assert story["start"] == "wake"
    assert branches(scenes)[0] == ("Wake", ["You wake in the lighthouse.", "The lamp is dark, and the sea is loud."],
                                   [("Climb the stairs", "lamp-room"), ("Sleep", "sleep")])
    assert branches(scenes)[1] == ("Lamp Room", ["The lamp room is cold. You could light the lamp, or go back down."],
                                   [("light the lamp", "light"), ("go back down", "wake")])


def test_twee_2_headers_with_positions_and_escaped_names(tmp_path):
    source = tmp_path / "old.tw2"
    source.write_text(":: StoryTitle\nOld Style\n\n:: Start [intro] <120,40>\nBegin.\n[[The [odd] room]]\n\n"
                      ":: The \\[odd\\] room <300,40>\nEnd.\n", encoding="utf-8")
    _, story, scenes = adapted(source, tmp_path / "out")
    assert story["title"] == "Old Style"
    assert branches(scenes) == [("Start", ["Begin."], [("The [odd] room", "the-odd-room")]),
                                ("The [odd] room", ["End."], [])]


def test_a_plain_text_that_opens_with_colons_is_not_taken_for_twee(tmp_path):
    source = tmp_path / "harbour.txt"
    source.write_text(":: The Harbour ::\n\nThe sea came in.\n\n* * *\n\nIt went out.\n", encoding="utf-8")
    report, story, scenes = adapted(source, tmp_path / "out")
    assert report["form"] == "text" and len(scenes) == 2 and scenes[1]["text"] == ["It went out."]


def test_twine_1_decodes_its_escapes_once(tmp_path):
    _, _, scenes = adapted(TWINE / "lighthouse-twine1.html", tmp_path / "out")
    assert scenes[0]["text"] == ["You wake in the lighthouse.", "The lamp is dark & the sea is loud."]
    assert scenes[1]["text"] == ["The lamp room is cold. A sign: NORTH \\ SOUTH."]


def test_a_twine_archive_asks_which_story_and_adapts_the_one_named(tmp_path):
    source = TWINE / "library.html"
    code, _, err = run("adapt", source, "-o", tmp_path / "out")
    assert code == 1 and err.startswith(f"{source}:6:1: error[E424] this Twine archive holds 2 stories: 'Tides', 'Gulls'")
    assert "--story NAME" in err and not (tmp_path / "out").exists()
    code, _, err = run("adapt", source, "-o", tmp_path / "out", "--story", "tides")
    assert code == 1 and "error[E424] no story named 'tides'" in err and "did you mean --story 'Tides'?" in err
    report, story, scenes = adapted(source, tmp_path / "out", "--story", "Tides")
    assert story["title"] == "Tides" and story["start"] == "low-water"
    assert branches(scenes) == [
        ("Low Water", ["The tide is out. Mara walks the wet sand to the wreck.", "<<if $wet>>Her boots are soaked.<</if>>"],
         [("Climb aboard", "the-wreck"), ("Go home", "home")]),
        ("The Wreck", ["The deck tilts. Under it, the sea is already talking."], [("Jump down", "home")]),
        ("Home", ["She lights the stove and does not look at the window."], []),
    ]
    assert [d["code"] for d in report["diagnostics"]] == ["W423"]  # <<if>>; StoryInit is the format's, left out
    assert any("StoryInit" in item for item in report["left_out"])
    _, story, scenes = adapted(source, tmp_path / "gulls", "--story", "Gulls")
    assert story["title"] == "Gulls" and [s["text"] for s in scenes] == [["The gulls wheel over the cliff."]]


TWEE = ":: StoryData\n{\"start\": \"A\"}\n:: A\nOne.\n[[On->B]]\n\n:: B\nTwo.\n"


@pytest.mark.parametrize("text,code,line", [
    (TWEE + ":: B\nAgain.\n", "E420", 9),
    (TWEE + ":: \nNo name.\n", "E421", 9),
    (TWEE.replace("Two.", "Two.\n[[Back->A]]"), "E428", 3),
    (TWEE.replace("[[On->B]]", "".join(f"[[Way {n}->B]]\n" for n in range(21))), "E427", 3),
])
def test_twine_stories_that_cannot_be_drafted_are_refused_at_the_passage(tmp_path, text, code, line):
    source = tmp_path / "s.twee"
    source.write_text(text, encoding="utf-8")
    status, out, err = run("adapt", source, "-o", tmp_path / "out")
    assert status == 1 and err.startswith(f"{source}:{line}:1: error[{code}] "), err
    assert "\n  hint: " in err and "Traceback" not in err and not (tmp_path / "out").exists()


def test_duplicate_names_name_the_first_and_every_problem_is_listed(tmp_path):
    source = tmp_path / "s.twee"
    source.write_text(TWEE + ":: B\nAgain.\n:: A\nAnd again.\n::\nNameless.\n", encoding="utf-8")
    status, _, err = run("adapt", source, "-o", tmp_path / "out")
    lines = [line for line in err.splitlines() if "error[" in line]
    assert status == 1 and len(lines) == 3
    assert "error[E420] a second passage named 'B' (the first is at line 7)" in lines[0]
    assert "error[E420] a second passage named 'A' (the first is at line 3)" in lines[1]
    assert f"{source}:13:1: error[E421]" in lines[2]


@pytest.mark.parametrize("text,start", [
    (TWEE.replace('"start": "A"', '"start": "Z"'), "a"),
    (TWEE.replace('{"start": "A"}', '{"start": "A",}'), "a"),  # not JSON: the first passage
    (TWEE.replace(":: A\n", ":: Start\n").replace('{"start": "A"}', "{}"), "start"),
])
def test_a_missing_start_falls_back_with_a_warning(tmp_path, text, start):
    source = tmp_path / "s.twee"
    source.write_text(text, encoding="utf-8")
    report, story, _ = adapted(source, tmp_path / "out")
    assert story["start"] == start
    assert [d["code"] for d in report["diagnostics"]] == (["W425"] if "Start" not in text else [])


def test_empty_and_web_links_give_no_option(tmp_path):
    source = tmp_path / "e.html"
    source.write_text('<tw-storydata name="E" startnode="1"><tw-passagedata pid="1" name="A">See [[the map|'
                      'https://example.org/map]]. [[]]</tw-passagedata></tw-storydata>', encoding="utf-8")
    report, _, scenes = adapted(source, tmp_path / "out")
    assert branches(scenes) == [("A", ["See the map."], [])]
    assert [(d["code"], d["message"]) for d in report["diagnostics"]] == \
        [("W422", "an empty link in 'A'; the option is left out")]


def test_warnings_are_shown_after_the_report_and_exit_0(tmp_path):
    code, out, err = run("adapt", TWINE / "lighthouse.html", "-o", tmp_path / "out")
    assert code == 0 and "a Twine story (HTML), 5 passages" in out and "Lamp Room (2 paragraphs, 2 options)" in out
    assert "Sleep (1 paragraph, an ending)" in out
    assert re.search(r"lighthouse\.html:\d+:\d+: warning\[W422\] the link “Look for the keeper” in 'Lamp Room' "
                     r"leads to 'Keeper'", err)


def test_strict_makes_warnings_fail_and_writes_nothing(tmp_path):
    code, out, err = run("adapt", TWINE / "lighthouse.html", "-o", tmp_path / "out", "--strict")
    assert code == 1 and out == "" and not (tmp_path / "out").exists()
    assert [line.split("]")[0].rsplit("[", 1)[1] for line in err.splitlines() if "warning[" in line] == \
        ["W423", "W422", "W426"]
    code, _, _ = run("adapt", TWINE / "lighthouse.twee", "-o", tmp_path / "clean", "--strict")
    assert code == 0 and (tmp_path / "clean" / "story.yaml").is_file()


@pytest.mark.parametrize("enter", ["\r", "\n"])
def test_an_adapted_twine_story_plays_its_branches_in_a_terminal(tmp_path, enter):
    adapted(TWINE / "lighthouse.html", tmp_path / "out")
    child = spawn_play(tmp_path / "out", tmp_path / "data")
    child.expect("Begin the story")
    child.send(enter)
    child.expect("Climb the stairs")
    child.expect("q quit")
    child.send(enter)  # a choice that cannot be skipped: Enter alone picks nothing
    child.expect("pick")
    child.send("1")
    child.expect("The lamp room is cold")
    child.expect("q quit")
    child.send("1")
    child.expect("The light turns")
    child.expect("The end.")
    child.expect("any key")
    child.send(enter)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "Traceback" not in child.before


# -- a work's page saved from the archive ----------------------------------------------------------


ORCHARD = [
    ("The First Frost", ["The frost came in the first week of March, and by morning every blossom on the west rows "
                         "had gone brown as tea.", "“We’ll lose the Bramleys,” her father said. He said it to the "
                         "window, not to her.", "Nell\u00a0walked the rows anyway & counted the buds that were left: eleven."]),
    ("The Second Frost", ["The second year it came in April, after the bees.",
                          "Smoke pots, she thought, too late. She lit them anyway."]),
    ("The Spring That Stayed", ["The fourth spring, there was no frost at all.",
                                "Nell stood under the Bramleys and did not count anything."]),
]


def test_a_saved_work_page_gives_the_work_and_nothing_of_the_site(tmp_path):
    report, story, scenes = adapted(SAVED / "glass-orchard.html", tmp_path / "out")
    assert report["form"] == "page"
    assert (story["title"], story["author"], story["summary"]) == \
        ("The Glass Orchard", "Bryn_Hale", "Three frosts took the orchard. The fourth spring, Nell stayed.")
    assert story["content_notes"] == ["Major Character Death"] and story["language"] == "en"
    assert story["source"]["url"] == "https://archiveofourown.org/works/48151623"
    assert [(s["title"], s["text"]) for s in scenes] == ORCHARD
    everything = " ".join(p for s in scenes for p in s["text"])
    for site in ("Kudos", "cry on the bus", "Chapter Text", "Log In", "grandmother", "cooking apples",
                 "Thank you for reading", "blossom goes", "Fandoms"):
        assert site not in everything


ONE = [("Part 1", ["The frost came in the first week of March.", "“We’ll lose the Bramleys,” her father said."]),
       ("Part 2", ["The second year it came in April, after the bees."]),
       ("Part 3", ["The fourth spring, there was no frost at all.",
                   "Nell stood under the Bramleys and did not count anything."])]


@pytest.mark.parametrize("name", ["glass-orchard-one.html", "glass-orchard-one.mhtml"])
def test_a_single_file_save_and_an_mhtml_archive_give_the_same_story(tmp_path, name):
    report, story, scenes = adapted(SAVED / name, tmp_path / "out")
    assert (story["title"], story["author"]) == ("The Glass Orchard", "Bryn_Hale")
    assert story["source"]["url"] == "https://archiveofourown.org/works/48151624"
    assert [(s["title"], s["text"]) for s in scenes] == ONE
    if name.endswith(".mhtml"):  # places inside the archived page are not places in the file
        assert all(s["line"] == 0 for s in report["scenes"])


def test_a_page_saved_from_the_chapter_by_chapter_view_says_it_holds_one_chapter(tmp_path):
    page = SAVED / "glass-orchard.html"
    raw = page.read_text(encoding="utf-8")
    one = raw[:raw.index('<div class="chapter" id="chapter-1"')] + raw[raw.index('<div class="chapter" id="chapter-2"'):
                                                                      raw.index('<div class="chapter" id="chapter-3"')]
    one += raw[raw.index('<div class="afterword preface group">'):]
    (tmp_path / "ch2.html").write_text(one, encoding="utf-8")
    report, story, scenes = adapted(tmp_path / "ch2.html", tmp_path / "out")
    assert [(s["title"], s["text"]) for s in scenes] == ORCHARD[1:2]
    assert [(d["code"], d["message"]) for d in report["diagnostics"]] == \
        [("W430", "the page shows 1 of the work's 3 chapters, so the drafts hold only that")]
    assert adapted(page, tmp_path / "all")[0]["diagnostics"] == []


def test_the_adult_content_notice_saved_instead_of_the_work_says_so(tmp_path):
    page = tmp_path / "notice.html"
    page.write_text('<!DOCTYPE html><html><body><div id="main"><dl class="work meta group"><dt>Rating:</dt>'
                    '<dd>Explicit</dd></dl><p class="caution notice">This work could have adult content. If you '
                    'continue, you have agreed that you are willing to see such content.</p>'
                    '<ul class="actions"><li><a href="/works/1?view_adult=true">Proceed</a></li></ul></div>'
                    '</body></html>', encoding="utf-8")
    code, _, err = run("adapt", page, "-o", tmp_path / "out")
    assert code == 1 and err.startswith(f"{page}: error[E406] this is the archive's adult-content notice")
    assert "Proceed" in err


BLOG = """<!DOCTYPE html>
<!-- saved from url=(0041)https://example.org/2024/06/salt-and-iron -->
<html lang="en"><head><meta charset="utf-8"><title>Salt and Iron | Wren's Workshop</title>
<meta name="author" content="Wren Halloway"></head>
<body>
<div id="top" class="navbar" role="navigation"><a href="/">Home</a> <a href="/about">About me</a></div>
<header class="site-header"><p>Wren's Workshop: stories and forge notes</p></header>
<div class="wrap">
<article>
<header><h1>Salt and Iron</h1><p class="byline">Posted in June</p></header>
<h2>The Apprentice Year</h2>
<p>Dilys was twelve when she first held the tongs.</p>
<h2>The Sixth Time</h2>
<p>The fire took on the first strike.</p>
<footer><p>Tags: forge, family</p></footer>
</article>
<aside class="sidebar"><h3>Archives</h3><p>May 2024</p></aside>
<section id="comments"><h3>2 comments</h3><p>Lovely! I cried.</p></section>
</div>
<footer class="site-footer"><p>© Wren Halloway</p></footer>
</body></html>
"""


def test_a_saved_story_page_of_any_site_keeps_to_its_article(tmp_path):
    page = tmp_path / "salt-and-iron.html"
    page.write_text(BLOG, encoding="utf-8")
    _, story, scenes = adapted(page, tmp_path / "out")
    assert (story["title"], story["author"]) == ("Salt and Iron", "Wren Halloway")
    assert [(s["title"], s["text"]) for s in scenes] == [
        ("The Apprentice Year", ["Dilys was twelve when she first held the tongs."]),
        ("The Sixth Time", ["The fire took on the first strike."])]


def test_a_page_that_declares_its_encoding_is_read_in_it(tmp_path):
    page = tmp_path / "old.html"
    page.write_bytes(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
                     b"</head><body><h1>Caf\xe9</h1><p>\x93Two,\x94 she said \x96 and left.</p></body></html>")
    _, story, scenes = adapted(page, tmp_path / "out")
    assert story["title"] == "Café" and scenes[0]["text"] == ["“Two,” she said – and left."]
