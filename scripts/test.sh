#!/usr/bin/env bash
# The whole test suite: ruff and mypy, then pytest on SQLite and on a throwaway local PostgreSQL server.
#   bash scripts/test.sh                 # lint + SQLite + PostgreSQL
#   bash scripts/test.sh --postgres-only
# Extra arguments after `--` go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
mode=all
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres-only) mode=postgres ;;
    --sqlite-only) mode=sqlite ;;
    --) shift; pytest_args=("$@"); break ;;
    *) pytest_args+=("$1") ;;
  esac
  shift
done

status=0
if [ "$mode" = all ]; then
  echo "== ruff"
  "$BIN/ruff" check . || status=1
  echo "== mypy"
  "$BIN/mypy" refbot || status=1
fi

if [ "$mode" != postgres ]; then
  echo "== pytest on SQLite"
  "$BIN/pytest" "${pytest_args[@]}" || status=1
fi

if [ "$mode" != sqlite ]; then
  echo "== pytest on PostgreSQL"
  # stop what this run started, however it ends (a failure, Ctrl-C)
  trap 'bash scripts/test_postgres.sh stop || true' EXIT
  if pg_env=$(bash scripts/test_postgres.sh start); then
    eval "$pg_env"
    REFBOT_TEST_DATABASE_URL="$REFBOT_TEST_POSTGRES_URL" "$BIN/pytest" "${pytest_args[@]}" || status=1
  else
    echo "could not start a local PostgreSQL server (see above)" >&2
    status=1
  fi
fi
exit $status
