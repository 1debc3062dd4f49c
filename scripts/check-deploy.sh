#!/usr/bin/env bash
# Checks everything under deploy/: the Prometheus rules and their unit tests (promtool), and the
# Kubernetes manifests, Grafana dashboard and metric names (node tests in tests/deploy).
# Installs what is missing: promtool from Debian's prometheus package, the node packages with
# `npm ci`. kubectl (for `kubectl kustomize`) and node must already be on the machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v promtool >/dev/null; then
    echo "check-deploy: installing Debian package prometheus for promtool"
    apt_get() {
        if [ "$(id -u)" -eq 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi
    }
    apt_get update -qq
    DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package enables a prometheus service. Only promtool is wanted: stop the service where
    # an init system started it (in containers policy-rc.d usually prevents the start).
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
        systemctl stop prometheus
        systemctl disable --quiet prometheus
    elif command -v service >/dev/null && service prometheus status >/dev/null 2>&1; then
        service prometheus stop
    fi
fi

for tool in kubectl node npm promtool; do
    if ! command -v "$tool" >/dev/null; then
        echo "check-deploy: $tool not found; install it and run again" >&2
        exit 1
    fi
done

echo "== promtool check rules"
promtool check rules deploy/prometheus/rules/*.yaml

echo "== promtool test rules"
promtool test rules deploy/prometheus/tests/*.yaml

echo "== node tests (tests/deploy)"
cd tests/deploy
npm ci --no-audit --no-fund --loglevel=error
node --test
