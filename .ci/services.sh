#!/usr/bin/env bash
# Installs and starts, or stops, the real servers that the record tests
# (integration/record) run against: redis-server and PostgreSQL from
# Debian's packages, on loopback only. PostgreSQL keeps Debian's
# configuration, in which TCP logins use SCRAM-SHA-256.
#   source .ci/services.sh start   # exports BIGFOOT_REDIS_ADDR, BIGFOOT_PG_DSN
#   .ci/services.sh stop
set -euo pipefail

redis_port=6399
pg_user=bigfoot
pg_password=bigfoot-record-secret
pg_db=bigfoot

bf_services_start() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if ! command -v redis-server >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server postgresql >/dev/null
  fi
  # Debian's package starts a server on install where systemd runs; ours
  # is started here, on its own port, so the result is the same either way.
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes \
    --save '' --appendonly no --pidfile /tmp/bigfoot-redis.pid --logfile /tmp/bigfoot-redis.log
  local ver
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | grep -q "^$ver main"; then
    $sudo pg_createcluster "$ver" main >/dev/null
  fi
  $sudo pg_ctlcluster "$ver" main start || true
  for _ in $(seq 50); do
    if $sudo -u postgres psql -qAtc 'select 1' >/dev/null 2>&1 || su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  su postgres -c "psql -q" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$pg_user') THEN
    CREATE ROLE $pg_user LOGIN PASSWORD '$pg_password';
  ELSE
    ALTER ROLE $pg_user PASSWORD '$pg_password';
  END IF;
END \$\$;
SQL
  su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = '$pg_db'\"" | grep -q 1 ||
    su postgres -c "createdb -O $pg_user $pg_db"
  for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export BIGFOOT_REDIS_ADDR="127.0.0.1:$redis_port"
  export BIGFOOT_PG_DSN="postgres://$pg_user:$pg_password@127.0.0.1:5432/$pg_db"
  export BIGFOOT_SERVICES=required
}

bf_services_stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  local ver
  ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$ver" ] && pg_ctlcluster "$ver" main stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) bf_services_start ;;
  stop) bf_services_stop ;;
  *) echo "usage: source .ci/services.sh start | .ci/services.sh stop" >&2; exit 2 ;;
esac
