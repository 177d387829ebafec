"""Grouping data with pandas: a lessonkit lesson written with the Python API.

The learner picks a theme — sports, music or weather — and works on a small data set that is
generated here, locally and deterministically (nothing is downloaded): the same theme always
gives the same rows, so answers can be checked against fixed DataFrames.

In a notebook::

    import lessonkit
    from groupby_lesson import build_lesson, load_theme

    lessonkit.show(build_lesson())
    df = load_theme("sports")        # the data of the theme you picked

Questions that ask for a DataFrame are answered by typing the name of a variable that holds
it (for example ``totals``).
"""

from __future__ import annotations

import random
from typing import Any

import lessonkit as lk
from lessonkit import checks

__all__ = ["THEMES", "build_lesson", "load_theme", "theme_answers"]

THEMES: dict[str, dict[str, Any]] = {
    "sports": {
        "label": "⚽ Sports: points scored by basketball teams",
        "group": "team",
        "groups": ["Falcons", "Otters", "Wolves"],
        "sub": "venue",
        "subs": ["home", "away"],
        "value": "points",
        "low": 60,
        "high": 110,
        "story": "points scored by three basketball teams in eight games each, home and away",
    },
    "music": {
        "label": "🎵 Music: plays of songs by genre",
        "group": "genre",
        "groups": ["jazz", "pop", "rock"],
        "sub": "format",
        "subs": ["stream", "vinyl"],
        "value": "plays",
        "low": 5,
        "high": 95,
        "story": "how often songs of three genres were played in a small record shop's playlist",
    },
    "weather": {
        "label": "🌦 Weather: daily rainfall in three cities",
        "group": "city",
        "groups": ["Bergen", "Lima", "Perth"],
        "sub": "month",
        "subs": ["Jan", "Jul"],
        "value": "rain_mm",
        "low": 0,
        "high": 30,
        "story": "rainfall in millimetres on a few days in January and July in three cities",
    },
}

ROWS_PER_CELL = 2
"""Rows per (group, sub-group) pair: 3 groups x 2 sub-groups x 2 = 12 rows per theme."""


def _rows(theme: str) -> list[dict[str, Any]]:
    spec = THEMES[theme]
    rng = random.Random(f"lessonkit-groupby-{theme}")  # fixed seed: the same rows every time
    rows = []
    for _ in range(ROWS_PER_CELL):
        for group in spec["groups"]:
            for sub in spec["subs"]:
                value = rng.randint(spec["low"], spec["high"])
                rows.append({spec["group"]: group, spec["sub"]: sub, spec["value"]: value})
    return rows


def load_theme(theme: str) -> Any:
    """The data set of ``theme`` as a pandas DataFrame (12 rows, generated locally)."""
    import pandas as pd

    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
    return pd.DataFrame(_rows(theme))


def theme_answers(theme: str) -> dict[str, dict[str, list[Any]]]:
    """The expected answers of the theme's DataFrame questions, as ``{column: [values]}``.

    Computed in plain Python from the generated rows, so building the lesson needs no pandas.
    """
    spec = THEMES[theme]
    g, s, v = spec["group"], spec["sub"], spec["value"]
    rows = _rows(theme)
    totals = {k: sum(r[v] for r in rows if r[g] == k) for k in spec["groups"]}
    means = []
    for k in spec["groups"]:
        for sub in sorted(spec["subs"]):
            values = [r[v] for r in rows if r[g] == k and r[s] == sub]
            means.append((k, sub, sum(values) / len(values)))
    return {
        "totals": {g: list(totals), v: list(totals.values())},
        "means": {g: [m[0] for m in means], s: [m[1] for m in means], v: [m[2] for m in means]},
    }


def _table(theme: str) -> str:
    spec = THEMES[theme]
    cols = [spec["group"], spec["sub"], spec["value"]]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in _rows(theme)]
    return "\n".join(lines)


def _theme_steps(theme: str) -> list[lk.Step]:
    spec = THEMES[theme]
    g, s, v = spec["group"], spec["sub"], spec["value"]
    answers = theme_answers(theme)
    return [
        lk.Content(
            id=f"data-{theme}",
            title="Your data",
            body=(
                f"Your data set holds {spec['story']}. Load it in a cell of this notebook:\n\n"
                "```python\n"
                "from groupby_lesson import load_theme\n\n"
                f'df = load_theme("{theme}")\n'
                "```\n\n"
                f"{_table(theme)}\n\n"
                f'`df.groupby("{g}")` **splits** the rows into one group per {g}; an '
                f"aggregation such as `.sum()` **applies** to each group; pandas **combines** "
                "the results into one row per group."
            ),
            next=f"order-{theme}",
        ),
        lk.Question(
            id=f"order-{theme}",
            title="Split, apply, combine",
            prompt=f"Put these lines in order to print the total {v} of each {g}.",
            check=checks.Ordering(
                items=(
                    "from groupby_lesson import load_theme",
                    f'df = load_theme("{theme}")',
                    f'groups = df.groupby("{g}")',
                    f'totals = groups["{v}"].sum()',
                    "print(totals)",
                )
            ),
            competencies=("split-apply-combine",),
            hints=("You need the data before you can group it, and the groups before a sum.",),
            max_attempts=3,
            attempt_scores=(1, 0.5, 0.25),
            next=f"totals-{theme}",
        ),
        lk.Question(
            id=f"totals-{theme}",
            title="Totals per group",
            prompt=(
                f"Make a DataFrame `totals` with one row per {g} and two columns, `{g}` and "
                f"`{v}`: the total {v} of that {g}. Then type `totals` below."
            ),
            check=checks.Frame(answer=answers["totals"], check_row_order=False),
            points=2,
            competencies=("groupby",),
            hints=(
                f'`df.groupby("{g}")["{v}"].sum()` gives a Series indexed by {g}.',
                "`.reset_index()` turns that Series into a DataFrame with two columns.",
            ),
            feedback=lk.Feedback(correct=f"Right: one row per {g}, the {v} added up."),
            max_attempts=3,
            attempt_scores=(1, 0.5, 0.25),
            solution=f'```python\ntotals = df.groupby("{g}")["{v}"].sum().reset_index()\n```',
            show_solution_after=2,
            next=lk.Branch(
                rules=(lk.Rule(when="not correct or attempts >= 3", goto="worked-example"),),
                default=f"means-{theme}",
            ),
        ),
        lk.Question(
            id=f"means-{theme}",
            title="Two keys",
            prompt=(
                f"Group by **both** `{g}` and `{s}` and take the mean {v}. Make a DataFrame "
                f"`means` with the columns `{g}`, `{s}` and `{v}` (one row per pair), then type "
                "`means` below."
            ),
            check=checks.Frame(answer=answers["means"], check_row_order=False, tolerance=1e-6),
            points=2,
            competencies=("groupby",),
            hints=(
                f'Pass a list of keys: `df.groupby(["{g}", "{s}"])`.',
                f'`df.groupby(["{g}", "{s}"])["{v}"].mean().reset_index()`',
            ),
            max_attempts=3,
            attempt_scores=(1, 0.5, 0.25),
            next="q-size",
        ),
    ]


def build_lesson() -> lk.Lesson:
    """The groupby lesson: a theme choice, then the same skills on the chosen data."""
    theme_rules = tuple(lk.Rule(when=f"profile.theme == '{t}'", goto=f"means-{t}") for t in THEMES)
    steps: list[lk.Step] = [
        lk.Content(
            id="welcome",
            title="Grouping data with pandas",
            body=(
                "Many questions about data start with **for each**: total points *for each* "
                "team, mean rainfall *for each* city. In pandas the answer is `groupby`.\n\n"
                "You will work on a small data set of your choice."
            ),
            next="theme",
        ),
        lk.Choice(
            id="theme",
            title="Pick your data",
            prompt="Which data would you like to work with?",
            field="theme",
            options=tuple(
                lk.ChoiceOption(value=t, label=spec["label"], goto=f"data-{t}")
                for t, spec in THEMES.items()
            ),
        ),
    ]
    for theme in THEMES:
        steps.extend(_theme_steps(theme))
    steps += [
        lk.Content(
            id="worked-example",
            title="A worked example",
            body=(
                "Take a tiny table of fruit sales:\n\n"
                "| fruit | sold |\n|---|---|\n| apple | 3 |\n| pear | 5 |\n| apple | 4 |\n\n"
                "1. **Split** by `fruit`: apple → `3, 4`; pear → `5`.\n"
                "2. **Apply** `sum` to each group: apple → `7`; pear → `5`.\n"
                "3. **Combine**: a Series indexed by fruit.\n\n"
                "```python\n"
                'sales.groupby("fruit")["sold"].sum().reset_index()\n'
                "#    fruit  sold\n"
                "# 0  apple     7\n"
                "# 1   pear     5\n"
                "```\n\n"
                "`reset_index()` moves the group labels from the index back into a column."
            ),
            next=lk.Branch(rules=theme_rules, default="q-size"),
        ),
        lk.Question(
            id="q-size",
            title="Counting rows",
            prompt="Which method gives the **number of rows** in each group?",
            check=checks.Choice(
                options=(
                    checks.Option(value="size", text="`.size()`"),
                    checks.Option(
                        value="sum", text="`.sum()`", feedback="`sum` adds the values up."
                    ),
                    checks.Option(
                        value="nunique",
                        text="`.nunique()`",
                        feedback="`nunique` counts *distinct* values, not rows.",
                    ),
                ),
                answer="size",
                shuffle=True,
            ),
            competencies=("groupby",),
            max_attempts=2,
            next="q-aggregations",
        ),
        lk.Question(
            id="q-aggregations",
            title="One value per group",
            prompt=(
                "Which of these give **one value per group** (an aggregation) when called on "
                "`df.groupby(key)[column]`? Select all that apply."
            ),
            check=checks.Choice(
                options=(
                    "sum",
                    "mean",
                    "max",
                    checks.Option(
                        value="cumsum",
                        feedback="`cumsum` keeps every row: a running total within each group.",
                    ),
                    checks.Option(
                        value="rank", feedback="`rank` gives one value per row, not per group."
                    ),
                ),
                answer=("sum", "mean", "max"),
            ),
            competencies=("split-apply-combine",),
            max_attempts=2,
            next="q-groups",
        ),
        lk.Question(
            id="q-groups",
            title="How many rows?",
            prompt=(
                "Your data has 3 groups in its first column and 2 in its second. How many rows "
                "does a groupby on **both** columns followed by `.mean()` give?"
            ),
            check=checks.Numeric(answer=6),
            competencies=("groupby",),
            feedback=lk.Feedback(
                wrong=(
                    lk.WrongAnswer(answer=12, message="12 is the number of rows before grouping."),
                    lk.WrongAnswer(answer=5, message="Pairs multiply: every key with every key."),
                )
            ),
            max_attempts=2,
            next="done",
        ),
        lk.End(
            id="done",
            title="Well done!",
            body=(
                "You can now split a DataFrame into groups, aggregate each group and combine "
                "the results. Next: `agg` with several functions at once."
            ),
        ),
    ]
    return lk.Lesson(
        id="pandas-groupby",
        title="Grouping data with pandas",
        version="1.0",
        description=(
            "Split-apply-combine with `DataFrame.groupby`, on a themed data set the learner "
            "chooses (sports, music or weather), generated locally."
        ),
        competencies=(
            lk.Competency(
                id="groupby",
                title="Groups a DataFrame and aggregates each group",
                mastery=lk.MasteryParams(prior=0.2, learn=0.2, guess=0.15, slip=0.1),
            ),
            lk.Competency(
                id="split-apply-combine",
                title="Explains split-apply-combine",
                mastery=lk.MasteryParams(prior=0.3, learn=0.2, guess=0.25, slip=0.1),
            ),
        ),
        steps=tuple(steps),
    )
