"""Save files on disk: where they live, how they are written, what happens to bad ones.

A reader's progress must survive a crash, a full disk or a kill at any
instant, so a slot is only ever replaced whole (temporary file in the same
folder, fsync, `os.replace`), and a file that cannot be read is moved aside
rather than overwritten. Slot names are checked so none can leave the folder.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Optional

from engine.errors import EngineError
from engine.schema import Schemas

AUTOSAVE = "autosave"
SLOT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_STORY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_BYTES = 1_000_000


class SaveError(EngineError):
    """A slot name or save folder that cannot be used."""


class BrokenSave(EngineError):
    """A save that could not be read; `kept_at` is where its bytes now are."""

    def __init__(self, message: str, kept_at: Optional[Path]):
        super().__init__(message)
        self.kept_at = kept_at


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


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
        """Why `data` is not a valid save, one line per problem (jsonschema runs only on a bad one)."""
        if self.schemas.is_valid("save", data):
            return []
        return [f"{'/'.join(map(str, e.absolute_path)) or 'save'}: {e.message}"
                for e in self.schemas.validator("save").iter_errors(data)]

    def clear_stale(self) -> list[Path]:
        """Remove temporary files left by a process that was killed mid-save."""
        removed = []
        if not self.path.is_dir():
            return removed
        for tmp in self.path.glob(".*.tmp"):
            parts = tmp.name.split(".")
            pid = int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else None
            if pid is None or pid == os.getpid() or not _pid_alive(pid):
                try:
                    tmp.unlink()
                    removed.append(tmp)
                except FileNotFoundError:
                    pass
        return removed

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
        self.path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{slot}.{os.getpid()}.", suffix=".tmp")
        try:
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
        self._sync_folder()
        return target

    def _sync_folder(self) -> None:
        """Make the rename itself durable; some platforms cannot open folders."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def read(self, slot: str) -> Optional[dict]:
        """The slot's save, None when there is none; a bad one is moved aside and BrokenSave raised."""
        target = self.slot_path(slot)
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise BrokenSave(f"the save '{slot}' cannot be read: {e.strerror}", None) from None
        data, reason = self._parse(raw)
        if reason is None:
            return data
        kept = self.keep_aside(slot)
        raise BrokenSave(f"the save '{slot}' is damaged ({reason})", kept)

    def _parse(self, raw: bytes) -> tuple[Any, Optional[str]]:
        """The save in `raw`, or why there is none."""
        if len(raw) > _MAX_BYTES:
            return None, "it is far too large"
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return None, "it is not text"
        except RecursionError:
            return None, "it is nested too deeply"
        except ValueError as e:
            return None, f"it is not valid JSON: {e.msg} at line {e.lineno}" if raw.strip() else "it is empty"
        problems = self.problems(data)
        return data, problems[0] if problems else None

    def keep_aside(self, slot: str) -> Optional[Path]:
        """Move a slot to `<slot>.broken-<time>.json` so its bytes are never overwritten."""
        target = self.slot_path(slot)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1000):
            aside = self.path / f"{slot}.broken-{stamp}{'-' + str(n) if n else ''}.json"
            if not aside.exists():
                try:
                    os.rename(target, aside)
                except FileNotFoundError:
                    return None
                return aside
        return None
