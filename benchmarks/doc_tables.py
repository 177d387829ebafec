"""Markdown tables for docs/performance.md from a results file written by ``run.py``.

Usage: ``python benchmarks/doc_tables.py [benchmarks/results.json]``. The tables select rows by
their names, so a renamed row shows up as a gap ("-") rather than as a wrong number.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _t(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0:
        return "−" + _t(-seconds)
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _spread(row: dict[str, Any] | None) -> str:
    if not row or "median_s" not in row:
        return "-"
    if "p10_s" not in row:  # a single measurement
        return _t(row["median_s"])
    return f"{_t(row['median_s'])} ({_t(row['p10_s'])}–{_t(row['p90_s'])})"


def _ratio(row: dict[str, Any] | None) -> str:
    if not row or row.get("ratio") is None:
        return "-"
    text = f"{row['ratio']:.2f}x"
    if "ratio_p10" in row:
        text += f" ({row['ratio_p10']:.2f}–{row['ratio_p90']:.2f})"
    return text


def _find(rows: list[dict[str, Any]], pattern: str) -> dict[str, Any] | None:
    regex = re.compile(pattern)
    return next((r for r in rows if regex.search(r["name"])), None)


def _value(row: dict[str, Any] | None, digits: int = 4) -> str:
    return f"{row['value']:.{digits}f}" if row and row.get("value") is not None else "-"


_FORMATS = {
    "statements/s": "{:,.0f}",
    "items": "{:.1f}",
    "nats": "{:.3f}",
    "x": "{:.2f}",
    "MB": "{:.1f}",
}


def _quantity(row: dict[str, Any]) -> str:
    """A value row's number in its unit's format, with its spread when it has one."""
    unit = row.get("unit", "")
    form = _FORMATS.get(unit, "{:.4f}")
    text = form.format(row["value"]) if row.get("value") is not None else "-"
    if "value_p10" in row:
        text += f" ({form.format(row['value_p10'])}–{form.format(row['value_p90'])})"
    return f"{text} {unit}"


def machine(result: dict[str, Any]) -> str:
    m = result["machine"]
    load = m.get("load_average_at_start")
    packages = m.get("packages", {})
    return (
        f"{m['cpu']}, {m['cores_usable']} usable cores, {m['memory_gb']} GB RAM, {m['os']}; "
        f"Python {m['python']}, NumPy {packages.get('numpy')}, pandas {packages.get('pandas')}; "
        f"lessonkit commit `{m['git_commit'][:10]}`; run started {result['started']}, "
        f"load average {load[0] if load else '-'} at the start "
        f"(the machine was shared with other work)."
    )


def calibration(rows: list[dict[str, Any]]) -> str:
    out = [
        "| students | starts | fit_bkt | pyBKT fit | time ratio (p10–p90) | pyBKT EM alone "
        "| param. error fit_bkt / pyBKT | held-out AUC fit_bkt / pyBKT (truth) |",
        "|---:|---|---|---|---|---|---|---|",
    ]
    for students in (500, 5000, 50_000):
        size = f"{students} students x 20 answers"
        for starts, label, who, peer in (
            (1, "1 start", "fit_bkt, 1 start", "pyBKT, 1 fit"),
            (5, "5 starts", "fit_bkt, 5 starts", "pyBKT, 5 fits"),
        ):
            tag = "5 starts \\(pyBKT's default\\)" if starts == 5 else "1 start"
            ours = _find(rows, rf"^fit_bkt, {size}, {tag}$")
            base = _find(rows, rf"^pyBKT fit, {size}, {tag} \[baseline\]")
            em = _find(rows, rf"^pyBKT EM alone .*, {size}, {tag}$")
            err = _find(rows, rf"^mean max .*, {who}, {size}")
            err_peer = _find(rows, rf"^mean max .*, {peer}, {size}")
            auc = _find(rows, rf"^mean held-out AUC, {who}, {size}")
            auc_peer = _find(rows, rf"^mean held-out AUC, {peer}, {size}")
            truth = auc["note"].rsplit(" ", 1)[-1] if auc and "note" in auc else "-"
            out.append(
                f"| {students:,} | {label} | {_spread(ours)} | {_spread(base)} | {_ratio(ours)} "
                f"| {_spread(em)} | {_value(err)} / {_value(err_peer)} "
                f"| {_value(auc)} / {_value(auc_peer)} ({truth}) |"
            )
    return "\n".join(out)


def validation(rows: list[dict[str, Any]]) -> str:
    out = [
        "| steps | file | load + validate, wall | CPU | yaml.load (libyaml), wall | CPU "
        "| ratio (wall) | CPU per step |",
        "|---:|---:|---|---|---|---|---|---:|",
    ]
    for steps in (500, 5000, 20_000):
        ours = _find(rows, rf"^load \+ validate {steps}-step lesson")
        base = _find(rows, rf"^yaml.load \(libyaml\) {steps}-step lesson")
        size = re.search(r"\((.*?)\)", ours["name"]).group(1) if ours else "-"  # type: ignore[union-attr]
        per_step = ours.get("note", "-") if ours else "-"
        cpu = _t(ours.get("cpu_median_s")) if ours else "-"
        base_cpu = _t(base.get("cpu_median_s")) if base else "-"
        out.append(
            f"| {steps:,} | {size} | {_spread(ours)} | {cpu} | {_spread(base)} | {base_cpu} "
            f"| {_ratio(ours)} | {per_step.removesuffix(' CPU per step')} |"
        )
    growth = _find(rows, r"^validation CPU time per step")
    if growth:
        out.append(
            f"\nCPU time per step at the largest size over the smallest: {_value(growth, 2)}x."
        )
    return "\n".join(out)


def step(rows: list[dict[str, Any]]) -> str:
    out = ["| learner step (submit + advance) | median | p90 | p99 |", "|---|---|---|---|"]
    for pattern, label in (
        (r"^learner step: .*default store", "default store (JSON lines, durable per action)"),
        (r"^learner step: .*memory store", "memory store (the engine alone)"),
        (r"^check a numeric answer alone", "checking a numeric answer alone"),
    ):
        r = _find(rows, pattern)
        cells = [_t(r.get(k)) if r else "-" for k in ("median_s", "p90_s", "p99_s")]
        out.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(out)


def statements(rows: list[dict[str, Any]]) -> str:
    out = [
        "| 1M statements | median (p10–p90) | vs json.loads of every line | vs pandas.read_json "
        "| CPU |",
        "|---|---|---|---|---|",
    ]
    for pattern, label in (
        (r"^store -> class mastery table, 1.0M statements$",
         "**store → class mastery table, copies current**"),
        (r"^store -> class mastery table, 1.0M statements, after appends",
         "**… after appends to 10% of the files**"),
        (r"^store -> class mastery table, 1.0M statements, first read",
         "… first read (copies made)"),
        (r"^store -> class mastery table, 1.0M statements, without copies",
         "… without copies (JSON parsed, orjson)"),
        (r"^json.loads of every line, 1.0M statements \[floor\]",
         "json.loads of every line (floor)"),
        (r"^pandas.read_json\(lines=True\), 1.0M statements \[baseline\]",
         "pandas.read_json(lines=True), same files"),
        (r"^jsonl store -> DataFrame, 1M", "JSON-lines store → statements DataFrame (no copies)"),
        (r"^sqlite store -> class mastery table", "SQLite store → class mastery table"),
        (r"^sqlite store: json.loads of every row", "SQLite: json.loads of every row (floor)"),
        (r"^class_mastery, .* in memory", "class_mastery on the 1M-row frame"),
        (r"^step_stats, .* in memory", "step_stats on the 1M-row frame"),
    ):  # fmt: skip
        r = _find(rows, pattern)
        vs_pandas = f"{r['ratio_vs_read_json']:.3f}x" if r and "ratio_vs_read_json" in r else ""
        vs_floor = _ratio(r) if r and "json.loads" in r.get("baseline", "") else ""
        if r and r.get("baseline") and not vs_floor and "read_json" in r["baseline"]:
            vs_pandas = _ratio(r)
        cpu = _t(r.get("cpu_median_s")) if r and "cpu_median_s" in r else ""
        out.append(f"| {label} | {_spread(r)} | {vs_floor} | {vs_pandas} | {cpu} |")
    return "\n".join(out)


def scaleout(rows: list[dict[str, Any]]) -> str:
    out = [
        "| course service, 1,000 learners | p50 | p90 | p99 | vs GET api/health (p99) |",
        "|---|---|---|---|---|",
    ]
    for count in (2, 4):
        for pattern, label in (
            (rf"^scaleout: POST statements, .* {count} replicas$", "POST statements"),
            (rf"^scaleout: POST api/check, .* {count} replicas$", "POST api/check"),
            (rf"^scaleout: GET api/health during the load, .* {count} replicas",
             "GET api/health, same path, same time [baseline]"),
        ):  # fmt: skip
            r = _find(rows, pattern)
            cells = [_t(r.get(k)) if r else "-" for k in ("median_s", "p90_s", "p99_s")]
            out.append(f"| {count} replicas: {label} | {' | '.join(cells)} | {_ratio(r)} |")
    out += [
        "",
        "| throughput, 200 learners back to back | requests/s | vs 1 replica | p50 | p99 "
        "| replica CPU per request | replica cores busy |",
        "|---|---|---|---|---|---|---|",
    ]
    for count in (1, 2, 4):
        plural = "s" if count > 1 else ""
        rate = _find(rows, rf"^scaleout: requests/s, .*, {count} replica{plural}( \[|$)")
        post = _find(rows, rf"^scaleout: POST 1 statement, .*, {count} replica{plural}$")
        value = f"{rate['value']:.0f}" if rate else "-"
        cpu = f"{rate['replica_cpu_ms_per_request']:.2f} ms" if rate else "-"
        busy = f"{rate['replica_cores_busy']:.2f}" if rate else "-"
        cells = [_t(post.get(k)) if post else "-" for k in ("median_s", "p99_s")]
        out.append(
            f"| {count} replica{plural} | {value} | {_ratio(rate)} | {' | '.join(cells)} "
            f"| {cpu} | {busy} |"
        )
    return "\n".join(out)


def page(rows: list[dict[str, Any]]) -> str:
    """The lesson page in the browser: preheated, a kernel per page, and the plain quiz."""
    out = [
        "| lesson page (cold browser, warm server) | median (p10–p90) | vs plain quiz in Voilà |",
        "|---|---|---|",
    ]
    quiz = _find(rows, r"^ui: preheated lesson, navigation to interactive \(new")
    for label, pattern in (
        ("interactive, preheated, new learner", r"^ui: preheated lesson, navigation to .* \(new"),
        ("— by the page's own clock", r"^ui: preheated lesson, navigation.*page's clock"),
        ("interactive, preheated, returning learner", r"^ui: preheated lesson, navigation.*return"),
        (
            "interactive, a kernel per page (`--preheat 0`)",
            r"^ui: navigation to an interactive lesson$",
        ),
        ("— by the page's own clock", r"^ui: navigation to an interactive lesson by the page"),
        ("time to first byte, preheated", r"^ui: preheated lesson, time to first byte"),
        ("Check to visible feedback, preheated", r"^ui: preheated lesson, Check"),
        ("Check to visible feedback, a kernel per page", r"^ui: Check to visible"),
    ):
        r = _find(rows, pattern)
        out.append(f"| {label} | {_spread(r)} | {_ratio(r)} |")
    base_first = _find(rows, r"^ui: plain ipywidgets quiz in Voila, time to first byte")
    out.append(
        f"| plain quiz: interactive | {_t(quiz.get('baseline_median_s')) if quiz else '-'} "
        f"({_t(quiz.get('baseline_p10_s')) if quiz else '-'}–"
        f"{_t(quiz.get('baseline_p90_s')) if quiz else '-'}) | [baseline] |"
    )
    clock = _find(rows, r"^ui: plain ipywidgets quiz in Voila, navigation.*page's clock")
    out.append(f"| — by the page's own clock | {_spread(clock)} | [baseline] |")
    out.append(f"| plain quiz: time to first byte | {_spread(base_first)} | [baseline] |")
    for label, pattern in (
        ("bytes received, preheated lesson page", r"^ui: bytes received, preheated"),
        ("bytes received, lesson page (a kernel per page)", r"^ui: bytes received, lesson"),
        ("bytes received, plain quiz page", r"^ui: bytes received, plain"),
        ("memory per idle preheated kernel (PSS)", r"^ui: memory per idle.*PSS"),
        ("memory per idle preheated kernel (RSS)", r"^ui: memory per idle.*RSS"),
    ):
        r = _find(rows, pattern)
        out.append(f"| {label} | {_quantity(r) if r else '-'} | |")
    r = _find(rows, r"^ui: resume a learner")
    out.append(f"| resuming a learner's session from the store (in process) | {_spread(r)} | |")
    return "\n".join(out)


def everything(rows: list[dict[str, Any]]) -> str:
    out = ["| suite | row | result | vs baseline | target | |", "|---|---|---|---|---|---|"]
    for r in rows:
        result = _spread(r) if "median_s" in r else _quantity(r) if "value" in r else ""
        if "p99_s" in r:
            result += f", p99 {_t(r['p99_s'])}"
        verdict = {True: "ok", False: "**missed**", None: ""}[r.get("ok")]
        vs = f"{_ratio(r)} vs {r['baseline']}" if r.get("ratio") is not None else ""
        name = r["name"].replace("|", "\\|")  # a pipe would split the Markdown cell
        out.append(
            f"| {r.get('suite', '')} | {name} | {result} | {vs} "
            f"| {r.get('target', '')} | {verdict} |"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else HERE / "results.json"
    result = json.loads(path.read_text())
    rows = result["rows"]
    for title, text in (
        ("Machine", machine(result)),
        ("Calibration: fit_bkt vs pyBKT", calibration(rows)),
        ("Validation", validation(rows)),
        ("Learner step", step(rows)),
        ("A million statements", statements(rows)),
        ("The lesson page", page(rows)),
        ("The course service scaled out", scaleout(rows)),
        ("Every row", everything(rows)),
    ):
        print(f"### {title}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
