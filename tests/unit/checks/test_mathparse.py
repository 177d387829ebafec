"""The math-answer grammar: what honest learners type, what it means, and clear refusals."""

from __future__ import annotations

import cmath

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.checks import Expression, check
from lessonkit.checks.expression import equivalent, parse, to_sympy
from lessonkit.lesson.mathparse import MathSyntaxError, evaluate, parse_math

XY = ("x", "y")


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("2x", "2*x"),
        ("2(x+1)", "2*(x+1)"),
        ("(x+1)(x-1)", "(x+1)*(x-1)"),
        ("x(x+1)", "x*(x+1)"),
        ("x y", "x*y"),
        ("xy", "x*y"),
        ("2 3", "6"),
        ("x^2", "x**2"),
        ("x**2", "x**2"),
        ("x²y³", "x**2*y**3"),
        ("x^2^3", "x**(2**3)"),
        ("-x^2", "-(x**2)"),
        ("2^-1", "1/2"),
        ("x/2y", "(x/2)*y"),
        ("1/2x", "x/2"),
        ("2x^2y", "2*x**2*y"),
        ("sin x", "sin(x)"),
        ("sinx", "sin(x)"),
        ("sin 2x", "sin(2*x)"),
        ("sin x^2", "sin(x**2)"),
        ("sin x cos x", "sin(x)*cos(x)"),
        ("2sin(x)cos(x)", "2*sin(x)*cos(x)"),
        ("xsin(x)", "x*sin(x)"),
        ("ln x / 2", "log(x)/2"),
        ("log(8, 2)", "3"),
        ("abs(x)", "Abs(x)"),
        ("Abs(x)", "Abs(x)"),
        ("arcsin(x/4)", "asin(x/4)"),
        ("e^x", "exp(x)"),
        ("ex", "E*x"),
        ("2pi", "2*pi"),
        ("pix", "pi*x"),
        ("πx", "pi*x"),
        ("2e3", "2000"),
        ("1.5x", "3*x/2"),
        (".5x", "x/2"),
        ("3 \u2212 x", "3 - x"),
        ("3 \u00d7 x \u00b7 y \u22c5 2", "6*x*y"),
        ("x \u00f7 2", "x/2"),
        ("--x", "x"),
        ("+x", "x"),
        ("x/-2", "-x/2"),
        ("sqrt(x^2)", "Abs(x)"),
    ],
)
def test_what_honest_learners_type_means_what_they_meant(text: str, meaning: str) -> None:
    spec = Expression(answer=meaning, variables=XY)
    assert check(spec, text).correct, text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please type an expression."),
        ("2y + z", "Unknown name 'z' (you may use x, y)."),
        ("x2", "Unknown name 'x2' (you may use x, y)."),
        ("f(x)", "Unknown function 'f'"),
        ("factorial(9)", "Unknown function 'factorial'"),
        ("x = 2", "not an equation"),
        ("x < 2", "not an inequality"),
        ("|x|", "abs(x)"),
        ("[x]", "round brackets"),
        ("3!", "Factorials"),
        ("x.real", "'.'"),
        ("'x'", '"\'"'),
        ("x\u202e", "U+202E"),
        ("x<script>", "not an inequality"),
        ("sin^2(x)", "sin(x)^2"),
        ("sin(x, y)", "sin takes one argument"),
        ("x, y", "one expression"),
        ("(x", "A bracket is not closed."),
        ("x)", "no opening bracket"),
        ("x +", "complete expression"),
        ("x^1001", "too large"),
        ("9^9^9", "too large"),
        ("1e400", "too large"),
        ("1" * 41, "too long"),
        ("x" * 301, "under 300 characters"),
        ("(" * 40 + "x" + ")" * 40, "nested too deeply"),
    ],
)
def test_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse_math(text, XY)
    assert message in str(info.value)
    result = check(Expression(answer="x", variables=XY), text)
    assert not result.understood and message in result.feedback


def test_the_parsed_form_is_an_unevaluated_sympy_expression() -> None:
    expr = parse("2(x+1)", ("x",))
    assert isinstance(expr, sympy.Expr)
    assert str(expr) == "2*(x + 1)"  # as typed, not expanded
    assert sympy.simplify(expr - (2 * sympy.Symbol("x") + 2)) == 0


def test_an_expression_with_no_value_anywhere_is_wrong_not_an_error() -> None:
    node = parse_math("1/(x - x)", ("x",))
    assert equivalent(node, parse_math("x", ("x",)), ("x",)) is None
    result = check(Expression(answer="x", variables=("x",)), "1/(x-x)")
    assert result.understood and not result.correct
    assert "no value" in result.feedback


def test_an_instructor_answer_that_cannot_be_checked_is_a_spec_problem() -> None:
    assert Expression(answer="1/(x-x)", variables=("x",)).problems()
    assert Expression(answer="2x +", variables=("x",)).problems()
    assert Expression(answer="x", variables=("θ",)).problems()
    assert Expression(answer="{{a}}x", variables=("x",)).problems() == []  # checked per draw
    assert Expression(answer="sqrt(x^2)", variables=("x",)).problems() == []


# ------------------------------------------------------------------ SymPy as an oracle

_LEAVES = st.sampled_from(["x", "y", "2", "3", "0.5", "pi", "e", "(x+1)", "(y-2)"])
_FUNCS = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "atan", "sinh", "cosh", "tanh"]


def _combine(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(parts, st.sampled_from([" + ", " - ", "*", "/", " "]), parts).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})"
    )
    power = st.tuples(parts, st.sampled_from(["2", "3", "-1", "0.5"])).map(
        lambda t: f"{t[0]}^{t[1]}"
    )
    call = st.tuples(st.sampled_from(_FUNCS), parts).map(lambda t: f"{t[0]}({t[1]})")
    return binary | power | call | parts.map(lambda p: f"-{p}")


EXPRESSIONS = st.recursive(_LEAVES, _combine, max_leaves=8)
# Without pi: sin(pi) is 1.2e-16 in floats and 0 exactly, so x/sin(pi) is ill-conditioned.
WELL_CONDITIONED = st.recursive(
    st.sampled_from(["x", "y", "2", "3", "0.5", "e", "(x+1)", "(y-2)"]), _combine, max_leaves=8
)


@settings(max_examples=300, deadline=None)
@given(WELL_CONDITIONED)
def test_values_agree_with_sympy_on_the_same_tree(text: str) -> None:
    """The judged value and the SymPy form shown to the learner mean the same thing."""
    try:
        node = parse_math(text, XY)
    except MathSyntaxError:  # a tower like x^2^3^3: refused as too large
        return
    point = {"x": 0.6 + 0j, "y": -1.7 + 0j}
    try:
        ours = evaluate(node, point)
    except (ArithmeticError, ValueError):
        return
    theirs = complex(
        to_sympy(node).evalf(30, subs={sympy.Symbol("x"): 0.6, sympy.Symbol("y"): -1.7})
    )
    if not (cmath.isfinite(theirs) and abs(ours) < 1e12):
        return
    assert abs(ours - theirs) <= 1e-7 * max(1.0, abs(theirs)), text


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_every_expression_of_the_grammar_matches_itself(text: str) -> None:
    spec = Expression(answer=text, variables=XY)
    if spec.problems():  # no value at enough probe points: validate tells the instructor
        return
    assert check(spec, text).correct, text
    assert check(spec, f"({text})").correct, text
