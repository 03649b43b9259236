"""The story folders a commit touches: what the pre-commit hooks check.

pre-commit passes the changed files that still exist, never deleted ones,
and knows nothing of story folders. A hook therefore takes the files it is
given, adds the deletions from git's own diff, and checks each story
folder (a folder with story.yaml) holding any of them, as a whole. Files
outside every story folder (a CI workflow, the pre-commit config) are
never read. Any subcommand can offer this with `--changed`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable, Mapping, Optional

MANIFESTS = ("story.yaml", "story.yml")


def deleted_files(env: Optional[Mapping[str, str]] = None) -> list[str]:
    """Paths the commit deletes: staged deletions, or those between pre-commit's refs in CI.

    Empty outside a git repository or when git is missing: the files
    passed in are then all there is to go on.
    """
    env = os.environ if env is None else env
    if env.get("PRE_COMMIT_FROM_REF") and env.get("PRE_COMMIT_TO_REF"):
        span = [f"{env['PRE_COMMIT_FROM_REF']}...{env['PRE_COMMIT_TO_REF']}"]
    else:
        span = ["--cached"]
    try:
        done = subprocess.run(["git", "diff", "--name-only", "--no-renames", "--no-ext-diff", "--diff-filter=D", "-z", *span],
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return []
    if done.returncode != 0:
        return []
    return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]


def _has_manifest(folder: Path) -> bool:
    return any((folder / m).is_file() for m in MANIFESTS)


def story_folder(path: Path, top: Path) -> Optional[Path]:
    """The nearest folder at or above `path`'s folder, up to `top`, that holds a story.yaml."""
    folder = path.parent
    while True:
        if folder.is_dir() and _has_manifest(folder):
            return folder
        if folder == top or folder == folder.parent or str(folder) in ("", "."):
            return None
        folder = folder.parent


def story_folders(changed: Iterable[str], deleted: Iterable[str] = (), top: str = ".") -> list[Path]:
    """Each story folder that a changed or deleted file lies in, once, in a stable order.

    A deleted story.yaml leaves a folder of scenes with no manifest: that
    folder is checked too, so the commit is told it broke the story.
    """
    root = Path(top)
    found: dict[Path, None] = {}
    for name in list(changed) + list(deleted):
        path = Path(name)
        folder = story_folder(path, root)
        if folder is None and path.name in MANIFESTS and path.parent.is_dir() and not path.exists():
            folder = path.parent
        if folder is not None:
            found.setdefault(folder, None)
    return sorted(found, key=lambda p: p.as_posix())
