"""The published pre-commit hooks, run by the real pre-commit in a real git repository.

The hooks of .pre-commit-hooks.yaml are turned into `repo: local` hooks
with the same entry and settings, running the installed `vignettes`, so
the test needs no network and no environment build, yet exercises what a
story repository gets: story folders checked whole, other YAML never read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine import codes
from storyfiles import write_story

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
# A GitHub workflow: valid YAML, but nothing like a scene (no id, no title).
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
TWO = "id: two\ntitle: Two\ntext: [x]\n"
GOOD = codes._story(codes._ONE + "next: two\n", two=TWO)


def pre_commit_exe() -> str:
    found = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    assert found, "pre-commit is a test dependency: pip install -e '.[test]'"
    return found


class Repo:
    def __init__(self, path: Path, hook_id: str = "vignettes-validate"):
        self.path = path
        self.env = {**os.environ, "HOME": str(path.parent / "home"), "PRE_COMMIT_HOME": str(path.parent / "cache"),
                    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GIT_AUTHOR_NAME": "A",
                    "GIT_AUTHOR_EMAIL": "a@example.invalid", "GIT_COMMITTER_NAME": "A",
                    "GIT_COMMITTER_EMAIL": "a@example.invalid", "NO_COLOR": "1"}
        for key in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
            self.env.pop(key, None)
        (path.parent / "home").mkdir(exist_ok=True)
        path.mkdir(exist_ok=True)
        self.git("init", "-q", "-b", "main")
        [hook] = [dict(h) for h in HOOKS if h["id"] == hook_id]
        hook["language"] = "unsupported"  # the installed command, as `language: python` would provide it
        config = {"repos": [{"repo": "local", "hooks": [hook]}]}
        (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.run(pre_commit_exe(), "install")

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(argv, cwd=self.path, env=self.env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def git(self, *argv: str) -> subprocess.CompletedProcess:
        """git, with the hook's output (which git commit sends to stderr) joined into stdout."""
        done = self.run("git", *argv)
        done.stdout += done.stderr
        return done

    def commit(self, message: str = "change") -> subprocess.CompletedProcess:
        self.git("add", "-A")
        return self.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path) -> Repo:
    r = Repo(tmp_path / "repo")
    write_story(r.path / "stories" / "tale", GOOD)
    (r.path / ".github" / "workflows").mkdir(parents=True)
    (r.path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (r.path / "notes.yaml").write_text("- not: a scene\n", encoding="utf-8")
    return r


def test_a_clean_story_and_a_workflow_commit(repo):
    done = repo.commit("first")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vignettes validate" in done.stdout and "Passed" in done.stdout
    assert "ci.yml" not in done.stdout + done.stderr


def test_a_typo_fails_the_commit_at_its_place(repo):
    assert repo.commit("first").returncode == 0
    (repo.path / "stories" / "tale" / "01-one.yaml").write_text(codes._ONE + "next: tow\n", encoding="utf-8")
    done = repo.commit("typo")
    assert done.returncode != 0
    assert "stories/tale/01-one.yaml:7:7: error[E102] next 'tow' not found" in done.stdout
    assert "did you mean 'two'?" in done.stdout
    assert repo.git("log", "--oneline").stdout.count("\n") == 1  # the typo was not committed


def test_other_yaml_is_never_read(repo):
    assert repo.commit("first").returncode == 0
    (repo.path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW + "# changed\n", encoding="utf-8")
    (repo.path / "notes.yaml").write_text("{{{ not even YAML\n", encoding="utf-8")
    done = repo.commit("workflow only")
    assert done.returncode == 0, done.stdout
    for name in ("ci.yml", "notes.yaml", "pre-commit-config", "E100", "E003"):
        assert name not in done.stdout + done.stderr


def test_a_story_at_the_repository_root_does_not_read_the_config(tmp_path):
    r = Repo(tmp_path / "repo")
    write_story(r.path, GOOD)
    (r.path / ".github" / "workflows").mkdir(parents=True)
    (r.path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    done = r.commit("first")
    assert done.returncode == 0, done.stdout
    assert "missing required key" not in done.stdout


def test_deleting_a_scene_checks_its_story(repo):
    assert repo.commit("first").returncode == 0
    repo.git("rm", "-q", "stories/tale/two.yaml")
    done = repo.git("commit", "-q", "-m", "delete")
    assert done.returncode != 0
    assert "stories/tale/01-one.yaml:7:7: error[E102] next 'two' not found" in done.stdout


def test_all_files_checks_every_story(repo):
    assert repo.commit("first").returncode == 0
    (repo.path / "stories" / "tale" / "two.yaml").write_text("id: two\ntitle: Two\ntext: [x]\nnxet: one\n", encoding="utf-8")
    done = repo.run(pre_commit_exe(), "run", "--all-files")
    assert done.returncode != 0
    assert "stories/tale/two.yaml:4:1: error[E100] unknown key 'nxet'" in done.stdout


def test_strict_hook_fails_on_warnings(tmp_path):
    r = Repo(tmp_path / "repo", "vignettes-validate-strict")
    write_story(r.path / "tale", codes._story(story=codes._STORY + "  spare: 1\n"))
    done = r.commit("first")
    assert done.returncode != 0 and "warning[W109]" in done.stdout


def test_check_hook_plays_every_path_of_a_changed_story(tmp_path):
    r = Repo(tmp_path / "repo", "vignettes-check")
    write_story(r.path / "stories" / "tale", GOOD)
    done = r.commit("first")
    assert done.returncode == 0, done.stdout
    assert "vignettes check" in done.stdout and "Passed" in done.stdout
    write_story(r.path / "stories" / "stranded", codes.BY_CODE["E204"].example)
    done = r.commit("a dead end")
    assert done.returncode != 0
    assert "stories/stranded/01-one.yaml:7:1: error[E204]" in done.stdout
    assert "stories/tale" not in done.stdout  # only the story that changed is played


def test_the_published_manifest_is_valid():
    done = subprocess.run([pre_commit_exe(), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in HOOKS:
        assert hook["always_run"] is True and hook["entry"].startswith("vignettes ")


def test_story_folders_walk_up_to_the_story_and_stop_at_the_top(tmp_path, monkeypatch):
    from engine import hooks

    write_story(tmp_path / "a", GOOD)
    (tmp_path / "a" / "plans").mkdir()
    write_story(tmp_path / "b", {"01-one.yaml": codes._ONE})  # its story.yaml was deleted
    monkeypatch.chdir(tmp_path)
    found = hooks.story_folders(["a/plans/p.yaml", "a/01-one.yaml", ".github/workflows/ci.yml", "README.md"],
                                ["b/story.yaml", "gone/x.yaml"])
    assert [p.as_posix() for p in found] == ["a", "b"]


def test_test_hook_runs_the_plans_of_the_changed_story(tmp_path):
    from engine import scaffold

    r = Repo(tmp_path / "repo", "vignettes-test")
    scaffold.new_story(r.path / "tale")
    (r.path / "notes.yaml").write_text("- not: a story\n", encoding="utf-8")
    done = r.commit("first")
    assert done.returncode == 0, done.stdout
    assert "1 passed, 0 failed" in done.stdout or "Passed" in done.stdout
    ending = r.path / "tale" / "02-ending.yaml"
    ending.write_text(ending.read_text(encoding="utf-8").replace("glad of it", "sorry for it"), encoding="utf-8")
    done = r.commit("last words changed")
    assert done.returncode != 0
    assert "tale/tests/01-the-way-on.yaml" in done.stdout and "last words" in done.stdout
    assert "0 passed, 1 failed" in done.stdout
    r.git("checkout", "HEAD", "--", "tale/02-ending.yaml")
    (r.path / "notes.yaml").write_text("{{{ not even YAML\n", encoding="utf-8")
    done = r.commit("notes only")
    assert done.returncode == 0, done.stdout
