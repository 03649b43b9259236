"""The condition language: tokenizer, parser, type checker, evaluator.

Conditions come from story files, so they are parsed here and never handed
to Python's `eval`. Columns are 1-based and count from the start of the
expression text, so callers can point at the exact character.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

from engine.errors import EngineError

MAX_LENGTH = 1000  # characters in one condition
MAX_DEPTH = 50  # nesting of parentheses and operators
MAX_INT = 10**15  # literals beyond this are surely a typo

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<seen>seen\s*\(\s*(?P<scene>[a-z0-9]+(?:-[a-z0-9]+)*)\s*\))
  | (?P<num>[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\(|\))
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_YAML_BOOLS = {"yes", "no", "on", "off", "true", "false"}  # how YAML spells true/false; conditions say true/false


class ExprError(EngineError):
    """A problem inside one expression; `col` is 1-based within it."""

    def __init__(self, kind: str, message: str, col: int, hint: str = ""):
        super().__init__(message)
        self.kind = kind
        self.col = col
        self.hint = hint


# -- syntax tree -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    value: Union[int, bool]
    col: int


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    col: int


@dataclass(frozen=True, slots=True)
class Seen:
    scene: str
    col: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: "Node"
    col: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"
    col: int


Node = Union[Lit, Var, Seen, Unary, Binary]


# -- parsing ---------------------------------------------------------------


def _slip(source: str, i: int, scene: str) -> ExprError:
    """An unexpected character, with the condition as the author probably meant it."""
    ch, rest = source[i], source[i + 1:]

    def meant(replacement: str, skip: int) -> str:
        return f"did you mean `{source[:i]}{replacement}{source[i + skip:]}`?"

    if ch == "=" and rest[:1] == ">":
        return ExprError("syntax", "`=>` is not an operator", i + 1, meant(">=", 2))
    if ch == "=" and rest[:1] == "<":
        return ExprError("syntax", "`=<` is not an operator", i + 1, meant("<=", 2))
    if ch == "=":
        return ExprError("syntax", "`=` is not a comparison", i + 1, meant("==", 1))
    if ch == "!":
        return ExprError("syntax", "`!` is not an operator", i + 1, meant("not ", 1 + (len(rest) - len(rest.lstrip()))))
    if ch in "&|":
        word = "and" if ch == "&" else "or"
        skip = 2 if rest[:1] == ch else 1
        return ExprError("syntax", f"`{ch * skip}` is not an operator", i + 1, meant(f"{word}", skip))
    if ch in "\"'":
        end = source.find(ch, i + 1)
        inner = source[i + 1:end] if end != -1 else source[i + 1:]
        skip = (end - i + 1) if end != -1 else len(source) - i
        if re.search(r"\bseen\s*\(\s*$", source[:i]):
            return ExprError("syntax", "seen() takes a scene id without quotes", i + 1, meant(inner.strip(), skip))
        if re.fullmatch(r"-?[0-9]+", inner.strip()):
            return ExprError("syntax", "numbers are written without quotes", i + 1, meant(inner.strip(), skip))
        if inner.strip() in ("true", "false"):
            return ExprError("syntax", "true and false are written without quotes", i + 1, meant(inner.strip(), skip))
        return ExprError("syntax", "conditions hold no quoted text", i + 1,
                         "compare variables with whole numbers or true/false, written without quotes")
    hint = "conditions use names, whole numbers, true/false, comparisons, and/or/not, and seen(scene-id)"
    if source.startswith("seen", i):
        hint = f"seen() takes one scene id, like seen({scene})"
    return ExprError("syntax", f"unexpected character {ch!r}", i + 1, hint)


def _tokens(source: str, scene: str = "scene-id") -> list[tuple[str, str, int]]:
    out, i = [], 0
    while i < len(source):
        m = _TOKEN.match(source, i)
        if not m:
            raise _slip(source, i, scene)
        kind = m.lastgroup if m.lastgroup != "scene" else "seen"
        if kind == "seen":
            out.append(("seen", m.group("scene"), i + 1))
        elif kind == "name" and m.group() in _KEYWORDS:
            out.append(("kw", m.group(), i + 1))
        elif kind == "name" and m.group().lower() in _KEYWORDS - {"true", "false"}:
            raise ExprError("syntax", f"`{m.group()}` is written in lowercase", i + 1, f"write `{m.group().lower()}`")
        elif kind != "space":
            out.append((kind, m.group(), i + 1))
        i = m.end()
    out.append(("end", "", len(source) + 1))
    return out


class _Parser:
    """Precedence climbing: or < and < not < comparison < + - < unary minus."""

    def __init__(self, source: str, variable: str = "count", scene: str = "scene-id"):
        self.toks = _tokens(source, scene)
        self.i = 0
        self.depth = 0
        self.variable = variable  # the author's own names, for examples in hints
        self.scene = scene

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def deeper(self, col: int) -> None:
        """Enter one level of nesting (a parenthesis or a prefix operator); `shallower` leaves it.

        A flat chain such as `a or b or c` is one level, however long: only
        nesting makes the parser recurse.
        """
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("syntax", f"condition nested more than {MAX_DEPTH} deep", col,
                            "split it into simpler conditions")

    def shallower(self) -> None:
        self.depth -= 1

    def parse(self) -> Node:
        node = self.or_()
        kind, text, col = self.peek()
        if kind != "end":
            hint = "join conditions with `and` or `or`" if kind in ("name", "num", "seen", "kw") else ""
            raise ExprError("syntax", f"unexpected {text!r} after a complete condition", col, hint)
        return node

    def binary(self, ops: set[str], sub: Callable[[], Node]) -> Node:
        left = sub()
        while self.peek()[1] in ops and self.peek()[0] in ("kw", "op"):
            _, op, col = self.take()
            left = Binary(op, left, sub(), col)
        return left

    def or_(self) -> Node:
        return self.binary({"or"}, self.and_)

    def and_(self) -> Node:
        return self.binary({"and"}, self.not_)

    def not_(self) -> Node:
        kind, text, col = self.peek()
        if kind == "kw" and text == "not":
            self.take()
            self.deeper(col)
            node = Unary("not", self.not_(), col)
            self.shallower()
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        kind, op, col = self.peek()
        if kind == "op" and op in _COMPARE:
            self.take()
            left = Binary(op, left, self.sum(), col)
            if self.peek()[1] in _COMPARE:
                raise ExprError("syntax", "comparisons cannot be chained", self.peek()[2], "write `a < b and b < c`")
        return left

    def sum(self) -> Node:
        return self.binary({"+", "-"}, self.unary)

    def unary(self) -> Node:
        kind, text, col = self.peek()
        if kind == "op" and text == "-":
            self.take()
            self.deeper(col)
            node = Unary("-", self.unary(), col)
            self.shallower()
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, text, col = self.take()
        if kind == "num":
            value = int(text) if len(text) <= 16 else MAX_INT + 1
            if value > MAX_INT:
                shown = text if len(text) <= 20 else f"{text[:8]}…{text[-4:]} ({len(text)} digits)"
                raise ExprError("syntax", f"number {shown} is too large", col, f"use a number up to {MAX_INT}")
            return Lit(value, col)
        if kind == "kw" and text in ("true", "false"):
            return Lit(text == "true", col)
        if kind == "name":
            if text == "seen":
                ahead = [t[1] for t in self.toks[self.i:self.i + 3]]
                if len(ahead) == 3 and ahead[0] == "(" and ahead[2] == ")" and ahead[1].lower() != ahead[1]:
                    raise ExprError("syntax", "scene ids are lowercase", col, f"did you mean seen({ahead[1].lower()})?")
                raise ExprError("syntax", "seen() takes one scene id", col, f"write it like seen({self.scene})")
            return Var(text, col)
        if kind == "seen":
            return Seen(text, col)
        if kind == "op" and text == "(":
            self.deeper(col)
            node = self.or_()
            self.shallower()
            if self.peek()[1] != ")":
                raise ExprError("syntax", "missing ')'", self.peek()[2], f"close the '(' that opens at character {col} of the condition")
            self.take()
            return node
        if kind == "end":
            raise ExprError("syntax", "condition ends too early", col, f"finish the condition, e.g. `{self.variable} >= 1`")
        raise ExprError("syntax", f"unexpected {text!r}", col)


def parse(source: str, types: Mapping[str, str] = MappingProxyType({}), scenes: Sequence[str] = ()) -> Node:
    """Parse a condition; raise ExprError with the column of the fault.

    `types` and `scenes`, when given, only lend the author's own names to
    the examples in hints.
    """
    variable = next((n for n, t in types.items() if t == "int"), next(iter(types), "count"))
    scene = next(iter(scenes), "scene-id")
    if not isinstance(source, str) or not source.strip():
        raise ExprError("syntax", "empty condition", 1, f"write a condition, e.g. `{variable} >= 1`")
    if len(source) > MAX_LENGTH:
        raise ExprError("syntax", f"condition longer than {MAX_LENGTH} characters", MAX_LENGTH)
    return _Parser(source, variable, scene).parse()


# -- types -----------------------------------------------------------------


def _type_name(t: str) -> str:
    return "true/false" if t == "bool" else "a number"


def typecheck(node: Node, types: Mapping[str, str]) -> str:
    """Return 'int' or 'bool'; raise ExprError for unknown names and type mismatches."""
    if isinstance(node, Lit):
        return "bool" if isinstance(node.value, bool) else "int"
    if isinstance(node, Seen):
        return "bool"
    if isinstance(node, Var):
        if node.name not in types and node.name.lower() in _YAML_BOOLS:
            word = "true" if node.name.lower() in ("yes", "on", "true") else "false"
            raise ExprError("syntax", f"`{node.name}` is not a value in conditions", node.col,
                            f"write `{word}`: conditions know only true and false")
        if node.name not in types:
            import difflib

            near = difflib.get_close_matches(node.name, list(types), n=1)
            name = node.name if len(node.name) <= 40 else node.name[:39] + "…"
            hint = f"did you mean '{near[0]}'?" if near else f"declare it under `variables:` in story.yaml, e.g. `{name}: 0`"
            raise ExprError("unknown-variable", f"unknown variable '{name}'", node.col, hint)
        return types[node.name]
    if isinstance(node, Unary):
        inner = typecheck(node.operand, types)
        want = "bool" if node.op == "not" else "int"
        if inner != want:
            raise ExprError("type", f"'{node.op}' needs {_type_name(want)}, not {_type_name(inner)}", node.col)
        return want
    left, right = typecheck(node.left, types), typecheck(node.right, types)
    if node.op in ("and", "or"):
        for t in (left, right):
            if t != "bool":
                raise ExprError("type", f"'{node.op}' joins true/false conditions, not {_type_name(t)}", node.col,
                                "compare the number, e.g. `x > 0`")
        return "bool"
    if node.op in ("==", "!="):
        if left != right:
            raise ExprError("type", f"cannot compare {_type_name(left)} with {_type_name(right)}", node.col)
        return "bool"
    if left != "int" or right != "int":
        does = "compares" if node.op in _COMPARE else "adds" if node.op == "+" else "subtracts"
        raise ExprError("type", f"'{node.op}' {does} numbers, not {_type_name('bool')}", node.col,
                        "true/false values take ==, !=, and, or, not")
    return "bool" if node.op in _COMPARE else "int"


def compile_condition(source: str, types: Mapping[str, str], scenes: Sequence[str] = ()) -> Node:
    """Parse and type-check a condition that must be true or false."""
    node = parse(source, types, scenes)
    if typecheck(node, types) != "bool":
        raise ExprError("type", "a condition must be true or false, not a number", 1,
                        f"compare it, e.g. `{source.strip()} > 0`")
    return node


# -- evaluation ------------------------------------------------------------


def evaluate(node: Node, env: Mapping[str, Union[int, bool]], seen: Iterable[str] = ()) -> Union[int, bool]:
    """Evaluate a type-checked tree; `seen` holds the scene ids visited."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Var):
        return env[node.name]
    if isinstance(node, Seen):
        return node.scene in seen
    if isinstance(node, Unary):
        value = evaluate(node.operand, env, seen)
        return (not value) if node.op == "not" else -value
    op = node.op
    if op == "and":
        return bool(evaluate(node.left, env, seen)) and bool(evaluate(node.right, env, seen))
    if op == "or":
        return bool(evaluate(node.left, env, seen)) or bool(evaluate(node.right, env, seen))
    a, b = evaluate(node.left, env, seen), evaluate(node.right, env, seen)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def holds(source: str, env: Mapping[str, Union[int, bool]], seen: Iterable[str] = ()) -> bool:
    """Whether a condition is true now: what the runtime asks of every `if:`."""
    return bool(evaluate(parse(source), env, seen))


def names(node: Node) -> set[str]:
    """The variables a tree reads."""
    if isinstance(node, Var):
        return {node.name}
    if isinstance(node, Unary):
        return names(node.operand)
    if isinstance(node, Binary):
        return names(node.left) | names(node.right)
    return set()


# -- satisfiability --------------------------------------------------------

_MAX_CASES = 4096


def never_true(node: Node, types: Mapping[str, str]) -> Optional[bool]:
    """Whether a condition is false for every value of its variables.

    Decided exactly when every comparison sets one variable against a
    constant: each such comparison changes its truth only at its constant,
    so trying each constant and its neighbours covers every case. Returns
    None outside that fragment.
    """
    candidates: dict[str, set] = {}

    def visit(n: Node) -> bool:
        if isinstance(n, Lit):
            return True
        if isinstance(n, Var):
            if types.get(n.name) != "bool":
                return False
            candidates.setdefault(n.name, {True, False})
            return True
        if isinstance(n, Seen):
            candidates.setdefault("seen:" + n.scene, {True, False})
            return True
        if isinstance(n, Unary):
            return n.op == "not" and visit(n.operand)
        if n.op in ("and", "or"):
            return visit(n.left) and visit(n.right)
        if n.op in _COMPARE:
            pair = (n.left, n.right)
            var = next((x for x in pair if isinstance(x, Var)), None)
            lit = next((x for x in pair if isinstance(x, Lit)), None)
            if var is None or lit is None:
                return all(isinstance(x, Lit) for x in pair)
            if types.get(var.name) == "bool":
                candidates.setdefault(var.name, {True, False})
            else:
                c = int(lit.value)
                candidates.setdefault(var.name, set()).update({c - 1, c, c + 1})
            return True
        return False

    if not visit(node):
        return None
    keys = sorted(candidates)
    count = 1
    for k in keys:
        count *= len(candidates[k])
    if count > _MAX_CASES:
        return None
    for combo in itertools.product(*(sorted(candidates[k]) for k in keys)):
        env = dict(zip(keys, combo))
        seen = {k[5:] for k, v in env.items() if k.startswith("seen:") and v}
        if evaluate(node, env, seen):
            return False
    return True
