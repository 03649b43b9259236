"""`vignettes validate STORY --saves DIR`: replay readers' saves on an edited story."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from engine import cli, validate


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def readers(tmp_path, monkeypatch):
    """A data folder with saves made by really playing: two slots of the bundled story, one of another story,
    and one kept aside as damaged."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    assert run("play", "--choices", "-,2,1")[0] == 1  # ran out of answers mid-story: the place is kept
    assert run("play", "--choices", "1,1,1,1", "--slot", "ring")[0] == 1
    other = tmp_path / "other"
    run("new", "story", str(other))
    assert run("play", str(other), "--choices", "2")[0] == 0
    folder = home / "vignettes" / "five-times"
    (folder / "autosave.broken-20260101-120000.json").write_text("{not json", encoding="utf-8")
    return home / "vignettes"


def test_unchanged_story_is_quiet(readers):
    code, out, err = run("validate", "--saves", str(readers))
    assert code == 0 and out == "", out
    assert re.search(r"saves of 'five-times' in .*: 2 replayed, all fit; skipped 1 damaged, 1 of other stories", err), err


def test_an_edit_that_breaks_a_save_names_it(readers, tmp_path, monkeypatch):
    story = tmp_path / "edited"
    shutil.copytree(validate.bundled_story(), story)
    london = story / "02-london.yaml"
    text = london.read_text(encoding="utf-8")
    # London loses its second option: the autosave picked it (answer 2), the 'ring' slot did not.
    cut = text.index("    - text: >-\n        That’s what wanting")
    london.write_text(text[:cut] + text[text.index("next: lisa-redux"):], encoding="utf-8")
    assert run("validate", str(story))[0] == 0
    monkeypatch.chdir(readers)
    code, out, err = run("validate", str(story), "--saves", ".")
    assert code == 1
    [line] = out.splitlines()[:1]
    saved = json.loads((readers / "five-times" / "autosave.json").read_text())
    lines = (readers / "five-times" / "autosave.json").read_text().splitlines()
    step_line = lines.index(' "answers": [') + 1 + 2  # the second answer's line, 1-based
    assert saved["answers"][1] == 1
    assert line.startswith(f"five-times/autosave.json:{step_line}:3: error[E310] this save no longer fits the story: "
                           "at step 2, in scene 'london', the reader took option 2, but the scene now has 1 option")
    assert "ring.json" not in out
    assert "2 replayed, 1 no longer fits" in err
    code, out, _ = run("validate", str(story), "--saves", ".", "--format", "json")
    [d] = json.loads(out)
    assert code == 1 and (d["file"], d["code"], d["line"]) == ("five-times/autosave.json", "E310", step_line)
    code, out, _ = run("validate", str(story), "--saves", ".", "--format", "sarif")
    [r] = json.loads(out)["runs"][0]["results"]
    assert code == 1 and r["ruleId"] == "E310"


def test_saves_folder_must_exist(tmp_path):
    code, _, err = run("validate", "--saves", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err and "Traceback" not in err
