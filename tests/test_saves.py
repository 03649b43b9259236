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


def test_stale_temporary_files_are_cleared_unless_a_live_writer_holds_them(folder):
    """A process id in the name proves nothing (ids are reused): the writer's lock on the file does."""
    import fcntl

    folder.write("autosave", a_save())
    dead = folder.path / ".autosave.999999999.abcd.tmp"
    dead.write_bytes(b"half")
    reused = folder.path / f".autosave.{os.getppid()}.efgh.tmp"  # its id now names another live process
    reused.write_bytes(b"half")
    live = folder.path / f".autosave.{os.getpid()}.ijkl.tmp"
    live.write_bytes(b"busy")
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a writer still at work: it holds the lock until it is done
        fd = os.open(live, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(ready_w, b"x")
        time.sleep(30)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        assert set(folder.clear_stale()) == {dead, reused}
        assert live.exists() and folder.read("autosave") is not None
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert folder.clear_stale() == [live]


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


# -- odd things in the save folder, and saves that cannot be read ------------------------------------------


def _plant(folder, kind):
    folder.path.mkdir(parents=True, exist_ok=True)
    target = folder.slot_path("autosave")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link to /dev/zero":
        os.symlink("/dev/zero", target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "device":
        os.mknod(target, 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5))
    elif kind == "sparse 4 GB file":
        with open(target, "wb") as f:
            f.truncate(4 << 30)
    return target


@pytest.mark.parametrize("kind, says", [("fifo", "is a named pipe"), ("link to /dev/zero", "symbolic link"),
                                        ("folder", "is a folder"), ("device", "is a device"),
                                        ("sparse 4 GB file", "far too large")])
def test_what_is_not_a_regular_file_is_refused_unread_and_kept(folder, kind, says):
    target = _plant(folder, kind)
    started = time.monotonic()
    with pytest.raises(saves.BrokenSave) as e:
        folder.read("autosave")
    assert time.monotonic() - started < 5  # no hang on the pipe, no reading of gigabytes
    assert says in e.value.message and e.value.kept_at and not e.value.blocked
    assert os.path.lexists(e.value.kept_at) and not os.path.lexists(target)
    folder.write("autosave", a_save())  # the slot is free again; what was there is untouched
    assert os.path.lexists(e.value.kept_at)


@pytest.mark.parametrize("code", [13, 5])  # EACCES, EIO: root is not stopped by chmod, so the error is simulated
def test_a_save_that_cannot_be_read_is_moved_aside_never_overwritten(folder, monkeypatch, code):
    folder.write("autosave", a_save())
    original = folder.slot_path("autosave").read_bytes()
    real_read = os.read

    def failing(fd, n):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(saves.os, "read", failing)
    with pytest.raises(saves.BrokenSave) as e:
        folder.read("autosave")
    monkeypatch.setattr(saves.os, "read", real_read)
    assert os.strerror(code) in e.value.message and e.value.kept_at.read_bytes() == original
    folder.write("autosave", a_save((0,)))
    assert e.value.kept_at.read_bytes() == original


def test_a_save_from_a_newer_vignettes_is_named_as_such_and_kept(folder):
    newer = {**a_save(), "format": 2, "something_new": True}
    folder.path.mkdir(parents=True)
    folder.slot_path("autosave").write_text(json.dumps(newer))
    with pytest.raises(saves.BrokenSave) as e:
        folder.read("autosave")
    assert e.value.newer and "made by a newer version of vignettes" in e.value.message
    assert "damaged" not in e.value.message
    kept = e.value.kept_at
    assert saves.SLOT_NAME.fullmatch(kept.stem) and kept.stem.startswith("autosave-newer-")
    assert json.loads(kept.read_text()) == newer


def test_a_damaged_save_that_cannot_be_moved_blocks_its_slot(folder, monkeypatch):
    folder.path.mkdir(parents=True)
    folder.slot_path("autosave").write_bytes(b"{oops")

    def read_only(*args):
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(saves.os, "rename", read_only)
    with pytest.raises(saves.BrokenSave) as e:
        folder.read("autosave")
    assert e.value.blocked and e.value.kept_at is None
    assert folder.slot_path("autosave").read_bytes() == b"{oops"


def test_the_folders_made_for_the_first_save_are_synced(tmp_path, monkeypatch):
    synced = []
    real = saves.os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)
    monkeypatch.setattr(saves.os, "fsync", fsync)
    folder = saves.SaveFolder("small", tmp_path / "a" / "b")
    folder.write("autosave", a_save())
    assert str(tmp_path) in synced and str(tmp_path / "a") in synced and str(tmp_path / "a" / "b") in synced
    synced.clear()
    folder.slot_path("autosave").write_bytes(b"[]")
    with pytest.raises(saves.BrokenSave):
        folder.read("autosave")
    assert str(folder.path) in synced  # the move aside is made durable too
