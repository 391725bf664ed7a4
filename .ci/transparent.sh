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
# util-linux, 'ip' from iproute2) and fails where it cannot make one; its
# proof of the firewall (entrypoints_test.go) gives that namespace's
# loopback an extra address to stand for the outside, with 'ip addr'.
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

# The transparent suites once more with -isolate (FIREWALL.md): each test
# binary in a network namespace of its own with loopback alone, made by the
# bigfoot command itself (root here; elsewhere unprivileged user
# namespaces), so that what the firewall in package net cannot see (raw
# syscalls, cgo, child processes) cannot leave either. It fails, never
# falls back, where no namespace can be made.
go run ./cmd/bigfoot test -isolate -race -count=1 ./transparent/... ./examples/transparent/...
