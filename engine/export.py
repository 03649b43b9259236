"""`vignettes export`: the story as one HTML page that plays it in a browser.

The page carries everything it needs (story, runtime, style, icon) and asks
for nothing else, so it can be hosted anywhere or opened from disk. The
story travels as data, never as markup or code: text cleaned as the terminal
cleans it, conditions as parsed trees (docs/export.md) that the page's own
runtime interprets, integers as strings so that none is rounded.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import tempfile
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Optional, Union

from engine import expr
from engine.errors import EngineError
from engine.frontend.session import credits
from engine.frontend.text import clean
from engine.model import Condition, Story, Value
from engine.resources import schema_path

FORMAT = 1  # the layout of the story data in a page; docs/export.md

_PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")
_ICON = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
         "%3Crect width='32' height='32' rx='6' fill='%231a4f8b'/%3E"
         "%3Cpath d='M8 9h7c1 0 1 1 1 1v14s0-1-1-1H8zM24 9h-7c-1 0-1 1-1 1v14s0-1 1-1h7z' fill='%23fff'/%3E%3C/svg%3E")


class ExportError(EngineError):
    """The page could not be written where the reader asked."""


def shown(text: str) -> str:
    """Text as the terminal shows it: control and bidi characters gone, whitespace collapsed."""
    return " ".join(clean(text).split())


# -- the story as data -------------------------------------------------------------


def tree(node: expr.Node) -> list:
    """A condition's syntax tree as JSON arrays; integers as strings, so none is rounded."""
    if isinstance(node, expr.Lit):
        return ["bool", node.value] if isinstance(node.value, bool) else ["int", str(node.value)]
    if isinstance(node, expr.Var):
        return ["var", node.name]
    if isinstance(node, expr.Seen):
        return ["seen", node.scene]
    if isinstance(node, expr.Unary):
        return ["not" if node.op == "not" else "neg", tree(node.operand)]
    return [node.op, tree(node.left), tree(node.right)]


def _value(value: Value) -> Union[bool, str]:
    return value if isinstance(value, bool) else str(value)


def _if(condition: Optional[Condition]) -> dict:
    return {"if": tree(expr.parse(condition.source))} if condition is not None else {}


def story_data(story: Story) -> dict[str, Any]:
    """Everything the page's runtime and reader need, in the documented format."""
    scenes = []
    for scene in story.scenes:
        item: dict[str, Any] = {"id": scene.id, "title": shown(scene.title),
                                "text": [{"text": shown(p.text), **_if(p.condition)} for p in scene.paragraphs]}
        if scene.choice is not None:
            item["choice"] = {"prompt": shown(scene.choice.prompt), "optional": scene.choice.optional, "options": [
                {"text": shown(o.text), **_if(o.condition),
                 **({"effects": [[e.op, e.variable, _value(e.value)] for e in o.effects]} if o.effects else {}),
                 **({"goto": o.goto.scene} if o.goto else {})}
                for o in scene.choice.options]}
        if scene.next is not None:
            item["next"] = scene.next.scene
        scenes.append(item)
    return {
        "format": FORMAT,
        "id": story.id,
        "title": shown(story.title),
        "language": story.language or "en",
        "credits": [shown(line) for line in credits(story)],
        "content_notes": [shown(note) for note in story.content_notes],
        "fingerprint": story.fingerprint,
        "start": story.start.scene,
        "variables": [[v.name, _value(v.start)] for v in story.variables],
        "scenes": scenes,
    }


def script_json(data: Any) -> str:
    """JSON that no text can end early inside a <script> block: <, > and & are escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- the page ------------------------------------------------------------------------


def asset(name: str) -> str:
    """A file of the page's template, shipped in the wheel beside this module."""
    return (importlib_resources.files("engine") / "web" / name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page(story: Story) -> str:
    """The whole HTML page for `story`."""
    style, runtime, player = asset("page.css"), asset("runtime.js"), asset("page.js")
    schema = json.loads(schema_path("save").read_text(encoding="utf-8"))
    csp = (f"default-src 'none'; script-src {_hash(runtime)} {_hash(player)}; style-src {_hash(style)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    language = story.language or "en"
    values = {
        "CSP": csp, "LANG": html.escape(language), "TITLE": html.escape(shown(story.title)), "ICON": _ICON,
        "STYLE": style, "DATA": script_json(story_data(story)), "SCHEMA": script_json(schema),
        "RUNTIME": runtime, "PAGE": player,
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], asset("page.html"))


# -- writing it ------------------------------------------------------------------------


def write(text: str, target: Path, force: bool = False) -> Path:
    """Write the page whole or not at all; an existing file is replaced only with `force`."""
    folder = target.parent
    if target.is_dir():
        raise ExportError(f"{target} is a folder; name a file, such as {target / 'story.html'}")
    if not folder.is_dir():
        raise ExportError(f"no folder {folder} to write {target.name} into")
    if target.exists() and not force:
        raise ExportError(f"{target} already exists; add --force to replace it")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # a page to share, not a private temporary file
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, target)
        else:
            _place_new(tmp, target)
    except FileExistsError:
        raise ExportError(f"{target} already exists; add --force to replace it") from None
    except OSError as e:
        raise ExportError(f"cannot write {target}: {e.strerror or e}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _place_new(tmp: str, target: Path) -> None:
    """Move `tmp` to `target` only if no file is there, even one that appeared a moment ago."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: a small window, checked once more
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)
