"""Channel-ask detector benchmark: cost per message, model load, import.

    python bench/bench_asks.py

Runs `detect_ask` over every labelled message of `tests/data/asks/` (chatter and asks separately),
five rounds, and prints the best round's per-message processor time and wall time (p50/p99 of single
calls too), the one-off cost of reading `model.json` on the first message, and the time to import
`refbot.asks` (what a process pays that never reads a message). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refbot.asks import detect_ask  # noqa: E402
from refbot.asks.corpus import heldout_path, read_rows, tune_path  # noqa: E402
from refbot.asks.model import load_model  # noqa: E402


def _import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import refbot.asks; print(time.perf_counter() - t)"
    return min(float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT)) for _ in range(3))


def main() -> None:
    rows = read_rows(tune_path()) + read_rows(heldout_path())
    started = time.perf_counter()
    load_model()
    load = time.perf_counter() - started
    print(f"import refbot.asks: {_import_seconds() * 1000:.0f} ms; first message reads model.json: {load * 1000:.0f} ms")
    for name, texts in (
        ("chatter (not asks)", [r.text for r in rows if not r.is_ask]),
        ("asks", [r.text for r in rows if r.is_ask]),
    ):
        best_cpu = best_wall = float("inf")
        singles: list[float] = []
        for _ in range(5):
            cpu, wall = time.process_time(), time.perf_counter()
            for text in texts:
                t = time.perf_counter()
                detect_ask(text)
                singles.append(time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        q = statistics.quantiles(singles, n=100)
        print(
            f"{name:<19} {len(texts):>5} messages: {best_cpu / len(texts) * 1e6:.0f} µs processor, "
            f"{best_wall / len(texts) * 1e6:.0f} µs wall per message (single calls p50 {q[49] * 1e6:.0f} µs, "
            f"p99 {q[98] * 1e6:.0f} µs)"
        )


if __name__ == "__main__":
    main()
