#!/usr/bin/env bash
# Drive a running server so that its dashboard shows every kind of trace: deploys over HTTP, REST runs (ok and
# failing), OpenAI chat (streamed and not, ok and failing), MCP tool calls (when MCP is mounted), undeploys.
# Usage: scripts/demo_dashboard_traces.sh [URL]   (default: $HAYHOOKS_URL or http://127.0.0.1:1416)
# Set HAYHOOKS_DASHBOARD_TOKEN if the server has one (used for the final summary only).
set -euo pipefail
URL="${1:-${HAYHOOKS_URL:-http://127.0.0.1:1416}}"
URL="${URL%/}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
JSON=(-H 'content-type: application/json')

say() { printf '\n== %s\n' "$*"; }
post() { curl -sS -o /dev/null -w '%{http_code}' -X POST "${JSON[@]}" "$URL$1" -d "$2"; }
json_file() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }

curl -sSf "$URL/status" > /dev/null || { echo "No hayhooks server answers at $URL" >&2; exit 1; }

say "deploy over HTTP"
wrapper=$(json_file "$HERE/examples/pipelines/shout/pipeline_wrapper.py")
echo "deploy demo_shout: $(post /deploy_files "{\"name\":\"demo_shout\",\"files\":{\"pipeline_wrapper.py\":$wrapper},\"overwrite\":true,\"save_files\":false}")"
yaml=$(json_file "$HERE/examples/pipelines/greet.yml")
echo "deploy demo_greet: $(post /deploy-yaml "{\"name\":\"demo_greet\",\"source_code\":$yaml,\"overwrite\":true,\"save_file\":false}")"
echo "deploy broken (expected 422): $(post /deploy_files '{"name":"demo_broken","files":{"pipeline_wrapper.py":"def oops(:\n"},"save_files":false}')"

say "REST runs"
for text in "hello" "dashboard" "traces"; do echo "demo_shout '$text': $(post /demo_shout/run "{\"text\":\"$text\"}")"; done
echo "demo_greet: $(post /demo_greet/run '{"name":"Ada","place":"the dashboard"}')"
echo "flaky ok: $(post /flaky/run '{"text":"all good"}')"
echo "flaky failing (expected 500): $(post /flaky/run '{"text":"please fail <b>now</b>"}')"
echo "bad body (expected 422): $(post /demo_shout/run '{"txt":"typo"}')"

say "OpenAI chat"
echo "chat: $(post /v1/chat/completions '{"model":"chat","messages":[{"role":"user","content":"hello there"}]}')"
code=$(curl -sS -N -o /dev/null -w '%{http_code}' -X POST "${JSON[@]}" "$URL/v1/chat/completions" \
  -d '{"model":"chat","messages":[{"role":"user","content":"stream this answer please"}],"stream":true}')
echo "chat streamed: $code"
echo "unknown model (expected 404): $(post /v1/chat/completions '{"model":"nope","messages":[{"role":"user","content":"x"}]}')"

say "MCP"
accept=(-H 'accept: application/json, text/event-stream')
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}'
headers=$(mktemp)
status=$(curl -sS -o /dev/null -D "$headers" -w '%{http_code}' -X POST "${JSON[@]}" "${accept[@]}" "$URL/mcp" -d "$init" || true)
if [ "$status" = 200 ]; then
  session=$(grep -i '^mcp-session-id:' "$headers" | tr -d '\r' | awk '{print $2}')
  sid=(); [ -n "$session" ] && sid=(-H "mcp-session-id: $session")
  mcp() { curl -sS -o /dev/null -w '%{http_code}' -X POST "${JSON[@]}" "${accept[@]}" "${sid[@]}" "$URL/mcp" -d "$1"; }
  mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' > /dev/null
  echo "tools/list: $(mcp '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')"
  echo "tools/call shout: $(mcp '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"shout","arguments":{"text":"mcp"}}}')"
  echo "tools/call flaky failing: $(mcp '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"flaky","arguments":{"text":"fail"}}}')"
else
  echo "MCP is not mounted on this server (start it with HAYHOOKS_MCP_MOUNT=true to see mcp traces)"
fi
rm -f "$headers"

say "undeploy"
echo "undeploy demo_shout: $(post /undeploy/demo_shout '')"
echo "undeploy demo_greet: $(post /undeploy/demo_greet '')"
echo "undeploy missing (expected 404): $(post /undeploy/demo_missing '')"

say "done: open $URL/dashboard/"
