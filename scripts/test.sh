#!/usr/bin/env bash
# Set up and run the whole test suite: installs the system packages the tests need (redis-server, openssl,
# chromium) when run as root on Debian, creates .venv with the test extras, builds and unit-tests the
# dashboard (npm ci, vitest, vite build), lints the Python (ruff), then runs pytest. Arguments go to pytest
# (e.g. `scripts/test.sh -m "not integration and not e2e"`).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test: please install ${need[*]} (e.g. sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi

scripts/setup.sh test

if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
echo "test: dashboard (npm ci, vitest, build)" >&2
(cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm test --silent && npm run build --silent)

echo "test: lint (ruff, the rules in pyproject.toml)" >&2
.venv/bin/ruff check app tests benchmarks

export HAYSTACK_TELEMETRY_ENABLED=false
exec .venv/bin/python -m pytest "$@"
