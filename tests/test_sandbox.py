"""Validation is local and read-only.

`vignettes validate` must open no socket (jsonschema must never fetch a
remote `$ref`, however the story's files are written), start no process,
and read nothing but the story, the engine's own files and the Python
installation; it writes nothing.

Audit hooks cannot be removed once installed, so each check runs in a
fresh interpreter: a small script installs a hook that records every
`open`, `socket.*` and process event, runs `engine.cli.main`, and prints
what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(r'''
    import io, json, os, sys

    events = []
    WATCH_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                      "urllib.", "http.", "ftplib.", "smtplib.", "webbrowser.")
    WATCH = {"open", "os.system", "os.remove", "os.unlink", "os.rename", "os.replace", "os.mkdir",
             "os.rmdir", "os.truncate", "os.chmod", "shutil.copyfile", "shutil.rmtree"}

    def describe(value):
        if isinstance(value, bytes):
            return os.fsdecode(value)
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return repr(value)

    def hook(event, args):
        if event in WATCH or event.startswith(WATCH_PREFIXES):
            events.append([event] + [describe(a) for a in args])

    story = sys.argv[1]
    extra = sys.argv[2:]
    sys.addaudithook(hook)

    from engine.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", story, *extra, "--format", "json"], out, err)
    print(json.dumps({
        "code": code,
        "out": out.getvalue(),
        "err": err.getvalue(),
        "events": events,
        "jsonschema": "jsonschema" in sys.modules,
        "cwd": os.getcwd(),
        "roots": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}),
        "site": sorted(set(__import__("site").getsitepackages() + [__import__("site").getusersitepackages()])),
        "engine": os.path.dirname(__import__("engine").__file__),
    }))
''')

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def probe(tmp_path: Path, story: Path, *extra: str) -> dict:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir(exist_ok=True)
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    # -B: the interpreter's own bytecode cache is not the engine writing files.
    proc = subprocess.run([sys.executable, "-B", str(script), str(story), *extra], cwd=str(elsewhere), env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def check_events(report: dict, story: Path) -> list[str]:
    """Every event recorded, asserted on; returns the files read, for the caller's own checks."""
    cwd = report["cwd"]
    roots = [os.path.realpath(r) for r in
             [str(story), report["engine"], str(ROOT / "schemas"), str(ROOT / "scenes"), *report["roots"], *report["site"]]]
    opened = []
    for event, *args in report["events"]:
        assert not event.startswith("socket."), f"network access during validate: {event} {args}"
        assert event == "open", f"validate did more than read files: {event} {args}"
        path, mode, flags = args
        if isinstance(path, int):  # os.fdopen of a descriptor already opened (and checked) by path
            continue
        full = os.path.realpath(os.path.join(cwd, path))
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS)
        assert not writing, f"opened for writing: {path} mode={mode!r} flags={flags!r}"
        assert full == "/dev/null" or any(_inside(full, r) for r in roots), \
            f"opened a file outside the story, the engine and Python: {full}"
        opened.append(full)
    return opened


def test_bundled_story_is_validated_without_network_or_writes(tmp_path):
    story = ROOT / "scenes"
    report = probe(tmp_path, story)
    assert report["code"] == 0, report["out"] + report["err"]
    assert json.loads(report["out"]) == []
    opened = check_events(report, story)
    # The probe really watched: the scene files were read through the hook.
    assert {p for p in opened if p.endswith(".yaml")} >= {os.path.realpath(p) for p in story.glob("*.yaml")}


def test_bundled_story_by_default_is_validated_without_network_or_writes(tmp_path):
    """No PATH: the bundled story found through the package's resources."""
    story = ROOT / "scenes"
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    script = tmp_path / "probe.py"
    script.write_text(PROBE.replace('main(["validate", story, *extra, "--format", "json"]',
                                    'main(["validate", *extra, "--format", "json"]'), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-B", str(script), str(story)], cwd=str(elsewhere), env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert report["code"] == 0, report["out"]
    check_events(report, story)


URL = "http://127.0.0.1:9/x.json"

HOSTILE_STORY = {
    "story.yaml": f"""\
# yaml-language-server: $schema={URL}
$schema: {URL}
$id: {URL}
id: refs
title: Refs
start: one
variables:
  n: 0
""",
    "01-one.yaml": f"""\
# yaml-language-server: $schema={URL}
id: one
title: One
$ref: {URL}
text:
  - $ref: {URL}
  - {{"$ref": "{URL}#/definitions/x"}}
  - if: n > 0
    text: "$ref: {URL}"
next: two
""",
    "02-two.yaml": f"""\
id: two
title: Two
text: {{"$ref": "{URL}", "$dynamicRef": "{URL}#meta", "$schema": "{URL}"}}
choices:
  options:
    - text: go
      goto: {{"$ref": "{URL}"}}
      add: {{"$ref": 1}}
""",
    "03-three.yaml": f"""\
id: three
title: "$ref"
text: ["{URL}", "file:///etc/passwd", "$ref: /etc/passwd"]
""",
}


def make_hostile_story(folder: Path) -> Path:
    folder.mkdir()
    for name, text in HOSTILE_STORY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_remote_refs_in_a_story_are_never_fetched(tmp_path):
    story = make_hostile_story(tmp_path / "story")
    report = probe(tmp_path, story)
    assert report["code"] == 1, report
    diagnostics = json.loads(report["out"])
    assert any(d["code"] == "E100" for d in diagnostics), diagnostics
    # The schema errors went through jsonschema, the library that could follow a $ref.
    assert report["jsonschema"], "jsonschema never ran: the test did not reach the path it means to test"
    check_events(report, story)


def test_a_lone_scene_file_with_remote_refs_is_never_fetched(tmp_path):
    story = make_hostile_story(tmp_path / "story")
    (story / "story.yaml").unlink()
    lone = story / "02-two.yaml"
    report = probe(tmp_path, lone, str(story / "01-one.yaml"))
    assert report["code"] == 1, report
    assert report["jsonschema"]
    check_events(report, story)


@pytest.mark.parametrize("text", [
    # A scene that *is* a schema, pointing at a remote metaschema.
    f'{{"$schema": "{URL}", "$id": "{URL}", "$ref": "{URL}", "id": "x", "title": "X", "text": ["t"]}}\n',
    f'id: x\ntitle: X\ntext: ["t"]\nchoices: {{"$ref": "{URL}"}}\n',
])
def test_a_scene_that_looks_like_a_schema_is_never_fetched(tmp_path, text):
    story = make_hostile_story(tmp_path / "story")
    (story / "04-schema.yaml").write_text(text, encoding="utf-8")
    report = probe(tmp_path, story)
    assert report["code"] == 1
    assert report["jsonschema"]
    check_events(report, story)
