#!/usr/bin/env bash
# Install (if missing) and start PostgreSQL and Redis on loopback for the
# integration test run and the benchmark. Idempotent.
#   scripts/services.sh install   # apt packages: postgresql redis-server chromium wrk gettext
#   scripts/services.sh start     # prints the DATABASE_URL and REDIS_URL to use
#   scripts/services.sh stop
set -euo pipefail

PG_PORT=${WALKS_PG_PORT:-55432}
REDIS_PORT=${WALKS_REDIS_PORT:-56379}
STATE=${WALKS_SERVICES_DIR:-/tmp/walks-services}
PG_DATA="$STATE/pg"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
  echo "$dir"
}

install() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v msgfmt >/dev/null || missing+=(gettext)  # make messages, messages-check
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    as_root apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

run_pg() {  # PostgreSQL refuses to run as root: use its own account
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  local bin; bin=$(pg_bin)
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA"
    run_pg "$bin/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! run_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    run_pg "$bin/pg_ctl" -D "$PG_DATA" -w -l "$PG_DATA/server.log" \
      -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${WALKS_PG_FSYNC:-on} -c shared_buffers=${WALKS_PG_SHARED_BUFFERS:-256MB}" start >/dev/null
  fi
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$STATE" --logfile "$STATE/redis.log" --pidfile "$STATE/redis.pid"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/walks"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

stop() {
  local bin; bin=$(pg_bin) || true
  [ -n "${bin:-}" ] && run_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
