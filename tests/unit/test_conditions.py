"""The condition language: every kind of name, operators, total evaluation, errors, names."""

from __future__ import annotations

import pytest

import lessonkit as lk
from lessonkit.lesson.conditions import (
    ConditionSyntaxError,
    StaticContext,
    StepFacts,
    check_names,
    evaluate,
    parse,
)

CTX = StaticContext(
    correct=True,
    score=0.5,
    attempts=2,
    hints=1,
    choice="b",
    profile={"goal": "exam", "level": 3},
    choices={"pick": "b"},
    steps={
        "q1": StepFacts(score=1.0, correct=True, attempts=1, visits=2, points=2, max_points=2),
        "q2": StepFacts(score=0.5, attempts=3, hints=2, points=0.5, max_points=1),
    },
    mastery_levels={"add": 0.96, "sub": 0.5},
    thresholds={"sub": 0.4},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # profile fields and choices
        ("profile.goal == 'exam'", True),
        ("profile['goal'] in ['exam', 'fun']", True),
        ("profile.goal != 'exam'", False),
        ("profile.missing == none", True),
        ("profile.level + 1 == 4", True),
        ("'ex' in profile.goal", True),
        ("choices.pick == 'b'", True),
        ("choices['pick'] not in ['a', 'c']", True),
        ("choice == 'b'", True),
        # last result
        ("correct", True),
        ("score >= 0.5 and score < 1", True),
        ("attempts >= 2 and hints == 1", True),
        # per-step facts
        ("correct('q1') and not correct('q2')", True),
        ("score('q2') == 0.5", True),
        ("attempts('q2') == 3 and hints('q2') == 2", True),
        ("answered('q1') and not answered('never')", True),
        ("visits('q1') == 2 and visits('never') == 0", True),
        # cumulative score over a set of steps
        ("total_score('q1', 'q2') == 2.5", True),
        ("total_score('q1', 'q2') / max_score('q1', 'q2') >= 0.8", True),
        ("total_score('q1', 'q2') / max_score('q1', 'q2') > 0.9", False),
        # mastery
        ("mastery('add') > 0.95", True),
        ("mastery('unknown') == 0", True),
        ("mastered('add') and mastered('sub')", True),  # sub's threshold is 0.4
        # boolean logic, comparisons, arithmetic
        ("not (correct or false)", False),
        ("correct and (hints > 5 or attempts == 2)", True),
        ("1 < 2 <= 2 < 3", True),
        ("1 < 2 > 3", False),
        ("-1 < 0 and +2 == 2 and 2 * 3 - 1 == 5", True),
        ("1 == 1.0 and '1' != 1", True),
        ("true == 1 and false == 0", True),
        ("[] or ''", False),
    ],
)
def test_condition_kinds(text: str, expected: bool) -> None:
    assert evaluate(text, CTX) is expected


@pytest.mark.parametrize(
    "text",
    [
        "profile.level / 0 == none",  # division by zero gives none
        "not (none < 1)",  # ordering none with a number is false, not an error
        "not ('a' < 1)",
        "not (1 in 2)",
        "-profile.goal == none",
        "profile.goal + 1 == none",
    ],
)
def test_evaluation_is_total(text: str) -> None:
    assert evaluate(text, CTX) is True


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("attempts = 2", 9, "'=' is not an operator; use '==' to compare"),
        ("correct && hints == 0", 8, "use 'and' instead of '&'"),
        ("correct || hints == 0", 8, "use 'or' instead of '|'"),
        ("!correct", 0, "use 'not' instead of '!'"),
        ("score =< 1", 6, "'=<' is not an operator; use '<='"),
        (
            "mastery(loops) > 0.5",
            8,
            "mastery() takes competency ids in quotes, e.g. mastery('loops')",
        ),
        (
            "(correct",
            8,
            "expected ')' to close the '(' at character 1, found the end of the condition",
        ),
        ("score >", 7, "unexpected end of the condition: a value is missing"),
        ("visits()", 0, "visits() takes exactly 1 step id, got 0"),
        ("total_score()", 0, "total_score() takes at least 1 step id, got 0"),
        ("profile.", 8, "expected a field name after 'profile.'"),
        (
            "correct correct",
            8,
            "unexpected 'correct' after a complete expression (missing 'and' or 'or'?)",
        ),
        ("", 0, "empty condition: write an expression such as 'correct'"),
        ("'abc", 0, "unterminated string: no closing '"),
        ("mastery > 0.5", 0, "mastery needs a competency id: mastery('competency-id')"),
        ("and correct", 0, "'and' needs a value before it"),
        ("correct(", 8, "expected ')' to close correct("),
        ("[1, 2", 5, "expected ']' to close the '[' at character 1"),
    ],
)
def test_syntax_errors_carry_offsets(text: str, offset: int, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert (info.value.offset, info.value.message) == (offset, message)
    assert isinstance(info.value, lk.LessonDefinitionError)


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("corect", 0, "unknown name 'corect' (did you mean 'correct'?)"),
        ("atempts > 1", 0, "unknown name 'atempts' (did you mean 'attempts'?)"),
        ("profile.goal == exam", 16, "unknown name 'exam' (quote text: 'like this')"),
        ("mastry('add')", 0, "unknown function 'mastry' (did you mean 'mastery'?)"),
        ("correct and profile('x')", 12, "'profile' is not a function"),
    ],
)
def test_unknown_names_suggest(text: str, offset: int, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert (info.value.offset, info.value.message) == (offset, message)


def test_limits_end_in_clean_errors() -> None:
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        parse("(" * 100 + "correct" + ")" * 100)
    with pytest.raises(ConditionSyntaxError, match="too long"):
        parse("correct and " * 2000 + "correct")
    with pytest.raises(ConditionSyntaxError, match="number is too long"):
        parse("score > " + "9" * 100)
    long_chain = " and ".join(["correct"] * 500)  # flat chains do not nest
    assert evaluate(long_chain, CTX) is True


def test_check_names_reports_unknown_ids_with_suggestions() -> None:
    cond = parse(
        "mastery('lops') > 0.5 and visits('q3') > 0 and profile.gaol == 'x' and choices.q1 == 'a'"
    )
    assert check_names(
        cond,
        step_ids={"q1", "q2"},
        competency_ids={"loops"},
        profile_fields={"goal"},
        choice_step_ids={"pick"},
    ) == [
        (8, "unknown competency 'lops' (did you mean 'loops'?)"),
        (33, "unknown step 'q3'"),
        (55, "unknown profile field 'gaol' (did you mean 'goal'?); choice steps set: goal"),
        (79, "choices.q1: 'q1' is not a choice step"),
    ]
    no_comps = check_names(parse("mastered('x')"), step_ids=(), competency_ids=())
    assert no_comps == [
        (9, "unknown competency 'x': declare it in the lesson's top-level 'competencies:' list")
    ]


def test_names_and_references() -> None:
    cond = parse("total_score('a', 'b') > 1 and mastered('m') and profile.p == choices.c")
    names = cond.names()
    assert names.steps == {"a", "b", "c"}
    assert names.competencies == {"m"}
    assert names.profile_fields == {"p"}
    assert [r.offset for r in cond.references()] == sorted(r.offset for r in cond.references())
    assert str(cond) == cond.text
    assert parse(cond.text) is cond  # cached


def test_strings_support_escapes_and_both_quotes() -> None:
    ctx = StaticContext(profile={"q": "it's", "t": 'say "hi"'})
    assert evaluate('profile.q == \'it\\\'s\' and profile.t == "say \\"hi\\""', ctx)


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse(42)  # type: ignore[arg-type]
