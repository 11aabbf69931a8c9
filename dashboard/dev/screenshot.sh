#!/usr/bin/env bash
# Usage: dev/screenshot.sh URL OUT.png [WIDTH] [HEIGHT] [extra chromium flags...]
# Takes a headless Chromium screenshot (Debian's chromium; never downloads browsers).
set -euo pipefail
url=$1 out=$2 width=${3:-1280} height=${4:-900}
shift $(( $# < 4 ? $# : 4 ))
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size="$width,$height" \
  --virtual-time-budget="${BUDGET:-3000}" "$@" --screenshot="$out" "$url" 2>/dev/null
echo "$out"
