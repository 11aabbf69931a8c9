#!/usr/bin/env bash
# Set up and start the server on the bundled example pipelines, in-memory defaults, with the live trace
# dashboard (built with npm on first start) at the URL it prints. Extra arguments go to `hayhooks run`
# (e.g. --port 8000, --workers 2 --redis-url redis://127.0.0.1:6379/0).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HAYSTACK_TELEMETRY_ENABLED="${HAYSTACK_TELEMETRY_ENABLED:-false}"
exec .venv/bin/hayhooks run --pipelines-dir examples/pipelines --with-tracing-dashboard "$@"
