"""pyBKT fits on request, inside pyBKT's own environment (run by bench_calibration.py).

Reads one JSON command per line on stdin, answers one JSON line on stdout:

- ``{"load": CSV}``: read a CSV with pyBKT's default columns (``order_id, user_id,
  skill_name, correct``) into a DataFrame (not timed);
- ``{"fit": {"num_fits": N, "seed": S}}``: ``Model(seed=S, num_fits=N).fit(data=frame)``,
  timed from the call to its return (pyBKT's data conversion and its EM), plus the CPU time
  of all its threads, the time spent in pyBKT's EM alone, the EM iterations of each fit and
  the fitted parameters.

The worker stays up between fits so that interpreter start-up and imports are never timed,
and so that its fits can be interleaved with lessonkit's under the same load.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    import pandas as pd
    from pyBKT.fit import (
        E_step,  # noqa: F401 - the compiled E step, or fail loudly
        EM_fit,
    )
    from pyBKT.models import Model

    model_module = sys.modules["pyBKT.models.Model"]
    original = EM_fit.EM_fit
    em_calls: list[tuple[float, int]] = []

    def timed_em(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = original(*args, **kwargs)
        em_calls.append((time.perf_counter() - start, len(result[1])))
        return result

    model_module.EM_fit.EM_fit = timed_em
    frame = None
    for line in sys.stdin:
        command = json.loads(line)
        if "load" in command:
            frame = pd.read_csv(command["load"])
            reply = {"rows": len(frame)}
        elif "fit" in command:
            options = command["fit"]
            em_calls.clear()
            model = Model(seed=options["seed"], num_fits=options["num_fits"])
            start, cpu = time.perf_counter(), time.process_time()
            model.fit(data=frame)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            (skill,) = model.fit_model  # one skill per benchmark data set
            fit = model.fit_model[skill]
            fitted = {"prior": float(fit["prior"])}
            fitted.update(
                {name: float(fit[name][0]) for name in ("learns", "guesses", "slips", "forgets")}
            )
            reply = {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "em_seconds": sum(t for t, _ in em_calls),
                "iterations": [n for _, n in em_calls],
                "params": fitted,
            }
        else:
            reply = {"error": f"unknown command {command!r}"}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
