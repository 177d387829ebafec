"""The course service scaled out: replicas behind HAProxy on one PostgreSQL, 1,000 learners.

A real JupyterHub (configurable-http-proxy, tokens checked by the hub) with 1,000 learners,
each with their own hub token; the service runs as the hub's external service ``lessonkit-ext``
in 1, 2 or 4 processes (``python -m lessonkit.hub``) behind Debian's HAProxy, as a Kubernetes
Deployment behind a Service; one real PostgreSQL (fsync on). Everything on 127.0.0.1.

- **Human pace** (the p99 goal): 1,000 learners, each acting every 5-20 s (drawn per action,
  12.5 s on average), 6 actions each: 70% move on (one POST of two statements), 30% answer the
  variant question (a POST to ``api/check``, then a POST of the answer's statement). That
  offers about 80 actions, 104 requests and 160 statements a second. Requests go the way a
  kernel's go: through configurable-http-proxy, then HAProxy. Baseline in the same phase: a
  probe sends ``GET api/health`` (no token, no write) every 100 ms along the same path.
  Checked afterwards in the database: no statement lost or stored twice, each learner's server
  sequence numbers increasing in the order the learner sent, one check row per attempt; and in
  the replicas' logs, no answer graded for nothing.
- **Throughput** with 1, 2 and 4 replicas: 200 learners posting one statement at a time, back
  to back, for 20 s, straight to HAProxy (the service tier alone: the proxy is one Node process
  shared by all). Reported: requests per second, p50 and p99, and the replicas' CPU seconds
  per request (from ``/proc``).

Before any phase, each learner's token is shown once to each replica (the hub checks it; see
"first request per token"): a service that has been up for a while. The load generator, the
hub, the proxy, HAProxy, the replicas and PostgreSQL share the machine's 2 cores, so these
are upper bounds of the service's own cost.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEARNERS = 1000
THROUGHPUT_LEARNERS = 200
THROUGHPUT_SECONDS = 20.0
GOAL_P99_S = 0.1


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes ``pids`` so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _family(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def _warm(ports: list[int], tokens: dict[str, str], prefix: str) -> list[float]:
    """Each token shown once to each replica (directly): the hub checks it once per replica."""
    from tests.hub.wireclient import Connection

    took: list[float] = []
    gate = asyncio.Semaphore(50)

    async def one(port: int, token: str) -> None:
        link = Connection(f"http://127.0.0.1:{port}{prefix}", token)
        async with gate:
            started = time.perf_counter()
            status, _ = await link.request("GET", "api/whoami")
            if status == 200:
                took.append(time.perf_counter() - started)
            await link.aclose()

    await asyncio.gather(*(one(p, t) for p in ports for t in tokens.values()))
    return took


async def _probe(url: str, stop: asyncio.Event) -> list[float]:
    """``GET api/health`` every 100 ms until ``stop``: the path's own latency."""
    from tests.hub.wireclient import Connection

    link = Connection(url)
    took: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        status, _ = await link.request("GET", "api/health")
        if status == 200:
            took.append(time.perf_counter() - started)
        await asyncio.sleep(0.1)
    await link.aclose()
    return took


async def _paced(base: str, tokens: dict[str, str], pace: Any) -> tuple[Any, list[float]]:
    from tests.hub.learners import run_learners

    stop = asyncio.Event()
    probe = asyncio.ensure_future(_probe(base, stop))
    result = await run_learners(base, tokens, pace, time_limit=600)
    stop.set()
    return result, await probe


async def _flat_out(base: str, tokens: dict[str, str], seconds: float) -> tuple[int, list[float]]:
    """Learners posting one statement at a time, back to back, for ``seconds``."""
    import json

    from tests.hub.learners import Learner
    from tests.hub.wireclient import Connection

    took: list[float] = []
    failed = 0
    deadline = time.monotonic() + seconds

    async def learner(name: str, token: str) -> None:
        nonlocal failed
        me, link = Learner(name, token), Connection(base, token)
        while time.monotonic() < deadline:
            body = [me.statement("experienced", "intro", {"visit": 1, "title": ""})]
            started = time.perf_counter()
            status, _ = await link.request("POST", "api/statements", json.dumps(body).encode())
            if status == 200:
                took.append(time.perf_counter() - started)
            else:
                failed += 1
        await link.aclose()

    await asyncio.gather(*(learner(n, t) for n, t in tokens.items()))
    return failed, took


def _skip(why: str) -> list[dict[str, Any]]:
    return [{"name": "scaleout: 1,000 learners", "value": float("nan"), "unit": "", "target": why,
             "ok": None}]  # fmt: skip


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark rows (see ``benchmarks/run.py``)."""
    from tests.hub.harness import write_config
    from tests.hub.hubrun import TestHub, find_chp
    from tests.hub.replicas import Replicas, find_haproxy
    from tests.integration.pgserver import PgServer, PgUnavailableError

    chp, haproxy = find_chp(), find_haproxy()
    if chp is None or haproxy is None:
        return _skip("not run: configurable-http-proxy or haproxy missing (./dev.sh installs them)")
    learners = 100 if quick else LEARNERS
    folder = Path(tempfile.mkdtemp(prefix="lessonkit-bench-scaleout-"))
    try:
        pg = PgServer().start()
    except PgUnavailableError as exc:
        return _skip(f"not run: PostgreSQL unavailable ({exc})")
    database = pg.url("lessonkit_scaleout")
    hub = TestHub(folder, write_config(folder, database), learners=learners)
    lab = _Lab(folder, hub, Replicas(hub, 4), haproxy, pg)
    rows: list[dict[str, Any]] = []
    try:
        lab.replicas.start()
        lab.balance(2)
        hub.start(chp, timeout=300)  # a hub loading 1,000 users takes a while
        rows += _phases(lab, database, learners, quick)
    finally:
        lab.stop()
        hub.stop()
        pg.stop()
    rows += _log_rows(lab.replicas)
    _ratios(rows)
    return rows


class _Lab:
    """The replicas and the balancer in front of as many of them as a phase uses."""

    def __init__(self, folder: Path, hub: Any, replicas: Any, haproxy: str, pg: Any) -> None:
        self.folder, self.hub, self.replicas, self.haproxy = folder, hub, replicas, haproxy
        self.pg = pg
        self.balancer: Any = None

    def balance(self, count: int) -> None:
        from tests.hub.replicas import Balancer

        if self.balancer is not None:
            self.balancer.stop()
        sub = self.folder / f"lb{count}"
        sub.mkdir(exist_ok=True)
        ports = self.replicas.ports[:count]
        self.balancer = Balancer(sub, self.hub.ports["external"], ports).start(self.haproxy)

    def postmaster(self) -> int:
        """The PostgreSQL server's main process."""
        return int((self.pg.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        self.replicas.stop()
        if self.balancer is not None:
            self.balancer.stop()


def _phases(lab: _Lab, database: str, learners: int, quick: bool) -> list[dict[str, Any]]:
    from tests.hub.learners import Pace, verify
    from tests.hub.replicas import PREFIX

    hub, replicas = lab.hub, lab.replicas
    names = [f"learner-{i:03d}" for i in range(learners)]
    with ThreadPoolExecutor(8) as pool:
        tokens = dict(zip(names, pool.map(hub.token, names), strict=True))
    cold = asyncio.run(_warm(replicas.ports, tokens, PREFIX))
    rows: list[dict[str, Any]] = [
        {"name": "scaleout: first request per token and replica (hub lookup)",
         "median_s": statistics.median(cold), "p99_s": _pct(cold, 0.99), "n": len(cold)},
    ]  # fmt: skip
    pace = Pace(low=5.0, high=20.0, actions=2 if quick else 6)
    results = []
    for count in (2, 4):
        lab.balance(count)
        groups = {
            "replicas": replicas.pids()[:count],
            "hub and proxy": _family(hub.proc.pid),
            "PostgreSQL": _family(lab.postmaster()),
            "HAProxy": [lab.balancer.proc.pid],
        }
        before = {name: _cpu_seconds(pids) for name, pids in groups.items()}
        mine, load = time.process_time(), os.getloadavg()[0]
        result, probe = asyncio.run(_paced(hub.public + PREFIX, tokens, pace))
        cores = {
            name: (_cpu_seconds(pids) - before[name]) / result.elapsed
            for name, pids in groups.items()
        }
        cores["load generator"] = (time.process_time() - mine) / result.elapsed
        rows += _paced_rows(result, probe, count, learners, cores)
        rows[-1]["load_average_before"] = load
        results.append(result)
    rows += _verified(verify(database, results), learners)
    for count in (1, 2, 4):
        lab.balance(count)
        base = f"http://127.0.0.1:{hub.ports['external']}{PREFIX}"
        rows += _throughput(base, tokens, replicas.pids()[:count], count, quick)
    return rows


def _throughput(
    base: str, tokens: dict[str, str], pids: list[int], count: int, quick: bool
) -> list[dict[str, Any]]:
    some = dict(list(tokens.items())[:THROUGHPUT_LEARNERS])
    before = _cpu_seconds(pids)
    started = time.perf_counter()
    failed, took = asyncio.run(_flat_out(base, some, 5.0 if quick else THROUGHPUT_SECONDS))
    elapsed = time.perf_counter() - started
    return _throughput_rows(count, failed, took, elapsed, _cpu_seconds(pids) - before)


def _paced_rows(
    result: Any, probe: list[float], count: int, learners: int, cores: dict[str, float]
) -> list[dict[str, Any]]:
    title = f"{learners} learners at 5-20 s, {count} replicas"
    statements, checks = result.latencies("statements"), result.latencies("check")
    requests = len(result.requests)
    failed = len(result.failed())
    per_request = 1000 * cores["replicas"] * result.elapsed / max(1, requests)
    rows: list[dict[str, Any]] = [
        {"name": f"scaleout: GET api/health during the load, {title} [baseline]",
         "median_s": statistics.median(probe), "p90_s": _pct(probe, 0.9),
         "p99_s": _pct(probe, 0.99), "n": len(probe)},
        {"name": f"scaleout: POST statements, {title}", "median_s": statistics.median(statements),
         "p10_s": _pct(statements, 0.1), "p90_s": _pct(statements, 0.9),
         "p99_s": _pct(statements, 0.99), "n": len(statements),
         "target": f"p99 < {GOAL_P99_S * 1000:g} ms, none failed",
         "ok": _pct(statements, 0.99) < GOAL_P99_S and failed == 0},
        {"name": f"scaleout: POST api/check, {title}", "median_s": statistics.median(checks),
         "p10_s": _pct(checks, 0.1), "p90_s": _pct(checks, 0.9), "p99_s": _pct(checks, 0.99),
         "n": len(checks)},
        {"name": f"scaleout: requests/s offered and served, {title}",
         "value": requests / result.elapsed, "unit": "requests/s",
         "failed": failed, "cores_busy": cores,
         "replica_cpu_ms_per_request": per_request},
    ]  # fmt: skip
    return rows


def _verified(found: dict[str, int], learners: int) -> list[dict[str, Any]]:
    what = {
        "lost": "statements lost",
        "duplicated": "statements stored twice",
        "out_of_order": "server sequence numbers out of a learner's order",
        "attempts": "learners whose check rows are not one per attempt",
    }
    return [
        {"name": f"scaleout: {text}, {learners} learners", "value": float(found[key]),
         "unit": "", "target": "0", "ok": found[key] == 0}
        for key, text in what.items()
    ]  # fmt: skip


def _throughput_rows(
    count: int, failed: int, took: list[float], elapsed: float, cpu: float
) -> list[dict[str, Any]]:
    title = (
        f"{THROUGHPUT_LEARNERS} learners back to back, {count} replica{'s' if count > 1 else ''}"
    )
    return [
        {"name": f"scaleout: requests/s, {title}", "value": len(took) / elapsed,
         "unit": "requests/s", "failed": failed,
         "replica_cpu_ms_per_request": 1000 * cpu / max(1, len(took)),
         "replica_cores_busy": cpu / elapsed},
        {"name": f"scaleout: POST 1 statement, {title}", "median_s": statistics.median(took),
         "p99_s": _pct(took, 0.99), "n": len(took), "target": "none failed", "ok": failed == 0},
    ]  # fmt: skip


def _log_rows(replicas: Any) -> list[dict[str, Any]]:
    """Answers graded for nothing, from the replicas' logs (written when they stop)."""
    counts = [0, 0, 0]
    pattern = re.compile(r"answer checks: (\d+) graded, (\d+) recorded, (\d+) graded for nothing")
    for log in replicas.logs():
        for match in pattern.finditer(log.read_text(errors="replace")):
            counts = [a + int(b) for a, b in zip(counts, match.groups(), strict=True)]
    return [
        {"name": "scaleout: answers graded for nothing (all replicas, all phases)",
         "value": float(counts[2]), "unit": f"of {counts[0]} graded", "target": "0",
         "ok": counts[2] == 0 and counts[0] > 0},
    ]  # fmt: skip


def _ratios(rows: list[dict[str, Any]]) -> None:
    """Throughput of 2 and 4 replicas against 1; the paced p99 against the probe's p99."""
    rates = [r for r in rows if r["name"].startswith("scaleout: requests/s, ")]
    one = next((r for r in rates if r["name"].endswith(", 1 replica")), None)
    if one is not None:
        for found in rates:
            if found is not one:
                found.update(baseline="1 replica", ratio=found["value"] / one["value"])
        one["name"] += " [baseline]"
    probes = {r["name"].split(", ", 1)[1]: r for r in rows if "GET api/health" in r["name"]}
    for found in rows:
        if found["name"].startswith("scaleout: POST statements, "):
            probe = probes[found["name"].split(", ", 1)[1] + " [baseline]"]
            found.update(baseline="GET api/health, p99", ratio=found["p99_s"] / probe["p99_s"])


if __name__ == "__main__":
    for item in run("--quick" in sys.argv):
        print(item)
