"""`vignettes adapt`: stories written here in each form, with the traps each form sets.

Every adapted folder is read back the way a user would: `vignettes validate`
must be clean, and the scenes the loader reads must hold exactly the
source's headings and paragraphs.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from engine import adapt, cli, loader, scaffold, validate

FIXTURES = Path(__file__).parent / "fixtures" / "adapt"
ROOT = Path(__file__).resolve().parent.parent


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def adapted(source: Path, folder: Path, *more) -> tuple[dict, list[dict]]:
    """Adapt, check the folder validates clean, and return story.yaml and the scenes in file order."""
    code, out, err = run("adapt", source, "-o", folder, *more)
    assert code == 0, err
    result = validate.validate([folder])
    assert [d.concise() for d in result.diagnostics] == []
    story = yaml.safe_load((folder / "story.yaml").read_text(encoding="utf-8"))
    scenes = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("[0-9]*.yaml"))]
    return story, scenes


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# -- plain text -------------------------------------------------------------------

TEXT_SCENES = [
    ("The Apprentice Year", [
        "Dilys was twelve when she first held the tongs, and she dropped them. The iron hissed on the floor like a cat.",
        '"Again," said her uncle.', '"No."', '"Again."']),
    ("The Drowned Bell", [
        "The bell came up from the harbour in a net: green, cracked, 1847 cut into its lip.",
        "She spent a month on it. When it rang, it rang flat: 'a dead note', her uncle said."]),
    ("Market Day", ["Key: value. Colons everywhere: that is how she wrote her lists.", "Iron, two bars. Coal, a sack."]),
    ("The Letter", ["Yes", "It said only that her uncle would not be coming back from Cardiff. She read it on the step, "
                           "then went in and lit the forge, because the horses still needed shoes."]),
    ("The Cold Forge", ["For a week she did not light it. The neighbours brought soup; she let it go cold too.",
                        '"You\'ll lose the trade," said Mr Price. She said she knew.']),
    ("The Sixth Time", ["The fire took on the first strike, which it never did.",
                        "She laughed out loud in the empty smithy — “There you are,” she said — and picked up the tongs."]),
]


def _check_text_story(story, scenes):
    assert story["title"] == "Salt and Iron"
    assert story["author"] == "Wren Halloway"
    assert story["summary"] == "Five times the forge went cold on Dilys, and the one time she kept it burning."
    assert story["content_notes"] == ["Major Character Death", "injury"]
    assert story["source"] == {"title": "Salt and Iron", "author": "Wren Halloway"}
    assert [(s["title"], s["text"]) for s in scenes] == TEXT_SCENES
    assert story["start"] == scenes[0]["id"] == "the-apprentice-year"
    assert [s.get("next") for s in scenes] == [s["id"] for s in scenes[1:]] + [None]


def test_plain_text_with_headings_separators_notes_and_dialogue(tmp_path):
    _check_text_story(*adapted(FIXTURES / "story.txt", tmp_path / "out"))


ENCODINGS = {
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "cr": lambda t: t.replace("\n", "\r").encode("utf-8"),
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "utf-16": lambda t: t.replace("\n", "\r\n").encode("utf-16"),  # with its BOM, as Notepad saves it
    "utf-16-be": lambda t: "\ufeff".encode("utf-16-be") + t.encode("utf-16-be"),
    "utf-32": lambda t: t.encode("utf-32"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_line_endings_and_byte_order_marks_read_the_same(tmp_path, encoding):
    text = (FIXTURES / "story.txt").read_text(encoding="utf-8")
    source = write(tmp_path, "story.txt", ENCODINGS[encoding](text))
    story, scenes = adapted(source, tmp_path / "out")
    _check_text_story(story, scenes)
    for path in (tmp_path / "out").glob("*.yaml"):
        data = path.read_bytes()
        assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")


def test_text_without_blank_lines_inside_vignettes_is_a_paragraph_a_line(tmp_path):
    source = write(tmp_path, "lines.txt", (
        "Night Shift\n\n"
        "She clocked in at ten.\nThe ward was quiet.\n\"Hello?\"\nNobody.\n"
        "\n* * *\n\n"
        "At two the lights failed.\nShe found the torch by touch.\n"
        "\n* * *\n\n"
        "Dawn, and the birds, and the long walk home.\nShe slept until noon.\n"))
    story, scenes = adapted(source, tmp_path / "out")
    assert story["title"] == "Night Shift"
    assert [s["text"] for s in scenes] == [
        ["She clocked in at ten.", "The ward was quiet.", '"Hello?"', "Nobody."],
        ["At two the lights failed.", "She found the torch by touch."],
        ["Dawn, and the birds, and the long walk home.", "She slept until noon."]]
    # no headings: plain generated titles, never words from the text
    assert [s["title"] for s in scenes] == ["Part 1", "Part 2", "Part 3"]
    assert [s["id"] for s in scenes] == ["scene-1", "scene-2", "scene-3"]


def test_every_separator_form_centred_or_not(tmp_path):
    separators = ["* * *", "***", "---", "~~~", "#", "o0o", "          * * *", "\t~ ~ ~", "-x-", "~o~", "xXx",
                  "=====", "+++", "-oOo-", "~*~", "◇◇◇"]
    parts = [f"Paragraph {n} of the story, with a full stop." for n in range(len(separators) + 1)]
    body = "\n\n".join(f"{p}\n\n{sep}" for p, sep in zip(parts[:-1], separators)) + f"\n\n{parts[-1]}\n"
    story, scenes = adapted(write(tmp_path, "s.txt", body), tmp_path / "out")
    assert [s["text"] for s in scenes] == [[p] for p in parts]


def test_the_first_line_is_the_title_only_when_it_stands_alone(tmp_path):
    text = ("It was the sort of morning that made promises.\nShe did not believe them.\n\nShe went out.\n\n"
            "* * *\n\nShe went anyway.\n")
    story, scenes = adapted(write(tmp_path, "morning.txt", text), tmp_path / "out")
    assert story["title"] == "morning"  # the file's name: the text has no title
    assert scenes[0]["text"] == ["It was the sort of morning that made promises. She did not believe them.",
                                 "She went out."]


def test_the_first_vignette_needs_no_separator(tmp_path):
    text = "The Well\nby Ana Roe\n\nShe lowered the bucket.\n\nIt came up empty.\n\n* * *\n\nRain, at last.\n"
    story, scenes = adapted(write(tmp_path, "well.txt", text), tmp_path / "out")
    assert (story["title"], story["author"]) == ("The Well", "Ana Roe")
    assert [s["text"] for s in scenes] == [["She lowered the bucket.", "It came up empty."], ["Rain, at last."]]


def test_the_end_after_the_last_separator_is_not_a_vignette(tmp_path):
    text = "Tides\n\nLow water.\n\n* * *\n\nHigh water.\n\n* * *\n\n~ The End ~\n"
    code, out, _ = run("adapt", write(tmp_path, "tides.txt", text), "-o", tmp_path / "out")
    assert code == 0 and "The End" in out
    scenes = sorted((tmp_path / "out").glob("[0-9]*.yaml"))
    assert [yaml.safe_load(p.read_text())["text"] for p in scenes] == [["Low water."], ["High water."]]


def test_first_vignette_heading_is_not_taken_for_the_title(tmp_path):
    text = ("Winter\n\nSnow on the sill.\n\n* * *\n\nSpring\n\nMud on the step.\n\n* * *\n\n"
            "Summer\n\nDust on the road.\n")
    story, scenes = adapted(write(tmp_path, "seasons.txt", text), tmp_path / "out")
    assert [s["title"] for s in scenes] == ["Winter", "Spring", "Summer"]
    assert story["title"] == "seasons"


def test_headings_alone_divide_a_text_without_separators(tmp_path):
    text = ("Three Rooms\n\nThe Kitchen\n\nBread on the board, still warm.\n\nShe cut it thick.\n\n"
            "The Hall\n\nCoats, boots, a letter on the mat.\n\nThe Attic\n\nDust, and her mother's trunk.\n")
    story, scenes = adapted(write(tmp_path, "rooms.txt", text), tmp_path / "out")
    assert story["title"] == "Three Rooms"
    assert [(s["title"], len(s["text"])) for s in scenes] == [("The Kitchen", 2), ("The Hall", 1), ("The Attic", 1)]


def test_underlined_title_and_headings(tmp_path):
    text = "The Title\n=========\n\nby Someone\n\nYear Nine\n---------\n\nIt rained.\n\nYear Ten\n--------\n\nIt snowed.\n"
    story, scenes = adapted(write(tmp_path, "under.txt", text), tmp_path / "out")
    assert (story["title"], story["author"]) == ("The Title", "Someone")
    assert [(s["title"], s["text"]) for s in scenes] == [("Year Nine", ["It rained."]), ("Year Ten", ["It snowed."])]


def test_short_dialogue_lines_stay_paragraphs(tmp_path):
    text = "Title Here\n\n* * *\n\n\"Stay.\"\n\n\"Why?\"\n\nNo.\n\n\"Because\"\n\nShe stayed.\n"
    _, scenes = adapted(write(tmp_path, "t.txt", text), tmp_path / "out")
    assert scenes[0]["title"] == "Part 1"
    assert scenes[0]["text"] == ['"Stay."', '"Why?"', "No.", '"Because"', "She stayed."]


def test_a_note_before_the_first_vignette_is_not_a_scene(tmp_path):
    text = ("The Quiet Year\nAuthor: P. Quill\n\nThis is for everyone who stayed up with me.\n\n* * *\n\n"
            "One\n\nThe first.\n\n* * *\n\nTwo\n\nThe second.\n")
    story, scenes = adapted(write(tmp_path, "q.txt", text), tmp_path / "out")
    assert story["author"] == "P. Quill" and "summary" not in story
    assert [s["title"] for s in scenes] == ["One", "Two"]


def test_metadata_the_file_lacks_stays_empty(tmp_path):
    story, _ = adapted(write(tmp_path, "bare.txt", "Bare\n\nJust one paragraph of story.\n"), tmp_path / "out")
    assert story["title"] == "Bare" and story["content_notes"] == []
    assert not {"author", "summary", "source", "language"} & set(story)


# -- Markdown -----------------------------------------------------------------------


def test_markdown_story(tmp_path):
    story, scenes = adapted(FIXTURES / "story.md", tmp_path / "out")
    assert story["title"] == "The Cartographer's Apprentice"
    assert story["author"] == "R. L. Penhallow"
    assert story["summary"] == "Six maps, and the one she refused to finish."
    assert story["content_notes"] == ["death of a parent", "fire"]
    assert [s["title"] for s in scenes] == ["The Coast Road", "North of the River", "Harrow Fen",
                                           "The Burning Quarter", "Aubel's Hand", "The Map She Didn't Finish"]
    assert scenes[0]["text"] == [
        "Ness inked the coast road in a single line, the way Master Aubel had shown her: "
        "no lifting the pen, no second thoughts.",
        "Every line you draw is a promise to someone who will walk it.",  # the block quote stays in its scene
        "She was eleven. She believed him."]
    assert scenes[1]["text"][2] == '"Because the ferryman can\'t read," said Aubel, "and the ferryman\'s children can."'
    assert scenes[2]["text"][1] == "She wrote here be nothing in the corner and Aubel laughed until he coughed."
    assert scenes[4]["text"] == ["His hand shook too much for the fine work now, so she held the pen and he held her wrist.",
                                 "Yes.", "No."]
    assert scenes[5]["text"][0] == "She left the last sheet blank at the edge & called it the sea."
    assert [len(s["text"]) for s in scenes] == [3, 3, 2, 2, 3, 2]
    every = " ".join(p for s in scenes for p in s["text"])
    assert not any(mark in every for mark in ("**", "](", "`", "&amp;", "> ")) and "quick note" not in every


def test_markdown_without_headings_splits_at_thematic_breaks(tmp_path):
    text = ("# Tide Tables\n\n_A note: thank you to everyone who read the draft._\n\n---\n\n"
            "Low water at six.\n\nShe walked out to the wreck.\n\n* * *\n\nHigh water at noon.\n\n___\n\nGone.\n")
    story, scenes = adapted(write(tmp_path, "tides.md", text), tmp_path / "out")
    assert story["title"] == "Tide Tables" and "summary" not in story
    assert [s["text"] for s in scenes] == [["Low water at six.", "She walked out to the wreck."],
                                           ["High water at noon."], ["Gone."]]
    assert [s["title"] for s in scenes] == ["Part 1", "Part 2", "Part 3"]


def test_markdown_tilde_separators_are_not_code_and_a_closing_italic_note_is_not_a_scene(tmp_path):
    text = ("# Fences\n\nOne.\n\n~~~\n\nTwo.\n\nStill two.\n\n~~~\n\nThree.\n\n~~~\n\nFour.\n\n"
            "o0o\n\nFive.\n\n---\n\n*Thanks for reading, all of you!*\n")
    story, scenes = adapted(write(tmp_path, "fences.md", text), tmp_path / "out")
    assert [s["text"] for s in scenes] == [["One."], ["Two.", "Still two."], ["Three."], ["Four."], ["Five."]]


def test_markdown_title_then_third_level_headings(tmp_path):
    text = "# Deep\n\n### One\n\nA.\n\n### Two\n\nB.\n"
    story, scenes = adapted(write(tmp_path, "deep.markdown", text), tmp_path / "out")
    assert story["title"] == "Deep" and [s["title"] for s in scenes] == ["One", "Two"]


def test_markdown_is_told_by_content_without_a_suffix(tmp_path):
    source = write(tmp_path, "story", "# Plain\n\n## First\n\nOne *thing*.\n\n## Second\n\nAnother.\n")
    _, scenes = adapted(source, tmp_path / "out")
    assert [(s["title"], s["text"]) for s in scenes] == [("First", ["One thing."]), ("Second", ["Another."])]


# -- archive HTML ---------------------------------------------------------------------


def test_archive_download_with_headings_in_one_chapter(tmp_path):
    story, scenes = adapted(FIXTURES / "work.html", tmp_path / "out")
    assert story["title"] == "Six Winters at Harrow Point"
    assert story["author"] == "quillfeather"
    assert story["summary"] == "Five winters Tam let the sea have the last word. The sixth, she kept it."
    assert story["content_notes"] == ["Major Character Death", "Graphic Depictions Of Violence"]
    assert story["language"] == "en"
    assert story["source"] == {"title": "Six Winters at Harrow Point", "author": "quillfeather",
                               "url": "http://archiveofourown.org/works/4815162"}
    assert [s["title"] for s in scenes] == [f"The {n} Winter" for n in ("First", "Second", "Third", "Fourth",
                                                                       "Fifth", "Sixth")]
    assert [len(s["text"]) for s in scenes] == [3, 3, 2, 2, 2, 4]
    assert scenes[0]["text"][0] == ("The ferry stopped running in November, and Tam stood on the jetty until "
                                    "the lights of the mainland went out one by one.")
    assert scenes[0]["text"][1] == "“You’ll freeze,” said Iso, behind her."
    assert scenes[1]["text"][0].startswith("Salt & pepper, bread & dripping: ")
    assert scenes[1]["text"][1] == "Tam read it twice.\nThen she read it a third time, as if it might say something else."
    assert scenes[2]["text"][0] == "Come home before the tide turns. — I."
    assert scenes[3]["text"] == ["Nobody said her name in the harbour bar; they said \"the keeper’s girl\" instead, "
                                 "as if she had come with the light.", "Yes."]
    assert scenes[5]["text"][1:] == ["# not a heading, only a hash", "“Not you,” she told the sea. “Not this time.”",
                                     "&amp; the sea, for once, gave something back."]  # decoded once, not twice
    every = " ".join(p for s in scenes for p in s["text"])
    assert "Not a scene" not in every and "beta" not in every and "exchange" not in every
    assert "<" not in every and "comment" not in every and "Summary" not in every


def test_archive_download_with_one_vignette_a_chapter(tmp_path):
    story, scenes = adapted(FIXTURES / "chapters.html", tmp_path / "out")
    assert story["title"] == "Small Hours" and story["author"] == "nightjar_writes"
    assert story["summary"] == "Six nights a kettle boils at 3 a.m.\nOnly one of them is the last."
    assert story["content_notes"] == ["Creator Chose Not To Use Archive Warnings"]
    assert [s["title"] for s in scenes] == ["One", "Two", "Chapter 3", "Four: the middle", "Null", "Morning"]
    assert [s["id"] for s in scenes] == ["one", "two", "chapter-3", "four-the-middle", "scene-null", "morning"]
    assert scenes[4]["text"][0] == "null"
    every = " ".join(p for s in scenes for p in s["text"])
    assert "never a scene" not in every


def test_images_are_left_out_and_reported(tmp_path):
    page = "<html><body><h1>Pictures</h1><p>Before.</p><p><img src='a.png' alt='a drawing of a cat'></p><p>After.</p>"
    code, out, _ = run("adapt", write(tmp_path, "p.html", page), "-o", tmp_path / "out")
    assert code == 0 and "1 image" in out
    assert yaml.safe_load((tmp_path / "out" / "01-scene-1.yaml").read_text())["text"] == ["Before.", "After."]


def test_archive_chapter_text_made_of_line_breaks_only(tmp_path):
    page = ('<html><body><div id="preface"><div class="meta"><h1>Brs</h1></div></div>'
            '<div id="chapters" class="userstuff">\nLine one.<br/><br/>\nLine two.<br/>still two.\n<hr/>Three.</div>'
            '</body></html>')
    story, scenes = adapted(write(tmp_path, "brs.html", page), tmp_path / "out")
    assert [s["text"] for s in scenes] == [["Line one.", "Line two.\nstill two."], ["Three."]]


def test_html_is_told_by_content_whatever_the_suffix(tmp_path):
    source = write(tmp_path, "download.txt", (FIXTURES / "work.html").read_text(encoding="utf-8"))
    _, scenes = adapted(source, tmp_path / "out")
    assert len(scenes) == 6


def test_plain_html_page_with_headings(tmp_path):
    page = ("<html lang='cy'><head><meta name='author' content='Gwen Ifan'><title>ignored</title></head><body>"
            "<h1>Y Ffordd</h1><p>A note to readers.</p><h2>Un</h2><p>Cam&nbsp;cyntaf.</p><hr>"
            "<h2>Dau</h2><div>Ail gam.<br><br>Trydydd.</div></body></html>")
    story, scenes = adapted(write(tmp_path, "page.html", page), tmp_path / "out")
    assert (story["title"], story["author"], story["language"]) == ("Y Ffordd", "Gwen Ifan", "cy")
    assert [(s["title"], s["text"]) for s in scenes] == [("Un", ["Cam\xa0cyntaf."]), ("Dau", ["Ail gam.", "Trydydd."])]


# -- three more stories, each in another house style ---------------------------------------


def test_text_with_roman_headings_indented_paragraphs_and_a_wrapped_summary(tmp_path):
    story, scenes = adapted(FIXTURES / "river.txt", tmp_path / "out")
    assert story["title"] == "WHAT THE RIVER KEPT" and story["author"] == "Jonah Pike"
    assert story["summary"] == "Six times the river took something from Ede, and once it gave something back."
    assert story["content_notes"] == ["character death", "suicidal thoughts"]
    assert [s["title"] for s in scenes] == ["I.", "II.", "III.", "IV.", "V.", "VI."]
    assert [len(s["text"]) for s in scenes] == [3, 2, 1, 1, 1, 1]
    assert scenes[0]["text"][0] == ("The first thing was a shoe. Ede was four, and the river was brown with spring, "
                                    "and the shoe went under the bridge and did not come out the other side.")
    assert scenes[5]["text"] == ["And the sixth time she waded in after it, up to her chest, and came out holding the shoe."]


def test_markdown_with_setext_title_listed_warnings_hard_breaks_and_a_closing_note(tmp_path):
    story, scenes = adapted(FIXTURES / "lanterns.md", tmp_path / "out")
    assert (story["title"], story["author"]) == ("Lanterns", "Sefa Oduya") and "summary" not in story
    assert story["content_notes"] == ["house fire", "loss of a sibling"]
    assert [s["title"] for s in scenes] == ["1. The Paper One", "2. The Red One", "3. The One That Wouldn't Light",
                                           "4. Brother", "5. Smoke", "6. The Last Lantern"]
    assert scenes[0]["text"] == ["Kemi folded the first lantern from a page of her brother's homework.\n"
                                 "It burned for a minute, then the river had it.", "She didn't tell him."]
    assert scenes[2]["text"][1] == "Kemi cupped her hands around the wick like a secret."
    assert scenes[4]["text"] == ["The fire on Aro Street took the house next to theirs, & then theirs.",
                                 "1. The photographs.", "2. The lanterns."]
    assert "Kudos" not in str(scenes) and "notes first" not in str(scenes)


def test_archive_html_with_bold_headings_unclosed_paragraphs_and_centred_breaks(tmp_path):
    story, scenes = adapted(FIXTURES / "bells.html", tmp_path / "out")
    assert (story["title"], story["author"]) == ("Bells", "wintermoth (mothwinter)")
    assert story["summary"] == "Six bells for six years. One she rang herself."
    assert story["content_notes"] == []  # "No Archive Warnings Apply" warns of nothing
    assert story["source"]["url"] == "https://archiveofourown.org/works/99"
    assert [s["title"] for s in scenes] == [f"Year {n}" for n in ("One", "Two", "Three", "Four", "Five", "Six")]
    assert [len(s["text"]) for s in scenes] == [2, 1, 1, 1, 2, 1]
    assert scenes[0]["text"][0] == ("The bell at St Non's rang for the fisherman's wife, and Bronwen counted "
                                    "the strokes: seven, eight, nine.")
    assert scenes[1]["text"] == ["Rain.\nRain on the slates.\nRain."]
    assert scenes[2]["text"] == ["Her grandmother taught her the ropes — literally — & laughed when she swung off her feet."]
    assert scenes[3]["text"] == ["“Not yet,” the sexton said. “Not for years.”"]
    assert "note" not in str(scenes).lower() and "Thank you" not in str(scenes)


# -- one story in all three forms, laid out like a "five times" piece -----------------------

MARA = json.loads((FIXTURES / "mara.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,encode", [
    ("mara.txt", None), ("mara.txt", "crlf"), ("mara.txt", "utf-16"), ("mara.md", None), ("mara.md", "crlf"),
    ("mara-h1.md", None), ("mara-gaps.md", None), ("mara.html", None), ("mara.html", "utf-8-sig"),
    ("mara-spacers.html", None), ("mara-brs.html", None),
])
def test_one_story_in_every_form_gives_the_same_scenes(tmp_path, name, encode):
    """Vignettes parted by blank lines alone (text, and Markdown made from it), by rules, by empty
    paragraphs or by runs of <br>; two with headings (`##`, `#` like the title's, <h3>, bold lines)."""
    source = FIXTURES / name
    if encode:
        source = write(tmp_path, name, ENCODINGS[encode](source.read_text(encoding="utf-8")))
    story, scenes = adapted(source, tmp_path / "out")
    assert story["title"] == MARA["title"]
    titles = [heading or f"Part {n}" for n, (heading, _) in enumerate(MARA["v"], 1)]
    assert [(s["title"], s["text"]) for s in scenes] == list(zip(titles, [text for _, text in MARA["v"]]))
    if not name.endswith(".txt"):
        assert story["summary"].startswith("Six times Mara lets go, and the last time she doesn")
        assert story["author"] in ("Carys Wynn", "carys_wynn")


# -- what any paragraph becomes in YAML ------------------------------------------------


YAML_MEANINGFUL = st.sampled_from(list(":#-'\"? \t\n{}[],&*!|>%@`.~\\yesnoYNtrufalsenul0123456789x\x85\u2028\ufeff\xa0é’"))


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",))) | st.text(YAML_MEANINGFUL, max_size=12))
def test_any_string_reads_back_the_same(text):
    document = f"title: {adapt.scalar(text)}\ntext:\n  - {adapt.scalar(text)}\n"
    assert yaml.safe_load(document) == {"title": text, "text": [text]}
    doc, problems = loader.parse("x.yaml", document)
    assert problems == [] and doc.data == {"title": text, "text": [text]}


@pytest.mark.parametrize("text", ["yes", "No", "null", "~", "123", "0x1f", "1:30", "2024-01-01", "3.5", ".inf",
                                  "# not a comment", "key: value", "ends with a colon:", '"quoted" at the start',
                                  "'single'", "- a dash", "[a, b]", "{a: b}", "&anchor", "*alias", "!tag",
                                  "a # b", "%directive", "@at", "`tick", "?", "|", ">", "trailing space ", " lead"])
def test_tricky_paragraphs_stay_text(text):
    assert yaml.safe_load(f"- {adapt.scalar(text)}") == [text]
    assert loader.parse("x.yaml", f"k: {adapt.scalar(text)}\n")[0].data == {"k": text}


@given(st.text(max_size=40))
def test_slugs_are_ids_yaml_reads_as_text(text):
    for scene_id in adapt.scene_ids([adapt.Vignette(text, ["x"]), adapt.Vignette(text, ["y"])]):
        assert loader.plain_scalar(scene_id) == scene_id
        assert scaffold.SLUG.match(scene_id) and len(scene_id) <= 64


def test_ids_are_transliterated_unique_and_never_ambiguous():
    titles = ["Café Noir", "Café noir", "Ærøskøbing", "日本", "Yes", "1", "2019-01-01", "Straße", "", "0x10"]
    ids = adapt.scene_ids([adapt.Vignette(t, ["x"], heading=bool(t)) for t in titles])
    assert ids == ["cafe-noir", "cafe-noir-2", "aeroskobing", "scene-4", "scene-yes", "scene-1",
                   "scene-2019-01-01", "strasse", "scene-9", "scene-0x10"]


# -- the command -------------------------------------------------------------------------


def test_refuses_a_folder_that_is_not_empty_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.yaml").write_text("keep: me\n")
    code, stdout, err = run("adapt", FIXTURES / "story.md", "-o", out)
    assert code == 1 and err.startswith(f"{out}: error[E409] the folder is not empty") and "--force" in err
    assert (out / "mine.yaml").read_text() == "keep: me\n"
    # --force replaces earlier drafts, never YAML of the author's that would then be read as a scene
    code, stdout, err = run("adapt", FIXTURES / "story.md", "-o", out, "--force")
    assert code == 1 and "error[E409]" in err and "mine.yaml" in err and "Traceback" not in err
    assert (out / "mine.yaml").read_text() == "keep: me\n" and not (out / "story.yaml").exists()
    (out / "mine.yaml").rename(out / "mine.txt")
    code, stdout, err = run("adapt", FIXTURES / "story.md", "-o", out, "--force")
    assert code == 0 and (out / "mine.txt").read_text() == "keep: me\n"
    assert validate.validate([out]).diagnostics == []
    assert len(list(out.glob("[0-9]*.yaml"))) == 6
    two = write(tmp_path, "two.txt", "Two\n\nOne.\n\n* * *\n\nTwo.\n")
    code, stdout, err = run("adapt", two, "-o", out, "--force")  # again, over the drafts: none is left behind
    assert code == 0 and validate.validate([out]).diagnostics == []
    assert sorted(p.name for p in out.glob("*.yaml")) == ["01-scene-1.yaml", "02-scene-2.yaml", "story.yaml"]


def test_dry_run_reports_and_writes_nothing(tmp_path):
    code, out, err = run("adapt", FIXTURES / "work.html", "-o", tmp_path / "out", "--dry-run")
    assert code == 0 and not (tmp_path / "out").exists()
    assert "would write" in out and "The Sixth Winter" in out and "quillfeather" in out
    assert "Major Character Death" in out and "end notes" in out


def test_report_lists_scenes_metadata_and_what_was_left_out(tmp_path):
    code, out, _ = run("adapt", FIXTURES / "story.txt", "-o", tmp_path / "out")
    assert code == 0
    assert "6 vignettes" in out and "01-the-apprentice-year.yaml" in out and "The Sixth Time" in out
    assert "Wren Halloway" in out and "injury" in out
    assert "author's note before the first vignette" in out and "after the last vignette" in out


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "error[E405] the file is empty"),
    ("blank.txt", b"   \n\n", "error[E405] the file holds only white space"),
    ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 20, "not a text file"),
    ("latin1.txt", b"Caf\xe9 society\n\nA story.\n", "not UTF-8"),
    ("bad16.txt", b"\xff\xfe\x00\xd8", "utf-16"),
    ("nothing.html", b"<html><body><p>&nbsp;</p></body></html>", "no story text"),
])
def test_unreadable_input_is_a_clear_message_and_exit_1(tmp_path, name, content, message):
    if content is not None:
        write(tmp_path, name, content)
    code, out, err = run("adapt", tmp_path / name, "-o", tmp_path / "out")
    assert code == 1 and message in err and "hint:" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_byte_that_is_not_utf8_is_pointed_at(tmp_path):
    source = write(tmp_path, "old.txt", "Title\n\nA line.\nCaf".encode() + b"\xe9 noir.\n")
    code, _, err = run("adapt", source, "-o", tmp_path / "out")
    assert code == 1 and err.startswith(f"{source}:4:4: error[E404] not UTF-8 text: byte 0xe9")


def test_a_file_over_10_mib_is_refused_before_parsing(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(adapt.MAX_SOURCE_BYTES + 1)
    monkeypatch.setattr(adapt, "parse_text", lambda *a: pytest.fail("parsed"))
    code, _, err = run("adapt", big, "-o", tmp_path / "out")
    assert code == 1 and "10 MiB" in err


def test_a_long_archive_download_passes_but_a_vignette_over_1_mib_is_too_long(tmp_path):
    paragraph = "The sea came in and went out again, as it always had. " * 20
    many = "\n\n".join(paragraph for _ in range(2000))  # ~2 MiB of text in one vignette
    code, _, err = run("adapt", write(tmp_path, "long.txt", "Long\n\n" + many), "-o", tmp_path / "out")
    assert code == 1 and "too long to be one scene" in err and "hint:" in err
    assert not (tmp_path / "out").exists()
    split_up = "\n\n* * *\n\n".join("\n\n".join(paragraph for _ in range(200)) for _ in range(10))
    assert len(split_up.encode()) > adapt.MAX_SCENE_BYTES
    story, scenes = adapted(write(tmp_path, "split.txt", "Long\n\n" + split_up), tmp_path / "ok")
    assert len(scenes) == 10 and all(len(s["text"]) == 200 for s in scenes)


def test_labels_with_dashes_plural_marks_and_unknown_kinds(tmp_path):
    text = ("Title: The Glass Orchard\nAuthor: Bryn Hale\nBeta: my sister\nRating: Teen And Up Audiences\n"
            "Warning(s): Major Character Death, Grief\nSummary - Five frosts, and the one spring\nthat stayed.\n\n\n"
            "The orchard froze in the first week of March.\n\nNobody saved the blossom.\n")
    story, scenes = adapted(write(tmp_path, "orchard.txt", text), tmp_path / "out")
    assert (story["title"], story["author"]) == ("The Glass Orchard", "Bryn Hale")
    assert story["summary"] == "Five frosts, and the one spring that stayed."
    assert story["content_notes"] == ["Major Character Death", "Grief"]
    assert [s["text"] for s in scenes] == [["The orchard froze in the first week of March.", "Nobody saved the blossom."]]


@pytest.mark.parametrize("name,text", [
    ("deep.html", "<div>" * 50_000 + "text" + "</div>" * 50_000),
    ("deep.md", ">" * 50_000 + " x\n"),
    ("lists.md", "".join("  " * i + "- a\n" for i in range(2000))),
    ("brackets.md", "[" * 50_000 + "\n"),
    ("garbage.html", "<<<<>>>><p<p<p>&#99999999;&#0;&#xD800;<b>x</i></p></p></div>"),
    ("only-separators.txt", "* * *\n\n***\n\n---\n"),
    ("escapes.txt", "T\n\n\x1b[31mred\x1b[0m text \x07 bell\n"),
])
def test_hostile_input_never_crashes(tmp_path, name, text):
    code, _, err = run("adapt", write(tmp_path, name, text), "-o", tmp_path / "out")
    assert code in (0, 1) and "Traceback" not in err
    if code == 0:
        assert validate.validate([tmp_path / "out"]).diagnostics == []
        assert "\x1b" not in "".join(p.read_text() for p in (tmp_path / "out").glob("*.yaml"))


def test_scene_limit_is_the_loaders():
    assert adapt.MAX_SCENE_BYTES == loader.MAX_FILE_BYTES


def test_drafts_carry_the_modeline_and_schemas_an_editor_finds(tmp_path):
    adapted(FIXTURES / "story.md", tmp_path / "out")
    for path in (tmp_path / "out").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        kind = "story" if path.name == "story.yaml" else "scene"
        assert first == f"# yaml-language-server: $schema=schemas/{kind}.schema.json"
    assert (tmp_path / "out" / "schemas" / "scene.schema.json").is_file()


def test_markdown_headings_in_a_txt_file_are_read_as_markdown(tmp_path):
    source = write(tmp_path, "notes.txt", "# Rooks\n\n## Morning\n\nThey *came* early.\n\n## Evening\n\nThey left.\n")
    story, scenes = adapted(source, tmp_path / "out")
    assert story["title"] == "Rooks"
    assert [(s["title"], s["text"]) for s in scenes] == [("Morning", ["They came early."]), ("Evening", ["They left."])]


def test_forced_form_overrides_the_suffix(tmp_path):
    source = write(tmp_path, "notes.md", "Plain\n\n*emphasis kept as written*\n\n* * *\n\nMore.\n")
    _, scenes = adapted(source, tmp_path / "out", "--from", "text")
    assert scenes[0]["text"] == ["*emphasis kept as written*"]


def test_adapted_story_plays_to_its_end(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    adapted(FIXTURES / "work.html", tmp_path / "out")
    proc = subprocess.run([sys.executable, "-m", "engine", "play", str(tmp_path / "out"), "--plain", "--new"],
                          input="\n" * 20, capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stderr
    shown = proc.stdout
    assert "Six Winters at Harrow Point" in shown and "Five winters Tam let the sea" in shown
    assert "Major Character Death" in shown
    assert shown.index("The First Winter") < shown.index("The Sixth Winter")
    assert "gave something back" in shown


def test_only_adapt_imports_a_markdown_or_html_parser():
    for path in (ROOT / "engine").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if path.name != "adapt.py":
            assert "markdown_it" not in source and "html.parser" not in source, path
    assert "import yaml" not in (ROOT / "engine" / "adapt.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_pipe_or_device_is_refused_without_reading(tmp_path, kind):
    source = tmp_path / "story.txt"
    if kind == "fifo":
        os.mkfifo(source)  # nothing ever writes to it: reading would block for ever
    else:
        source.symlink_to("/dev/zero")  # reading would never end
    proc = subprocess.run([sys.executable, "-m", "engine", "adapt", str(source), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and "not a regular file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


# -- nine more stories, three in each form, with the expectations written before the run -----

HELDOUT = FIXTURES / "heldout"
HELDOUT_EXPECTED = json.loads((HELDOUT / "expected.json").read_text(encoding="utf-8"))
HELDOUT_ENCODINGS = {**ENCODINGS, "crlf-bom": lambda t: t.replace("\n", "\r\n").encode("utf-8-sig")}


@pytest.mark.parametrize("name", sorted(HELDOUT_EXPECTED))
def test_stories_in_house_styles_not_seen_before(tmp_path, name):
    """Caps titles, `by` lines, `~*~`/`o0o`/`=====` rules, a paragraph a line, CR and CRLF with a BOM;
    `###` headings with closing #s and emphasis, lists, hard breaks, front matter, setext titles;
    archive downloads parted by <hr/>, by centred bold numbers and `* * *`, or a vignette a chapter."""
    want = HELDOUT_EXPECTED[name]
    source = HELDOUT / name
    if "encode" in want:
        source = write(tmp_path, name, HELDOUT_ENCODINGS[want["encode"]](source.read_text(encoding="utf-8")))
    story, scenes = adapted(source, tmp_path / "out")
    assert (story["title"], story.get("author", ""), story.get("summary", "")) == \
        (want["title"], want["author"], want["summary"])
    assert story["content_notes"] == want["content_notes"]
    assert story.get("source", {}).get("url") == want.get("url")
    titles = [title or f"Part {n}" for n, (title, _) in enumerate(want["scenes"], 1)]
    assert [s["title"] for s in scenes] == titles
    assert [s["text"] for s in scenes] == [text for _, text in want["scenes"]]
    for path in (tmp_path / "out").glob("*.yaml"):
        assert b"\r" not in path.read_bytes()


@pytest.mark.parametrize("body", [
    "## Author's Note\n\nThanks all.\n\n### One\n\nA.\n\n### Two\n\nB.\n\n### Three\n\nC.\n\n## End Notes\n\nBye.\n",
    "A.\n\n***\n\nB.\n\n***\n\nC.\n\n## Author's Note\n\nThanks all.\n",
])
def test_note_sections_at_another_level_are_not_vignettes(tmp_path, body):
    """`## Author's Note` over `###` vignettes, or under vignettes parted by rules, is left out."""
    story, scenes = adapted(write(tmp_path, "s.md", "# Title\n\n" + body), tmp_path / "out")
    assert [s["text"] for s in scenes] == [["A."], ["B."], ["C."]]


def test_markdown_bold_lines_are_headings_as_in_html(tmp_path):
    """`**One**` alone on its line opens a vignette, with rules between or with none."""
    names = ["One", "Two", "Three", "Four", "Five", "And One More"]
    for sep in ("\n\n***\n\n", "\n\n"):
        body = "# Bold Heads\n\nby Sam\n\n" + sep.join(f"**{w}**\n\nText {w}, said **bold**.\n\n*Later.*" for w in names)
        story, scenes = adapted(write(tmp_path, "b.md", body), tmp_path / "out", "--force")
        assert story["author"] == "Sam"
        assert [(s["title"], s["text"]) for s in scenes] == [(w, [f"Text {w}, said bold.", "Later."]) for w in names]
