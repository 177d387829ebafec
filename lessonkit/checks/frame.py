"""pandas DataFrame and Series answers, compared with :mod:`pandas.testing`.

The expected frame is built from ``spec.answer`` (``{column: [values...]}``). Before the
comparison, column order is aligned when ``check_column_order`` is off and rows are sorted
when ``check_row_order`` is off. The index is compared only when ``spec.index`` is given;
otherwise both indexes are reset, so a filtered frame that kept its old labels still matches.
Feedback is a short diff: missing/extra columns, shape, then the first differing cells.
"""

from __future__ import annotations

from typing import Any

from ..i18n import Translator, translator
from ..lesson.specs import Frame
from .result import CheckResult, jsonable, make_result, not_understood, safe_repr

__all__ = ["check_spec"]

_MAX_CELLS = 1_000_000
_SHOW_CELLS = 3


def _expected(spec: Frame) -> Any:
    import pandas as pd

    index = list(spec.index) if spec.index is not None else None
    frame = pd.DataFrame({k: list(v) for k, v in spec.answer.items()}, index=index)
    return frame


def _as_frame(response: Any, t: Translator) -> Any:
    """The response as a DataFrame, or a message saying why it cannot be one."""
    import pandas as pd

    if isinstance(response, pd.Series):
        name = response.name if response.name is not None else 0
        return response.to_frame(name=name)
    if isinstance(response, pd.DataFrame):
        return response
    if isinstance(response, (dict, list)):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pandas pads ragged data with a warning: refuse it
            try:
                return pd.DataFrame(response)
            except (ValueError, TypeError, Warning):
                pass
    return t.gettext("Please give a pandas DataFrame (or Series) as your answer.")


def _sorted_rows(frame: Any) -> Any:
    try:
        return frame.sort_values(by=list(frame.columns), kind="stable")
    except TypeError:  # mixed types in a column: order by their text instead
        order = frame.astype(str).sort_values(by=list(frame.columns), kind="stable").index
        return frame.loc[order]


def _same(a: Any, b: Any, tolerance: float) -> bool:
    import math

    try:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-12)
        return bool(a == b)
    except Exception:
        return False


def _cell_diffs(got: Any, want: Any, tolerance: float) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for column in want.columns:
        for row, (g, w) in enumerate(
            zip(got[column].tolist(), want[column].tolist(), strict=False)
        ):
            if not _same(g, w, tolerance):
                found.append(
                    {"row": row, "column": str(column), "expected": jsonable(w, limit=80),
                     "got": jsonable(g, limit=80)}
                )  # fmt: skip
                if len(found) >= _SHOW_CELLS:
                    return found
    return found


def _describe(frame: Any) -> dict[str, Any]:
    head = frame.head(5)
    return {
        "type": "DataFrame",
        "shape": list(frame.shape),
        "columns": [str(c) for c in frame.columns][:100],
        "head": jsonable(head.to_dict(orient="list")),
    }


def _columns(missing: list[str], extra: list[str], t: Translator) -> str:
    """What is wrong with the answer's columns, in ``t``'s language."""
    parts = []
    if missing:
        names = ", ".join(map(repr, missing))
        lacking = t.ngettext("Missing column: {names}.", "Missing columns: {names}.", len(missing))
        parts.append(lacking.format(names=names))
    if extra:
        names = ", ".join(safe_repr(c, 40) for c in extra)
        unexpected = t.ngettext(
            "Unexpected column: {names}.", "Unexpected columns: {names}.", len(extra)
        )
        parts.append(unexpected.format(names=names))
    return " ".join(parts)


def check_spec(
    spec: Frame, response: Any, *, language: str | None = None, **_rest: Any
) -> CheckResult:
    """Compare a DataFrame/Series response with ``spec.answer``."""
    import pandas as pd

    t = translator(language)
    _ = t.gettext
    got = _as_frame(response, t)
    if isinstance(got, str):
        return not_understood(response, got)
    if got.size > _MAX_CELLS:
        return not_understood(response, _("Your table is too large to be checked."))
    raw = _describe(got)
    text = got.head(50).to_csv(index=False)  # cheaper than to_string, and canonical
    want = _expected(spec)

    def wrong(message: str, **diff: Any) -> CheckResult:
        return make_result(response, correct=False, feedback=message, text=text, raw=raw, diff=diff)

    if spec.series and not isinstance(response, pd.Series) and got.shape[1] != 1:
        return wrong(_("The answer should be a single column (a Series)."), kind="series")
    if spec.series:
        got = got.set_axis([want.columns[0]], axis=1)
    got_cols = [str(c) for c in got.columns]
    want_cols = [str(c) for c in want.columns]
    missing = [c for c in want_cols if c not in got_cols]
    extra = [c for c in got_cols if c not in want_cols]
    if missing or extra:
        return wrong(_columns(missing, extra, t), missing=missing, extra=extra)
    got = got.set_axis(got_cols, axis=1)
    if spec.check_column_order and got_cols != want_cols:
        order = _("Put the columns in this order: {columns}.").format(columns=", ".join(want_cols))
        return wrong(order, columns=got_cols)
    got = got[want_cols]
    if len(got) != len(want):
        message = t.ngettext(
            "Expected {n} row, got {got}.", "Expected {n} rows, got {got}.", len(want)
        ).format(n=t.number(len(want)), got=t.number(len(got)))
        return wrong(message, shape={"expected": list(want.shape), "got": list(got.shape)})
    if spec.index is None:
        got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    if not spec.check_row_order:
        if spec.index is None:
            got, want = _sorted_rows(got), _sorted_rows(want)
            got, want = got.reset_index(drop=True), want.reset_index(drop=True)
        else:
            got, want = got.sort_index(), want.sort_index()
    if got.equals(want):  # fast path: identical values, dtypes and labels
        return make_result(response, correct=True, text=text, raw=raw)
    try:
        pd.testing.assert_frame_equal(
            got,
            want,
            check_dtype=spec.check_dtype,
            check_exact=False,
            rtol=spec.tolerance,
            atol=1e-12,
            check_index_type=False,
            check_column_type=False,
            check_names=False,
        )
    except (AssertionError, TypeError, ValueError) as exc:
        cells = _cell_diffs(got, want, spec.tolerance)
        if spec.index is not None and list(got.index) != list(want.index):
            return wrong(_("The row labels (index) are not the expected ones."), index=True)
        if not cells:
            # pandas says what differs (in English): shown as it is, after a translated lead.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return wrong(_("Almost: {detail}").format(detail=first[:200]), detail=first[:500])
        cell = _("row {row}, column {column}: expected {expected}, got {got}")
        lines = [
            cell.format(
                row=c["row"],
                column=repr(c["column"]),
                expected=repr(c["expected"]),
                got=repr(c["got"]),
            )
            for c in cells
        ]
        return wrong(
            _("Some values differ:") + "\n" + "\n".join(f"- {line}" for line in lines),
            cells=cells,
        )
    return make_result(response, correct=True, text=text, raw=raw)
