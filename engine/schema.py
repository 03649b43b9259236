"""JSON Schema checks, with every error turned into a Diagnostic at its place.

The only module that imports jsonschema. Valid files, the common case, are
passed by a small checker compiled from the same schema documents (so the
schemas stay the one source of truth); jsonschema runs only on files that
fail it, to find the most relevant error per place. That keeps validation
close to the cost of parsing, and jsonschema's import off the clean path.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Callable, Mapping, Optional

from engine import resources
from engine.errors import Diagnostic, ERROR
from engine.yamlhelp import cut, single_quoted, starts_with_indicator

KINDS = ("story", "scene", "save", "testplan")
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
_ANNOTATIONS = {"title", "description", "examples", "default", "$schema", "$id", "$comment", "$defs"}
Check = Callable[[Any], bool]


def load_schema(kind: str) -> dict:
    with open(resources.schema_path(kind), encoding="utf-8") as f:
        return json.load(f)


# -- the fast checker ---------------------------------------------------------


_TYPES = {"string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float),
          "object": (dict,), "array": (list,), "null": (type(None),)}
_SEEN_BY = {"string": ("minLength", "maxLength", "pattern"), "object": (
    "properties", "required", "additionalProperties", "propertyNames", "minProperties", "maxProperties"),
    "array": ("items", "minItems", "maxItems"), "number": ("minimum", "maximum")}


def compile_checker(schema: Mapping, root: Optional[Mapping] = None) -> Check:
    """A yes/no validator for the keywords our schemas use, built from closures.

    Each subschema becomes one function that tests the exact Python type
    first (bool is not int, as in JSON) and then only the keywords for that
    type, with no generators in between: this runs for every value of every
    file. It refuses to compile a keyword it does not know, so a schema
    change cannot leave part of the schema silently unchecked.
    """
    root = root if root is not None else schema
    compiled: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        if not pointer.startswith("#/$defs/"):
            raise ValueError(f"only local $defs references are supported, not {pointer!r}")
        if pointer not in compiled:
            compiled[pointer] = lambda v: compiled[pointer](v)  # stands in while a recursive ref compiles
            compiled[pointer] = build(root["$defs"][pointer[len("#/$defs/"):]])
        return compiled[pointer]

    def build(s: Any) -> Check:
        if s is True or s is False:
            return lambda v, answer=s: answer
        known = set(_ANNOTATIONS) | {"type", "$ref", "enum", "const", "anyOf"}
        for keys in _SEEN_BY.values():
            known.update(keys)
        unknown = set(s) - known
        if unknown:
            raise ValueError(f"the fast checker does not know the keyword {sorted(unknown)[0]!r}")
        extras: list[Check] = []
        if "$ref" in s:
            extras.append(ref(s["$ref"]))
        if "enum" in s:
            extras.append(lambda v, options=s["enum"]: any(_same(v, o) for o in options))
        if "const" in s:
            extras.append(lambda v, c=s["const"]: _same(v, c))
        if "anyOf" in s:
            extras.append(_any([build(x) for x in s["anyOf"]]))
        per_type = {str: _string(s), dict: _object(s, build), list: _array(s, build)}
        number = _number(s)
        per_type[int] = per_type[float] = number
        names = s.get("type")
        allowed: Optional[set] = None
        if names is not None:
            allowed = set()
            for name in [names] if isinstance(names, str) else names:
                if name not in _TYPES:
                    raise ValueError(f"unknown JSON type {name!r}")
                allowed.update(_TYPES[name])
        integral_floats = allowed is not None and int in allowed and float not in allowed

        def check(v: Any) -> bool:
            t = type(v)
            if allowed is not None and t not in allowed:
                if not (integral_floats and t is float and v.is_integer()):
                    return False
            specific = per_type.get(t)
            if specific is not None and not specific(v):
                return False
            for extra in extras:
                if not extra(v):
                    return False
            return True

        if not extras and allowed is not None and all(per_type.get(t) is None for t in allowed) and not integral_floats:
            return lambda v: type(v) in allowed
        if (not extras and allowed is not None and len(allowed) == 1 and not integral_floats):
            (only,) = allowed
            specific = per_type.get(only)
            return lambda v: type(v) is only and specific(v)
        if allowed is None and not any(per_type.values()) and len(extras) == 1:
            return extras[0]
        return check

    return build(schema)


def _any(subs: list[Check]) -> Check:
    def check(v: Any) -> bool:
        for sub in subs:
            if sub(v):
                return True
        return False
    return check


def _string(s: Mapping) -> Optional[Check]:
    if not any(k in s for k in _SEEN_BY["string"]):
        return None
    low, high = s.get("minLength", 0), s.get("maxLength", float("inf"))
    search = re.compile(s["pattern"]).search if "pattern" in s else None
    if search is None:
        return lambda v: low <= len(v) <= high
    return lambda v: low <= len(v) <= high and search(v) is not None


def _number(s: Mapping) -> Optional[Check]:
    if not any(k in s for k in _SEEN_BY["number"]):
        return None
    low, high = s.get("minimum", float("-inf")), s.get("maximum", float("inf"))
    return lambda v: low <= v <= high


def _array(s: Mapping, build: Callable[[Any], Check]) -> Optional[Check]:
    if not any(k in s for k in _SEEN_BY["array"]):
        return None
    low, high = s.get("minItems", 0), s.get("maxItems", float("inf"))
    item = build(s["items"]) if "items" in s else None

    def check(v: list) -> bool:
        if not low <= len(v) <= high:
            return False
        if item is not None:
            for x in v:
                if not item(x):
                    return False
        return True
    return check


def _object(s: Mapping, build: Callable[[Any], Check]) -> Optional[Check]:
    if not any(k in s for k in _SEEN_BY["object"]):
        return None
    props = {k: build(sub) for k, sub in s.get("properties", {}).items()}
    required = tuple(s.get("required", ()))
    extra = s.get("additionalProperties", True)
    other = None if extra is True else build(extra)
    key_ok = build(s["propertyNames"]) if "propertyNames" in s else None
    low, high = s.get("minProperties", 0), s.get("maxProperties", float("inf"))

    def check(v: dict) -> bool:
        if not low <= len(v) <= high:
            return False
        for k, x in v.items():
            sub = props.get(k)
            if sub is None:
                if other is not None and not other(x):
                    return False
            elif not sub(x):
                return False
            if key_ok is not None and not key_ok(k):
                return False
        for k in required:
            if k not in v:
                return False
        return True
    return check


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return type(a) is type(b) and a == b if not isinstance(a, (int, float)) else (
        isinstance(b, (int, float)) and a == b)


# -- diagnostics from jsonschema ------------------------------------------------


class Schemas:
    """The project's schemas: loaded once, fast checkers compiled once, jsonschema only on demand."""

    def __init__(self) -> None:
        self.documents = {kind: load_schema(kind) for kind in KINDS}
        self.fast = {kind: compile_checker(doc) for kind, doc in self.documents.items()}
        self._validators: dict[str, Any] = {}

    def validator(self, kind: str):
        if kind not in self._validators:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource

            # Only our own schemas: a $ref to anything else fails instead of being fetched.
            registry = Registry().with_resources(
                (doc["$id"], Resource.from_contents(doc)) for doc in self.documents.values())
            self._validators[kind] = Draft202012Validator(self.documents[kind], registry=registry)
        return self._validators[kind]

    def is_valid(self, kind: str, data: Any) -> bool:
        return self.fast[kind](data)

    def check(self, kind: str, doc) -> list[Diagnostic]:
        """Diagnostics for one loaded document (`loader.Document`); [] when valid."""
        if self.fast[kind](doc.data):
            return []
        from jsonschema.exceptions import best_match

        groups: dict[tuple, list] = {}
        for error in self.validator(kind).iter_errors(doc.data):
            groups.setdefault(tuple(error.absolute_path), []).append(error)
        out: list[Diagnostic] = []
        for errors in groups.values():
            # An unknown key is most often the misspelt required one: say that, not only "missing".
            chosen = [e for e in errors if e.validator == "additionalProperties"] or [best_match(errors)]
            for error in chosen:
                out.extend(_describe(error, doc))
            if chosen[0].validator == "additionalProperties":
                out.extend(d for e in errors if e.validator == "required" for d in _describe(e, doc))
        return sorted(set(out))


def _field(path: tuple) -> str:
    """The value a message is about, as the author counts: 'title', option 2, item 3 of 'content_notes'."""
    names = [p for p in path if isinstance(p, str)]
    if path and isinstance(path[-1], int):
        if names and names[-1] == "options":
            return f"option {path[-1] + 1}"
        if names:
            return f"item {path[-1] + 1} of '{names[-1]}'"
    return f"'{names[-1]}'" if names else "the file"


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    words = {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a mapping (key: value)",
             "array": "a list", "number": "a number", "null": "nothing"}
    return " or ".join(words.get(n, n) for n in names)


def _got(value: Any) -> str:
    """A value as an author would name it: its type, and the value when it is short."""
    from engine.loader import kind_of

    kind = kind_of(value)
    if isinstance(value, str):
        return f"the text {_quote(value)}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"the number {cut(str(value))}"
    return kind


def _comment_instead(doc, node) -> tuple[str, int]:
    """The comment YAML found where a value was expected (`title: #1 Hall`), or '', and how far on its # is."""
    m = re.match(r"[ \t]*(#[^\r\n]*)", doc.text[node.end_mark.index:]) if node is not None else None
    return (m.group(1).rstrip(), m.start(1)) if m else ("", 0)


def _at_comment(doc, path: tuple, skip: int, message: str, hint: str) -> Diagnostic:
    pos = doc.pos(path)
    return Diagnostic(doc.path, pos.line, pos.col + skip, "E100", message, ERROR, hint)


def _quote(text: str) -> str:
    return "'" + cut(text).replace("'", "''") + "'"


def _slug_hint(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:64].strip("-")
    return f"ids are lowercase letters, digits and hyphens, e.g. '{slug or 'my-scene'}'"


def _source(doc, node) -> str:
    """The text a node was written as, on one line; '' when it spans lines."""
    if node is None:
        return ""
    text = doc.text[node.start_mark.index: node.end_mark.index].strip()
    return "" if "\n" in text or "\r" in text else text


def _quoted_line(doc, path: tuple, node) -> str:
    """The author's line with the value in quotes: `title: '1953'` or `- 'yes'`."""
    text = _source(doc, node) or (node.value if node is not None and isinstance(node.value, str) else "")
    text = cut(text, 60)
    lead = "-" if path and isinstance(path[-1], int) else f"{path[-1]}:" if path else ""
    return f"{lead} {single_quoted(text)}".strip()


_SHAPES = {
    "choices": "choices:\n  prompt: {prompt}\n  options:\n    - text: {first}",
    "text": "text:\n  - {first}",
    "options": "options:\n  - text: {first}",
}


def _shape_hint(name: str, instance: Any) -> str:
    """For a list or mapping written in the wrong shape: the right shape, with the author's words in it."""
    first = "..."
    if isinstance(instance, list) and instance:
        item = instance[0]
        first = item.get("text", "...") if isinstance(item, dict) else str(item)
    elif isinstance(instance, dict):
        first = str(instance.get("text", next(iter(instance.values()), "...")))
    elif isinstance(instance, str):
        first = instance
    first = cut(str(first))
    if name == "choices" and isinstance(instance, list):
        return ("options go under `options:`, with an optional `prompt:` above them:\n"
                + _SHAPES["choices"].format(prompt="What now?", first=first))
    if name in _SHAPES and name != "choices":
        return "start each entry on its own line with '- ':\n" + _SHAPES[name].format(first=first)
    if name in ("add", "set") and isinstance(instance, list):
        names = [x for x in instance if isinstance(x, str)] or ["name"]
        value = "1" if name == "add" else "true"
        return f"name each variable and its value: `{name}: {{{names[0]}: {value}}}`"
    return ""


# Where each key of a scene belongs, for a key indented into the wrong mapping.
_SCENE_KEYS = ("id", "title", "text", "choices", "next")
_CHOICE_KEYS = ("prompt", "optional", "options")
_OPTION_KEYS = ("goto", "add", "set")


def _own_id(doc, instance: Any) -> str:
    """An id in the author's own words: the scene's id, else its file name without the number (`02-cellar.yaml`)."""
    if isinstance(instance, dict) and isinstance(instance.get("id"), str) and re.fullmatch(SLUG, instance["id"]):
        return instance["id"]
    stem = re.sub(r"\.ya?ml$", "", doc.path.replace("\\", "/").rsplit("/", 1)[-1])
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"^[0-9]+[-_ .]*", "", stem.lower())).strip("-")
    return slug or "my-scene"


def _misplaced(name: str, path: tuple, doc) -> str:
    """A hint for a scene's key found inside another mapping: most often an indentation slip."""
    if not path:
        return ""
    if name in _SCENE_KEYS:
        return f"`{name}:` belongs to the scene itself: move it left to column 1 (it is indented under `{path[0]}:`)"
    if name in _CHOICE_KEYS and path[0] == "choices" and len(path) > 1:
        col = doc.pos(("choices", "options"), key=True).col
        return f"`{name}:` belongs to `choices:`: move it to column {col}, in line with `options:`"
    if name in _OPTION_KEYS and path == ("choices",):
        return f"`{name}:` belongs to an option: indent it under one of the `- text:` lines of `options:`"
    return ""


def _describe(error, doc) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    validator, schema, instance = error.validator, error.schema, error.instance

    def at(code: str, message: str, hint: str = "", key: bool = False, where: tuple = path) -> Diagnostic:
        pos = doc.pos(where, key=key)
        return Diagnostic(doc.path, pos.line, pos.col, code, message, ERROR, hint)

    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for name in instance:
            if name in allowed:
                continue
            near = difflib.get_close_matches(str(name), allowed, n=1)
            hint = (f"did you mean '{near[0]}'?" if near else _misplaced(str(name), path, doc)
                    or f"allowed keys: {', '.join(allowed)}")
            out.append(at("E100", f"unknown key {_quote(str(name))}", hint, key=True, where=path + (name,)))
        if out:
            return out
    if validator == "required":
        missing = [k for k in schema.get("required", ()) if isinstance(instance, dict) and k not in instance]
        unknown = [str(k) for k in instance if k not in schema.get("properties", {})] if isinstance(instance, dict) else []
        missing = [k for k in missing if not difflib.get_close_matches(k, unknown, n=1)]
        if not missing:
            return []
        own = _own_id(doc, instance)
        example = {"id": own, "title": own.replace("-", " ").capitalize(), "text": "[A paragraph.]",
                   "start": "first-scene", "options": "[{text: An option.}]"}
        if path:
            return [at("E100", f"missing required key '{missing[0]}'", f"add `{missing[0]}:` here")]
        if len(missing) == 1:
            return [at("E100", f"missing required key '{missing[0]}'", f"add `{missing[0]}: {example.get(missing[0], '...')}`")]
        lines = "\n".join(f"{k}: {example.get(k, '...')}" for k in missing)
        return [at("E100", "missing required keys " + ", ".join(f"'{k}'" for k in missing), f"add them:\n{lines}")]
    if validator == "anyOf" and schema.get("title") == "Paragraph":
        return [_paragraph(error, doc, at)]
    if validator == "anyOf" and schema.get("description"):  # a value of several forms: say which are allowed
        shown = ("empty" if instance is None else "true" if instance is True else "false" if instance is False
                 else _quote(instance) if isinstance(instance, str) else str(instance)[:40])
        return [at("E100", f"{_field(path)} cannot be {shown}", schema["description"])]
    if validator == "type":
        return [_wrong_type(error, doc, at)]
    if "propertyNames" in error.absolute_schema_path and isinstance(instance, str):
        better = re.sub(r"[^a-z0-9_]+", "_", instance.lower()).strip("_")
        better = better if better[:1].isalpha() else f"v_{better}".strip("_")
        return [at("E100", f"{_quote(instance)} is not a valid variable name",
                   f"variable names are lowercase letters, digits and _, starting with a letter, e.g. '{cut(better)}'",
                   key=True, where=path + (instance,))]
    if validator == "pattern" and schema.get("pattern") == SLUG and isinstance(instance, str):
        return [at("E100", f"{_quote(instance)} is not a valid id", _slug_hint(instance))]
    if validator == "minLength" and isinstance(instance, str):
        return [at("E100", f"{_field(path)} is empty", "write the text, or remove the key")]
    if validator == "maxLength" and isinstance(instance, str):
        return [at("E100", f"{_field(path)} is {len(instance):,} characters long; at most {schema['maxLength']:,} are allowed",
                   "shorten it, or split the text")]
    if validator in ("minItems", "minProperties"):
        return [at("E100", f"{_field(path)} is empty", "give it at least one entry, or remove the key")]
    if validator in ("maxItems", "maxProperties"):
        limit = schema.get(validator)
        return [at("E100", f"{_field(path)} has {len(instance):,} entries; at most {limit:,} are allowed",
                   "split the scene, or remove some")]
    if validator in ("minimum", "maximum"):
        return [at("E100", f"{_field(path)} is out of range: {cut(str(instance))} (the {validator} is {schema[validator]:,})")]
    message = error.message
    if len(message) > 200:
        message = message[:197] + "..."
    return [at("E100", f"{_field(path)}: {message}")]


def _wrong_type(error, doc, at) -> Diagnostic:
    from engine.loader import YamlValue, kind_of

    path = tuple(error.absolute_path)
    schema, instance = error.schema, error.instance
    types = schema["type"]
    wants_text = types == "string" or "string" in types
    raw = doc.node(path)
    plain = getattr(raw, "tag", "") == "plain"
    if plain and wants_text and instance is None and not raw.value:
        item = bool(path) and isinstance(path[-1], int)
        comment, skip = _comment_instead(doc, raw)
        if comment:
            return _at_comment(doc, path, skip, f"{_field(path)} is empty: YAML reads {cut(comment)} as a comment",
                               f"to keep it as text, put it in quotes: {'-' if item else f'{path[-1]}:'} "
                               f"{single_quoted(comment)}")
        hint = "write its text after the '- ', or remove the line" if item else f"write the text after `{path[-1]}:`"
        return at("E100", f"{_field(path)} is empty", hint)
    if plain and wants_text and not isinstance(instance, (dict, list)):
        text = cut(raw.value)
        if schema.get("pattern") == SLUG:
            return at("E009", f"YAML reads {text!r} as {kind_of(instance)}, not an id", f"put it in quotes: '{text}'")
        return at("E100", f"{_field(path)} must be {_expected(types)}; YAML reads {text} as {kind_of(instance)}",
                  f"put it in quotes: {_quoted_line(doc, path, raw)}")
    name = next((p for p in reversed(path) if isinstance(p, str)), "")
    shown = cut(instance.text) + f" ({kind_of(instance)})" if isinstance(instance, YamlValue) else _got(instance)
    hint = _shape_hint(name, instance)
    if path and isinstance(path[-1], int) and name == "options" and types == "object":
        text = cut(str(instance.text if isinstance(instance, YamlValue) else instance)) if not isinstance(
            instance, (dict, list)) and instance is not None else "..."
        return at("E100", f"option {path[-1] + 1} must be a mapping with `text:`, not {shown}",
                  f"write each option as `- text:` followed by its text:\n- text: {text}\n  goto: <scene-id>")
    if not hint and wants_text and isinstance(instance, (dict, list)) and _source(doc, raw):
        hint = f"YAML reads this as {kind_of(instance)}; to keep it as text, put it in quotes: {_quoted_line(doc, path, raw)}"
    elif not hint and types == "integer":
        hint = "write a whole number without quotes, e.g. 1"
    elif not hint and types == "boolean":
        hint = "write true or false, without quotes"
    return at("E100", f"{_field(path)} must be {_expected(types)}, not {shown}", hint)


def _paragraph(error, doc, at) -> Diagnostic:
    """A paragraph that is neither text nor {if, text}: say what YAML read, and how to keep it as text."""
    from engine.loader import kind_of
    from jsonschema.exceptions import best_match

    path = tuple(error.absolute_path)
    instance = error.instance
    node = doc.node(path)
    if isinstance(instance, dict) and {"if", "text"} & set(instance):
        inner = [e for e in error.context if e.validator != "type"]
        unknown = [e for e in inner if e.validator == "additionalProperties"]
        described = _describe(unknown[0] if unknown else best_match(inner), doc) if inner else []
        if described:
            return described[0]
    if instance is None and getattr(node, "value", ""):  # the author wrote null or ~, which YAML reads as nothing
        return at("E100", f"YAML reads {cut(node.value)} as nothing (an empty value), not as the text of a paragraph",
                  f"to keep it as text, put it in quotes:\n{_quoted_line(doc, path, node)}")
    comment, skip = _comment_instead(doc, node) if instance is None else ("", 0)
    if comment:  # `- #hashtag`
        return _at_comment(doc, path, skip, f"this paragraph is empty: YAML reads {cut(comment)} as a comment",
                           f"to keep it as text, put it in quotes:\n- {single_quoted(comment)}")
    if instance is None:
        return at("E100", "this paragraph is empty", "write its text after the '- ', or remove the line")
    if isinstance(instance, str):
        sub = best_match(error.context)
        return _describe(sub, doc)[0]
    source = _source(doc, node)
    quoted = _quoted_line(doc, path, node)
    indicated = starts_with_indicator(doc.text, node.start_mark.index) if source.startswith("?") else None
    if indicated is not None:  # `- ? what`: a mapping with no ': ' in sight
        return at(indicated.code, indicated.message, indicated.hint)
    if isinstance(instance, dict) and source:
        key = cut(str(next(iter(instance))), 30)
        return at("E100", f"YAML read this paragraph as a mapping, because of the ': ' after '{key}'",
                  f"put the paragraph in quotes:\n{quoted}")
    if isinstance(instance, dict):
        return at("E100", "this paragraph is a mapping without `if:` and `text:`",
                  "write plain text, or a conditional paragraph:\n- if: <condition>\n  text: <the paragraph>")
    return at("E100", f"YAML read this paragraph as {kind_of(instance)}" + (f" ({cut(source)})" if source else ""),
              f"put the paragraph in quotes:\n{quoted}")
