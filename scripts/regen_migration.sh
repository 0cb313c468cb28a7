#!/usr/bin/env bash
# Regenerate the initial migration from refbot/models (pre-release only: the schema has not shipped yet).
# Deterministic: same models -> same file. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f migrations/versions/0001_initial_schema.py
$PY - "$tmp/empty.db" <<'PYEOF'
import sys
from alembic import command
from refbot.db import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PYEOF
f=$(ls migrations/versions/0001_*.py)
[ "$f" = migrations/versions/0001_initial_schema.py ] || mv "$f" migrations/versions/0001_initial_schema.py
# Stable header: no creation date, so regenerating twice gives the same file.
sed -i 's/^Create Date: .*/Create Date: pre-release (regenerated from refbot\/models)/' migrations/versions/0001_initial_schema.py
sed -i "s/[[:space:]]*$//" migrations/versions/0001_initial_schema.py; $PY -m ruff check --fix -q migrations/versions/0001_initial_schema.py >/dev/null 2>&1 || true
echo "wrote migrations/versions/0001_initial_schema.py"
