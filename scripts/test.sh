#!/usr/bin/env bash
# Set up and run the whole test suite. Installs the system packages the tests need (redis-server) when run
# as root on Debian, creates .venv with the test extras, then runs pytest. Arguments go to pytest
# (e.g. `scripts/test.sh -m "not integration"`).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
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
export HAYSTACK_TELEMETRY_ENABLED=false
exec .venv/bin/python -m pytest "$@"
