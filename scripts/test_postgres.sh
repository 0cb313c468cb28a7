#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 server on 127.0.0.1 for the test suite and print its DATABASE_URL.
#   eval "$(bash scripts/test_postgres.sh start)"   -> exports REFBOT_TEST_POSTGRES_URL
#   bash scripts/test_postgres.sh stop
# Installs the Debian postgresql packages when they are missing (CI machines start empty).
set -euo pipefail
PGPORT=${REFBOT_PG_PORT:-54329}
PGDATA=${REFBOT_PGDATA:-/tmp/refbot-pg-$PGPORT}
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

case "${1:-start}" in
  start)
    install_pg
    BIN=$(find_bin)
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      mkdir -p "$PGDATA"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
      as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    fi
    echo "export REFBOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    BIN=$(find_bin) || exit 0
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
