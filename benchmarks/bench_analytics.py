"""Class analytics: tables from a million statements, and BKT calibration quality.

Baselines measured in the same run:

- ``class_mastery`` (latest mastery per learner and competency, in event order, as a table)
  against a plain ``groupby(...).last()`` over the same rows, which neither orders events nor
  pivots;
- calibration (``lessonkit.analytics.calibrate``: first-attempt sequences + EM) against the
  generating parameters: recovery error, and held-out AUC of next-answer predictions made with
  the fitted parameters vs. with the true ones. pyBKT is compared when it imports.

The frame is built once from simulated statements (BKT learners, with mastery events) and
tiled with fresh learner ids up to the row count; ``quick`` uses 100 000 rows and scales.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from timing import per_call

from lessonkit.analytics import calibrate, class_mastery, first_attempt_sequences, step_stats
from lessonkit.analytics.frame import statements_frame
from lessonkit.analytics.synthetic import bkt_statements
from lessonkit.lesson.model import MasteryParams
from lessonkit.policies.mastery import bkt_update, p_correct

TRUTH = {
    "add": MasteryParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1),
    "mul": MasteryParams(prior=0.15, learn=0.3, guess=0.15, slip=0.05),
}


def _big_frame(rows: int) -> Any:
    base = statements_frame(
        bkt_statements(TRUTH, learners=200, opportunities=8, seed=5, lesson="bench")
    )
    copies = -(-rows // len(base))
    parts = []
    for k in range(copies):
        part = base.copy()
        part["learner"] = part["learner"] + f"#{k}"
        part["registration"] = part["registration"] + f"#{k}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True).iloc[:rows]


def _auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged)."""
    ranks = pd.Series(scores).rank().to_numpy()
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _predictions(seqs: list[list[int]], params: MasteryParams) -> tuple[Any, Any]:
    """P(correct) before each answer from the BKT filter, and the answers."""
    scores, labels = [], []
    for seq in seqs:
        known = params.prior
        for outcome in seq:
            scores.append(p_correct(known, params))
            labels.append(outcome)
            known = bkt_update(known, bool(outcome), params)
    return np.array(scores), np.array(labels)


def _pybkt_row() -> dict[str, Any]:
    try:
        import pyBKT  # type: ignore[import-not-found]  # noqa: F401
    except ImportError as exc:
        reason = f"not available: pyBKT does not import ({exc.__class__.__name__}: {exc})"
    except Exception as exc:  # pyBKT 1.4.3 fails with scikit-learn 1.9 / NumPy 2.4
        reason = f"not available: pyBKT import fails ({exc.__class__.__name__}: {exc})"
    else:
        reason = "pyBKT imports, but a comparison is not implemented yet"
    return {"name": "calibration vs pyBKT", "value": float("nan"), "unit": reason, "ok": None}


def _tables(rows: list[dict[str, Any]], quick: bool) -> None:
    n = 100_000 if quick else 1_000_000
    scale = 1_000_000 / n
    frame = _big_frame(n)
    repeat = 3

    def plain() -> Any:
        mastery = frame[frame["kind"] == "mastery"]
        return mastery.groupby(["learner", "competency"])["mastery_after"].last()

    base = per_call(plain, repeat=repeat, warmup=1)
    ours = per_call(lambda: class_mastery(frame), repeat=repeat, warmup=1)
    steps = per_call(lambda: step_stats(frame), repeat=repeat, warmup=1)
    label = "1M statements" if not quick else "100k statements, scaled to 1M"
    rows.append(
        {
            "name": f"plain groupby-last, {label} [baseline]",
            "median_s": base["median_s"] * scale,
            "p99_s": base["p99_s"] * scale,
        }
    )
    rows.append(
        {
            "name": f"class_mastery, {label}",
            "median_s": ours["median_s"] * scale,
            "p99_s": ours["p99_s"] * scale,
            "baseline": "plain groupby-last",
            "ratio": ours["median_s"] / base["median_s"],
            "target": "< 5 s",
            "ok": ours["median_s"] * scale < 5.0,
        }
    )
    rows.append(
        {
            "name": f"step_stats, {label}",
            "median_s": steps["median_s"] * scale,
            "p99_s": steps["p99_s"] * scale,
            "target": "< 5 s",
            "ok": steps["median_s"] * scale < 5.0,
        }
    )


def _calibration(rows: list[dict[str, Any]], quick: bool) -> None:
    learners = 600 if quick else 2000
    train = statements_frame(
        bkt_statements(TRUTH, learners=learners, opportunities=8, seed=21, mastery_events=False)
    )
    test = first_attempt_sequences(
        statements_frame(
            bkt_statements(TRUTH, learners=500, opportunities=8, seed=99, mastery_events=False)
        )
    )
    start = time.perf_counter()
    fitted = calibrate(train, "synthetic")
    elapsed = time.perf_counter() - start
    error = max(
        abs(getattr(fitted[c], name) - getattr(TRUTH[c], name))
        for c in TRUTH
        for name in ("prior", "learn", "guess", "slip")
    )
    rows.append(
        {
            "name": f"calibrate (EM), {learners} learners x 2 competencies x 8 answers",
            "median_s": elapsed,
            "p99_s": elapsed,
            "target": "< 5 s",
            "ok": elapsed < 5.0,
        }
    )
    rows.append(
        {
            "name": "calibration: max |fitted - true| over prior/learn/guess/slip",
            "value": error,
            "unit": "probability",
            "target": "<= 0.05",
            "ok": error <= 0.05,
        }
    )
    for comp, truth in TRUTH.items():
        true_auc = _auc(*_predictions(test[comp], truth))
        fit_auc = _auc(*_predictions(test[comp], fitted[comp]))
        rows.append(
            {
                "name": f"held-out AUC, {comp}: fitted params (500 new learners)",
                "value": fit_auc,
                "unit": "AUC",
                "baseline": f"generating params AUC {true_auc:.4f}",
                "ratio": fit_auc / true_auc,
                "target": ">= 0.98 x generating",
                "ok": fit_auc >= 0.98 * true_auc,
            }
        )
    rows.append(_pybkt_row())


def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    _tables(rows, quick)
    _calibration(rows, quick)
    return rows
