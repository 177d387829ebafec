"""BKT calibration: ``fit_bkt`` against pyBKT's C++ fit on the same simulated classes.

For 500, 5,000 and 50,000 students (one skill, 20 answers each) drawn from known parameters,
both fit the training students and are judged on:

- time, interleaved fit by fit under the same load: pyBKT's ``Model.fit`` on its DataFrame
  (its conversion plus its EM; its EM alone is reported too) against ``fit_bkt`` on one list
  of answers per student (its packing plus its EM); at pyBKT's default of 5 random starts
  against ``restarts=4``, and at 1 start each;
- parameter error: the largest absolute error over prior, learn, guess and slip;
- held-out AUC of one-step-ahead predictions on students neither saw (the same ones for both,
  scored by the same code), next to the AUC of the generating parameters;
- the log-likelihood each fit reaches on its training data (higher: a better optimum).

Every repetition draws a fresh class, so the quality figures are means over several classes
rather than one draw's luck.

pyBKT runs in its own pinned environment (``pybkt_env.py``), in a worker process that stays up
(``pybkt_worker.py``), so neither interpreter start-up nor imports are timed.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pybkt_env
from timing import compared, row, scratch_dir, value_row

from lessonkit.lesson.competency import MasteryParams
from lessonkit.policies import fitting
from lessonkit.policies.fitting import bkt_log_likelihood, fit_bkt

HERE = Path(__file__).resolve().parent
TRUTH = MasteryParams(prior=0.4, learn=0.2, guess=0.25, slip=0.1)
ANSWERS = 20
NAMES = ("prior", "learn", "guess", "slip")


def simulate(students: int, seed: int) -> Any:
    """(students, ANSWERS) 0/1 answers from the BKT process with :data:`TRUTH`."""
    rng = np.random.default_rng(seed)
    known = rng.random(students) < TRUTH.prior
    out = np.empty((students, ANSWERS), dtype=np.int8)
    for t in range(ANSWERS):
        draw = rng.random(students)
        out[:, t] = np.where(known, draw >= TRUTH.slip, draw < TRUTH.guess)
        known |= rng.random(students) < TRUTH.learn
    return out


def predictions(answers: Any, p: MasteryParams) -> Any:
    """P(correct) before each answer, from the BKT filter with ``p``."""
    known = np.full(answers.shape[0], p.prior)
    out = np.empty(answers.shape)
    for t in range(answers.shape[1]):
        right = known * (1 - p.slip) + (1 - known) * p.guess
        out[:, t] = right
        seen = answers[:, t] == 1
        post = np.where(seen, known * (1 - p.slip) / right, known * p.slip / (1 - right))
        known = post * (1 - p.forget) + (1 - post) * p.learn
    return out


def auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties averaged)."""
    ranks = pd.Series(scores.ravel()).rank().to_numpy()
    pos = labels.ravel() == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def error(p: MasteryParams) -> float:
    return max(abs(getattr(p, n) - getattr(TRUTH, n)) for n in NAMES)


def from_pybkt(fitted: dict[str, float]) -> MasteryParams:
    return MasteryParams(
        prior=fitted["prior"],
        learn=fitted["learns"],
        guess=fitted["guesses"],
        slip=fitted["slips"],
        forget=fitted["forgets"],
    )


class PyBKT:
    """The pyBKT worker process."""

    def __init__(self, python: Path) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(HERE / "pybkt_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def e_steps(sequences: list[list[int]], **options: Any) -> int:
    """How many E steps ``fit_bkt`` runs (counted on an untimed extra fit)."""
    count = 0
    original = fitting.expected_counts

    def counting(*args: Any) -> Any:
        nonlocal count
        count += 1
        return original(*args)

    fitting.expected_counts = counting  # type: ignore[assignment]
    try:
        fit_bkt(sequences, **options)
    finally:
        fitting.expected_counts = original
    return count


FITS = (("ours1", "fit_bkt, 1 start"), ("ours5", "fit_bkt, 5 starts"),
        ("pybkt1", "pyBKT, 1 fit"), ("pybkt5", "pyBKT, 5 fits"))  # fmt: skip


def _write_csv(path: Path, train: Any) -> None:
    students = train.shape[0]
    pd.DataFrame(
        {
            "order_id": np.arange(train.size),
            "user_id": np.repeat(np.arange(students), ANSWERS),
            "skill_name": "skill",
            "correct": train.ravel(),
        }
    ).to_csv(path, index=False)


def compare(students: int, repeat: int, pybkt: PyBKT | None, folder: Path) -> list[dict]:
    """Timing and quality rows for one class size; each repetition draws a fresh class."""
    size = f"{students} students x {ANSWERS} answers"
    ours: dict[int, list[float]] = {1: [], 5: []}
    ours_cpu: dict[int, list[float]] = {1: [], 5: []}
    theirs: dict[int, list[dict[str, Any]]] = {1: [], 5: []}
    scores: dict[str, dict[str, list[float]]] = {
        key: {"error": [], "auc": [], "loglik": []} for key, _ in FITS
    }
    truth_auc: list[float] = []
    sequences: list[list[int]] = []
    for rep in range(repeat + 1):  # the first round warms up and is not kept
        data = simulate(students + max(students // 4, 1000), seed=students * 1000 + rep)
        train, test = data[:students], data[students:]
        sequences = train.tolist()
        fitted: dict[str, MasteryParams] = {}
        if pybkt is not None:
            _write_csv(folder / "train.csv", train)
            pybkt.ask({"load": str(folder / "train.csv")})
        for starts in (1, 5):
            began, work = time.perf_counter(), time.process_time()
            fitted[f"ours{starts}"] = fit_bkt(sequences, restarts=starts - 1, seed=rep)
            elapsed, work = time.perf_counter() - began, time.process_time() - work
            reply: dict[str, Any] = {}
            if pybkt is not None:
                reply = pybkt.ask({"fit": {"num_fits": starts, "seed": rep}})
                fitted[f"pybkt{starts}"] = from_pybkt(reply["params"])
            if rep:
                ours[starts].append(elapsed)
                ours_cpu[starts].append(work)
                if reply:
                    theirs[starts].append(reply)
        if not rep:
            continue
        truth_auc.append(auc(predictions(test, TRUTH), test))
        for key, params in fitted.items():
            scores[key]["error"].append(error(params))
            scores[key]["auc"].append(auc(predictions(test, params), test))
            scores[key]["loglik"].append(bkt_log_likelihood(sequences, params))
    rows: list[dict[str, Any]] = []
    for starts, label in ((5, "5 starts (pyBKT's default)"), (1, "1 start")):
        note = f"{e_steps(sequences, restarts=starts - 1, threads=1)} E steps (last class)"
        if pybkt is None:
            rows.append(row(f"fit_bkt, {size}, {label}", ours[starts], note=note))
            continue
        base = [r["seconds"] for r in theirs[starts]]
        em = [r["em_seconds"] for r in theirs[starts]]
        steps = theirs[starts][-1]["iterations"]
        rows.append(
            row(f"pyBKT fit, {size}, {label} [baseline]", base,
                note=f"E steps {steps} (last class)",
                cpu_median_s=statistics.median(r["cpu_seconds"] for r in theirs[starts]))
        )  # fmt: skip
        rows.append(row(f"pyBKT EM alone (no data conversion), {size}, {label}", em))
        result = compared(f"fit_bkt, {size}, {label}", ours[starts], base, "pyBKT fit")
        result.update(
            target="<= 0.5x pyBKT", ok=result["ratio"] <= 0.5, note=note,
            ratio_to_pybkt_em=result["median_s"] / statistics.median(em),
            cpu_median_s=statistics.median(ours_cpu[starts]),
        )  # fmt: skip
        rows.append(result)
    rows += quality(scores, size, statistics.fmean(truth_auc), judge=pybkt is not None)
    return rows


def quality(
    scores: dict[str, dict[str, list[float]]], size: str, truth_auc: float, *, judge: bool
) -> list[dict[str, Any]]:
    """Mean parameter error, held-out AUC and training log-likelihood of each fit."""
    rows: list[dict[str, Any]] = []
    mean = {key: {k: statistics.fmean(v) for k, v in s.items() if v} for key, s in scores.items()}
    for key, who in FITS:
        if "error" not in mean[key]:
            continue
        err = value_row(f"mean max |fitted - true| param, {who}, {size}", mean[key]["error"],
                        "prob", n=len(scores[key]["error"]))  # fmt: skip
        held = value_row(f"mean held-out AUC, {who}, {size}", mean[key]["auc"], "AUC",
                         note=f"generating parameters: {truth_auc:.4f}")  # fmt: skip
        peer = "pybkt" + key[-1]
        if judge and key.startswith("ours"):
            err.update(baseline_value=mean[peer]["error"], target="<= pyBKT + 0.002")
            err["ok"] = err["value"] <= mean[peer]["error"] + 0.002
            held.update(baseline_value=mean[peer]["auc"], target=">= pyBKT - 0.001")
            held["ok"] = held["value"] >= mean[peer]["auc"] - 0.001
            gain = [
                a - b for a, b in zip(scores[key]["loglik"], scores[peer]["loglik"], strict=True)
            ]
            rows.append(
                value_row(f"training log-likelihood, {who} minus pyBKT, {size}",
                          statistics.fmean(gain), "nats", target=">= 0", ok=min(gain) >= -0.5)
            )  # fmt: skip
        rows += [err, held]
    return rows


def run(quick: bool) -> list[dict[str, Any]]:
    python, reason = pybkt_env.python()
    rows: list[dict[str, Any]] = []
    if python is None:
        rows.append({"name": f"pyBKT comparison skipped: {reason}", "ok": None})
    pybkt = PyBKT(python) if python is not None else None
    folder = scratch_dir("calibration-")
    sizes = ((500, 3), (5000, 3)) if quick else ((500, 20), (5000, 10), (50_000, 5))
    try:
        for students, repeat in sizes:
            rows += compare(students, repeat, pybkt, folder)
    finally:
        if pybkt is not None:
            pybkt.close()
        shutil.rmtree(folder, ignore_errors=True)
    if python is not None:
        versions = subprocess.run(
            [str(python), "-m", "pip", "list", "--format=json"],
            capture_output=True,
            text=True,
            check=False,
        )
        pinned = {
            p["name"]: p["version"]
            for p in json.loads(versions.stdout or "[]")
            if p["name"] in ("pyBKT", "numpy", "scikit-learn", "pandas")
        }
        for r in rows:
            if r["name"].startswith("pyBKT fit"):
                r["pybkt_environment"] = pinned
    return rows
