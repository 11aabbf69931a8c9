"""Follow a server's live trace stream and print when each finished trace arrives.

Usage: python benchmarks/sse_listener.py URL [--entrypoint NAME]

Prints ``worker <id>`` once connected (the worker serving the stream), then ``<trace_id> <monotonic s>`` per
finished trace. It runs as a process of its own, in a session of its own, as a browser watching the dashboard
would: a listener thread inside the benchmark would wait for the benchmark's own GIL and CPU share, and
measure them instead of the server.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--entrypoint")
    args = parser.parse_args()
    params = {"entrypoint": args.entrypoint} if args.entrypoint else {}
    with httpx.Client(timeout=None) as client, client.stream(
        "GET", f"{args.url}/dashboard/api/traces/stream", params=params
    ) as response:
        print("worker", response.headers["x-hayhooks-worker"], flush=True)
        event = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "trace":
                arrived = time.monotonic()
                trace = json.loads(line[5:])
                if not trace["running"]:
                    print(trace["trace_id"], f"{arrived:.6f}", flush=True)


if __name__ == "__main__":
    main()
