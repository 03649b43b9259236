"""The condition language: parsing with columns, types, evaluation, satisfiability."""

import pytest
from hypothesis import given, strategies as st

from engine import expr

TYPES = {"held_on": "int", "bitterness": "int", "told": "bool"}


@pytest.mark.parametrize("source, env, seen, expected", [
    ("held_on >= 1", {"held_on": 1}, (), True),
    ("held_on >= 1", {"held_on": 0}, (), False),
    ("not told and held_on > bitterness", {"told": False, "held_on": 2, "bitterness": 1}, (), True),
    ("told or held_on - bitterness == -1", {"told": False, "held_on": 0, "bitterness": 1}, (), True),
    ("-(held_on + 1) < 0", {"held_on": 3}, (), True),
    ("seen(lisa-redux) and not seen(london)", {}, ("lisa-redux",), True),
    ("true == (not false)", {}, (), True),
    ("a or b and c", {"a": False, "b": True, "c": False}, (), False),
])
def test_evaluates_like_the_manual_says(source, env, seen, expected):
    assert expr.holds(source, env, seen) is expected


@pytest.mark.parametrize("source, kind, col", [
    ("held_on >= ", "syntax", 12),
    ("held_on >> 1", "syntax", 10),
    ("held_on = 1", "syntax", 9),
    ("held_on > 1 told", "syntax", 13),
    ("(held_on > 1", "syntax", 13),
    ("1 < 2 < 3", "syntax", 7),
    ("held_on && told", "syntax", 9),
    ("seen(London)", "syntax", 1),
    ("", "syntax", 1),
    ("hold_on > 1", "unknown-variable", 1),
    ("told > 1", "type", 6),
    ("held_on and told", "type", 9),
    ("told == 1", "type", 6),
    ("held_on + 1", "type", 1),
    ("not held_on", "type", 1),
])
def test_errors_point_at_the_column(source, kind, col):
    with pytest.raises(expr.ExprError) as info:
        expr.compile_condition(source, TYPES)
    assert (info.value.kind, info.value.col) == (kind, col)


def test_unknown_variable_suggests_the_nearest_name():
    with pytest.raises(expr.ExprError) as info:
        expr.compile_condition("hold_on > 1", TYPES)
    assert "held_on" in info.value.hint


def test_no_python_is_ever_evaluated():
    for hostile in ["__import__('os').system('true')", "held_on.__class__", "[x for x in ()]", "lambda: 1"]:
        with pytest.raises(expr.ExprError):
            expr.compile_condition(hostile, TYPES)


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(expr.ExprError):
        expr.parse("(" * 5000 + "told" + ")" * 5000)
    with pytest.raises(expr.ExprError):
        expr.parse("not " * 5000 + "told")


@pytest.mark.parametrize("source, never", [
    ("held_on > 2 and held_on < 1", True),
    ("told and not told", True),
    ("held_on > 2 and held_on < 4", False),
    ("held_on == 3 and not (held_on >= 3)", True),
    ("seen(x) and not seen(x)", True),
    ("held_on > bitterness", None),
    ("1 > 2", True),
])
def test_never_true_is_decided_in_its_fragment(source, never):
    assert expr.never_true(expr.compile_condition(source, TYPES), TYPES) is never


@given(st.integers(-50, 50), st.integers(-50, 50), st.booleans(),
       st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
       st.integers(-5, 5), st.integers(-5, 5), st.sampled_from(["and", "or"]))
def test_never_true_is_sound(h, b, t, op1, op2, c1, c2, join):
    """If it says never, no assignment may make it true."""
    source = f"held_on {op1} {c1} {join} not (held_on {op2} {c2}) {join} told"
    tree = expr.compile_condition(source, TYPES)
    if expr.never_true(tree, TYPES):
        assert not expr.evaluate(tree, {"held_on": h, "bitterness": b, "told": t})


@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(source):
    try:
        tree = expr.compile_condition(source, TYPES)
    except expr.ExprError as e:
        assert 1 <= e.col <= len(source) + 1
    else:
        assert expr.evaluate(tree, {"held_on": 0, "bitterness": 0, "told": False}) in (True, False)
