#!/usr/bin/env bash
# Transparent mode in CI: go vet and every test of the module under the
# bigfoot overlay (go run ./cmd/bigfoot, which adds -overlay and
# -tags=bigfoot_overlay), with the race detector. That runs the ordinary
# tests once more with net.Dial intercepted, and the tests that exist only
# under the overlay: ./transparent (routing, parallel sandboxes, the
# firewall) and ./examples/transparent (code with no seam).
#
# ./transparent dials addresses outside the machine on purpose, so it runs
# itself inside a network namespace with loopback alone ('unshare -n' from
# util-linux, 'ip' from iproute2) and fails where it cannot make one.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} for the network namespace of ./transparent"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

go run ./cmd/bigfoot vet ./...
go run ./cmd/bigfoot test -race -count=1 ./...
