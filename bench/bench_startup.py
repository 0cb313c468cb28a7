"""How fast the `refbot` command starts: wall time of whole processes (interpreter start included), the
median of N runs each, against a small demo database in a temporary folder. Prints a table for README.md.

    python bench/bench_startup.py [--runs 7]

Also prints the same for `python -c pass` (the interpreter alone, the floor under every figure), for
`python -c "import sqlalchemy.orm"` and `python -c "import sqlalchemy.orm, pydantic_settings"` (what any command
that opens the database pays for the chosen stack before RefBot does anything), and the machine's load average. Byte code is cached (in the temporary folder, PYTHONPYCACHEPREFIX) as an installed
RefBot has it: with PYTHONDONTWRITEBYTECODE set, every run would compile RefBot's modules again."""

from __future__ import annotations

import argparse
import os
import resource
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
DATABASE_COMMANDS = {label for label, argv in COMMANDS if argv[0] in ("db", "policy", "report")
                     or (argv[0] == "search" and "--help" not in argv)}

# The stack's own import cost: the floor under every command that opens the database.
FLOORS: list[tuple[str, str]] = [
    ("sqlalchemy.orm", "the ORM alone"),
    ("sqlalchemy.orm, pydantic_settings", "the floor of a database command"),
]


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: on a loaded machine the CPU time says more."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (the median is shown)")
    args = parser.parse_args()
    refbot = str(Path(sys.executable).parent / "refbot")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REFBOT_", "LOG_"))}
        env["DATABASE_URL"] = f"sqlite:///{tmp}/refbot.db"
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = f"{tmp}/pycache"
        subprocess.run([refbot, "demo", "--accounts", "40", "--contacts", "120"], env=env, cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        rows = [("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"], False)]
        rows += [(f'python -c "import {mods}" ({why})', [sys.executable, "-c", f"import {mods}"], False)
                 for mods, why in FLOORS]
        rows += [(label, [refbot, *argv], label in DATABASE_COMMANDS) for label, argv in COMMANDS]
        for _, cmd, _ in rows:
            timed(cmd, env, tmp)  # warm the page cache (and write the byte code)
        # Rounds, each running every command once: a change in the machine's load then shifts all rows alike,
        # which keeps the comparison with the floor fair.
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in rows}
        for _ in range(args.runs):
            for label, cmd, _ in rows:
                runs[label].append(timed(cmd, env, tmp))
        floor_cpu = statistics.median(cpu for _, cpu in runs[f'python -c "import {FLOORS[-1][0]}" ({FLOORS[-1][1]})'])
        print(f"| command | median of {args.runs} | fastest | CPU (user+sys), median | CPU over the database floor |")
        print("|---|---|---|---|---|")
        for label, _, opens_database in rows:
            walls = [wall for wall, _ in runs[label]]
            cpu = statistics.median(c for _, c in runs[label])
            over = f"{(cpu - floor_cpu) * 1000:+.0f} ms" if opens_database else "—"
            print(f"| `{label}` | {statistics.median(walls) * 1000:.0f} ms | {min(walls) * 1000:.0f} ms "
                  f"| {cpu * 1000:.0f} ms | {over} |")
        print(f"\nLoad average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
