"""YAML text -> plain data with positions -> model objects.

The only module that imports yaml. It composes the node tree itself (safe:
no tags are ever constructed) and builds plain Python data from it, so it
can refuse what YAML would otherwise do silently: duplicate keys, tags,
anchors and aliases, runaway nesting. Plain scalars are read the way YAML
1.1 (PyYAML) reads them, so `no` stays a boolean and the schema check can
tell the author to quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from engine import model, yamlhelp
from engine.errors import Diagnostic, ERROR

try:  # libyaml when present: several times faster than the pure-Python parser
    from yaml.cyaml import CParser as _Parser

    _C = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    _C = False

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_VALUES = 20_000
MAX_NUMBER_DIGITS = 30

_PLAIN, _QUOTED, _SEQ, _MAP = "plain", "quoted", "seq", "map"
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
# A list item on a line of text. (A `key:` cannot be folded: YAML stops the text at ': ' and reports an error.)
_FOLDED = re.compile(r"-(?: |$)")
_BANG = re.compile(r"(?:^|[\s\[{,])!(?:[\s\]},]|$)", re.M)  # the non-specific tag `!`, which tags nothing
_STR = "tag:yaml.org,2002:str"
_BOOLS = {
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
_NULLS = {"", "~", "null", "Null", "NULL"}


class YamlValue:
    """A scalar YAML 1.1 reads as something JSON has no type for (a date, a huge number).

    Kept as its text so that the schema check reports it as the wrong type.
    """

    __slots__ = ("text", "kind")

    def __init__(self, text: str, kind: str):
        self.text = text
        self.kind = kind

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 30 else self.text[:27] + "..."
        return f"{text} (a {self.kind})"


def kind_of(value: Any) -> str:
    """What YAML made of a value, in an author's words: 'a list', 'true/false', 'a number'."""
    if isinstance(value, YamlValue):
        return "a date" if value.kind == "date" else "a number too large to use" if value.kind.startswith("number") \
            else f"a YAML {value.kind}"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


class _Composer(_Parser):
    """Composes nodes with our own cheap tags, so an explicit tag stands out."""

    def descend_resolver(self, *args):
        pass

    def ascend_resolver(self, *args):
        pass

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED
        return _SEQ if kind is SequenceNode else _MAP


class _Stop(Exception):
    """Ends a walk at the first fatal problem; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


@dataclass
class Document:
    """One parsed file: its data, and the node tree that knows where each value was."""

    path: str
    text: str
    data: Any
    root: Optional[Node]
    warnings: tuple[Diagnostic, ...] = ()

    def node(self, where: tuple = (), key: bool = False) -> Optional[Node]:
        """The node at a JSON path; with key=True, the key node of its last step."""
        node = self.root
        for i, step in enumerate(where):
            last = i == len(where) - 1
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if k.value == step:
                        node = k if (last and key) else v
                        break
                else:
                    return node
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return node
        return node

    def pos(self, where: tuple = (), key: bool = False) -> model.Pos:
        node = self.node(where, key)
        return node_pos(self.path, node)


def node_pos(path: str, node: Optional[Node]) -> model.Pos:
    if node is None:
        return model.Pos(path, 1, 1)
    return model.Pos(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _diag(path: str, line: int, col: int, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, col, code, message, ERROR, hint)


def _at(path: str, node: Node, code: str, message: str, hint: str = "") -> Diagnostic:
    return _diag(path, node.start_mark.line + 1, node.start_mark.column + 1, code, message, hint)


# -- reading ----------------------------------------------------------------


def decode(path: str, raw: bytes) -> tuple[Optional[str], list[Diagnostic]]:
    """Bytes -> text, refusing oversize and non-UTF-8 files at the exact byte."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [_diag(path, 1, 1, "E002", f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes (1 MiB)",
                            "split the scene into smaller scenes")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [_diag(path, line, col, "E001", f"not UTF-8 text: byte 0x{raw[e.start]:02x} cannot be decoded",
                            "save the file as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, []


# -- parsing ----------------------------------------------------------------


def _prescan(path: str, text: str) -> list[Diagnostic]:
    """Walk the event stream when the text could hide deep nesting or anchors.

    libyaml's composer recurses in C and can crash on tens of thousands of
    nested brackets, so depth is measured on events before any node exists.
    Only suspicious files pay for this second pass.
    """
    nesting = text.count("[") + text.count("{") + text.count("- ") + text.count("? ")
    if nesting < 200 and ("&" not in text or not _ANCHOR.search(text)) and ("!" not in text or not _BANG.search(text)):
        return []
    return _walk(path, text, yaml.CSafeLoader if _C else yaml.SafeLoader)


def _walk(path: str, text: str, loader) -> list[Diagnostic]:
    """The first anchor or excess of depth in the event stream; [] if none comes before a syntax error."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            alias = isinstance(event, yaml.AliasEvent)
            bang = getattr(event, "tag", None) == "!"  # YAML's non-specific tag: the value is read as if untagged
            if getattr(event, "anchor", None) is not None or bang:
                prose = yamlhelp.starts_with_indicator(text, event.start_mark.index)
                if prose is not None:  # prose that opens with & * or !
                    return [_diag(path, *_event_pos(text, event.start_mark), prose.code, prose.message, prose.hint)]
                if bang:
                    return [_diag(path, *_event_pos(text, event.start_mark), "E006", "YAML tag '!' is not allowed",
                                  "remove the '!'; stories hold only text, numbers, booleans, lists and mappings")]
                return [_diag(path, *_event_pos(text, event.start_mark), "E007",
                              f"{'alias' if alias else 'anchor'} '{'*' if alias else '&'}{event.anchor}' is not allowed",
                              "write the value out in full; anchors and aliases can hide huge documents")]
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return [_diag(path, *_event_pos(text, event.start_mark), "E004",
                                  f"values nested more than {MAX_DEPTH} deep", "flatten the structure")]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return []  # the composer reports the syntax error with its place
    return []


def _syntax_error(path: str, text: str, e: Exception) -> Diagnostic:
    """A parser's error, unless the text nests too deep before it: then that is the problem.

    libyaml has limits of its own (recent releases stop at 1,000 levels, with
    a scanner error that can come before the first event), so the depth is
    measured again by the pure-Python parser, which has none, and the
    engine's own limit is reported at its own place.
    """
    if _C:
        deep = _walk(path, text, yaml.SafeLoader)
        if deep:
            return deep[0]
    return _yaml_error(path, text, e)


def _yaml_error(path: str, text: str, e: Exception) -> Diagnostic:
    if isinstance(e, yaml.reader.ReaderError):
        line, col = yamlhelp.Lines(text).pos(e.position)
        char = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or "?")
        return _diag(path, line, col, "E003", f"control character U+{char:04X} is not allowed in YAML",
                     "remove it; only printable text, tabs and line breaks may appear")
    problem_mark, context_mark = getattr(e, "problem_mark", None), getattr(e, "context_mark", None)
    mark = problem_mark or context_mark
    line, col = yamlhelp.Lines(text).pos(mark.index) if mark is not None else (1, 1)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    context = getattr(e, "context", None)
    at = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""
    if re.search(r"\btabs?\b", problem) or at == "\t":
        return _diag(path, line, col, "E008", "a tab is used for indentation", "indent with spaces only")
    if "another document" in problem or "single document" in str(e):
        return _diag(path, line, col, "E010", "the file holds more than one YAML document",
                     "keep one scene per file; remove the '---' line")
    better = yamlhelp.explain(text, problem, context, problem_mark.index if problem_mark else None,
                              context_mark.index if context_mark else None)
    if better is not None:
        return _diag(path, better.line, better.col, better.code, better.message, better.hint)
    if "alias" in problem:
        return _diag(path, line, col, "E007", "aliases are not allowed", "write the value out in full")
    message = f"{problem}" + (f" ({context})" if context else "")
    return _diag(path, line, col, "E003", f"YAML syntax: {message}", "check the quotes, brackets and indentation above this point")


def parse(path: str, text: str) -> tuple[Optional[Document], list[Diagnostic]]:
    """Text -> Document, or the first fatal problem (the rest cannot be trusted)."""
    problems = _prescan(path, text)
    if problems:
        return None, problems
    parser = _Composer(text)
    try:
        root = parser.get_single_node()
    except yaml.YAMLError as e:
        return None, [_syntax_error(path, text, e)]
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        return None, [_diag(path, 1, 1, "E003", f"YAML cannot be read: {type(e).__name__}")]
    finally:
        parser.dispose()
    if root is None:
        return None, [_diag(path, 1, 1, "E010", "the file is empty", "a scene needs at least `id`, `title` and `text`")]
    if yamlhelp.has_odd_breaks(text):
        _editor_marks(root, yamlhelp.Lines(text))
    builder = _Builder(path, text)
    try:
        data = builder.build(root, 0)
    except _Stop as stop:
        return None, [stop.diagnostic]
    return Document(path, text, data, root, tuple(builder.folds)), []


def _editor_marks(root: Node, lines: yamlhelp.Lines) -> None:
    """Re-count every node's line and column as an editor does.

    libyaml ends a line at U+0085, U+2028 and U+2029 too; editors and SARIF
    viewers do not, so without this every later position would be off.
    Only files that hold one of those characters pay for it.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        for attr in ("start_mark", "end_mark"):
            mark = getattr(node, attr)
            line, col = lines.pos(mark.index)
            setattr(node, attr, yaml.error.Mark(mark.name, mark.index, line - 1, col - 1, None, None))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                stack += (k, v)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _event_pos(text: str, mark) -> tuple[int, int]:
    if yamlhelp.has_odd_breaks(text):
        return yamlhelp.Lines(text).pos(mark.index)
    return mark.line + 1, mark.column + 1


class _Builder:
    """Node tree -> plain data, refusing tags, aliases, duplicate keys and excess."""

    __slots__ = ("path", "text", "seen", "count", "folds")

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.seen: set[int] = set()
        self.count = 0
        self.folds: list[Diagnostic] = []

    def build(self, node: Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Stop(_at(self.path, node, "E004", f"more than {MAX_VALUES:,} values in one file", "split the scene"))
        tag = node.tag
        if tag is _PLAIN:
            if node.start_mark.line != node.end_mark.line:
                self._fold(node)
            return plain_scalar(node.value)
        if tag is _QUOTED:
            return node.value
        if id(node) in self.seen:
            raise _Stop(_at(self.path, node, "E007", "this value is repeated by an alias", "write the value out in full"))
        self.seen.add(id(node))
        if depth >= MAX_DEPTH:
            raise _Stop(_at(self.path, node, "E004", f"values nested more than {MAX_DEPTH} deep", "flatten the structure"))
        if tag is _MAP:
            out = {}
            for k, v in node.value:
                if k.tag is not _PLAIN and k.tag is not _QUOTED:
                    if isinstance(k, ScalarNode):
                        raise _Stop(_tag_problem(self.path, self.text, k))
                    raise _Stop(_at(self.path, k, "E003", "a key must be plain text", "write `name: value`"))
                key = k.value
                if key in out:
                    raise _Stop(_at(self.path, k, "E005", f"duplicate key '{key}'",
                                    "YAML keeps only the last one; remove or merge the other"))
                out[key] = self.build(v, depth + 1)
            return out
        if tag is _SEQ:
            return [self.build(v, depth + 1) for v in node.value]
        raise _Stop(_tag_problem(self.path, self.text, node))


    def _fold(self, node: Node) -> None:
        """Warn when a multi-line text swallowed a line written as a list item (W114)."""
        lines = self.text[node.start_mark.index: node.end_mark.index].splitlines()
        for i, line in enumerate(lines[1:], 1):
            body = line.lstrip(" ")
            if not _FOLDED.match(body):
                continue
            before = self.text[: node.start_mark.index].rstrip(" ")
            item = before.endswith("-")
            dash = len(before) - before.rfind("\n", 0, len(before)) - 1 if item else None  # 1-based column
            what = "paragraph" if item else "text"
            first = node.start_mark.line + 1
            fix = (f"align the dash with the others, at column {dash}" if dash else
                   "if it starts a new item, align its dash with the other items' dashes")
            self.folds.append(Diagnostic(
                self.path, first + i, len(line) - len(body) + 1, "W114",
                f"this '- ' line is read as part of the {what} above (line {first}), not as an item of its own",
                "warning", f"{fix}; YAML joins a line indented past the '-' or key above into that text"))
            return

def _tag_problem(path: str, text: str, node: Node) -> Diagnostic:
    """A tag, named as written (`!!str`, `!<tag:x>`), with the fix for prose that opens with `!`."""
    written = re.match(r"!\S*", text[node.start_mark.index:])
    prose = yamlhelp.starts_with_indicator(text, node.start_mark.index)
    return _at(path, node, "E006", f"YAML tag '{written.group() if written else node.tag}' is not allowed",
               "remove the tag; stories hold only text, numbers, booleans, lists and mappings"
               + (f"\n{prose.hint}" if prose else ""))


def plain_scalar(text: str) -> Any:
    """Resolve an unquoted scalar as YAML 1.1 does, without running a constructor."""
    if not text or text[0] not in "0123456789+-.~nNyYtTfFoO":
        return text or None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    for tag, regexp in Resolver.yaml_implicit_resolvers.get(text[0], ()):
        if regexp.match(text):
            return _convert(tag.rsplit(":", 1)[-1], text)
    return text


def _convert(kind: str, text: str) -> Any:
    digits = text.replace("_", "")
    if len(digits) > MAX_NUMBER_DIGITS and kind in ("int", "float"):
        return YamlValue(text, "number too large")
    try:
        if kind == "int":
            return _yaml11_int(digits)
        if kind == "float":
            return _yaml11_float(digits)
    except (ValueError, OverflowError):
        return YamlValue(text, kind)
    if kind == "timestamp":
        return YamlValue(text, "date")
    if kind in ("merge", "value"):
        return YamlValue(text, kind)
    return text


def _yaml11_int(digits: str) -> int:
    sign = -1 if digits[0] == "-" else 1
    digits = digits.lstrip("+-")
    if digits == "0":
        return 0
    if digits.startswith("0b"):
        return sign * int(digits[2:], 2)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if digits.startswith("0") and digits.isdigit():
        return sign * int(digits, 8)
    if ":" in digits:
        return sign * _base60(digits, int)
    return sign * int(digits)


def _yaml11_float(digits: str) -> float:
    lowered = digits.lower()
    sign = -1.0 if lowered.startswith("-") else 1.0
    body = lowered.lstrip("+-")
    if body == ".inf":
        return sign * float("inf")
    if body == ".nan":
        return float("nan")
    if ":" in body:
        return sign * _base60(body, float)
    return sign * float(body)


def _base60(text: str, cast: Callable[[str], Any]) -> Any:
    """YAML 1.1's sexagesimal numbers: `1:30` is 90."""
    value = cast("0")
    for part in text.split(":"):
        value = value * 60 + cast(part)
    return value


# -- prose cut short by a comment ---------------------------------------------

_COMMENT_AFTER = re.compile(r"[ \t]+#")
_SENTENCE_END = tuple(".!?…\"'”’)]*—–-:;,")
_PROSE_KEYS = ("title", "prompt", "text")


def comment_cuts(doc: Document) -> list[Diagnostic]:
    """Warnings for prose that a ` #` cut short: YAML reads the rest of the line as a comment.

    Only unquoted prose that stops mid-sentence is flagged, so a real
    comment after a finished sentence (`- It was late.  # revise`) passes.
    """
    if " #" not in doc.text and "\t#" not in doc.text:  # nothing can have been cut
        return []
    out: list[Diagnostic] = []
    stack = [(doc.root, "")]
    while stack:
        node, key = stack.pop()
        if isinstance(node, MappingNode):
            stack += [(v, k.value) for k, v in node.value]
        elif isinstance(node, SequenceNode):
            stack += [(v, key) for v in node.value]
        elif key in _PROSE_KEYS and node.tag is _PLAIN and node.style in ("", None) and node.value:
            end = node.end_mark
            m = _COMMENT_AFTER.match(doc.text, end.index)
            if m is None or node.value.rstrip().endswith(_SENTENCE_END):
                continue
            line_end = doc.text.find("\n", m.end())
            rest = doc.text[m.end() - 1: line_end if line_end != -1 else len(doc.text)].rstrip()
            words = node.value.split()
            last = " ".join(words[-3:]) if words else ""
            whole = f"{node.value} {rest}"
            lead = "-" if key == "text" and doc.text[:node.start_mark.index].rstrip().endswith("-") else f"{key}:"
            out.append(Diagnostic(doc.path, end.line + 1, end.column + len(m.group()), "W113",
                                  f"YAML reads ' {yamlhelp.cut(rest, 20)}' as a comment, so this text stops at "
                                  f"'{yamlhelp.cut(last, 30)}'", "warning",
                                  f"if the # belongs to the text, put the whole text in quotes:\n"
                                  f"{lead} {yamlhelp.single_quoted(whole)}"))
    return sorted(out)


# -- model ------------------------------------------------------------------


class _Fields:
    """A mapping node's keys and values, looked up by name once."""

    __slots__ = ("path", "nodes", "data")

    def __init__(self, path: str, node: Node, data: dict):
        self.path = path
        self.data = data
        self.nodes = {k.value: (k, v) for k, v in node.value} if isinstance(node, MappingNode) else {}

    def pos(self, key: str, of_key: bool = False) -> model.Pos:
        pair = self.nodes.get(key)
        if pair is None:
            return model.Pos(self.path, 1, 1)
        return node_pos(self.path, pair[0] if of_key else pair[1])

    def value_node(self, key: str) -> Optional[Node]:
        pair = self.nodes.get(key)
        return pair[1] if pair else None

    def target(self, key: str) -> Optional[model.Target]:
        value = self.data.get(key)
        return model.Target(value, self.pos(key)) if value is not None else None

    def condition(self) -> Optional[model.Condition]:
        node = self.value_node("if")
        if node is None:
            return None
        pos = node_pos(self.path, node)
        if node.style in ("'", '"'):  # point inside the quotes, where the expression starts
            pos = model.Pos(pos.file, pos.line, pos.col + 1)
        return model.Condition(str(self.data["if"]), pos)

    def effects(self) -> tuple[model.Effect, ...]:
        out = []
        for op in ("add", "set"):
            node = self.value_node(op)
            if not isinstance(node, MappingNode):
                continue
            for k, _ in node.value:
                out.append(model.Effect(op, k.value, self.data[op][k.value], node_pos(self.path, k)))
        return tuple(out)


def _items(node: Optional[Node], data: list) -> Iterator[tuple[Node, Any]]:
    nodes = node.value if isinstance(node, SequenceNode) else [None] * len(data)
    return zip(nodes, data)


def scene(doc: Document) -> model.Scene:
    """A schema-valid scene document -> Scene."""
    f = _Fields(doc.path, doc.root, doc.data)
    paragraphs = []
    for node, item in _items(f.value_node("text"), doc.data["text"]):
        if isinstance(item, str):
            paragraphs.append(model.Paragraph(item, node_pos(doc.path, node)))
        else:
            pf = _Fields(doc.path, node, item)
            paragraphs.append(model.Paragraph(item["text"], node_pos(doc.path, node), pf.condition()))
    choice = None
    if "choices" in doc.data:
        cf = _Fields(doc.path, f.value_node("choices"), doc.data["choices"])
        options = []
        for node, item in _items(cf.value_node("options"), cf.data["options"]):
            of = _Fields(doc.path, node, item)
            options.append(model.Option(item["text"], node_pos(doc.path, node), of.condition(), of.effects(), of.target("goto")))
        choice = model.Choice(cf.data.get("prompt", ""), bool(cf.data.get("optional", False)), tuple(options),
                              f.pos("choices", of_key=True))
    return model.Scene(doc.data["id"], doc.data["title"], tuple(paragraphs), f.pos("id"), choice, f.target("next"))


_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9_]*$")


def partial_scene(doc: Document) -> Optional[model.Scene]:
    """What can still be read of a scene that failed the schema: its conditions, effects and targets.

    Only well-formed parts are kept, so the checks that need no more (condition
    syntax and types, variables, targets) can still report on this file.
    """
    data, root = doc.data, doc.root
    if not isinstance(data, dict) or not isinstance(root, MappingNode):
        return None
    f = _Fields(doc.path, root, data)

    def condition(fields: _Fields) -> Optional[model.Condition]:
        value = fields.data.get("if")
        return fields.condition() if isinstance(value, str) and value.strip() else None

    def target(fields: _Fields, key: str) -> Optional[model.Target]:
        value = fields.data.get(key)
        return fields.target(key) if isinstance(value, str) and _SLUG.match(value) else None

    def pairs(fields: _Fields, key: str) -> Iterator[tuple[Node, dict]]:
        node, items = fields.value_node(key), fields.data.get(key)
        if isinstance(node, SequenceNode) and isinstance(items, list):
            for n, item in zip(node.value, items):
                if isinstance(n, MappingNode) and isinstance(item, dict):
                    yield n, item

    paragraphs = []
    for node, item in pairs(f, "text"):
        cond = condition(_Fields(doc.path, node, item))
        if cond is not None:
            paragraphs.append(model.Paragraph(str(item.get("text", "")), node_pos(doc.path, node), cond))
    choice = None
    cnode, choices = f.value_node("choices"), data.get("choices")
    if isinstance(cnode, MappingNode) and isinstance(choices, dict):
        cf = _Fields(doc.path, cnode, choices)
        options = []
        for node, item in pairs(cf, "options"):
            of = _Fields(doc.path, node, item)
            effects = tuple(e for e in of.effects() if isinstance(e.value, (int, bool)) and _VARIABLE.match(e.variable))
            options.append(model.Option(str(item.get("text", "")), node_pos(doc.path, node), condition(of), effects,
                                        target(of, "goto")))
        choice = model.Choice("", True, tuple(options), f.pos("choices", of_key=True))
    scene_id = data.get("id") if isinstance(data.get("id"), str) and _SLUG.match(data["id"]) else ""
    return model.Scene(scene_id, "", tuple(paragraphs), f.pos("id"), choice, target(f, "next"))


def story(doc: Document, scenes: tuple[model.Scene, ...], fingerprint: str = "") -> model.Story:
    """A schema-valid story.yaml document plus its scenes -> Story."""
    f = _Fields(doc.path, doc.root, doc.data)
    variables = ()
    node = f.value_node("variables")
    if isinstance(node, MappingNode):
        variables = tuple(model.Variable(k.value, doc.data["variables"][k.value], node_pos(doc.path, k)) for k, _ in node.value)
    return model.Story(
        id=doc.data["id"], title=doc.data["title"], start=f.target("start"), pos=f.pos("id"), scenes=scenes,
        variables=variables, content_notes=tuple(doc.data.get("content_notes", ())),
        author=doc.data.get("author", ""), summary=doc.data.get("summary", ""),
        language=doc.data.get("language", "en"), source=_source(doc.data.get("source")), fingerprint=fingerprint,
    )


def _source(data: Optional[dict]) -> Optional[model.Source]:
    return None if data is None else model.Source(**{k: data.get(k, "") for k in ("title", "author", "url", "note")})
