"""The catalogue of diagnostic codes.

Codes are stable: tools and CI filters key on them. Every entry carries an
example story (file name -> text) and the place its diagnostic must point
at; a parametrised test runs each one, so the catalogue cannot drift from
the checks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Union

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


def _plan(expect: str, answers: str = "''") -> dict[str, str]:
    """The tiny story with one test plan in its tests/ folder."""
    return {**_story(), "tests/plan.yaml": f"name: A plan\nanswers: {answers}\nexpect:\n{expect}"}


_SAVE = """\
{
 "format": 1,
 "story": "tiny",
 "fingerprint": "an older version of the story",
 "scene": "two",
 "variables": {"held_on": 0, "told": false},
 "answers": [
  0
 ]
}
"""


_TWEE = """\
:: StoryData
{"start": "Beach"}
:: Beach
The tide is out.
[[Walk on->Shore]]

:: Shore
The sea comes in.
"""


def _story(scenes: str = _ONE, story: str = _STORY, **more: str) -> dict[str, str]:
    files = {"story.yaml": story, "01-one.yaml": scenes}
    files.update({name.replace("_", "-") + ".yaml": text for name, text in more.items()})
    return files


@dataclass(frozen=True)
class Link:
    """An example entry that is a symbolic link to `target` (relative to the story folder)."""

    target: str


@dataclass(frozen=True)
class Special:
    """An example entry that is no regular file ("fifo", "folder"), or a file too big to hold in
    the catalogue ("huge": just over adapt's 10 MiB, written sparse)."""

    kind: str


Entry = Union[str, bytes, Link, Special]


def write_example(folder: Path, files: Mapping[str, Entry]) -> Path:
    """Lay an example out on disk: text or bytes as a file, Link as a symbolic link, Special as what it names."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, entry in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Link):
            target = folder / entry.target
            if not target.exists() and entry.target.startswith(".."):
                target.write_text("SECRET=do-not-show\n", encoding="utf-8")
            os.symlink(entry.target, path)
        elif isinstance(entry, Special) and entry.kind == "huge":
            with open(path, "wb") as f:
                f.truncate(10 * 1024 * 1024 + 1)  # sparse: just over adapt's limit
        elif isinstance(entry, Special):
            path.mkdir() if entry.kind == "folder" else os.mkfifo(path)
        else:
            path.write_bytes(entry if isinstance(entry, bytes) else entry.encode("utf-8"))
    return folder


@dataclass(frozen=True)
class Code:
    """One diagnostic: its stable code and name, what it means, and how to fix it.

    `vignettes explain` and SARIF rules show `meaning` and `fix`; the example
    is run by a test and must report the code at `where`.
    """

    code: str
    name: str
    summary: str
    severity: str
    example: Mapping[str, Entry] = field(repr=False)
    where: tuple[str, int, int] = (("", 0, 0))
    meaning: str = ""
    fix: str = ""
    command: tuple[str, ...] = ("validate",)  # the vignettes command (and options) that reports it; adapt's in full


CATALOGUE: tuple[Code, ...] = (
    # -- reading files -------------------------------------------------------
    Code("E001", "unreadable-file", "a file cannot be read or is not UTF-8 text", ERROR,
         {**_story(), "01-one.yaml": b"id: one\ntitle: Caf\xe9\ntext: [x]\n"}, ("01-one.yaml", 2, 11),
         meaning="The file could not be opened, or its bytes are not UTF-8 text (often a file saved as "
                 "Latin-1 or Windows-1252 by an old editor). The place is the first byte that is not UTF-8.",
         fix="Save the file as UTF-8 (every modern editor offers it under 'encoding'), or check the path "
             "and its permissions."),
    Code("E002", "file-too-large", "a file is larger than the limit", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - '" + "x" * (1024 * 1024) + "'\n"), ("01-one.yaml", 1, 1),
         meaning="Scene files are read whole, so each is capped at 1 MiB; a larger file is refused before it "
                 "is parsed.",
         fix="Split the scene into several smaller scenes joined by `next:`."),
    Code("E003", "yaml-syntax", "the file is not well-formed YAML", ERROR,
         _story("id: one\ntitle: [One\ntext: [x]\n"), ("01-one.yaml", 2, 8),
         meaning="YAML could not read the file: an unclosed quote or bracket, a line indented to the wrong "
                 "column, a paragraph that opens with a quote and goes on after it, or a control character. "
                 "The place is where the broken construct began; a note says where the parser gave up.",
         fix="Close the quote or bracket, line the key up with its neighbours, and put a paragraph that "
             "starts with a quote or holds ': ' in single quotes (double any ' inside) or in a block "
             "scalar (`- >-` and the text on the next lines)."),
    Code("E004", "yaml-limits", "the file nests too deep or holds too many values", ERROR,
         _story("id: one\ntitle: One\ntext: " + "[" * 200 + "]" * 200 + "\n"), ("01-one.yaml", 3, 38),
         meaning="Input is untrusted, so a file may nest values at most 32 deep and hold at most 20,000 "
                 "values; no scene needs more.",
         fix="Flatten the structure, or split the scene."),
    Code("E005", "duplicate-key", "a key appears twice in one mapping", ERROR,
         _story("id: one\ntitle: One\ntitle: Two\ntext: [x]\n"), ("01-one.yaml", 3, 1),
         meaning="YAML would silently keep only the last of two equal keys, losing the first one's value.",
         fix="Remove one of the two keys, or merge their values."),
    Code("E006", "yaml-tag", "a YAML tag such as !!python/object", ERROR,
         _story("id: one\ntitle: !!python/object:os.system One\ntext: [x]\n"), ("01-one.yaml", 2, 8),
         meaning="Tags (`!!str`, `!!python/object`, `!custom`, `!<tag:…>`) ask the YAML reader to build special "
                 "objects; stories hold only text, numbers, true/false, lists and mappings, so every tag is refused. "
                 "A bare `!` is a tag too: a paragraph written `- ! bang` would lose its `!`.",
         fix="Remove the tag; to force text, or when the ! belongs to the text, put the whole value in single "
             "quotes: `- '! bang'`."),
    Code("E007", "yaml-alias", "a YAML anchor or alias", ERROR,
         _story("id: one\ntitle: &t One\ntext: [*t]\n"), ("01-one.yaml", 2, 8),
         meaning="Anchors (`&name`) and aliases (`*name`) repeat values; they can hide a huge document in a "
                 "few lines, so they are refused. Prose that opens with `*` or `&` (`- *sigh* Fine.`) is read as "
                 "one of them.",
         fix="Write the value out in full where it is needed; when the * or & belongs to the text, put the "
             "whole paragraph in single quotes, doubling any ' inside."),
    Code("E008", "yaml-tab", "a tab used for indentation", ERROR,
         _story("id: one\ntitle: One\ntext:\n\t- x\n"), ("01-one.yaml", 4, 1),
         meaning="YAML indentation is made of spaces; a tab there is an error.",
         fix="Indent with spaces (set your editor to insert spaces for the Tab key)."),
    Code("E009", "ambiguous-id", "an id that YAML reads as a boolean, number or date", ERROR,
         _story(_ONE + "next: no\n", _STORY, no="id: 'no'\ntitle: No\ntext: [x]\n"), ("01-one.yaml", 7, 7),
         meaning="Unquoted, `no`, `yes`, `on`, `0123` and `2024-01-01` are read by YAML as true/false, a "
                 "number or a date, not as the text of an id.",
         fix="Put the id in quotes: `next: 'no'`."),
    Code("E010", "not-one-document", "a file that is empty or holds several YAML documents", ERROR,
         _story("id: one\ntitle: One\ntext: [x]\n---\nid: two\n"), ("01-one.yaml", 4, 1),
         meaning="Each file holds exactly one scene (or the story's manifest): an empty file, or a `---` line "
                 "that starts a second document, is refused.",
         fix="Keep one scene per file: move the second document into a file of its own and remove the `---`."),
    Code("E011", "no-manifest", "a story folder without story.yaml", ERROR,
         {"01-one.yaml": _ONE}, ("story.yaml", 0, 0),
         meaning="A story folder needs a story.yaml naming its id, title, first scene and variables.",
         fix="Create one with `vignettes new story DIR` (and copy your scenes in), or name a single scene file."),
    Code("E012", "outside-story", "a scene file is a link to a file outside the story folder", ERROR,
         {**_story(), "02-two.yaml": Link("../elsewhere.txt")}, ("02-two.yaml", 0, 0),
         meaning="A story is the folder's own files. A scene file that is a symbolic link resolving outside "
                 "the folder is refused, and nothing of what it points to is read or shown, so a story "
                 "cannot make the checker or the player reveal other files.",
         fix="Copy the scene into the story folder, or make the link point at a file inside it."),
    Code("E013", "not-a-file", "an entry named like a scene is not a regular file", ERROR,
         {**_story(), "02-two.yaml": Special("folder")}, ("02-two.yaml", 0, 0),
         meaning="A folder, a named pipe (FIFO) or a device named `*.yaml` cannot be a scene; it is reported "
                 "instead of being read (reading a pipe could wait forever).",
         fix="Rename or remove it; a scene is a regular text file."),
    # -- schema --------------------------------------------------------------
    Code("E100", "schema", "a file does not follow the schema (unknown key, wrong type, missing key)", ERROR,
         _story("id: one\ntitle: One\ntext: [x]\nnxet: one\n"), ("01-one.yaml", 4, 1),
         meaning="The file's shape is not a scene's (or a story.yaml's): an unknown key, a missing key, or a "
                 "value of the wrong type, such as a paragraph YAML read as a mapping because it holds ': '.",
         fix="Follow the hint: the nearest known key, the type expected, or quotes around text YAML read as "
             "something else. `vignettes schema` prints the whole schema."),
    # -- story structure -----------------------------------------------------
    Code("E101", "duplicate-scene", "two scenes share one id", ERROR,
         _story(_ONE, _STORY, two=_ONE), ("two.yaml", 1, 5),
         meaning="`next`, `goto` and `seen()` name scenes by id, so each id may be used by one scene only.",
         fix="Give each scene its own id."),
    Code("E102", "unknown-target", "start, next or goto names no scene", ERROR,
         _story(_ONE + "next: tow\n", _STORY, two="id: two\ntitle: Two\ntext: [x]\n"), ("01-one.yaml", 7, 7),
         meaning="`start`, `next` or an option's `goto` names an id no scene in the folder has, so the reader "
                 "would be stranded there.",
         fix="Correct the id (the hint names the nearest one), or add the scene."),
    Code("W103", "unreachable-scene", "a scene that no path from the start reaches", WARNING,
         _story(_ONE, _STORY, two="id: two\ntitle: Two\ntext: [x]\n"), ("two.yaml", 1, 5),
         meaning="No chain of `next` and `goto` from the story's start leads to this scene, so no reader "
                 "will see it.",
         fix="Point a `next:` or `goto:` at it from a scene that is reached, or remove it."),
    Code("E104", "dead-end", "a way out of a scene that leads nowhere, in a scene that is not an ending", ERROR,
         _story(_ONE + "choices:\n  prompt: Go?\n  optional: true\n  options:\n    - text: Yes.\n      goto: one\n"),
         ("01-one.yaml", 7, 1),
         meaning="A scene with choices is not an ending, so every way out of it must lead somewhere: an "
                 "optional choice needs a `next:` for readers who skip it, and an option with no `goto:` "
                 "goes to the scene's `next:`.",
         fix="Add `next: <scene-id>` to the scene, or `goto: <scene-id>` to the option."),
    Code("E105", "no-ending", "no ending can be reached from the start", ERROR,
         _story(_ONE + "next: one\n"), ("story.yaml", 3, 8),
         meaning="Every path from the start loops for ever: no scene without `next:` and `choices:` can be "
                 "reached.",
         fix="Add an ending (a scene with no `next:` and no `choices:`) and lead a path to it."),
    Code("E106", "unknown-variable", "a condition or effect names an undeclared variable", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: hold_on > 0 or told\n    text: Hi.\n"), ("01-one.yaml", 4, 9),
         meaning="Every variable is declared under `variables:` in story.yaml with its start value; a name "
                 "that is not there is most often a typo.",
         fix="Correct the name (the hint names the nearest declared one), or declare it in story.yaml."),
    Code("E107", "type-mismatch", "a value or condition of the wrong type", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: told > 1 or held_on > 0\n    text: Hi.\n"), ("01-one.yaml", 4, 14),
         meaning="A variable is a number or true/false, fixed by its start value: numbers take `+ - < > <= "
                 ">=` and `add:`, true/false take `and or not` and `set:`, and `==` compares like with like.",
         fix="Compare a number (`count > 0`), test true/false directly (`told`, `not told`), use `set:` for "
             "true/false and `add:` for numbers."),
    Code("E108", "condition-syntax", "a condition that does not parse", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on >> 1 or told\n    text: Hi.\n"), ("01-one.yaml", 4, 18),
         meaning="Conditions are a small language: variable names, whole numbers, true/false, `+ -`, "
                 "`== != < <= > >=`, `and or not`, parentheses and `seen(scene-id)`. The column points "
                 "inside the condition.",
         fix="Follow the hint: `==` to compare (not `=`), `>=` and `<=` (not `=>`, `=<`), `not x` (not "
             "`!x`), numbers without quotes, `seen(id)` without quotes."),
    Code("W109", "unused-variable", "a declared variable that no condition reads", WARNING,
         _story(story=_STORY + "  spare: 1\n"), ("story.yaml", 7, 3),
         meaning="A variable that no `if:` reads cannot change the story, so its effects are lost work.",
         fix="Use it in an `if:`, or remove it and the effects on it."),
    Code("W110", "never-true", "a condition that no values of its variables can make true", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on > 2 and held_on < 1 or told and not told\n    text: Hi.\n"),
         ("01-one.yaml", 4, 9),
         meaning="Whatever values the variables take, this condition is false, so what it guards is never shown.",
         fix="Check the comparisons (`>` for `<`, `and` for `or`)."),
    Code("E111", "unknown-seen-scene", "seen() names no scene", ERROR,
         _story("id: one\ntitle: One\ntext:\n  - if: seen(lodnon) or told or held_on > 0\n    text: Hi.\n"),
         ("01-one.yaml", 4, 9),
         meaning="`seen(id)` is true once the reader has been through that scene; an id no scene has would "
                 "always be false.",
         fix="Correct the id (the hint names the nearest one)."),
    Code("W112", "may-strand", "a required choice whose every option has a condition, with no next", WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: Stay.\n      if: told\n      goto: one\n"
                "    - text: Leave.\n      if: held_on > 0\n      goto: one\n"), ("01-one.yaml", 7, 1),
         meaning="When none of the options' `if:` conditions holds, no option is offered, and with no `next:` "
                 "the reader has no way on: the story stops without an ending. Whether that can happen "
                 "depends on the paths that lead here; the player reports it as a bug in the story.",
         fix="Add an option without `if:` (one that is always offered), or a `next:` for the story to go on "
             "to when no option is open."),
    Code("W113", "comment-in-text", "an unquoted ' #' cuts a paragraph short: YAML reads the rest as a comment", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on > 0 or told\n    text: Hello.\n  - Room #12 was cold.\n"),
         ("01-one.yaml", 6, 10),
         meaning="In unquoted YAML text, a space followed by # starts a comment: everything after it on the "
                 "line is silently dropped, so the reader sees the paragraph cut short. Text that stops "
                 "mid-sentence before a ' #' is reported; a comment after a finished sentence is not.",
         fix="Put the whole paragraph in quotes (single quotes, doubling any ' inside), or remove the space "
             "before the #."),
    Code("W114", "folded-item", "a list item or key indented into the text above, which YAML reads as part of it", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on > 0 or told\n    text: Hello.\n  - First.\n"
                "   - Second.\n"), ("01-one.yaml", 7, 4),
         meaning="A line of unquoted text that goes on over several lines is joined into one: a line starting "
                 "with '- ' (or a `key:`) that is indented past the dash or key above is not a new item but more "
                 "of that text, so the reader sees 'First. - Second.' as one paragraph.",
         fix="Align the dash with the other items' dashes (or the key with its mapping's keys); if the dash "
             "belongs to the text, put the whole paragraph in quotes."),
    # -- test plans (a story's tests/ folder) ----------------------------------
    Code("E300", "plan-unknown-scene", "a test plan names a scene the story does not have", ERROR,
         _plan("  - scene: oen\n"), ("tests/plan.yaml", 4, 12),
         meaning="An expectation's `scene:` or `ending:` names an id no scene of the story has, so the plan "
                 "could never pass.",
         fix="Correct the id (the hint names the nearest one)."),
    Code("E301", "plan-unknown-variable", "a test plan names a variable the story does not declare", ERROR,
         _plan("  - variables: {hold_on: 1}\n"), ("tests/plan.yaml", 4, 17),
         meaning="An expectation's `variables:` names a variable that story.yaml does not declare.",
         fix="Correct the name (the hint names the nearest declared one)."),
    Code("E302", "plan-value-type", "a test plan expects a value of the wrong type for a variable", ERROR,
         _plan("  - variables: {told: 1}\n"), ("tests/plan.yaml", 4, 17),
         meaning="A variable is a number or true/false, fixed by its start value; the plan expects the other kind.",
         fix="Expect a number for a number variable, `true` or `false` for a true/false one."),
    Code("E303", "plan-answer", "a test plan's answer is neither an option number nor '-'", ERROR,
         _plan("  - ending: one\n", "1,x"), ("tests/plan.yaml", 2, 10),
         meaning="`answers:` are written as `vignettes play --choices` takes them: option numbers from 1, as "
                 "the player numbers the open options, and `-` to go on without choosing.",
         fix="Write the answers like `-,2,1` (quote the string when it starts with `-`), or as a list "
             "`['-', 2, 1]`."),
    Code("E304", "plan-step", "a test plan looks after a step past its last answer", ERROR,
         _plan("  - after: 3\n    scene: one\n"), ("tests/plan.yaml", 4, 12),
         meaning="`after: N` looks at the scene the N-th answer leads to, so N can be at most the number of "
                 "answers.",
         fix="Use a step from 0 to the number of answers, or `after: end`."),
    # -- saves (validate --saves DIR) ----------------------------------------------
    Code("E310", "save-no-longer-fits", "a reader's save that no longer replays on the edited story", ERROR,
         {**_story(), "saves/autosave.json": _SAVE}, ("saves/autosave.json", 8, 3),
         meaning="Saves keep the reader's answers and are replayed on the story when resumed. With "
                 "`--saves DIR`, validate replays every save of the story found in DIR; this one stops at the "
                 "answer marked, because the edited scene no longer offers it (an option removed, moved or now "
                 "closed, or a scene that became an ending). Saves of other stories and saves kept aside as "
                 "damaged are skipped and counted.",
         fix="Keep the option (and its place among the options) that readers took, or accept that readers "
             "of this save start over; the message names the step and the scene."),
    # -- adapt: a finished story in, scene drafts out (vignettes adapt) -------------------------------
    Code("E400", "source-unreadable", "adapt cannot open the story file", ERROR,
         {"story.txt": Link("drafts/story.txt")}, ("story.txt", 0, 0),
         meaning="The file named could not be opened: its permissions forbid reading it, or it is a link to a "
                 "file that is not there.",
         fix="Check the path and the file's permissions (`ls -l`); adapt the file itself, not a broken link.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E401", "source-not-a-file", "adapt was given a folder, a pipe or a device instead of a story file", ERROR,
         {"story.txt": Special("fifo")}, ("story.txt", 0, 0),
         meaning="adapt reads one regular file. A folder, a named pipe, a device or a socket is refused before "
                 "anything is read from it, so a pipe nobody writes to cannot hang the command and a device "
                 "cannot feed it for ever.",
         fix="Save the story to a file and adapt that file; to adapt text from another program, write it to a "
             "file first (`program > story.txt`).",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E402", "source-too-large", "the story file is over 10 MiB", ERROR,
         {"story.txt": Special("huge")}, ("story.txt", 0, 0),
         meaning="A story file is read whole, so adapt refuses one over 10 MiB before reading it. Long archive "
                 "downloads are well under the limit; a bigger file is usually several stories, or not a story.",
         fix="Adapt one story at a time: split the file, or download the work on its own.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E403", "source-not-text", "the story file is a document, image or archive, not text", ERROR,
         {"story.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"}, ("story.pdf", 0, 0),
         meaning="adapt reads plain text, Markdown and HTML. This file holds NUL bytes, or starts as a PDF, "
                 "Word, OpenDocument, RTF or EPUB file, an image or an archive does; the message says which.",
         fix="Save or export the story from the program that made it as plain text (.txt) or as a web page "
             "(.html), or download the HTML version from the archive, and adapt that.",
         command=("adapt", "story.pdf", "-o", "out")),
    Code("E404", "source-encoding", "the story file is not UTF-8 text", ERROR,
         {"story.txt": b"The Forge\n\nCaf\xe9 noir, said the smith.\n"}, ("story.txt", 3, 4),
         meaning="Without a byte-order mark the file must be UTF-8; this byte is not (often a file saved as "
                 "Latin-1 or Windows-1252 by an old editor). The place is the first byte that cannot be read; "
                 "with a byte-order mark, the byte after it that does not fit the encoding it names.",
         fix="Open the file in an editor and save it again as UTF-8 (every modern editor offers it under "
             "'encoding'), or convert it: `iconv -f WINDOWS-1252 -t UTF-8 story.txt > story-utf8.txt`.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E405", "source-empty", "the story file is empty or holds only white space", ERROR,
         {"story.txt": "\n  \n"}, ("story.txt", 0, 0),
         meaning="There is nothing to adapt: the file has no characters but spaces and line breaks.",
         fix="Check that the story was saved (an editor's unsaved buffer, a download that failed).",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E406", "no-story-text", "adapt found no story text in the file", ERROR,
         {"story.html": "<!DOCTYPE html>\n<html><head><title>Loading</title>\n<script src=app.js></script></head>\n"
                        "<body><div id=app></div></body></html>\n"}, ("story.html", 0, 0),
         meaning="The file was read, but no paragraph of story was found in it: a page whose text a script "
                 "draws after it loads (saved before it did, or saved as HTML only), a file of notes and "
                 "separators only, or a file read in the wrong form.",
         fix="Open the page in a browser and save it with the text showing (\"Web page, complete\" or "
             "\"Single file\"), download the archive's HTML version, or say the form with `--from`.",
         command=("adapt", "story.html", "-o", "out")),
    Code("E407", "vignette-too-long", "a vignette is too long to be one scene file", ERROR,
         {"story.txt": "Lists\n\n" + "".join(f"Item {n}.\n" for n in range(1, 1002))}, ("story.txt", 3, 1),
         meaning="Each vignette becomes one scene file, and a scene holds at most 1,000 paragraphs in at most "
                 "1 MiB, as the loader reads it. The place is where the vignette starts; usually scene breaks "
                 "the source marks in a way adapt does not know (or a whole novel with none).",
         fix="Split the vignette in the source with a separator line (`* * *`) or a heading, then adapt again.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E408", "paragraph-too-long", "a paragraph is longer than a scene's paragraph may be", ERROR,
         {"story.txt": "Rain\n\n" + "It rained again, " * 1200 + "and then it stopped.\n"}, ("story.txt", 3, 1),
         meaning="A paragraph holds at most 20,000 characters; a longer one is nearly always paragraphs whose "
                 "blank lines were lost (a file saved with its lines joined).",
         fix="Put blank lines between the paragraphs in the source, then adapt again.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E409", "folder-not-empty", "the folder named with -o already holds files", ERROR,
         {"story.txt": "Tides\n\nThe sea came in.\n", "out/notes.txt": "my own notes\n"}, ("out", 0, 0),
         meaning="adapt writes into a new or empty folder so that it never mixes its drafts with other files. "
                 "With --force it writes anyway, replacing story.yaml and the scene drafts an earlier adapt "
                 "wrote (files starting with a number and the editor modeline); other files are left alone.",
         fix="Name a new folder with -o, or add --force to adapt again over earlier drafts.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E410", "output-not-a-folder", "the path named with -o is a file", ERROR,
         {"story.txt": "Tides\n\nThe sea came in.\n", "out": "a file, not a folder\n"}, ("out", 0, 0),
         meaning="-o names the story folder to write; a file is there already.",
         fix="Name a new folder with -o.",
         command=("adapt", "story.txt", "-o", "out")),
    Code("E411", "cannot-write", "the drafts cannot be written where -o says", ERROR,
         {"story.txt": "Tides\n\nThe sea came in.\n"}, ("story.txt/out", 0, 0),
         meaning="The folder could not be made or written: no permission, a read-only disk, a full disk, or a "
                 "path that runs through a file.",
         fix="Name a folder you can write to with -o (check the permissions of the folder above it and the "
             "free space).",
         command=("adapt", "story.txt", "-o", "story.txt/out")),
    # -- adapt: Twine stories (published HTML, Twine archives, Twee) -----------------------------------
    Code("E420", "twine-duplicate-passage", "two passages of a Twine story share a name", ERROR,
         {"story.twee": _TWEE + ":: Shore\nThe sea again.\n"}, ("story.twee", 9, 1),
         meaning="Twine links find passages by name, so with two passages of one name adapt cannot tell which "
                 "one a link means (Twine itself keeps names unique; a file edited by hand or merged may not). "
                 "The place is the second passage; the message names the line of the first.",
         fix="Rename one of the two passages and point each link at the passage it means, then adapt again.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("E421", "twine-unnamed-passage", "a passage of a Twine story has no name", ERROR,
         {"story.twee": _TWEE + "::\nA passage nobody can link to.\n"}, ("story.twee", 9, 1),
         meaning="Every passage needs a name: links, and the story's start, find passages by it.",
         fix="Give the passage a name (in Twee, after `::` on its header line), then adapt again.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("W422", "twine-broken-link", "a link in a Twine passage names no passage", WARNING,
         {"story.twee": _TWEE.replace("[[Walk on->Shore]]", "[[Walk on->Shore]]\n[[Swim->Sea]]")}, ("story.twee", 6, 1),
         meaning="The link leads to a passage the story does not have (Twine draws it as a broken link); the "
                 "scene gets no option for it. Names must match in case, and in `[[a<-b]]` the passage "
                 "is `a`, in `[[a->b]]` and `[[a|b]]` it is `b`.",
         fix="Correct the link's passage name, or write the missing passage, then adapt again (or add the "
             "option to the draft by hand).",
         command=("adapt", "story.twee", "-o", "out")),
    Code("W423", "twine-code", "a Twine passage holds story-format code that vignettes does not run", WARNING,
         {"story.twee": _TWEE.replace("The tide is out.", "(set: $wet to false)The tide is out.")}, ("story.twee", 4, 1),
         meaning="Macros (Harlowe's `(set:)`, SugarCube's `<<if>>`), variables (`$name`) and HTML tags are the "
                 "story format's code. vignettes has its own variables and conditions and never runs a "
                 "format's code, so the line is kept as written, for the author to rewrite; the reader would "
                 "see it as text.",
         fix="Rewrite it in the draft: declare the variable in story.yaml, set it with an option's `set:` or "
             "`add:`, and show text with `if:`; or delete it.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("E424", "twine-which-story", "a Twine archive holds several stories and --story names none of them", ERROR,
         {"library.html": "<tw-storydata name=\"Tides\" startnode=\"1\"><tw-passagedata pid=\"1\" name=\"Start\">"
                          "The tide is out.</tw-passagedata></tw-storydata>\n<tw-storydata name=\"Gulls\" "
                          "startnode=\"1\"><tw-passagedata pid=\"1\" name=\"Start\">Gulls.</tw-passagedata>"
                          "</tw-storydata>\n"}, ("library.html", 2, 1),
         meaning="Twine's Library > Archive writes every story of the library into one file. adapt makes one "
                 "story folder at a time, so it needs to be told which story to adapt.",
         fix="Add `--story NAME` with the story's name as Twine shows it (the message lists them); adapt "
             "each story you want into its own folder.",
         command=("adapt", "library.html", "-o", "out")),
    Code("W425", "twine-no-start", "a Twine story names no start passage that it has", WARNING,
         {"story.twee": _TWEE.replace('"start": "Beach"', '"start": "Begin"')}, ("story.twee", 1, 1),
         meaning="The story's start passage (Twine's rocket icon; `start` in Twee's StoryData; `startnode` in "
                 "published HTML) is missing or names no passage, so adapt starts at the passage named Start, "
                 "or else at the first passage.",
         fix="Check `start:` in the drafts' story.yaml, or set the start passage in Twine and adapt again.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("W426", "twine-unreachable-passage", "a Twine passage that no link from the start leads to", WARNING,
         {"story.twee": _TWEE + ":: Notes\nRemember the gulls.\n"}, ("story.twee", 9, 1),
         meaning="No chain of links from the start passage reaches this passage (notes, drafts, or a link "
                 "removed), so no reader could read it; it is left out, so that the drafts validate with no "
                 "unreachable scene.",
         fix="Link to it from a passage the reader reaches and adapt again, or leave it out.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("E427", "twine-too-many-links", "a Twine passage links to more passages than a scene has options", ERROR,
         {"story.twee": _TWEE.replace("[[Walk on->Shore]]", "".join(f"[[Path {n}->Shore]]\n" for n in range(1, 22)))},
         ("story.twee", 3, 1),
         meaning="Each link becomes an option of the passage's scene, and a scene offers at most 20 options "
                 "(a reader cannot weigh more at one prompt).",
         fix="Split the links over two passages (a 'more…' link leading to the rest), then adapt again.",
         command=("adapt", "story.twee", "-o", "out")),
    Code("E428", "twine-no-ending", "no passage the reader can reach ends a Twine story", ERROR,
         {"story.twee": _TWEE.replace("The sea comes in.", "The sea comes in.\n[[Back->Beach]]")}, ("story.twee", 3, 1),
         meaning="Every passage reachable from the start links on, so a reader could never finish: in "
                 "vignettes a scene without options is an ending, and a story needs one (validate's E105). "
                 "The place is the start passage.",
         fix="Add a passage without links where the story ends, and link to it, then adapt again.",
         command=("adapt", "story.twee", "-o", "out")),
    # -- adapt: pages saved from the browser ----------------------------------------------------------
    Code("W430", "saved-page-part", "a saved work page shows only some of the work's chapters", WARNING,
         {"work.html": '<!DOCTYPE html>\n<html><body><dl class="work meta group"><dt class="stats">Stats:</dt>'
                       '<dd class="stats"><dl class="stats"><dt class="chapters">Chapters:</dt>'
                       '<dd class="chapters">3/3</dd></dl></dd></dl>\n<div id="workskin"><div class="preface group">'
                       '<h2 class="title heading">Tides</h2></div>\n<div id="chapters"><div class="chapter" '
                       'id="chapter-2"><div class="chapter preface group"><h3 class="title">Chapter 2: Neap</h3>'
                       '</div><div class="userstuff module"><p>The neap tide.</p></div></div></div></div>'
                       '</body></html>\n'}, ("work.html", 0, 0),
         meaning="The archive shows a long work a chapter at a time, and a page saved from that view holds that "
                 "chapter only; the work's stats say how many it has. The drafts are written from what the page "
                 "holds.",
         fix="On the archive choose Entire Work and save that page (or use Download > HTML), then adapt it "
             "again with --force.",
         command=("adapt", "work.html", "-o", "out")),
    # -- adapt: Markdown ------------------------------------------------------------------------------
    Code("E440", "front-matter", "a Markdown story's front matter is not YAML that adapt can read", ERROR,
         {"story.md": "---\ntitle: [Low Water\nauthor: Ana Reyes\n---\n\n## The Wall\n\nShe walked the wall.\n"},
         ("story.md", 2, 8),
         meaning="A `---` block at the top of a Markdown file (`title: ...`, `author: ...`, as static-site tools "
                 "and pandoc write it) is read as YAML, safely: no tags, anchors or aliases. This one is not "
                 "valid YAML (an unclosed bracket or quote, a tab, a key given twice), is not `key: value` lines "
                 "(a list, a lone value), or gives a title or author that is not text (`title: 1984` is a "
                 "number, `author: {name: Ana}` a mapping; an author may be a list of names). Nothing of it is "
                 "used and no drafts are written, so a broken line never becomes the story's title.",
         fix="Correct the line named (quote a title that holds `[`, `:` or `#`, or that YAML would read as a "
             "number or date), then adapt again. If the block is not front matter but a rule, leave a blank "
             "line after the first `---`.",
         command=("adapt", "story.md", "-o", "out")),
    # -- check: what every path does (vignettes check) ------------------------------------------------
    Code("W200", "never-reached", "a linked scene that no path reaches once conditions are taken into account", WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: On.\n      if: held_on > 0\n      goto: two\n"
                       "    - text: Stop.\n      goto: three\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\nnext: three\n", three="id: three\ntitle: Three\ntext: [x]\n"),
         ("two.yaml", 1, 5),
         meaning="The scene is linked (some `next:` or `goto:` leads to it, so validate's W103 is silent), but "
                 "`vignettes check` played every path and the conditions on the ways in are closed whenever "
                 "the reader gets there.",
         fix="Look at the `if:` of the options that lead here and at the effects before them; `vignettes "
             "check --to SCENE` says whether any path gets there.",
         command=("check",)),
    Code("W201", "never-open", "an option that is closed on every path that reaches its scene", WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  optional: true\n  options:\n    - text: Run.\n      if: told\n"
                       "next: two\n", _STORY, two="id: two\ntitle: Two\ntext: [x]\n"),
         ("01-one.yaml", 11, 7),
         meaning="The option's `if:` is false in every state in which a reader can be in its scene, so no "
                 "reader ever sees it. Options are numbered from 1 over the scene's full option list, as "
                 "written.",
         fix="Check the condition against the effects of the scenes before it (a variable that is never "
             "raised, a seen() of a scene always skipped), or remove the option.",
         command=("check",)),
    Code("W202", "never-shown", "a conditional paragraph that no path shows", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on > 0 or told\n    text: Hello.\n"), ("01-one.yaml", 4, 5),
         meaning="The paragraph's `if:` is false whenever a reader is in its scene, so no reader ever reads "
                 "it.",
         fix="Check the condition against the effects before the scene, or remove the paragraph.",
         command=("check",)),
    Code("W203", "always-shown", "a conditional paragraph shown on every path that reaches its scene", WARNING,
         _story("id: one\ntitle: One\ntext:\n  - if: held_on == 0 or told\n    text: Hello.\n"), ("01-one.yaml", 4, 5),
         meaning="The paragraph's `if:` is true whenever a reader is in its scene, so the condition changes "
                 "nothing; usually a sign that the condition tests the wrong variable or value.",
         fix="Drop the `if:`, or fix the condition so that some path leaves the paragraph out.",
         command=("check",)),
    Code("E204", "stranded", "a reachable state, not an ending, with no open option and no way on", ERROR,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: On.\n      if: told\n      goto: two\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\n"),
         ("01-one.yaml", 7, 1),
         meaning="On some path the reader arrives in a scene that is not an ending with every option closed "
                 "and no `next:` to go on to: the player can only stop there, as if the story had ended. The "
                 "hint gives the answers that lead there, as `vignettes play --choices` takes them.",
         fix="Add `next:` to the scene for when every option is closed, or keep one option always open (no "
             "`if:`).",
         command=("check",)),
    Code("E205", "stuck", "a scene where, on some path, no ending can be reached any more (a loop with no way out)", ERROR,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: Stay.\n      goto: one\n"
                       "    - text: Leave.\n      if: told\n      goto: two\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\n"),
         ("01-one.yaml", 1, 5),
         meaning="On some path the reader reaches a state from which no ending can be reached any more: every "
                 "way leads into a dead end, or round a loop that never lets them out. The hint gives the "
                 "answers that lead there and the loop.",
         fix="Give the loop a way out that is open on that path (an option without the closing condition, "
             "or a `next:`), or make sure the effects before it open one.",
         command=("check",)),
    Code("W206", "passed-required", "a choice that cannot be skipped, every option closed, which the story goes past", WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: Run.\n      if: told\nnext: two\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\n"),
         ("01-one.yaml", 7, 1),
         meaning="A choice that cannot be skipped (not `optional: true`) has every option closed on some path, "
                 "so the player goes on through `next:` without asking: the reader never makes the choice the "
                 "scene was written around.",
         fix="Keep one option always open, or make the choice `optional: true` if going on without "
             "choosing is meant.",
         command=("check",)),
    Code("W207", "ending-never-reached", "a linked ending that no path reaches once conditions are taken into account",
         WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: On.\n      goto: two\n"
                       "    - text: Stop.\n      if: told\n      goto: three\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\n", three="id: three\ntitle: Three\ntext: [x]\n"),
         ("three.yaml", 1, 5),
         meaning="The ending is linked, but no path's conditions let a reader get there; it is never read.",
         fix="Look at the `if:` of the options that lead to it; `vignettes check --to ENDING` says whether "
             "any path gets there.",
         command=("check",)),
    Code("W208", "play-not-ended", "a random playthrough (check --random) that did not end within --max-steps", WARNING,
         _story(_ONE + "choices:\n  prompt: Go?\n  options:\n    - text: Stay.\n      goto: one\n"
                       "    - text: Leave.\n      if: held_on > 1000\n      goto: two\n",
                _STORY, two="id: two\ntitle: Two\ntext: [x]\n"),
         ("story.yaml", 3, 8),
         meaning="`vignettes check --random` plays stop after `--max-steps` steps. A play that got that far "
                 "has not ended: often a loop the reader can take again and again, sometimes a loop with no "
                 "way out. Each play is named with its seed.",
         fix="Replay one play with `vignettes check --random 1 --seed SEED`, and run `vignettes check` "
             "without --random, which proves whether a loop has no way out.",
         command=("check", "--random", "3", "--max-steps", "50")),
)

BY_CODE: Mapping[str, Code] = {c.code: c for c in CATALOGUE}
BY_NAME: Mapping[str, Code] = {c.name: c for c in CATALOGUE}


def severity(code: str) -> str:
    return BY_CODE[code].severity
