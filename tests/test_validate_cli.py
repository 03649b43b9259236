"""`vignettes validate`, `schema` and `new` through main(argv), as CI and authors use them."""

import io
import json
import subprocess
import sys

import pytest

from engine import cli, codes, resources
from storyfiles import write_story

GOOD = codes._story()
BAD = codes._story(codes._ONE + "next: tow\n", two="id: two\ntitle: Two\ntext: [x]\n")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_bundled_story_is_clean_even_when_strict():
    code, out, err = run("validate", "--strict")
    assert code == 0 and out == "" and "no problems" in err


def test_errors_give_exit_1_and_a_concise_line_with_hint(tmp_path, monkeypatch):
    write_story(tmp_path / "s", BAD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "s")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "s/01-one.yaml:7:7: error[E102] next 'tow' not found"
    assert lines[1].strip() == "hint: did you mean 'two'?"


def test_warnings_pass_unless_strict(tmp_path):
    write_story(tmp_path, codes._story(story=codes._STORY + "  spare: 1\n"))
    assert run("validate", str(tmp_path))[0] == 0
    assert run("validate", "--strict", str(tmp_path))[0] == 1


def test_missing_path_is_exit_2(tmp_path):
    code, _, err = run("validate", str(tmp_path / "nowhere"))
    assert code == 2


def test_usage_error_is_exit_2_without_traceback():
    code, _, err = run("validate", "--format", "xml")
    assert code == 2 and "invalid choice" in err and "Traceback" not in err


def test_full_format_shows_the_line_and_a_caret(tmp_path, monkeypatch):
    write_story(tmp_path / "s", BAD)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run("validate", "--format", "full", "s")
    lines = out.splitlines()
    source = next(i for i, l in enumerate(lines) if "next: tow" in l)
    assert lines[source + 1].index("^") == lines[source].index("tow")


def test_json_and_sarif_are_machine_readable(tmp_path, monkeypatch):
    write_story(tmp_path / "s", BAD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "--format", "json", "s")
    [item] = [i for i in json.loads(out) if i["severity"] == "error"]
    assert code == 1 and (item["file"], item["line"], item["col"], item["code"]) == ("s/01-one.yaml", 7, 7, "E102")
    code, out, _ = run("validate", "--format", "sarif", "s")
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    [result] = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    assert result["ruleId"] == "E102"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (7, 7)


def test_a_scene_file_is_checked_with_its_story(tmp_path):
    write_story(tmp_path, BAD)
    code, out, _ = run("validate", str(tmp_path / "01-one.yaml"), str(tmp_path / "story.yaml"))
    assert code == 1 and out.count("E102") == 1


def test_a_lone_scene_file_is_checked_on_its_own(tmp_path):
    write_story(tmp_path, {"scene.yaml": "id: one\ntitle: One\ntext: [x]\nnext: two\n"})
    assert run("validate", str(tmp_path / "scene.yaml"))[0] == 0
    write_story(tmp_path, {"scene.yaml": "id: one\ntitle: One\ntext:\n  - if: x >\n    text: y\n"})
    code, out, _ = run("validate", str(tmp_path / "scene.yaml"))
    assert code == 1 and "E108" in out


def test_no_colour_when_not_a_terminal_or_with_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli.use_colour(Tty()) and not cli.use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.use_colour(Tty())


def test_validate_never_imports_prompt_toolkit_or_jsonschema_on_a_clean_story():
    script = ("import sys; from engine import cli; rc = cli.main(['validate']); "
              "print(rc, 'prompt_toolkit' in sys.modules, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "False"]


def test_core_modules_import_no_io_libraries():
    script = ("import sys; import engine.model, engine.expr, engine.runtime; "
              "print(sorted(m for m in ('yaml', 'jsonschema', 'prompt_toolkit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_new_story_validates_strictly_at_once(tmp_path):
    code, out, _ = run("new", "story", str(tmp_path / "my-story"))
    assert code == 0
    for path in (tmp_path / "my-story").glob("*.yaml"):
        assert path.read_text().startswith("# yaml-language-server: $schema=schemas/")
    assert run("validate", "--strict", str(tmp_path / "my-story"))[0] == 0
    code, _, err = run("new", "story", str(tmp_path / "my-story"))
    assert code == 2 and "not empty" in err


def test_new_scene_validates_and_is_numbered(tmp_path):
    run("new", "story", str(tmp_path / "s"))
    code, out, _ = run("new", "scene", "the-cellar", "--dir", str(tmp_path / "s"))
    assert code == 0 and (tmp_path / "s" / "03-the-cellar.yaml").is_file()
    assert run("validate", str(tmp_path / "s"))[0] == 0
    assert run("new", "scene", "Bad Id", "--dir", str(tmp_path / "s"))[0] == 2


def test_schema_prints_and_writes(tmp_path):
    code, out, _ = run("schema", "scene")
    assert code == 0 and json.loads(out)["$id"].endswith("scene.schema.json")
    assert run("schema", "--out", str(tmp_path))[0] == 0
    assert {p.name for p in tmp_path.iterdir()} == {"scene.schema.json", "story.schema.json", "save.schema.json", "testplan.schema.json"}
    assert (tmp_path / "scene.schema.json").read_text() == resources.schema_path("scene").read_text()


@pytest.mark.parametrize("command", ["validate", "new", "schema", "play", "graph", "test"])
def test_every_subcommand_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args([command, "--help"])
    assert "example" in capsys.readouterr().out
