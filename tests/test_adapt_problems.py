"""`vignettes adapt` on input it cannot adapt: every refusal is one coded line at its place, with a hint.

Each case is run as a user runs the command; the messages must name the
code from the catalogue, the place in the source where it has one, a hint,
exit 1 (2 for a path that does not exist), no traceback, and nothing written.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine import cli, codes

ROOT = Path(__file__).resolve().parent.parent


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def zipped(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in members:
            z.writestr(name, "x")
    return buffer.getvalue()


BAD_FILES = [
    ("empty.txt", b"", "E405", "the file is empty"),
    ("blank.md", b"  \n\t\n\n", "E405", "holds only white space"),
    ("nul.txt", b"Title\n\nText\x00\x00\x00 more\n", "E403", "holds NUL bytes"),
    ("story.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "E403", "a PDF document"),
    ("story.txt", zipped("[Content_Types].xml", "word/document.xml"), "E403", "a Word (.docx) document"),
    ("story.html", zipped("mimetype", "META-INF/container.xml", "OEBPS/ch1.xhtml"), "E403", "an EPUB e-book"),
    ("story.odt", zipped("mimetype", "content.xml"), "E403", "an OpenDocument file"),
    ("story.rtf", b"{\\rtf1\\ansi Once upon a time.}", "E403", "an RTF document"),
    ("cover.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "E403", "a JPEG image"),
    ("bad16.txt", b"\xff\xfe\x00\xd8", "E404", "not valid utf-16-le text after its byte-order mark"),
    ("nothing.html", b"<html><body><p>&nbsp;</p><script>draw()</script></body></html>", "E406", "found no story text"),
    ("rules.md", b"***\n\n---\n\n* * *\n", "E406", "found no story text"),
    ("headings.md", b"# Title\n\n## A\n\n## B\n", "E406", "found no story text"),
    ("heading.html", b"<html><body><h1>Only a title</h1><h2>And a heading</h2></body></html>", "E406",
     "found no story text"),
]


@pytest.mark.parametrize("name,content,code,message", BAD_FILES, ids=[c[0] + "-" + c[2] for c in BAD_FILES])
def test_a_file_that_cannot_be_adapted_is_one_coded_line_with_a_hint(tmp_path, name, content, code, message):
    source = tmp_path / name
    source.write_bytes(content)
    status, out, err = run("adapt", source, "-o", tmp_path / "out")
    first, hint = err.splitlines()[:2]
    assert status == 1 and out == ""
    assert first.startswith(f"{source}: error[{code}] ") and message in first
    assert hint.startswith("  hint: ") and len(hint) > 12
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    assert code in codes.BY_CODE


@pytest.mark.parametrize("raw,where", [
    (b"Title\n\nA line.\nCaf\xe9 noir.\n", (4, 4)),
    (b"Title\r\rA line.\rCaf\xe9 noir.\r", (4, 4)),  # old Mac line ends count as lines too
    (b"Title\r\n\r\nA line.\r\n\xe2\x80\x9cCaf\xe9\r\n", (4, 5)),  # columns count characters, not bytes
])
def test_a_byte_that_is_not_utf8_is_pointed_at_by_line_and_column(tmp_path, raw, where):
    source = tmp_path / "old.txt"
    source.write_bytes(raw)
    status, _, err = run("adapt", source, "-o", tmp_path / "out")
    assert status == 1 and err.startswith(f"{source}:{where[0]}:{where[1]}: error[E404] not UTF-8 text")


def test_full_format_shows_the_line_and_a_caret(tmp_path):
    source = tmp_path / "old.txt"
    source.write_bytes(b"Title\n\nA line.\nCaf\xe9 noir.\n")
    status, _, err = run("adapt", source, "-o", tmp_path / "out", "--format", "full")
    assert status == 1 and "error[E404]" in err and "Caf" in err and "^" in err


def test_folders_pipes_huge_files_and_broken_links_are_refused_unread(tmp_path):
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    with open(tmp_path / "huge.txt", "wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)
    (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
    for name, code in (("folder", "E401"), ("pipe", "E401"), ("huge.txt", "E402"), ("broken.txt", "E400")):
        proc = subprocess.run([sys.executable, "-m", "engine", "adapt", str(tmp_path / name), "-o", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, cwd=ROOT)
        assert proc.returncode == 1, (name, proc.stderr)
        assert proc.stderr.startswith(f"{tmp_path / name}: error[{code}] ") and "\n  hint: " in proc.stderr
        assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_a_source_that_does_not_exist_is_a_usage_error(tmp_path):
    status, _, err = run("adapt", tmp_path / "nope.txt", "-o", tmp_path / "out")
    assert status == 2 and err == f"vignettes adapt: no such file or folder: {tmp_path / 'nope.txt'}\n"


def test_a_heading_with_nothing_under_it_makes_no_scene(tmp_path):
    source = tmp_path / "s.md"
    source.write_text("# Title\n\n## Empty\n\n## Full\n\nText.\n\n## Also empty\n", encoding="utf-8")
    status, out, err = run("adapt", source, "-o", tmp_path / "out")
    assert status == 0 and "01-full.yaml  Full (1 paragraph)" in out
    assert "headings with no text under them: “Empty”, “Also empty”" in out
    assert not validate_problems(tmp_path / "out")


def validate_problems(folder):
    from engine import validate

    return [d.concise() for d in validate.validate([folder]).diagnostics]


# -- too long for a scene: pointed at where the vignette (or paragraph) starts, in every form -----------------

MANY = [f"Item {n}." for n in range(1, 1002)]
LONG = "It rained again, " * 1200 + "and then it stopped."


@pytest.mark.parametrize("name,text,code,where", [
    ("many.txt", "Lists\n\nOne.\n\n* * *\n\n" + "\n\n".join(MANY) + "\n", "E407", (7, 1)),
    ("many.md", "# Lists\n\n## Short\n\nOne.\n\n## Long\n\n" + "\n\n".join(MANY) + "\n", "E407", (7, 1)),
    ("many.html", "<html><body><h1>Lists</h1>\n<h2>Short</h2><p>One.</p>\n<h2>Long</h2>\n"
                  + "\n".join(f"<p>{m}</p>" for m in MANY) + "</body></html>", "E407", (3, 1)),
    ("long.txt", "Rain\n\nFirst.\n\n    " + LONG + "\n", "E408", (5, 5)),
    ("long.md", "---\ntitle: Rain\n---\n\nFirst.\n\n> " + LONG + "\n", "E408", (7, 1)),
    ("long.html", "<html><body><h1>Rain</h1>\n<p>First.</p>\n  <p>" + LONG + "</p></body></html>", "E408", (3, 3)),
])
def test_a_vignette_or_paragraph_too_long_is_pointed_at(tmp_path, name, text, code, where):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    status, _, err = run("adapt", source, "-o", tmp_path / "out")
    assert status == 1 and err.startswith(f"{source}:{where[0]}:{where[1]}: error[{code}] "), err
    assert "\n  hint: " in err and not (tmp_path / "out").exists()


# -- the folder named with -o ------------------------------------------------------------------------------------


def test_the_output_folder_problems_each_have_their_code(tmp_path):
    source = tmp_path / "s.txt"
    source.write_text("Tides\n\nThe sea came in.\n", encoding="utf-8")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine\n")
    (tmp_path / "a-file").write_text("x\n")
    for target, code in (("full", "E409"), ("a-file", "E410"), ("a-file/sub", "E411")):
        status, out, err = run("adapt", source, "-o", tmp_path / target)
        assert status == 1 and err.startswith(f"{tmp_path / target}: error[{code}] "), err
        assert "\n  hint: " in err and "Traceback" not in err
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine\n" and (tmp_path / "a-file").read_text() == "x\n"


# -- formats ---------------------------------------------------------------------------------------------------


def test_json_carries_the_report_and_the_problems(tmp_path):
    source = tmp_path / "s.txt"
    source.write_text("Tides\nby Ana Reyes\n\nLow Water\n\nThe sea went out.\n\n* * *\n\nHigh Water\n\nIt came back.\n",
                      encoding="utf-8")
    status, out, err = run("adapt", source, "-o", tmp_path / "out", "--format", "json")
    doc = json.loads(out)
    assert status == 0 and doc["written"] is True and doc["diagnostics"] == []
    assert (doc["title"], doc["author"], doc["form"]) == ("Tides", "Ana Reyes", "text")
    assert [(s["file"], s["title"], s["paragraphs"], s["line"]) for s in doc["scenes"]] == \
        [("01-low-water.yaml", "Low Water", 1, 4), ("02-high-water.yaml", "High Water", 1, 10)]
    (tmp_path / "bad.txt").write_bytes(b"T\n\n\xff\n")
    status, out, _ = run("adapt", tmp_path / "bad.txt", "-o", tmp_path / "out2", "--format", "json")
    doc = json.loads(out)
    assert status == 1 and doc["written"] is False
    assert [(d["code"], d["line"], d["col"], d["severity"]) for d in doc["diagnostics"]] == [("E404", 3, 1, "error")]


def test_sarif_names_the_rule_with_the_catalogue_text(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"")
    status, out, _ = run("adapt", tmp_path / "bad.txt", "-o", tmp_path / "out", "--format", "sarif")
    run_ = json.loads(out)["runs"][0]
    assert status == 1 and run_["results"][0]["ruleId"] == "E405"
    rule = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "E405")
    assert codes.BY_CODE["E405"].meaning.split(".")[0] in rule["fullDescription"]["text"]


def test_explain_shows_what_adapt_reports_for_its_example():
    status, out, _ = run("explain", "E404")
    assert status == 0 and "vignettes adapt story.txt -o out reports:" in out
    assert "story.txt:3:4: error[E404] not UTF-8 text" in out
