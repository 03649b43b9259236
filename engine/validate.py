"""From paths on disk to a checked story: the pipeline `validate` and `play` share.

Each file is read, parsed and schema-checked on its own, and its node tree
dropped once the model holds the positions it needs, so memory stays
proportional to the story, not to its YAML. Cross-file checks run only
when every file loaded, so one typo does not cascade into many errors.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Union

from engine import checks, loader, resources
from engine.errors import Diagnostic, EngineError, ERROR
from engine.model import Scene, Story
from engine.schema import Schemas

MANIFESTS = ("story.yaml", "story.yml")
SUFFIXES = (".yaml", ".yml")
PathLike = Union[str, Path]


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    readable: bool = True  # False: a path did not exist or was not a story


def bundled_story() -> Path:
    return resources.bundled_story()


def _display(path: Path) -> str:
    """A path as the user would type it: relative to here when it is below here."""
    text = os.path.relpath(path) if not path.is_absolute() or _below_cwd(path) else str(path)
    return text.replace(os.sep, "/")


def _below_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
        return True
    except (ValueError, OSError):
        return False


def _manifest(folder: Path) -> Optional[Path]:
    return next((folder / m for m in MANIFESTS if (folder / m).is_file()), None)


def _scene_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.name not in MANIFESTS and p.is_file())


class Validator:
    """Runs the pipeline with one set of compiled schemas for every file."""

    def __init__(self, schemas: Optional[Schemas] = None, fingerprint: bool = False):
        self.schemas = schemas or Schemas()
        self.fingerprint = fingerprint

    def document(self, path: Path, kind: str, result: Result, digest=None, folder: str = ""):
        """Read, parse and schema-check one file; None when it has errors.

        `folder` is the folder's display path, worked out once per story.
        """
        display = (path.name if folder == "." else f"{folder}/{path.name}") if folder else _display(path)
        result.files += 1
        text, problems = loader.read(str(path), display)
        if text is not None:
            if digest is not None:
                digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
            doc, problems = loader.parse(display, text)
            if doc is not None:
                problems = self.schemas.check(kind, doc)
        if problems:
            result.diagnostics.extend(problems)
            return None
        return doc

    def story(self, folder: Path, result: Result) -> Optional[Story]:
        digest = hashlib.sha256() if self.fingerprint else None
        manifest_path = _manifest(folder)
        if manifest_path is None:
            where = _display(folder / "story.yaml")
            result.diagnostics.append(Diagnostic(where, 0, 0, "E011", "no story.yaml in this folder",
                                                 ERROR, "create one with `vignettes new story DIR`, or name a scene file"))
            for path in _scene_files(folder):
                self.lone_scene(path, result)
            return None
        shown = _display(folder)
        manifest = self.document(manifest_path, "story", result, digest, shown)
        scenes: list[Scene] = []
        whole = manifest is not None
        for path in _scene_files(folder):
            doc = self.document(path, "scene", result, digest, shown)
            if doc is None:
                whole = False
            else:
                scenes.append(loader.scene(doc))
        if manifest is None:
            return None
        story = loader.story(manifest, tuple(scenes), digest.hexdigest() if digest else "")
        result.diagnostics.extend(checks.run(story, whole))
        return story

    def lone_scene(self, path: Path, result: Result) -> None:
        """A scene with no story around it: only what one file can show."""
        doc = self.document(path, "scene", result)
        if doc is not None:
            lone = checks.Context(_lone_story(loader.scene(doc)), whole=False)
            result.diagnostics.extend(d for d in checks.conditions(lone) if d.code == "E108")

    def run(self, paths: Iterable[PathLike]) -> Result:
        with _collector_paused():
            return self._run(paths)

    def _run(self, paths: Iterable[PathLike]) -> Result:
        result = Result()
        folders: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                folder = path
            elif path.is_file():
                folder = path.parent if (path.name in MANIFESTS or _manifest(path.parent)) else None
                if folder is None:
                    self.lone_scene(path, result)
                    continue
            else:
                result.readable = False
                result.diagnostics.append(Diagnostic(str(raw), 0, 0, "E001", "no such file or folder", ERROR,
                                                     "name a story folder or a scene file"))
                continue
            key = folder.resolve()
            if key not in folders:
                folders.append(key)
                self.story(folder, result)
        result.diagnostics.sort()
        return result


@contextlib.contextmanager
def _collector_paused():
    """Pause the cycle collector while a story loads.

    Loading allocates many small objects that all stay alive (the model), and
    the collector would scan them again and again, making validation
    grow faster than the story. Nothing built here forms cycles that must
    be freed early.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lone_story(scene: Scene) -> Story:
    from engine.model import Target

    return Story(id="lone", title="", start=Target(scene.id, scene.pos), pos=scene.pos, scenes=(scene,))


def sources(diagnostics: Iterable[Diagnostic]) -> dict[str, str]:
    """The text of each file a diagnostic names, for snippets; read only when asked."""
    out: dict[str, str] = {}
    for name in {d.file for d in diagnostics}:
        text, _ = loader.read(name)
        if text is not None:
            out[name] = text
    return out


def validate(paths: Iterable[PathLike]) -> Result:
    return Validator().run(paths)


def load_story(path: Optional[PathLike] = None) -> Story:
    """A story ready to play, or EngineError listing why it is not."""
    folder = Path(path) if path is not None else bundled_story()
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise EngineError(f"no story folder at {folder}")
    result = Result()
    with _collector_paused():
        story = Validator(fingerprint=True).story(folder, result)
    errors = [d for d in sorted(result.diagnostics) if d.is_error]
    if story is None or errors:
        raise EngineError(f"the story in {_display(folder)} has {len(errors)} error(s); run `vignettes validate {_display(folder)}`",
                          tuple(errors))
    return story
