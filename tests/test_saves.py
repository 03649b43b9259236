"""Save files: slot names, atomic writes under SIGKILL, damaged saves kept aside."""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from engine import runtime, saves
from play_stories import SMALL, build

STORY = build(SMALL)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return saves.SaveFolder(STORY.id)


def a_save(answers=(1, 0)):
    return runtime.to_dict(STORY, runtime.replay(STORY, answers))


def test_data_home_follows_xdg(tmp_path):
    assert saves.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "vignettes"
    assert saves.data_home({"XDG_DATA_HOME": "relative/ignored"}).parts[-3:] == (".local", "share", "vignettes")


def test_write_then_read(folder, tmp_path):
    path = folder.write("autosave", a_save())
    assert path == tmp_path / "vignettes" / "small" / "autosave.json"
    assert folder.read("autosave") == a_save()
    assert folder.read("other") is None
    assert folder.slots() == ["autosave"]


@pytest.mark.parametrize("name", ["../x", "a/b", "", ".hidden", "A", "x" * 65, "con\x00", "é", "-x", "a.b"])
def test_slot_names_cannot_leave_the_folder(folder, name):
    with pytest.raises(saves.SaveError):
        folder.write(name, a_save())


def test_an_invalid_save_is_never_written(folder):
    with pytest.raises(saves.SaveError):
        folder.write("autosave", {**a_save(), "answers": ["x"]})
    assert not folder.slot_path("autosave").exists()


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],
    lambda raw: b"\x00\xff garbage \x9c" * 10,
    lambda raw: b"",
    lambda raw: b'{"format": 1}',
    lambda raw: b"[" * 500_000,
])
def test_a_damaged_save_is_reported_and_kept(folder, damage):
    path = folder.write("autosave", a_save())
    bad = damage(path.read_bytes())
    path.write_bytes(bad)
    with pytest.raises(saves.BrokenSave) as e:
        folder.read("autosave")
    assert e.value.kept_at.read_bytes() == bad and e.value.kept_at.parent == folder.path
    assert "damaged" in e.value.message and not path.exists()
    folder.write("autosave", a_save())  # a fresh start does not touch the kept bytes
    assert e.value.kept_at.read_bytes() == bad


def test_stale_temporary_files_are_cleared(folder):
    folder.write("autosave", a_save())
    dead = folder.path / ".autosave.999999999.abcd.tmp"
    dead.write_bytes(b"half")
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    gone = folder.path / f".autosave.{pid}.efgh.tmp"
    gone.write_bytes(b"half")
    live = folder.path / f".autosave.{os.getppid()}.ijkl.tmp"  # a process still running
    live.write_bytes(b"busy")
    assert set(folder.clear_stale()) == {dead, gone}
    assert live.exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_while_saving_never_leaves_a_broken_slot(folder):
    """200 kills at random moments: the slot holds the old save or a newer one, whole."""
    histories = [a_save(()), a_save((0,)), a_save((1,)), a_save((0, 2)), a_save((None, 1))]
    folder.write("autosave", histories[0])
    valid = [json.dumps(h, sort_keys=True) for h in histories]
    rng = random.Random(1)
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            try:
                n = 0
                while True:
                    folder.write("autosave", histories[n % len(histories)])
                    n += 1
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 0.004))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        data = folder.read("autosave")
        assert json.dumps(data, sort_keys=True) in valid
    assert folder.clear_stale(), "no kill landed inside a save; the test proves nothing"
    assert not list(folder.path.glob(".*.tmp"))
