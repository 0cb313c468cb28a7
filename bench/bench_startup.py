"""How fast the `refbot` command starts: wall time of whole processes (interpreter start included), the
median of N runs each, against a small demo database in a temporary folder. Prints a table for README.md.

    python bench/bench_startup.py [--runs 7]

Also prints the same for `python -c pass` (the interpreter alone), the floor under every figure."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: list[tuple[str, list[str]]] = [
    ("refbot --help", ["--help"]),
    ("refbot --version", ["--version"]),
    ("refbot search --help", ["search", "--help"]),
    ("refbot jobs list", ["jobs", "list"]),
    ("refbot db current", ["db", "current"]),
    ("refbot policy show", ["policy", "show"]),
    ("refbot report", ["report"]),
    ("refbot search banking germany (40 accounts)", ["search", "banking", "germany"]),
]


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (the median is shown)")
    args = parser.parse_args()
    refbot = str(Path(sys.executable).parent / "refbot")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REFBOT_", "LOG_"))}
        env["DATABASE_URL"] = f"sqlite:///{tmp}/refbot.db"
        subprocess.run([refbot, "demo", "--accounts", "40", "--contacts", "120"], env=env, cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        rows = [("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"])]
        rows += [(label, [refbot, *argv]) for label, argv in COMMANDS]
        print(f"| command | median of {args.runs} | fastest |")
        print("|---|---|---|")
        for label, cmd in rows:
            timed(cmd, env, tmp)  # warm the page cache
            times = [timed(cmd, env, tmp) for _ in range(args.runs)]
            print(f"| `{label}` | {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
