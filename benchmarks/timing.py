"""Timing helpers shared by the benchmark suites: repeated samples, medians and spreads.

Every measurement is repeated and reported as a median with its spread (10th and 90th
percentiles; the 99th too when there are at least 100 samples), because machines are shared
and noisy. Comparisons against a baseline interleave the two (A, B, A, B, ...) so that both see
the same background load, and report the spread of the per-pair ratios.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRATCH = HERE / ".scratch"
"""Working files of the suites: on the checkout's disk (``/tmp`` may be a RAM disk, where
``fdatasync`` costs nothing and store timings would flatter)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(samples: Sequence[float], prefix: str = "") -> dict[str, Any]:
    """``median_s``, ``p10_s``, ``p90_s`` (and ``p99_s`` from 100 samples) and ``n``."""
    out: dict[str, Any] = {
        f"{prefix}median_s": statistics.median(samples),
        f"{prefix}p10_s": percentile(samples, 10),
        f"{prefix}p90_s": percentile(samples, 90),
    }
    if len(samples) >= 100:
        out[f"{prefix}p99_s"] = percentile(samples, 99)
    if not prefix:
        out["n"] = len(samples)
    return out


def samples(
    fn: Callable[[], Any], *, repeat: int, warmup: int = 1, collect: bool = False
) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed ones.

    ``collect`` runs a garbage collection before each timed call (for large, allocation-heavy
    operations, so that one call does not pay for the garbage of the previous one).
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if collect:
            gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def per_call(fn: Callable[[], Any], *, repeat: int, warmup: int = 3) -> dict[str, Any]:
    """Seconds per call of ``fn``: :func:`summary` of its samples, always with ``p99_s``
    (the form suites written before :func:`samples` and :func:`row` expect)."""
    times = samples(fn, repeat=repeat, warmup=warmup)
    return {**summary(times), "p99_s": percentile(times, 99)}


def interleaved(
    fns: Sequence[Callable[[], Any]],
    *,
    repeat: int,
    warmup: int = 1,
    collect: bool = False,
    cpu: list[list[float]] | None = None,
) -> list[list[float]]:
    """Samples of several functions taken in turns (A, B, A, B...): one list per function.

    With ``cpu`` (an empty list), the CPU seconds of this process (all its threads) per call
    are appended to it, one list per function: on a shared machine they show the work done,
    whatever else the machine was doing.
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    if cpu is not None:
        cpu[:] = [[] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            if collect:
                gc.collect()
            start, work = time.perf_counter(), time.process_time()
            fn()
            times[k].append(time.perf_counter() - start)
            if cpu is not None:
                cpu[k].append(time.process_time() - work)
    return times


def row(name: str, times: Sequence[float], **extra: Any) -> dict[str, Any]:
    """A result row for a timed operation (seconds per call)."""
    return {"name": name, **summary(times), **extra}


def compared(
    name: str,
    times: Sequence[float],
    base: Sequence[float],
    baseline: str,
    **extra: Any,
) -> dict[str, Any]:
    """A result row with its ratio to a baseline measured in the same run.

    When the samples were taken in pairs (same count, interleaved), ``ratio`` is the median of
    the per-pair ratios, with their 10th and 90th percentiles as ``ratio_p10``/``ratio_p90``:
    each pair ran under the same background load, so this is steadier than a ratio of medians
    (also given, as ``ratio_of_medians``).
    """
    out = row(name, times, baseline=baseline, **extra)
    out["baseline_median_s"] = statistics.median(base)
    out["ratio_of_medians"] = out["median_s"] / out["baseline_median_s"]
    out["ratio"] = out["ratio_of_medians"]
    if len(times) == len(base) and len(times) > 1:
        pairs = [a / b for a, b in zip(times, base, strict=True)]
        out["ratio"] = statistics.median(pairs)
        out["ratio_p10"] = percentile(pairs, 10)
        out["ratio_p90"] = percentile(pairs, 90)
    return out


def value_row(name: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    """A result row for a quantity that is not a time (an error, an AUC, a rate)."""
    return {"name": name, "value": value, "unit": unit, **extra}


def scratch_dir(prefix: str) -> Path:
    """A fresh folder under :data:`SCRATCH` (the caller removes it)."""
    import tempfile

    SCRATCH.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH))


def filesystem(path: Path) -> str:
    """The type of the filesystem holding ``path`` (from /proc/mounts), or ``unknown``."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best, kind = "", "unknown"
    target = os.path.realpath(path)
    for line in mounts:
        parts = line.split()
        if len(parts) < 3 or len(parts[1]) <= len(best):
            continue
        mount = parts[1]
        if target == mount or target.startswith(mount.rstrip("/") + "/"):
            best, kind = mount, parts[2]
    return kind
