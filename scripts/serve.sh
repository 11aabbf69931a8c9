#!/usr/bin/env bash
# Set up and start the server on the bundled example pipelines, with the in-memory defaults.
# Extra arguments go to `hayhooks run` (e.g. --port 8000, --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HAYSTACK_TELEMETRY_ENABLED="${HAYSTACK_TELEMETRY_ENABLED:-false}"
exec .venv/bin/hayhooks run --pipelines-dir examples/pipelines "$@"
