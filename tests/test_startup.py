"""`refbot` starts fast because each command imports only what it needs (figures: bench/bench_startup.py,
README "Start-up"). Each command runs here in a fresh interpreter, on a demo database, and must both work
and leave the heavy libraries it has no use for unimported. No timings: those belong to the benchmark."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import refbot.models
from refbot.models import Base

# Prints what the command printed, then one line: the modules it imported (JSON), and its exit code.
PROBE = """
import json, sys
from refbot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
print("EXIT", code)
"""

SLACK_AND_SERVER = ["slack_bolt", "slack_sdk", "gunicorn", "apscheduler", "jinja2"]
NOT_OFFLINE = [*SLACK_AND_SERVER, "alembic", "matplotlib", "simple_salesforce", "jwt"]
NO_DATABASE = [*NOT_OFFLINE, "sqlalchemy", "pydantic", "pydantic_settings", "refbot.models", "rapidfuzz", "pycountry"]
NO_SEARCH = ["rapidfuzz", "pycountry", "refbot.matching.engine", "refbot.matching.parser"]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, set[str], str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)
    out, _, tail = done.stdout.rpartition("\nMODULES ")
    assert tail, (argv, done.stdout[-500:], done.stderr[-2000:])
    modules_line, _, exit_line = tail.partition("\n")
    assert exit_line.strip() in ("EXIT 0", "EXIT None"), (argv, out[-500:], done.stderr[-2000:])
    return out, set(json.loads(modules_line)), done.stderr


def loaded(modules: set[str], names: list[str]) -> list[str]:
    return [n for n in names if n in modules]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("startup")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REFBOT_", "SALESFORCE_", "LOG_"))}
    env["DATABASE_URL"] = f"sqlite:///{folder / 'refbot.db'}"
    run(["demo", "--accounts", "12", "--contacts", "30"], folder, env)
    return folder, env


@pytest.mark.parametrize("argv, shows", [
    (["--help"], "run your customer reference program"),
    (["--version"], "refbot 0."),
    (["jobs", "list"], "outbox"),
    (["search", "--help"], "--industry"),
    (["policy", "--help"], "show"),
])
def test_commands_without_a_database_import_no_database_slack_or_search_library(argv, shows, tmp_path):
    out, modules, _ = run(argv, tmp_path, dict(os.environ))
    assert shows in out
    assert loaded(modules, NO_DATABASE) == []


def test_db_current_reads_the_revision_without_alembic_the_orm_or_the_models(demo, tmp_path):
    folder, env = demo
    out, modules, _ = run(["db", "current"], folder, env)
    assert "is at revision 0" in out and "up to date" in out
    assert loaded(modules, [*NOT_OFFLINE, "sqlalchemy.orm", "refbot.models", *NO_SEARCH]) == []

    empty = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    out, _, _ = run(["db", "current"], tmp_path, empty)
    assert "base (empty)" in out and "run `refbot db upgrade`" in out


def test_policy_show_and_set_load_only_the_settings_table(demo):
    folder, env = demo
    out, modules, _ = run(["policy", "set", "min_gap_days=21"], folder, env)
    assert json.loads(out)["min_gap_days"] == 21
    out, modules, _ = run(["policy", "show"], folder, env)
    assert json.loads(out)["min_gap_days"] == 21
    assert loaded(modules, [*NOT_OFFLINE, *NO_SEARCH]) == []
    assert {m for m in modules if m.startswith("refbot.models.")} == {"refbot.models.base", "refbot.models.user"}


def test_report_imports_no_slack_alembic_chart_or_search_library(demo):
    folder, env = demo
    out, modules, _ = run(["report", "--json"], folder, env)
    assert json.loads(out)["version"] == 1
    assert loaded(modules, [*NOT_OFFLINE, *NO_SEARCH]) == []
    out, modules, _ = run(["gaps"], folder, env)
    assert "coverage gap" in out.lower()
    assert loaded(modules, NOT_OFFLINE) == []


def test_search_imports_the_engine_but_no_slack_alembic_or_chart_library(demo):
    folder, env = demo
    out, modules, _ = run(["search", "banking", "germany", "--json"], folder, env)
    assert isinstance(json.loads(out), list)
    assert "refbot.matching.engine" in modules
    assert loaded(modules, NOT_OFFLINE) == []


# ------------------------------------------------------------ refbot.models imports its modules on first use


def _model_modules() -> dict[str, str]:
    """Table name -> the refbot.models module that maps it."""
    return {mapper.local_table.name: mapper.class_.__module__ for mapper in Base.registry.mappers}  # type: ignore[union-attr]


def test_every_model_is_reachable_by_name_from_the_package():
    by_module: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        by_module.setdefault(mapper.class_.__module__.rsplit(".", 1)[1], set()).add(mapper.class_.__name__)
    listed = {module: set(names) for module, names in refbot.models._MODULES.items()}
    for module, classes in by_module.items():
        assert classes <= listed.get(module, set()), f"add {sorted(classes)} to refbot.models._MODULES[{module!r}]"
    assert set(refbot.models.__all__) == {"Base", "import_all", *refbot.models._WHERE}
    for name in refbot.models._WHERE:
        assert getattr(refbot.models, name) is not None


def test_each_model_module_imports_the_modules_its_foreign_keys_and_relationships_need():
    """Loaded alone (as a command loads it), a model module must bring every table its foreign keys name and
    every class its relationships name, or SQLAlchemy fails at the first flush or query."""
    folder = Path(refbot.models.__file__).parent
    imports: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found |= {n for n in names if n.startswith("refbot.models.")}
        imports[f"refbot.models.{path.stem}"] = found

    def closure(module: str) -> set[str]:
        seen, todo = {module}, [module]
        while todo:
            for dep in imports.get(todo.pop(), set()) - seen:
                seen.add(dep)
                todo.append(dep)
        return seen

    where = _model_modules()
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        needed = {where[fk.column.table.name] for fk in mapper.local_table.foreign_keys}  # type: ignore[union-attr]
        needed |= {rel.mapper.class_.__module__ for rel in mapper.relationships}
        missing = needed - closure(module)
        assert not missing, f"{module} must import {sorted(missing)} ({mapper.class_.__name__})"
