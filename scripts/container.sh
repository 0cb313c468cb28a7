#!/usr/bin/env bash
# The container's entry point (Dockerfile ENTRYPOINT), also run directly by CI (tests/test_deploy.py):
#   container.sh start     wait for the database, then `refbot start` (the default)
#   container.sh migrate   wait for the database, then `refbot db upgrade` (compose runs it once, first)
#   container.sh health    exit 0 when /readyz answers 200 (HTTP mode: PORT; Socket Mode: REFBOT_HEALTH_PORT)
#   container.sh ANY...    any other refbot command: `docker compose run refbot report --since 30d`
# REFBOT_DB_WAIT: seconds to wait for the database to accept connections (default 60).
set -euo pipefail
REFBOT=${REFBOT_BIN:-refbot}

wait_for_db() {
  local deadline=$((SECONDS + ${REFBOT_DB_WAIT:-60})) out
  while true; do
    if out=$("$REFBOT" db current 2>&1); then
      return 0
    fi
    if [ $SECONDS -ge $deadline ] || ! grep -q "Could not use the database" <<<"$out"; then
      echo "$out" >&2
      return 1
    fi
    sleep 2
  done
}

case "${1:-start}" in
  start)
    shift || true
    wait_for_db
    exec "$REFBOT" start "$@"
    ;;
  migrate)
    wait_for_db
    exec "$REFBOT" db upgrade
    ;;
  health)
    port=${REFBOT_HEALTH_PORT:-}
    if [ -z "$port" ] && [ -z "${SLACK_APP_TOKEN:-}" ]; then port=${PORT:-3000}; fi
    [ -n "$port" ] || { echo "Socket Mode: set REFBOT_HEALTH_PORT to get health checks" >&2; exit 1; }
    exec python -c 'import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=3)
except Exception as exc:
    print(f"not ready: {exc}", file=sys.stderr)
    sys.exit(1)' "$port"
    ;;
  *)
    exec "$REFBOT" "$@"
    ;;
esac
