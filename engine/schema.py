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

KINDS = ("story", "scene", "save")
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
            out.extend(_describe(best_match(errors), doc))
        return sorted(out)


def _field(path: tuple) -> str:
    names = [p for p in path if isinstance(p, str)]
    return f"'{names[-1]}'" if names else "the file"


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    words = {"string": "text", "integer": "an integer", "boolean": "true or false", "object": "a mapping (key: value)",
             "array": "a list", "number": "a number", "null": "nothing"}
    return " or ".join(words.get(n, n) for n in names)


def _slug_hint(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return f"ids are lowercase letters, digits and hyphens, e.g. '{slug or 'my-scene'}'"


def _describe(error, doc) -> list[Diagnostic]:
    from engine.loader import YamlValue, yaml11_kind

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
            hint = f"did you mean '{near[0]}'?" if near else f"allowed keys: {', '.join(allowed)}"
            out.append(at("E100", f"unknown key '{name}'", hint, key=True, where=path + (name,)))
        if out:
            return out
    if validator == "required":
        missing = [k for k in schema.get("required", ()) if isinstance(instance, dict) and k not in instance]
        example = {"id": "my-scene", "title": "My Scene", "text": "[A paragraph.]", "start": "first-scene",
                   "options": "[{text: An option.}]"}
        name = missing[0] if missing else "?"
        hint = f"add `{name}: {example.get(name, '...')}`" if not path else f"add `{name}:` here"
        return [at("E100", f"missing required key '{name}'", hint)]
    if validator == "type":
        raw = doc.node(path)
        plain = getattr(raw, "style", "x") in ("", None) and getattr(raw, "tag", "") == "plain"
        wants_text = schema.get("type") == "string" or "string" in schema.get("type", ())
        if plain and wants_text and not isinstance(instance, (dict, list)):
            text = raw.value if len(raw.value) <= 40 else raw.value[:37] + "..."
            kind = yaml11_kind(instance)
            if schema.get("pattern") == SLUG:
                return [at("E009", f"YAML reads {text!r} as a {kind}, not an id", f"put it in quotes: '{text}'")]
            return [at("E100", f"{_field(path)} must be {_expected(schema['type'])}; YAML reads {text} as a {kind}",
                       f"put it in quotes: \"{text}\"")]
        if isinstance(instance, YamlValue):
            shown = instance.text
        elif isinstance(instance, str):
            shown = f"the text {instance[:40]!r}"
        else:
            shown = yaml11_kind(instance)
        return [at("E100", f"{_field(path)} must be {_expected(schema['type'])}, not {shown}")]
    if "propertyNames" in error.absolute_schema_path and isinstance(instance, str):
        return [at("E100", f"{instance[:40]!r} is not a valid variable name",
                   "variable names are lowercase letters, digits and _, starting with a letter (e.g. held_on)",
                   key=True, where=path + (instance,))]
    if validator == "pattern" and schema.get("pattern") == SLUG and isinstance(instance, str):
        return [at("E100", f"{instance[:40]!r} is not a valid id", _slug_hint(instance))]
    if validator == "anyOf" and "description" in schema:
        what = schema.get("title", "value").lower()
        return [at("E100", f"this {what} is not valid: expected {schema['description'][0].lower()}{schema['description'][1:]}",
                   "write plain text, or a mapping with `if:` and `text:`" if what == "paragraph" else "")]
    message = error.message
    if len(message) > 200:
        message = message[:197] + "..."
    return [at("E100", f"{_field(path)}: {message}")]
