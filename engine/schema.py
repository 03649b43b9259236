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


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    raise ValueError(f"unknown JSON type {name!r}")


def compile_checker(schema: Mapping, root: Optional[Mapping] = None) -> Check:
    """A yes/no validator for the keywords our schemas use.

    It refuses to compile a keyword it does not know, so a schema change
    cannot leave part of the schema silently unchecked.
    """
    root = root if root is not None else schema
    refs: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        if pointer not in refs:
            if not pointer.startswith("#/$defs/"):
                raise ValueError(f"only local $defs references are supported, not {pointer!r}")
            refs[pointer] = lambda v: True  # placeholder while compiling recursive refs
            target = build(root["$defs"][pointer[len("#/$defs/"):]])
            refs[pointer] = target
        return lambda v: refs[pointer](v)

    def build(s: Any) -> Check:
        if s is True:
            return lambda v: True
        if s is False:
            return lambda v: False
        checks: list[Check] = []
        for key, arg in s.items():
            if key in _ANNOTATIONS:
                continue
            if key == "$ref":
                checks.append(ref(arg))
            elif key == "type":
                names = [arg] if isinstance(arg, str) else list(arg)
                for n in names:
                    _is_type(None, n)  # reject unknown names now
                checks.append(lambda v, names=names: any(_is_type(v, n) for n in names))
            elif key == "properties":
                props = {k: build(sub) for k, sub in arg.items()}
                checks.append(lambda v, props=props: not isinstance(v, dict) or all(
                    props[k](v[k]) for k in props if k in v))
            elif key == "required":
                checks.append(lambda v, req=tuple(arg): not isinstance(v, dict) or all(k in v for k in req))
            elif key == "additionalProperties":
                known = set(s.get("properties", {}))
                sub = build(arg)
                checks.append(lambda v, known=known, sub=sub: not isinstance(v, dict) or all(
                    sub(x) for k, x in v.items() if k not in known))
            elif key == "propertyNames":
                sub = build(arg)
                checks.append(lambda v, sub=sub: not isinstance(v, dict) or all(sub(k) for k in v))
            elif key == "items":
                sub = build(arg)
                checks.append(lambda v, sub=sub: not isinstance(v, list) or all(sub(x) for x in v))
            elif key in ("minItems", "maxItems", "minProperties", "maxProperties"):
                kind = list if key.endswith("Items") else dict
                low = key.startswith("min")
                checks.append(lambda v, n=arg, kind=kind, low=low: not isinstance(v, kind) or (
                    len(v) >= n if low else len(v) <= n))
            elif key in ("minLength", "maxLength"):
                low = key == "minLength"
                checks.append(lambda v, n=arg, low=low: not isinstance(v, str) or (len(v) >= n if low else len(v) <= n))
            elif key == "pattern":
                search = re.compile(arg).search
                checks.append(lambda v, search=search: not isinstance(v, str) or search(v) is not None)
            elif key in ("minimum", "maximum"):
                low = key == "minimum"
                checks.append(lambda v, n=arg, low=low: not _is_type(v, "number") or (v >= n if low else v <= n))
            elif key == "enum":
                checks.append(lambda v, options=arg: any(_same(v, o) for o in options))
            elif key == "const":
                checks.append(lambda v, c=arg: _same(v, c))
            elif key == "anyOf":
                subs = [build(x) for x in arg]
                checks.append(lambda v, subs=subs: any(f(v) for f in subs))
            else:
                raise ValueError(f"the fast checker does not know the keyword {key!r}")
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(f(v) for f in checks)

    return build(schema)


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
