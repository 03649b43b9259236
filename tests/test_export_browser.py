"""The exported page in a real browser: Debian's Chromium, headless, driven by Playwright.

What a reader (and a screen-reader user) gets: the same paragraphs as the
terminal for the same answers, one new passage per step with focus on its
heading, keys that can be turned off, saves that survive a reload and move
between page and terminal, storage that fails without stopping play, no
request leaving the file, story markup that stays text, no sideways scroll
on a narrow phone, and no serious axe-core finding in either colour scheme.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine import export, runtime
from engine.validate import load_story
from webtools import launch, need

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).parent
HOSTILE = HERE / "fixtures" / "hostile-story"
PLAY = HERE / "fixtures" / "play-story"
BUNDLED = ROOT / "scenes"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    chromium = need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p, chromium)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Exported pages, each in its own folder (its own file:// path)."""
    base = tmp_path_factory.mktemp("pages")
    made = {}

    def make(folder: Path, name: str) -> Path:
        if name not in made:
            out = base / name
            out.mkdir()
            page = out / "story.html"
            page.write_text(export.page(load_story(folder)), encoding="utf-8")
            made[name] = page
        return made[name]

    return make


class Reader:
    """One browser tab on a page, with what it logged, asked and requested."""

    def __init__(self, browser, path: Path, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors, self.requests, self.dialogs = [], [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.as_uri()
        self.page.goto(self.url)

    def click(self, selector: str):
        self.page.click(selector)

    def choice(self, value: str):
        self.page.click(f'button[data-choice="{value}"]')

    def passages(self) -> list[dict]:
        return self.page.eval_on_selector_all('[role="log"] > article', """els => els.map(a => ({
            heading: a.querySelector('h2').textContent,
            paragraphs: Array.from(a.querySelectorAll(':scope > p:not([class])')).map(p => p.textContent),
            text: a.textContent}))""")

    def status(self) -> str:
        return self.page.text_content('[role="status"]')

    def focused(self) -> str:
        return self.page.evaluate("document.activeElement.tagName + '|' + document.activeElement.textContent")

    def close(self):
        assert not self.errors, self.errors
        assert all(u == self.url or u.startswith("data:") for u in self.requests), self.requests
        self.context.close()


@pytest.fixture
def reader(browser):
    opened = []

    def open_(path: Path, **context) -> Reader:
        r = Reader(browser, path, **context)
        opened.append(r)
        return r

    yield open_
    for r in opened:
        r.close()


# -- the same story as the terminal ----------------------------------------------------


def random_path(story, seed: int, cap: int = 60) -> list:
    rng, state, answers = random.Random(seed), runtime.start(story), []
    for _ in range(cap):
        v = runtime.view(story, state)
        offered = [i for i, _ in v.options] + ([None] if v.can_go_on else [])
        if not offered:
            break
        answers.append(rng.choice(offered))
        state = runtime.step(story, state, answers[-1])
    return answers


def page_and_script_answers(story, answers) -> tuple[list[str], list[str]]:
    """The data-choice clicks and the `--choices` list that give the same path."""
    clicks, script, state = [], [], runtime.start(story)
    for answer in answers:
        v = runtime.view(story, state)
        if not v.options:
            clicks.append("next")
        else:
            value = "-" if answer is None else str([i for i, _ in v.options].index(answer) + 1)
            clicks.append(value)
            script.append(value)
        state = runtime.step(story, state, answer)
    return clicks, script


def terminal_scenes(folder: Path, script: list[str], tmp_path: Path) -> list[tuple]:
    """(title, position, total, paragraphs) per scene, from `vignettes play --choices` and its transcript."""
    transcript = tmp_path / "transcript.md"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "engine", "play", str(folder), "--plain", "--new",
                           "--choices", ",".join(script) or "-", "--transcript", str(transcript)],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr  # 1: a '-' placeholder left over on a path with no prompt
    scenes = []
    for block in transcript.read_text(encoding="utf-8").split("\n## ")[1:]:
        lines = [line for line in block.split("\n") if line.strip()]
        m = re.fullmatch(r"(.*) \((\d+)/(\d+)\)", lines[0])
        title, where = (m[1], (int(m[2]), int(m[3]))) if m else (lines[0], None)
        paragraphs = [line for line in lines[1:] if not line.startswith((">", "*(undone)*"))]
        scenes.append((" ".join(title.split()), where, paragraphs))
    return scenes


def page_scenes(r: Reader) -> list[tuple]:
    out = []
    for p in r.passages():
        m = re.fullmatch(r"Scene (\d+) of (\d+): (.*)", p["heading"], re.S)
        out.append((" ".join((m[3] if m else p["heading"]).split()), (int(m[1]), int(m[2])) if m else None,
                    p["paragraphs"]))
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A story from the benchmark generator, seeded: nobody tuned the page to it."""
    out = tmp_path_factory.mktemp("gen") / "story"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_story.py"), "--scenes", "25", "--out", str(out),
                    "--seed", "7"], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("which, seed", [("bundled", 1), ("bundled", 2), ("hostile", 3), ("generated", 4),
                                         ("play", (None, 1, None)), ("play", (1, 0))])
def test_the_page_shows_what_the_terminal_shows_for_the_same_choices(which, seed, reader, pages, generated, tmp_path):
    folder = {"bundled": BUNDLED, "hostile": HOSTILE, "generated": generated, "play": PLAY}[which]
    story = load_story(folder)
    answers = list(seed) if isinstance(seed, tuple) else random_path(story, seed)
    clicks, script = page_and_script_answers(story, answers)
    expected = terminal_scenes(folder, script, tmp_path)
    r = reader(pages(folder, which))
    if story.content_notes:
        r.choice("begin")
    for n, value in enumerate(clicks, 1):
        r.choice(value)
        assert len(r.passages()) == n + 1, "each step adds exactly one passage to the log"
    assert page_scenes(r) == expected
    assert len(expected) == len(answers) + 1


# -- accessibility ----------------------------------------------------------------------------


def test_the_log_holds_one_new_passage_per_step_and_focus_moves_to_its_heading(reader, pages):
    html = export.page(load_story(BUNDLED))
    assert re.search(r'<div id="log" class="log" role="log" aria-live="polite" aria-label="Story"></div>', html)
    r = reader(pages(BUNDLED, "bundled"))
    assert r.page.get_attribute('[data-choice="begin"]', "type") == "button"
    assert r.passages() == []
    r.choice("begin")
    assert len(r.passages()) == 1 and r.focused().startswith("H2|Scene 1 of")
    first = r.passages()[0]["text"]
    prompt = r.page.text_content("#prompt")
    assert prompt and r.page.get_attribute("#options", "aria-labelledby") == "prompt"
    assert r.page.eval_on_selector_all('[role="log"] button, [role="log"] [data-choice]', "els => els.length") == 0
    r.choice("1")
    log = r.passages()
    assert len(log) == 2 and log[0]["text"] == first and r.focused().startswith("H2|Scene 2 of")
    assert r.page.get_attribute('[role="log"] article:last-child h2', "tabindex") == "-1"
    assert "You chose:" in log[1]["text"]


def test_number_keys_pick_options_unless_modified_in_a_field_or_turned_off(reader, pages):
    r = reader(pages(BUNDLED, "bundled"))
    r.choice("begin")
    r.page.keyboard.press("Control+1")
    r.page.keyboard.press("Alt+1")
    assert len(r.passages()) == 1
    r.page.keyboard.press("1")
    assert len(r.passages()) == 2 and r.focused().startswith("H2|Scene 2 of")
    r.click('[data-action="settings"]')
    r.page.focus('input[name="text-size"][value="normal"]')
    r.page.keyboard.press("2")
    assert len(r.passages()) == 2, "a key typed in a form field is the field's"
    r.click("#shortcuts")
    assert not r.page.is_checked("#shortcuts")
    r.page.focus('[role="log"] article:last-child h2')
    r.page.keyboard.press("1")
    assert len(r.passages()) == 2
    r.page.reload()
    r.choice("resume")
    r.page.keyboard.press("1")
    assert len(r.passages()) == 1 and not r.page.is_checked("#shortcuts"), "the switch is remembered"
    r.page.focus('button[data-choice="1"]')
    r.page.keyboard.press("Enter")
    assert len(r.passages()) == 2, "buttons still work from the keyboard"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_either_colour_scheme(scheme, reader, pages):
    from axe_playwright_python.sync_playwright import Axe

    r = reader(pages(BUNDLED, "bundled"), color_scheme=scheme, reduced_motion="reduce")
    axe, found = Axe(), {}

    def check(where):
        violations = axe.run(r.page).response["violations"]
        found[where] = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
        return [v for v in found[where] if v[1] in SERIOUS]

    assert check("title page") == []
    r.choice("begin")
    r.choice("1")
    r.click('[data-action="settings"]')
    r.click('[data-action="recap"]')
    assert check("a scene, settings and recap open") == []
    while r.page.query_selector('#options button, #onward [data-choice]'):
        r.page.click('#options button, #onward [data-choice]')
    assert check("the ending") == []
    print(f"axe-core ({scheme}):", json.dumps(found))
    background = r.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(23, 24, 27)") == (scheme == "dark")


@pytest.mark.parametrize("width", [320, 360])
def test_no_sideways_scroll_on_a_narrow_phone(width, reader, pages):
    for folder, name in ((BUNDLED, "bundled"), (HOSTILE, "hostile")):
        r = reader(pages(folder, name), viewport={"width": width, "height": 640})
        r.choice("begin")
        r.choice("1")
        r.click('[data-action="settings"]')
        r.click('input[name="text-size"][value="larger"]')
        sizes = r.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], (name, sizes)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed `rgb(...)` colours."""
    def luminance(colour):
        channels = [int(x) / 255 for x in re.findall(r"\d+", colour)[:3]]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings_borders_and_text_keep_their_contrast(scheme, reader, pages):
    r = reader(pages(BUNDLED, "bundled"), color_scheme=scheme, reduced_motion="reduce")
    r.page.keyboard.press("Tab")
    assert r.page.evaluate("document.activeElement.tagName") == "BUTTON"
    c = r.page.evaluate("""(() => {
        const css = (sel) => getComputedStyle(document.querySelector(sel));
        const focused = getComputedStyle(document.activeElement);
        return {ring: focused.outlineColor, ringStyle: focused.outlineStyle, ringWidth: parseFloat(focused.outlineWidth),
                border: css('button').borderTopColor, button: css('button').backgroundColor,
                page: css('body').backgroundColor, panel: css('#intro').backgroundColor,
                text: css('body').color, muted: css('.credits p').color}; })()""")
    assert c["ringStyle"] == "solid" and c["ringWidth"] >= 2
    for surface in ("page", "panel", "button"):
        assert contrast(c["ring"], c[surface]) >= 3, (surface, c)
        assert contrast(c["border"], c[surface]) >= 3, (surface, c)
        assert contrast(c["text"], c[surface]) >= 4.5, (surface, c)
    assert contrast(c["muted"], c["page"]) >= 4.5 and contrast(c["muted"], c["panel"]) >= 4.5, c


@pytest.mark.parametrize("motion, animation", [("reduce", "none"), ("no-preference", "arrive")])
def test_passages_move_only_for_readers_who_allow_motion(motion, animation, reader, pages):
    r = reader(pages(BUNDLED, "bundled"), reduced_motion=motion)
    r.choice("begin")
    assert r.page.evaluate("getComputedStyle(document.querySelector('.passage')).animationName") == animation


# -- saves ------------------------------------------------------------------------------------


def stored(r: Reader, story) -> dict:
    return json.loads(r.page.evaluate(f"localStorage.getItem('vignettes:{story.id}')"))


def test_a_reload_after_two_answers_keeps_the_place_in_the_terminals_save_format(reader, pages):
    story = load_story(BUNDLED)
    r = reader(pages(BUNDLED, "bundled"))
    r.choice("begin")
    r.choice("2")
    r.choice("-")
    before = r.passages()[-1]
    save = stored(r, story)
    expected = runtime.replay(story, [1, None])
    assert save == runtime.to_dict(story, expected)
    assert runtime.from_dict(story, save) == expected
    r.page.reload()
    assert r.passages() == [] and "Scene 3 of" in r.page.text_content("#resume-offer")
    r.choice("resume")
    after = r.passages()[-1]
    assert after["heading"] == before["heading"] and after["paragraphs"] == before["paragraphs"]
    assert r.focused().startswith("H2|Scene 3 of")


def test_undo_restart_recap_and_the_ending(reader, pages):
    story = load_story(HOSTILE)
    r = reader(pages(HOSTILE, "hostile"))
    assert r.page.is_hidden('[data-action="undo"]'), "nothing to undo before the story begins"
    r.choice("begin")
    r.click('[data-action="undo"]')
    assert "Nothing to undo" in r.status()
    r.choice("1")
    r.click('[data-action="undo"]')
    log = r.passages()
    assert len(log) == 3 and "Undone" in log[-1]["text"] and log[-1]["heading"] == log[0]["heading"]
    r.choice("1")
    r.click('[data-action="recap"]')
    assert r.page.get_attribute('[data-action="recap"]', "aria-expanded") == "true"
    assert r.page.text_content("#recap-list") == f"{story.scenes[0].title}: {export.shown(story.scenes[0].choice.options[0].text)}"
    end = r.passages()[-1]
    assert "The end." in end["text"] and "Your path:" in end["text"]
    assert r.page.is_visible('#onward [data-action="restart"]')
    r.click('#onward [data-action="restart"]')
    assert "Started again" in r.passages()[-1]["text"] and r.focused().startswith("H2|Scene 1 of")
    assert stored(r, story)["answers"] == []


def test_storage_that_throws_is_a_status_message_and_play_goes_on(reader, pages):
    r = reader(pages(BUNDLED, "bundled-full"), reduced_motion="reduce")
    r.page.add_init_script("Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };")
    r.page.reload()
    r.choice("begin")
    r.choice("1")
    assert "Could not save" in r.status() and "full" in r.status()
    r.choice("-")
    assert len(r.passages()) == 3
    r.page.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('no', 'SecurityError'); }});")
    r.page.reload()
    r.choice("begin")
    r.choice("1")
    assert len(r.passages()) == 2 and "Could not save" in r.status()


def test_a_save_moves_between_page_file_and_terminal(reader, pages, tmp_path):
    story = load_story(BUNDLED)
    r = reader(pages(BUNDLED, "bundled-files"), accept_downloads=True)
    r.choice("begin")
    r.choice("1")
    r.choice("2")
    with r.page.expect_download() as download:
        r.click('[data-action="export-save"]')
    saved = tmp_path / "save.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data == runtime.to_dict(story, runtime.replay(story, [0, 1]))
    # The terminal resumes from it as from its own save.
    folder = tmp_path / "data" / "vignettes" / story.id
    folder.mkdir(parents=True)
    shutil.copy(saved, folder / "autosave.json")
    proc = subprocess.run([sys.executable, "-m", "engine", "play", "--plain", "--resume", "--choices", "1"],
                          capture_output=True, text=True, env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
                          stdin=subprocess.DEVNULL, timeout=60)
    there = runtime.view(story, runtime.replay(story, [0, 1]))
    assert "Traceback" not in proc.stderr and f"Scene {there.position} of {there.total}: {there.title}" in proc.stdout
    terminal_save = json.loads((folder / "autosave.json").read_text())
    assert terminal_save["answers"][:2] == [0, 1] and len(terminal_save["answers"]) == 3
    # And a terminal save loads into a fresh page.
    fresh = reader(pages(BUNDLED, "bundled-import"))
    bad = tmp_path / "bad.json"
    for text in ("{", json.dumps({**terminal_save, "answers": [0, 99]}), json.dumps({**terminal_save, "story": "other"}),
                 " " * 1_000_001):
        bad.write_text(text)
        with fresh.page.expect_file_chooser() as chooser:
            fresh.click('[data-action="import-save"]')
        chooser.value.set_files(str(bad))
        # A selector wait, not wait_for_function: its polling evaluates a string, which the page's CSP refuses.
        fresh.page.wait_for_selector('[role="status"]:has-text("cannot be loaded")')
        assert fresh.passages() == []
        fresh.page.evaluate("document.querySelector('[role=status]').textContent = ''")
    with fresh.page.expect_file_chooser() as chooser:
        fresh.click('[data-action="import-save"]')
    chooser.value.set_files(str(folder / "autosave.json"))
    fresh.page.wait_for_selector('[role="log"] article')
    expected = runtime.view(story, runtime.from_dict(story, terminal_save))
    assert fresh.passages()[-1]["paragraphs"] == [export.shown(p) for p in expected.paragraphs]
    assert stored(fresh, story) == terminal_save


def test_a_save_from_before_an_edit_is_replayed_on_the_new_export(reader, tmp_path):
    folder = tmp_path / "story"
    shutil.copytree(BUNDLED, folder)
    page = tmp_path / "site" / "story.html"
    page.parent.mkdir()
    page.write_text(export.page(load_story(folder)), encoding="utf-8")
    r = reader(page)
    r.choice("begin")
    r.choice("1")
    r.choice("1")
    scene = folder / sorted(p.name for p in folder.glob("0*.yaml"))[0]
    scene.write_text(scene.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    page.write_text(export.page(load_story(folder)), encoding="utf-8")
    r.page.reload()
    r.choice("resume")
    assert "changed since you saved" in r.status() and r.focused().startswith("H2|Scene 3 of")


def test_a_damaged_save_is_set_aside_with_a_message(reader, pages):
    story = load_story(BUNDLED)
    r = reader(pages(BUNDLED, "bundled-damaged"))
    r.page.evaluate(f"localStorage.setItem('vignettes:{story.id}', '{{\"format\": 1, \"answers\": [[[[')")
    r.page.reload()
    assert "could not be used" in r.status() and "damaged" in r.status()
    assert r.page.is_hidden('[data-choice="resume"]')
    r.choice("begin")
    r.choice("1")
    assert stored(r, story)["answers"] == [0]


def test_text_size_is_kept(reader, pages):
    r = reader(pages(BUNDLED, "bundled-size"))
    r.click('[data-action="settings"]')
    r.click('input[name="text-size"][value="large"]')
    assert r.page.get_attribute("html", "data-text-size") == "large"
    r.page.reload()
    assert r.page.get_attribute("html", "data-text-size") == "large"
    assert r.page.is_checked('input[name="text-size"][value="large"]')


# -- safety -----------------------------------------------------------------------------------


def test_hostile_story_markup_stays_text_and_runs_nothing(reader, pages):
    story = load_story(HOSTILE)
    r = reader(pages(HOSTILE, "hostile"))
    assert r.page.title() == export.shown(story.title)
    assert r.page.text_content("#story-title") == export.shown(story.title)
    r.choice("begin")
    r.choice("1")
    r.page.wait_for_timeout(100)
    assert r.dialogs == [] and r.page.title() == export.shown(story.title)
    assert r.page.evaluate("document.querySelectorAll('img, b, i, [onclick], [onerror], script:not([id])').length") == 0
    text = r.page.text_content('[role="log"]')
    assert "<!--<script>document.title='pwned'</script>-->" in text and "<img src=x onerror=" in text
    assert "\u202e" not in text and "\x07" not in text and "\x1b" not in text
    assert r.page.text_content("#notes-list").startswith("<i>markup</i> & ")
    assert r.page.get_attribute("html", "lang") == "cy"


def test_no_request_leaves_a_hosted_page(browser, pages):
    page = pages(BUNDLED, "bundled-hosted")
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(page.parent), **k)

        def log_message(self, *args):
            seen.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = browser.new_context()
        tab = context.new_page()
        requests = []
        tab.on("request", lambda q: requests.append(q.url))
        tab.goto(f"http://127.0.0.1:{server.server_port}/story.html")
        tab.click('[data-choice="begin"]')
        tab.click('[data-choice="1"]')
        tab.wait_for_timeout(300)
        context.close()
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["/story.html"], seen  # not even /favicon.ico
    assert all(u.endswith("/story.html") or u.startswith("data:") for u in requests), requests


def test_without_javascript_the_page_says_so(browser, pages):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(pages(BUNDLED, "bundled").as_uri())
    assert "needs JavaScript" in tab.inner_text("body")
    context.close()


def test_a_story_without_content_notes_starts_at_once(reader, pages, generated):
    r = reader(pages(generated, "generated"))
    assert r.page.is_hidden("#intro") and len(r.passages()) == 1
    story = load_story(generated)
    first = runtime.view(story, runtime.start(story))
    assert r.passages()[0]["heading"] == f"Scene 1 of {first.total}: {first.title}" and first.total == 24


def test_a_stranded_reader_is_told_it_is_not_an_ending(reader, tmp_path):
    folder = tmp_path / "stranded"
    folder.mkdir()
    (folder / "story.yaml").write_text("id: stranded\ntitle: Stranded\nstart: a\nvariables:\n  key: false\n")
    (folder / "01-a.yaml").write_text("id: a\ntitle: A\ntext: [Go on.]\nnext: b\n")
    (folder / "02-b.yaml").write_text("id: b\ntitle: B\ntext: [Locked.]\nchoices:\n  prompt: Which?\n  options:\n"
                                      "    - text: Open.\n      if: key\n      goto: c\n")
    (folder / "03-c.yaml").write_text("id: c\ntitle: C\ntext: [Out.]\n")
    page = tmp_path / "stranded.html"
    page.write_text(export.page(load_story(folder)), encoding="utf-8")
    r = reader(page)
    assert r.passages()[0]["heading"] == "Scene 1 of 2: A"
    r.choice("next")
    last = r.passages()[-1]
    assert "without an ending" in last["text"] and "The end." not in last["text"]
    assert r.page.query_selector_all("#options button") == []
    r.click('#onward [data-action="undo"]')
    assert r.passages()[-1]["heading"] == "Scene 1 of 2: A"
