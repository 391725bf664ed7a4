#!/usr/bin/env bash
# The README's test command: every test of the project, in three parts.
#   1. seam mode: the core module under plain `go test -race`;
#   2. transparent mode: the core module again under the bigfoot overlay
#      (.ci/transparent.sh: `bigfoot vet` and `bigfoot test -race`, with
#      ./transparent in a loopback-only network namespace);
#   3. the modules with third-party clients and comparisons (integration/*,
#      bench/*) and the protocol plugins in modules of their own (bfredis,
#      bfpg): go vet, then go test -race, plain and under the overlay.
# Fails on the first failure.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

# The record tests (integration/record) run against real servers:
# redis-server and PostgreSQL, installed from Debian's packages and started
# on loopback by .ci/services.sh unless the caller started them already.
if [ -z "${BIGFOOT_REDIS_ADDR:-}" ] || [ -z "${BIGFOOT_PG_DSN:-}" ]; then
  echo "== 0. the servers of the record tests: .ci/services.sh start"
  source .ci/services.sh start
  trap '.ci/services.sh stop' EXIT
fi

echo "== 1. seam mode: go test -race -count=1 ./..."
go test -race -count=1 ./...

echo "== 2. transparent mode: bigfoot vet and bigfoot test -race -count=1 ./..."
bash .ci/transparent.sh

echo "== 3. modules with third-party clients"
for mod in $(find integration bench bfredis bfpg -name go.mod -not -path '*/testdata/*' 2>/dev/null | sort); do
  dir=$(dirname "$mod")
  echo "-- $dir"
  (
    cd "$dir"
    go vet ./...
    go test -race -count=1 ./...
    go run "$root/cmd/bigfoot" test -race -count=1 ./...
  )
done
