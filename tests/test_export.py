"""`vignettes export`: the command, and a page that is safe and self-contained by construction."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cli, export
from engine.frontend.text import clean
from engine.validate import load_story
from webtools import parts

HERE = Path(__file__).parent
HOSTILE = HERE / "fixtures" / "hostile-story"
MARKUP = re.compile(r"[<>&]")


def run(*argv, cwd=None):
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        code = cli.main(list(argv), out, err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


# -- the command -------------------------------------------------------------------------


def test_writes_story_id_html_here_and_never_over_a_file_without_force(tmp_path):
    code, out, err = run("export", cwd=tmp_path)
    page = tmp_path / "five-times.html"
    assert code == 0 and page.is_file() and "five-times.html" in out, err
    first = page.read_bytes()
    assert first.startswith(b"<!DOCTYPE html>") and len(first) > 10_000
    page.write_text("the reader's own file")
    code, out, err = run("export", cwd=tmp_path)
    assert code == 2 and "already exists" in err and "--force" in err
    assert page.read_text() == "the reader's own file"
    code, _, _ = run("export", "--force", cwd=tmp_path)
    assert code == 0 and page.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["five-times.html"]  # no temporary file left
    mask = os.umask(0o022)
    os.umask(mask)
    assert page.stat().st_mode & 0o777 == 0o666 & ~mask  # a page to share, as any new file, not a private temp file


def test_output_to_a_named_file_and_to_stdout(tmp_path):
    target = tmp_path / "site" / "index.html"
    code, _, err = run("export", str(HOSTILE), "-o", str(target))
    assert code == 2 and "no folder" in err and not target.exists()
    target.parent.mkdir()
    assert run("export", str(HOSTILE), "-o", str(target))[0] == 0
    code, out, _ = run("export", str(HOSTILE), "-o", "-")
    assert code == 0 and out == target.read_text(encoding="utf-8")
    assert run("export", str(HOSTILE), "-o", str(tmp_path))[0] == 2  # a folder is not a file


def test_stdout_is_bytes_through_a_pipe():
    proc = subprocess.run([sys.executable, "-m", "engine", "export", str(HOSTILE), "-o", "-"], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == export.page(load_story(HOSTILE))


def test_refuses_a_story_with_errors_as_play_does(tmp_path):
    story = tmp_path / "broken"
    shutil.copytree(HOSTILE, story)
    (story / "02-two.yaml").write_text("id: two\ntitle: Two\ntext:\n  - if: y >= 1\n    text: hi\n")
    code, out, err = run("export", str(story), "-o", str(tmp_path / "x.html"))
    assert code == 1 and "error[E106]" in err and "02-two.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()
    assert run("export", str(tmp_path / "nothing-here"), cwd=tmp_path)[0] == 2  # a typo in the path: usage
    assert run("export", "--no-such-flag")[0] == 2


# -- the page is safe by construction -----------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    story = load_story(HOSTILE)
    return story, export.page(story)


def test_story_text_cannot_end_the_data_block(hostile):
    story, html = hostile
    page = parts(html)
    raw = page.scripts["story-data"]
    assert not MARKUP.search(raw), "every <, > and & is escaped inside the JSON"
    assert html.count("</script>") == 4  # the page's own four blocks, no story text
    data = json.loads(raw)
    assert data["scenes"][0]["title"] == "</script><script>alert('t')</script>"
    assert data["scenes"][0]["text"][0]["text"].startswith("<!--<script>")
    assert [t["text"] for t in data["scenes"][0]["text"]][1] == " ".join(clean(story.scenes[0].paragraphs[1].text).split())
    assert "\u202e" not in raw and "\x07" not in raw and "\x1b" not in raw and "\u202e" not in json.dumps(data, ensure_ascii=False)


def test_title_is_escaped_and_lang_comes_from_the_story(hostile):
    story, html = hostile
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert '<html lang="cy">' in html
    assert '<html lang="en">' in export.page(load_story())


def test_csp_is_first_in_head_and_allows_only_the_pages_own_script_and_style(hostile):
    _, html = hostile
    page = parts(html)
    tag, attrs = page.first_in_head
    assert tag == "meta" and attrs["http-equiv"] == "Content-Security-Policy"
    policy = dict(p.strip().split(" ", 1) for p in attrs["content"].split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"

    def digest(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    code = [text for name, text in page.scripts.items() if name in ("vignettes-runtime", "vignettes-page")]
    assert sorted(policy["script-src"].split()) == sorted(digest(t) for t in code)
    assert policy["style-src"] == digest("".join(page.styles))
    assert "unsafe" not in attrs["content"]


def test_no_inline_style_or_handler_and_nothing_loaded_from_elsewhere(hostile):
    _, html = hostile
    page = parts(html)
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for a in ("src", "href", "action", "srcset", "poster", "data"):
            assert a not in attrs or attrs[a].startswith("data:"), (tag, attrs)
    icon = [attrs for tag, attrs in page.tags if tag == "link" and attrs.get("rel") == "icon"]
    assert len(icon) == 1 and icon[0]["href"].startswith("data:image/svg+xml,")
    assert any(tag == "noscript" for tag, _ in page.tags) and "needs JavaScript" in html


def test_scripts_write_text_only_and_run_nothing_from_the_story(hostile):
    _, html = hostile
    page = parts(html)
    script = page.scripts["vignettes-page"] + page.scripts["vignettes-runtime"]
    assert "textContent" in script
    assert not re.search(r"\b(document|window|localStorage|navigator)\b", page.scripts["vignettes-runtime"]), \
        "the runtime touches no page, so Node runs the very same script"
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                         r"setTimeout\(\s*['\"]|\bfetch\(|XMLHttpRequest|importScripts|\.src\s*=", script)


def test_the_bundled_page_fits_its_budget():
    size = len(export.page(load_story()).encode("utf-8"))
    assert size <= 150 * 1024, size


def test_export_imports_no_terminal_library():
    script = ("import sys; from engine import cli; rc = cli.main(['export', '-o', '-'], open('/dev/null', 'w')); "
              "print(rc, 'prompt_toolkit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_help_explains_the_command_with_examples(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["export", "--help"])
    text = capsys.readouterr().out
    assert "example" in text and "--force" in text and "-o FILE" in text


def test_a_failed_write_leaves_neither_a_page_nor_a_temporary_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = run("export", str(HOSTILE), "-o", str(tmp_path / "page.html"))
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "page.html").write_text("old")
    assert run("export", str(HOSTILE), "-o", str(tmp_path / "page.html"), "--force")[0] == 2
    assert (tmp_path / "page.html").read_text() == "old" and len(list(tmp_path.iterdir())) == 1
    assert run("export", str(HOSTILE), "-o", "/proc/no-such-place/page.html")[0] == 2


def test_a_missing_browser_fails_in_ci_and_is_skipped_with_the_fix_elsewhere(monkeypatch):
    import webtools

    monkeypatch.setattr(webtools.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get update && apt-get install chromium"):
        webtools.need("chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install nodejs"):
        webtools.need("node")
