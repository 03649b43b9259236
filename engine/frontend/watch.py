"""`play --watch`: notice when a file of the story changes, by polling.

Polling the few files of one story folder (their size and modification
time, twice a second) costs next to nothing, needs no dependency, and works
the same on every platform and file system, including network shares and
editors that save by renaming a new file into place, where change
notifications are unreliable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

SUFFIXES = (".yaml", ".yml")


class Watcher:
    """The story folder's YAML files (and its tests/ plans) as they were last looked at."""

    def __init__(self, folder: Path, interval: float = 0.5, clock: Callable[[], float] = time.monotonic):
        self.folder = folder
        self.interval = interval
        self.clock = clock
        self.seen = self.snapshot()
        self.checked = clock()

    def snapshot(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for sub in ("", "tests"):
            try:
                entries = list(os.scandir(self.folder / sub if sub else self.folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(SUFFIXES) and not entry.name.startswith("."):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    out[f"{sub}/{entry.name}" if sub else entry.name] = (st.st_mtime_ns, st.st_size)
        return out

    def changed(self) -> list[str]:
        """The files added, changed or removed since the last look; [] between polls."""
        now = self.clock()
        if now - self.checked < self.interval:
            return []
        self.checked = now
        current = self.snapshot()
        names = sorted(n for n in set(current) | set(self.seen) if current.get(n) != self.seen.get(n))
        self.seen = current
        return names
