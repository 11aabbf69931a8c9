#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv, pinned by constraints.txt.
# Usage: scripts/setup.sh [EXTRA]   e.g. `scripts/setup.sh test`. Needs only python3 >= 3.11;
# installs uv into .tools/ when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

# Registries may sit behind a proxy whose CA is only in the system store: let uv (and npm) use it.
export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    echo "setup: installing uv into .tools/" >&2
    python3 -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check uv
  fi
  UV=.tools/bin/uv
fi

[ -x .venv/bin/python ] || "$UV" venv --quiet --python python3 .venv
target="."
[ $# -gt 0 ] && target=".[$1]"
"$UV" pip install --quiet --python .venv/bin/python -c constraints.txt -e "$target"
