#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the test suite and print its DATABASE_URL.
#   eval "$(bash scripts/test_postgres.sh start)"   -> exports REFBOT_TEST_POSTGRES_URL
#   bash scripts/test_postgres.sh stop              -> stops it and deletes its data folder
# The port is a free one (or REFBOT_PG_PORT), the data folder a private temporary one (or REFBOT_PGDATA,
# then kept). What was started is recorded in .test-postgres-<REFBOT_PG_PORT or "auto">, so `stop` with
# the same environment stops exactly that server. Installs the Debian postgresql packages when they are
# missing (CI machines start empty).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=".test-postgres-${REFBOT_PG_PORT:-auto}"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_pg() {
  if ! find_bin >/dev/null 2>&1; then
    echo "installing PostgreSQL packages..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  . "./$STATE"
  if BIN=$(find_bin); then
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  fi
  [ "${OWN_PGDATA:-0}" = 1 ] && rm -rf "$PGDATA"
  rm -f "$STATE"
}

case "${1:-start}" in
  start)
    install_pg
    BIN=$(find_bin)
    stop  # a server this environment started before and never stopped
    PGPORT=${REFBOT_PG_PORT:-$(free_port)}
    if [ -n "${REFBOT_PGDATA:-}" ]; then
      PGDATA=$REFBOT_PGDATA OWN_PGDATA=0
      mkdir -p "$PGDATA"
    else
      PGDATA=$(mktemp -d "${TMPDIR:-/tmp}/refbot-pg.XXXXXX") OWN_PGDATA=1
    fi
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
    printf 'PGPORT=%s\nPGDATA=%s\nOWN_PGDATA=%s\n' "$PGPORT" "$PGDATA" "$OWN_PGDATA" > "$STATE"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    echo "export REFBOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
