"""Save files on disk: where they live, how they are written, what happens to bad ones.

A reader's progress must survive a crash, a full disk or a kill at any
instant, so a slot is only ever replaced whole (temporary file in the same
folder, fsync, `os.replace`), and a file that cannot be read is moved aside
rather than overwritten. Slot names are checked so none can leave the folder.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from engine.errors import ERROR, Diagnostic, EngineError
from engine.runtime import SAVE_FORMAT
from engine.schema import Schemas

AUTOSAVE = "autosave"
SLOT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_STORY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_BYTES = 1_000_000


class SaveError(EngineError):
    """A slot name or save folder that cannot be used."""


class BrokenSave(EngineError):
    """A save that could not be used; `kept_at` is where its bytes now are.

    `blocked`: it could not be moved aside, so it still holds the slot, and
    nothing may be written there. `newer`: a newer vignettes made it.
    """

    def __init__(self, message: str, kept_at: Optional[Path], blocked: bool = False, newer: bool = False):
        super().__init__(message)
        self.kept_at = kept_at
        self.blocked = blocked
        self.newer = newer


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


def data_home(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_DATA_HOME/vignettes`, or `~/.local/share/vignettes` (XDG base directory spec)."""
    base = environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "vignettes"


def check_slot(name: str) -> str:
    if not isinstance(name, str) or not SLOT_NAME.fullmatch(name):
        raise SaveError(f"'{name}' is not a save slot name: use up to 64 lowercase letters, digits, '-' and '_', "
                        "starting with a letter or digit")
    return name


def save_problems(schemas: Schemas, data: Any) -> list[str]:
    """Why `data` is not a valid save, one line per problem (jsonschema runs only on a bad one)."""
    if schemas.is_valid("save", data):
        return []
    return [f"{'/'.join(map(str, e.absolute_path)) or 'save'}: {e.message}"
            for e in schemas.validator("save").iter_errors(data)]


class SaveFolder:
    """The slots of one story: `<data home>/<story id>/<slot>.json`."""

    def __init__(self, story_id: str, home: Optional[Path] = None):
        if not _STORY_ID.fullmatch(story_id or ""):
            raise SaveError(f"story id {story_id!r} cannot name a save folder")
        self.path = (home or data_home()) / story_id
        self.schemas = Schemas()

    def slot_path(self, slot: str) -> Path:
        return self.path / f"{check_slot(slot)}.json"

    def problems(self, data: Any) -> list[str]:
        return save_problems(self.schemas, data)

    def clear_stale(self) -> list[Path]:
        """Remove temporary files left by a process that was killed mid-save.

        A writer holds a lock on its temporary file until the file is renamed, so
        a file whose lock can be taken has no writer left (a process id alone
        could not show that: ids are reused).
        """
        removed = []
        if not self.path.is_dir():
            return removed
        for tmp in self.path.glob(".*.tmp"):
            try:
                fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live writer holds it
            else:
                try:
                    tmp.unlink()
                    removed.append(tmp)
                except FileNotFoundError:
                    pass
            finally:
                os.close(fd)
        return removed

    def exists(self, slot: str) -> bool:
        return os.path.lexists(self.slot_path(slot))

    def slots(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.stem for p in self.path.glob("*.json") if SLOT_NAME.fullmatch(p.stem))

    def write(self, slot: str, data: Mapping[str, Any]) -> Path:
        """Replace the slot whole, so a crash leaves the old save or the new one, never half of one."""
        target = self.slot_path(slot)
        problems = self.problems(data)
        if problems:
            raise SaveError(f"refusing to write an invalid save: {problems[0]}")
        payload = (json.dumps(data, indent=1, ensure_ascii=True) + "\n").encode("ascii")
        self._make_folder()
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{slot}.{os.getpid()}.", suffix=".tmp")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the rename: clear_stale leaves a live write alone
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
                os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        _sync_folder(self.path)
        return target

    def _make_folder(self) -> None:
        """Create the save folder and any missing parents, each made durable in its own parent."""
        missing = []
        here = self.path
        while not here.is_dir() and here != here.parent:
            missing.append(here)
            here = here.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                pass
            _sync_folder(folder.parent)

    def read(self, slot: str) -> Optional[dict]:
        """The slot's save, None when there is none; a bad one is moved aside and BrokenSave raised."""
        raw = self._read_bytes(slot)
        if raw is None:
            return None
        data, reason = self._parse(raw)
        if reason is None:
            return data
        found = data.get("format") if isinstance(data, dict) else None
        if isinstance(found, int) and not isinstance(found, bool) and found > SAVE_FORMAT:
            kept, blocked = self.set_aside(slot, "newer")
            raise BrokenSave(f"the save '{slot}' was made by a newer version of vignettes (save format {found}; "
                             f"this version reads format {SAVE_FORMAT})", kept, blocked, newer=True)
        self._refuse(slot, f"is damaged ({reason})")

    def _read_bytes(self, slot: str) -> Optional[bytes]:
        """The slot's bytes, read only once the opened file is known to be a regular one of sane size.

        No link is followed and opening never blocks, so a named pipe, a device or a
        link to /dev/zero planted in the folder is refused at once without being read.
        """
        target = self.slot_path(slot)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno == errno.ELOOP:
                self._refuse(slot, "is a symbolic link, not a save file; it was not followed")
            self._refuse(slot, f"cannot be read: {e.strerror or e}")
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
                self._refuse(slot, f"is {kind}, not a save file; it was not read")
            if info.st_size > MAX_BYTES:
                self._refuse(slot, f"is far too large ({info.st_size:,} bytes); it was not read")
            chunks, size = [], 0
            while size <= MAX_BYTES:
                chunk = os.read(fd, MAX_BYTES + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks)
        except OSError as e:
            self._refuse(slot, f"cannot be read: {e.strerror or e}")
        finally:
            os.close(fd)

    def _refuse(self, slot: str, why: str):
        """Move the slot's file aside and raise BrokenSave saying why."""
        kept, blocked = self.set_aside(slot, "broken")
        raise BrokenSave(f"the save '{slot}' {why}", kept, blocked)

    def set_aside(self, slot: str, label: str) -> tuple[Optional[Path], bool]:
        """Move a slot aside; (where it went, True if it could not be moved and still holds the slot)."""
        try:
            kept = self.keep_aside(slot, label)
        except OSError:
            kept = None
        return kept, kept is None and os.path.lexists(self.slot_path(slot))

    def _parse(self, raw: bytes) -> tuple[Any, Optional[str]]:
        return parse_save(raw, self.schemas)

    def keep_aside(self, slot: str, label: str = "broken") -> Optional[Path]:
        """Move a slot to `<slot>.broken-<time>.json` so its bytes are never overwritten.

        A save from a newer vignettes goes to the slot `<slot>-newer-<time>` instead,
        which that version can still resume (`--slot`). The rename is synced.
        """
        target = self.slot_path(slot)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1000):
            name = f"{slot}.{label}-{stamp}" if label == "broken" else f"{slot[:40]}-{label}-{stamp}"
            aside = self.path / f"{name}{'-' + str(n) if n else ''}.json"
            if not os.path.lexists(aside):
                try:
                    os.rename(target, aside)
                except FileNotFoundError:
                    return None
                _sync_folder(self.path)
                return aside
        return None

    def keep_previous(self, slot: str) -> Optional[str]:
        """Move the slot's save to the slot `previous` (or `<slot>-previous`) rather than let a new game replace it."""
        previous = "previous" if slot == AUTOSAVE else f"{slot[:55]}-previous"
        try:
            os.replace(self.slot_path(slot), self.slot_path(previous))
        except FileNotFoundError:
            return None
        _sync_folder(self.path)
        return previous


def _sync_folder(path: Path) -> None:
    """Make a rename or a new entry in `path` durable; some platforms cannot open folders."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- saves an edit would break (`vignettes validate --saves DIR`) ---------------------

KEPT_ASIDE = re.compile(r"\.broken-\d{8}-\d{6}(-\d+)?\.json$")


@dataclass
class SaveCounts:
    """What `--saves` looked at: saves of this story replayed, and saves it skipped."""

    checked: int = 0
    broken: int = 0
    damaged: int = 0
    other_stories: int = 0


def save_files(folder: Path, depth: int = 3) -> list[Path]:
    """The *.json files under `folder` (the data home, or one story's save folder), links not followed."""
    out: list[Path] = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        deep = len(here.relative_to(folder).parts) >= depth
        dirs[:] = [] if deep else sorted(d for d in dirs if not d.startswith("."))
        out += [here / n for n in sorted(names) if n.endswith(".json") and not n.startswith(".")]
    return out


def parse_save(raw: bytes, schemas: Schemas) -> tuple[Any, Optional[str]]:
    """A save's data from its bytes, or why it is damaged."""
    if len(raw) > MAX_BYTES:
        return None, "it is far too large"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "it is not text"
    except RecursionError:
        return None, "it is nested too deeply"
    except ValueError as e:
        if not raw.strip():
            return None, "it is empty"
        # json's own text ends "starting at" when a place follows ("Unterminated string starting at")
        at = "" if e.msg.endswith(" at") else " at"
        return None, f"it is not valid JSON: {e.msg}{at} line {e.lineno}, column {e.colno}"
    problems = save_problems(schemas, data)
    return data, problems[0] if problems else None


def check_saves(story, files: Iterable[tuple[str, bytes]], schemas: Schemas) -> tuple[list[Diagnostic], SaveCounts]:
    """Replay each save of `story` among `files` (display name, bytes); a Diagnostic for each that no longer fits.

    Saves kept aside as damaged, unreadable ones and other stories' saves are skipped and counted.
    """
    from engine import runtime

    problems: list[Diagnostic] = []
    counts = SaveCounts()
    for name, raw in files:
        if KEPT_ASIDE.search(name):
            counts.damaged += 1
            continue
        data, reason = parse_save(raw, schemas)
        if reason is not None:
            counts.damaged += 1
            continue
        if data.get("story") != story.id:
            counts.other_stories += 1
            continue
        counts.checked += 1
        try:
            runtime.from_dict(story, data)
        except runtime.ReplayError as e:
            line, col = _answer_place(raw, e.step)
            problems.append(Diagnostic(name, line, col, "E310",
                                       f"this save no longer fits the story: at step {e.step}, in scene '{e.scene}', "
                                       f"{_why(story, data['answers'], e.step)}", ERROR,
                                       "a reader resuming it would have to start over; keep that way out of the "
                                       "scene (and its place among the options), or accept that this save is lost"))
        except EngineError as e:
            problems.append(Diagnostic(name, 1, 1, "E310", f"this save no longer fits the story: {e.message}", ERROR,
                                       "a reader resuming it would have to start over"))
        if problems and problems[-1].file == name:
            counts.broken += 1
    return problems, counts


def _why(story, answers: list, step: int) -> str:
    """What the save's answer at `step` asks of the scene, and why the scene no longer allows it."""
    from engine import runtime

    view = runtime.view(story, runtime.replay(story, answers[: step - 1]))
    answer = answers[step - 1]
    if view.is_ending:
        now = "the scene is now an ending"
    elif answer is None:
        now = "the scene now asks for a choice"
    else:
        full = len(story.by_id[view.scene].choice.options) if story.by_id[view.scene].choice else 0
        now = (f"the scene now has {full} option{'s' if full != 1 else ''}" if answer >= full else
               "that option is closed on this path (its `if:` is false)")
    did = "went on without choosing" if answer is None else f"took option {answer + 1}"
    return f"the reader {did}, but {now}"


def _answer_place(raw: bytes, step: int) -> tuple[int, int]:
    """The line and column of answer `step` (1-based) as saves are written (one answer a line), else of `answers`."""
    lines = raw.decode("utf-8", "replace").splitlines()
    for i, line in enumerate(lines):
        if re.match(r'\s*"answers"\s*:', line):
            if line.rstrip().endswith("[") and i + step < len(lines):
                target = lines[i + step]
                return i + step + 1, len(target) - len(target.lstrip()) + 1
            return i + 1, len(line) - len(line.lstrip()) + 1
    return 1, 1
