"""`vignettes new` and `vignettes schema`: files an author can start from.

Every file written here validates at once and carries the modeline that
lets a YAML language server offer completion and hover help.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from engine import resources
from engine.errors import EngineError

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KINDS = ("story", "scene", "save", "testplan")

_STORY = """\
# yaml-language-server: $schema={schemas}/story.schema.json
id: {id}
title: {title}
start: beginning
content_notes: []
variables:
  courage: 0
"""
_FIRST = """\
# yaml-language-server: $schema={schemas}/scene.schema.json
id: beginning
title: The Beginning
text:
  - The first paragraph of your story. Every item in `text` is a paragraph.
choices:
  prompt: What does she think of, as the door closes?
  optional: true   # a reflection: the reader may go on without choosing
  options:
    - text: The way back.
    - text: The way on.
      add: {{courage: 1}}
next: ending
"""
_LAST = """\
# yaml-language-server: $schema={schemas}/scene.schema.json
id: ending
title: The End
text:
  - A scene with no `next` and no `choices` is an ending.
  - if: courage >= 1     # a conditional paragraph: shown only when its condition holds
    text: She went on, and was glad of it.
"""
_PLAN = """\
# yaml-language-server: $schema=../{schemas}/testplan.schema.json
# A test plan: `vignettes test` plays these answers and checks what they show.
name: Taking the way on, she is glad of it at the end
answers: "2"          # as `vignettes play --choices` takes them: 2 picks the second option, - goes on
expect:
  - after: 0          # the first scene, before any answer
    scene: beginning
    shows: The first paragraph of your story. Every item in `text` is a paragraph.
  - after: end        # after the last answer
    ending: ending
    variables: {{courage: 1}}
    last_words: She went on, and was glad of it.
"""
_SCENE = """\
# yaml-language-server: $schema={schemas}/scene.schema.json
id: {id}
title: {title}
text:
  - Write the scene here; each item of `text` is a paragraph.
# next: another-scene   # without `next` (and without `choices`) this scene is an ending
"""


def _title(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-story"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind in KINDS:
        target = folder / f"{kind}.schema.json"
        shutil.copyfile(resources.schema_path(kind), target)
        out.append(target)
    return out


def schema_text(kind: str) -> str:
    return resources.schema_path(kind).read_text(encoding="utf-8")


def schemas_ref(folder: Path) -> str:
    """The modeline path from a story folder to schemas an editor can read."""
    for candidate, ref in ((folder / "schemas", "schemas"), (folder.parent / "schemas", "../schemas")):
        if (candidate / "scene.schema.json").is_file():
            return ref
    write_schemas(folder / "schemas")
    return "schemas"


def new_story(folder: Path) -> list[Path]:
    if folder.exists() and any(folder.iterdir()):
        raise EngineError(f"{folder} already exists and is not empty; name a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    ref = schemas_ref(folder)
    story_id = _slug(folder.resolve().name)
    files = {
        "story.yaml": _STORY.format(schemas=ref, id=story_id, title=_title(story_id)),
        "01-beginning.yaml": _FIRST.format(schemas=ref),
        "02-ending.yaml": _LAST.format(schemas=ref),
    }
    files["tests/01-the-way-on.yaml"] = _PLAN.format(schemas=ref)
    written = []
    for name, text in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def new_scene(scene_id: str, folder: Path) -> Path:
    if not SLUG.match(scene_id) or len(scene_id) > 64:
        raise EngineError(f"'{scene_id}' is not a valid scene id: use lowercase letters, digits and single hyphens")
    if not folder.is_dir():
        raise EngineError(f"no folder {folder}")
    numbers = [int(m.group(1)) for p in folder.glob("*.y*ml") if (m := re.match(r"(\d+)-", p.name))]
    if any(re.sub(r"^\d+-", "", p.stem) == scene_id for p in folder.glob("*.y*ml")):
        raise EngineError(f"a file for scene '{scene_id}' already exists in {folder}")
    width = max((len(re.match(r"\d+", p.name).group()) for p in folder.glob("*.y*ml") if re.match(r"\d+-", p.name)), default=2)
    target = folder / f"{str(max(numbers, default=0) + 1).zfill(width)}-{scene_id}.yaml"
    target.write_text(_SCENE.format(schemas=schemas_ref(folder), id=scene_id, title=_title(scene_id)), encoding="utf-8")
    return target
