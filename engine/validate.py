"""From paths on disk to a checked story: the pipeline `validate` and `play` share.

Each file is read, parsed and schema-checked on its own, and its node tree
dropped once the model holds the positions it needs, so memory stays
proportional to the story, not to its YAML. A file that fails does not
hide the rest: every cross-file check whose answer cannot depend on the
broken files still runs, so authors see all they can fix in one go.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union

from engine import checks, codes, loader, plans, resources, saves
from engine.errors import Diagnostic, EngineError, ERROR
from engine.model import Pos, Scene, Story, Target
from engine.schema import SLUG, Schemas

MANIFESTS = ("story.yaml", "story.yml")
SUFFIXES = (".yaml", ".yml")
PathLike = Union[str, Path]


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    readable: bool = True  # False: a path did not exist or was not a story
    saves: list = field(default_factory=list)  # (story id, saves.SaveCounts) for each story checked with --saves


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


def _join(shown: str, name: str) -> str:
    return name if shown in (".", "") else f"{shown}/{name}"


def _is_scene_name(name: str) -> bool:
    """Scene files end in .yaml/.yml; hidden files (`.pre-commit-config.yaml`, editor locks) are not scenes."""
    return name.endswith(SUFFIXES) and not name.startswith(".") and name not in MANIFESTS and "/" not in name


def _is_plan_name(name: str) -> bool:
    """Test plans are the .yaml/.yml files of the story's tests/ folder."""
    folder, _, rest = name.partition("/")
    return folder == plans.FOLDER and _is_scene_name(rest)


def outside(display: str) -> Diagnostic:
    return Diagnostic(display, 0, 0, "E012", "this scene file is a link to a file outside the story folder; it was not read",
                      ERROR, "copy the scene into the story folder, or point the link at a file inside it")


def not_a_file(display: str, kind: str) -> Diagnostic:
    return Diagnostic(display, 0, 0, "E013", f"this is {kind}, not a scene file; it was not read", ERROR,
                      "rename or remove it: a scene is a regular text file ending in .yaml")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(path: Path, flags: int, same: Optional[tuple[int, int]] = None) -> tuple[os.stat_result, Optional[bytes]]:
    """Open, then read only a regular file (given `same`, only that very file): a FIFO or device is never read."""
    with os.fdopen(os.open(path, flags), "rb") as f:
        now = os.fstat(f.fileno())
        regular = stat.S_ISREG(now.st_mode) and (same is None or (now.st_dev, now.st_ino) == same)
        return now, f.read(loader.MAX_FILE_BYTES + 1) if regular else None


def read_confined(path: Path, root: Path, display: str, listed: bool = False) -> tuple[Optional[str], list[Diagnostic]]:
    """Read one file of a story folder, refusing what is not the folder's own regular file.

    A link that resolves outside `root` (an absolute, resolved folder) is
    refused before it is opened; a FIFO, device or folder is never opened,
    so nothing can hang or leak. The opened file is checked again, so a swap
    between the check and the open is caught too. A file the folder listing
    showed as a regular file, not a link (`listed`), is inside the folder:
    it is opened without resolving its path (`O_NOFOLLOW`, then the same
    check), and anything that changed since the listing takes the careful way.
    """
    def unreadable(e: OSError):
        return None, [Diagnostic(display, 0, 0, "E001", f"cannot read file: {e.strerror or e}", ERROR,
                                 "check the path and its permissions")]

    if listed:
        try:
            _, raw = _read_regular(path, _READ | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raw = None
        if raw is not None:
            return loader.decode(display, raw)
    try:
        real = path.resolve(strict=True)
        st = os.stat(real)
    except FileNotFoundError:
        if path.is_symlink():
            return None, [Diagnostic(display, 0, 0, "E001", "this is a link to a file that does not exist", ERROR,
                                     "point the link at a scene file in the story folder, or remove it")]
        return unreadable(FileNotFoundError(2, "no such file"))
    except (OSError, RuntimeError) as e:
        return unreadable(e if isinstance(e, OSError) else OSError(str(e)))
    if real != root and root not in real.parents:
        return None, [outside(display)]
    if not stat.S_ISREG(st.st_mode):
        return None, [not_a_file(display, _kind(st.st_mode))]
    try:
        now, raw = _read_regular(real, _READ, (st.st_dev, st.st_ino))
    except OSError as e:
        return unreadable(e)
    if raw is None:
        return None, [not_a_file(display, _kind(now.st_mode))]
    return loader.decode(display, raw)


class _Disk:
    """A story folder on disk: its manifest, its scene files, each read confined to the folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.root = folder.resolve()
        self.plain: set[str] = set()  # scene files the folder listing showed as regular files, not links

    def manifest(self) -> Optional[str]:
        return next((m for m in MANIFESTS if os.path.lexists(self.folder / m)), None)

    def scenes(self) -> list[str]:
        try:
            entries = [e for e in os.scandir(self.folder) if _is_scene_name(e.name)]
        except OSError:
            return []
        self.plain = {e.name for e in entries if e.is_file(follow_symlinks=False)}
        return sorted(e.name for e in entries)

    def plans(self) -> list[str]:
        try:
            return sorted(f"{plans.FOLDER}/{e.name}" for e in os.scandir(self.folder / plans.FOLDER)
                          if _is_plan_name(f"{plans.FOLDER}/{e.name}"))
        except OSError:
            return []

    def saves(self) -> None:
        return None  # saves on disk are replayed only when asked (`validate --saves DIR`)

    def read(self, name: str, display: str) -> tuple[Optional[str], list[Diagnostic]]:
        return read_confined(self.folder / name, self.root, display, listed=name in self.plain)


class _Memory:
    """A story held as a mapping of file name -> text, for `vignettes explain` and examples.

    Links and special entries (codes.Link, codes.Special) give the same
    diagnostics as their counterparts on disk.
    """

    def __init__(self, files: Mapping[str, codes.Entry]):
        self.files = files

    def manifest(self) -> Optional[str]:
        return next((m for m in MANIFESTS if m in self.files), None)

    def scenes(self) -> list[str]:
        return sorted(name for name in self.files if _is_scene_name(name))

    def plans(self) -> list[str]:
        return sorted(name for name in self.files if _is_plan_name(name))

    def saves(self) -> Optional[list[tuple[str, bytes]]]:
        """Example saves (`saves/*.json`), replayed as `--saves` would; None when there are none."""
        found = [(n, e if isinstance(e, bytes) else e.encode("utf-8")) for n, e in sorted(self.files.items())
                 if n.startswith("saves/") and isinstance(e, (str, bytes))]
        return found or None

    def read(self, name: str, display: str, hops: int = 0) -> tuple[Optional[str], list[Diagnostic]]:
        entry = self.files[name]
        if isinstance(entry, codes.Link):
            target = posixpath.normpath(entry.target)
            if target.startswith(("/", "..")) or hops > 8:
                return None, [outside(display)]
            if target not in self.files:
                return None, [Diagnostic(display, 0, 0, "E001", "this is a link to a file that does not exist", ERROR,
                                         "point the link at a scene file in the story folder, or remove it")]
            return self.read(target, display, hops + 1)
        if isinstance(entry, codes.Special):
            return None, [not_a_file(display, "a folder" if entry.kind == "folder" else "a named pipe (FIFO)")]
        raw = entry if isinstance(entry, bytes) else entry.encode("utf-8")
        return loader.decode(display, raw[: loader.MAX_FILE_BYTES + 1])


class Validator:
    """Runs the pipeline with one set of compiled schemas for every file."""

    def __init__(self, schemas: Optional[Schemas] = None, fingerprint: bool = False, with_plans: bool = True,
                 saves: Optional[Path] = None):
        self.schemas = schemas or Schemas()
        self.fingerprint = fingerprint
        self.with_plans = with_plans
        self.saves = saves  # a folder of save files to replay on each story

    def document(self, source, name: str, kind: str, result: Result, digest=None, shown: str = "",
                 broken: Optional[list] = None):
        """Read, parse and schema-check one file; None when it has errors.

        `shown` is the folder's display path, worked out once per story. A
        scene that fails is added to `broken` with what can be salvaged of it.
        """
        display = _join(shown, name)
        result.files += 1
        text, problems = source.read(name, display)
        doc = None
        if text is not None:
            if digest is not None:
                digest.update(name.encode() + b"\0" + text.encode() + b"\0")
            doc, problems = loader.parse(display, text)
            if doc is not None:
                problems = self.schemas.check(kind, doc)
                result.diagnostics.extend(doc.warnings)
                result.diagnostics.extend(loader.comment_cuts(doc))
        if problems:
            result.diagnostics.extend(problems)
            if broken is not None:
                partial = loader.partial_scene(doc) if doc is not None and kind == "scene" else None
                broken.append(checks.Broken(display, _salvage_id(doc, text), text, partial))
            return None
        return doc

    def story(self, folder: Path, result: Result) -> Optional[Story]:
        return self._story(_Disk(folder), _display(folder), result)

    def texts(self, files: Mapping[str, codes.Entry], result: Result) -> Optional[Story]:
        """A story given as file name -> text (no disk): what `explain` runs its examples on."""
        return self._story(_Memory(files), ".", result)

    def _story(self, source, shown: str, result: Result) -> Optional[Story]:
        """Load every file, then run every check whose answer the broken files cannot change."""
        digest = hashlib.sha256() if self.fingerprint else None
        manifest_name = source.manifest()
        if manifest_name is None:
            result.diagnostics.append(Diagnostic(_join(shown, "story.yaml"), 0, 0, "E011", "no story.yaml in this folder",
                                                 ERROR, "create one with `vignettes new story DIR`, or name a scene file"))
            for name in source.scenes():
                self.lone_scene(source, name, result, shown)
            return None
        manifest = self.document(source, manifest_name, "story", result, digest, shown)
        scenes: list[Scene] = []
        broken: list[checks.Broken] = []
        for name in source.scenes():
            doc = self.document(source, name, "scene", result, digest, shown, broken)
            if doc is not None:
                scenes.append(loader.scene(doc))
        if manifest is None:
            where = Pos(_join(shown, manifest_name))
            stub = Story(id="", title="", start=Target("", where), pos=where, scenes=tuple(scenes))
            result.diagnostics.extend(checks.run(stub, broken=tuple(broken), manifest=False))
            return None
        story = loader.story(manifest, tuple(scenes), digest.hexdigest() if digest else "")
        found = checks.run(story, broken=tuple(broken))
        result.diagnostics.extend(found)
        whole = not broken
        files = self._save_files(source)
        if files is not None and whole and not any(d.is_error for d in found):
            stale, counts = saves.check_saves(story, files, self.schemas)
            result.diagnostics.extend(stale)
            result.saves.append((story.id, counts))
        if self.with_plans:
            for plan, problems in self.plans(source, shown, story if whole else None, result):
                result.diagnostics.extend(problems)
        return story

    def plans(self, source, shown: str, story: Optional[Story], result: Result, names=None):
        """Each test plan of the story (all, or those named) with its problems: its schema always,
        the scenes and variables it names when the story loaded whole."""
        out = []
        for name in source.plans() if names is None else names:
            display = _join(shown, name)
            result.files += 1
            text, problems = source.read(name, display)
            plan = None
            if text is not None:
                plan, problems = plans.parse(display, text, self.schemas)
                if plan is not None and story is not None:
                    problems += plans.check(plan, story)
            out.append((plan, problems) if plan is not None else (display, problems))
        return out

    def _save_files(self, source) -> Optional[list[tuple[str, bytes]]]:
        if self.saves is None:
            return source.saves()
        out = []
        for path in saves.save_files(self.saves):
            try:
                with open(path, "rb") as f:
                    out.append((_display(path), f.read(saves.MAX_BYTES + 1)))
            except OSError:
                out.append((_display(path), b""))
        return out

    def lone_scene(self, source, name: str, result: Result, shown: str = "") -> None:
        """A scene with no story around it: only what one file can show."""
        doc = self.document(source, name, "scene", result, shown=shown)
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
            elif os.path.lexists(path):
                folder = _story_of(path)
                if folder is None:
                    self.lone_scene(_Disk(path.parent), path.name, result, _display(path.parent))
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


def _story_of(path: Path) -> Optional[Path]:
    """The story folder a file belongs to: its own folder, or the one above for a plan in tests/."""
    if path.name in MANIFESTS or _Disk(path.parent).manifest():
        return path.parent
    if path.parent.name == plans.FOLDER and _Disk(path.parent.parent).manifest():
        return path.parent.parent
    return None


def plan_selection(paths: Iterable[PathLike]) -> tuple[dict[Path, Optional[list[str]]], list[Diagnostic]]:
    """Which stories' plans `vignettes test` runs: story folder -> chosen plan names (None: all of them).

    A story folder, its tests/ folder or any of its files means all its plans; a plan file means that plan.
    """
    chosen: dict[Path, Optional[list[str]]] = {}
    folders: dict[Path, Path] = {}
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        plan = (path.is_file() and path.parent.name == plans.FOLDER and _Disk(path.parent.parent).manifest() is not None
                and _is_scene_name(path.name))
        if path.is_dir():
            folder = path if _Disk(path).manifest() else (
                path.parent if path.name == plans.FOLDER and _Disk(path.parent).manifest() else None)
        elif path.is_file():
            folder = path.parent.parent if plan else _story_of(path)
        else:
            problems.append(Diagnostic(str(raw), 0, 0, "E001", "no such file or folder", ERROR,
                                       "name a story folder or a test plan"))
            continue
        if folder is None:
            problems.append(Diagnostic(_display(path), 0, 0, "E011", "not a story folder, nor a file of one", ERROR,
                                       "name a folder with story.yaml, or a plan in its tests/ folder"))
            continue
        folder = folders.setdefault(folder.resolve(), folder)
        name = f"{plans.FOLDER}/{path.name}"
        if not plan:
            chosen[folder] = None
        elif chosen.get(folder, []) is not None and name not in chosen.setdefault(folder, []):
            chosen[folder].append(name)
    return chosen, problems


def story_plans(folder: Path, names: Optional[list[str]] = None) -> tuple[Optional[Story], list, list[Diagnostic]]:
    """A story ready to play with its plans (all, or those named) and their problems, for `vignettes test`.

    The story is None, with its errors, when it does not load.
    """
    try:
        story = load_story(folder)
    except EngineError as e:
        return None, [], list(e.diagnostics) or [Diagnostic(_display(folder), 0, 0, "E001", e.message)]
    result = Result()
    return story, Validator().plans(_Disk(folder), _display(folder), story, result, names), []


_ID_LINE = re.compile(r"""^id:[ \t]*(["']?)([a-z0-9]+(?:-[a-z0-9]+)*)\1[ \t]*(?:#.*)?$""", re.M)


def _salvage_id(doc, text: Optional[str]) -> Optional[str]:
    """The id of a scene file that did not load, when it can still be told."""
    data = getattr(doc, "data", None)
    if isinstance(data, dict) and isinstance(data.get("id"), str) and re.fullmatch(SLUG, data["id"]):
        return data["id"]
    if doc is None and text is not None:
        found = _ID_LINE.findall(text)
        if len(found) == 1:
            return found[0][1]
    return None


def _lone_story(scene: Scene) -> Story:
    return Story(id="lone", title="", start=Target(scene.id, scene.pos), pos=scene.pos, scenes=(scene,))


def sources(diagnostics: Iterable[Diagnostic]) -> dict[str, str]:
    """The text of each file a diagnostic names, for snippets; read only when asked.

    Read confined like the story itself, and never a file that was refused.
    """
    ds = list(diagnostics)
    refused = {d.file for d in ds if d.code in ("E012", "E013")}
    out: dict[str, str] = {}
    for name in {d.file for d in ds} - refused:
        path = Path(name)
        text, _ = read_confined(path, path.parent.resolve(), name)
        if text is not None:
            out[name] = text
    return out


def validate(paths: Iterable[PathLike], saves: Optional[PathLike] = None) -> Result:
    """Check the paths; with `saves`, also replay every save of each story found in that folder."""
    return Validator(saves=Path(saves) if saves is not None else None).run(paths)


def story_folder(path: Optional[PathLike] = None) -> Path:
    """The folder of a story given as a folder or one of its files; default the bundled story."""
    folder = Path(path) if path is not None else bundled_story()
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise EngineError(f"no story folder at {folder}")
    return folder


def checked_story(folder: Path, fingerprint: bool = False) -> tuple[Optional[Story], Result]:
    """A story folder's model and everything `validate` says about it, for commands that go further."""
    result = Result()
    with _collector_paused():
        story = Validator(fingerprint=fingerprint, with_plans=False).story(folder, result)
    result.diagnostics.sort()
    return story, result


def load_story(path: Optional[PathLike] = None) -> Story:
    """A story ready to play, or EngineError listing why it is not."""
    folder = story_folder(path)
    story, result = checked_story(folder, fingerprint=True)
    errors = [d for d in result.diagnostics if d.is_error]
    if story is None or errors:
        raise EngineError(f"the story in {_display(folder)} has {len(errors)} error(s); run `vignettes validate {_display(folder)}`",
                          tuple(errors))
    return story
