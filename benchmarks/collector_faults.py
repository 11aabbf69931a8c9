"""An OTLP collector that hangs or refuses: is any request slower? Side by side with tracing on and no exporter.

Usage: .venv/bin/python benchmarks/collector_faults.py [--quick] [--rounds N] [--seconds S]

One worker per configuration, the two-component `shout` pipeline, OTLP/HTTP export (the default protocol):

- `on`: tracing on, no exporter (the reference);
- `on+otlp`: a healthy receiver (tests/otlp_receivers.py, in this process);
- `on+hung-collector`: a TCP server that accepts every connection and never answers (exporter timeout 10 s);
- `on+refusing-collector`: a closed port (every export is refused, then retried with backoff).

Ratios are given against `on` and against `on+otlp` (what the same export costs when the collector is fine).
Two loads per round, configurations alternating (A B C D A B C D ...) so drift hits them alike: wrk -t1 -c8
(throughput, p50/p99) and wrk -t1 -c1 (the latency of one request at a time). Export runs in the SDK's
BatchSpanProcessor thread; its queue fills and drops spans when the collector is stuck, and no request should
wait for it. Figures only, no assertion.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.otlp_receivers import HangingCollector, HttpReceiver

from benchmarks.harness import (
    RUN_PIPELINES,
    Load,
    add_round_options,
    free_port,
    hayhooks_server,
    rotated,
    rounds_and_seconds,
    summarise,
    wrk,
)

EXAMPLES, BODY = RUN_PIPELINES["shout"]
REFERENCES = ["on", "on+otlp"]  # no exporter; a healthy collector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_round_options(parser, rounds=3, seconds=5, quick=(1, 2.0),
                      quick_help="1 round of 2 s per load (under a minute)")
    args = parser.parse_args()
    rounds, seconds = rounds_and_seconds(args)

    receiver = HttpReceiver()
    hanging = HangingCollector()
    closed_port = free_port()  # bound, then released: nothing listens there
    configs = {
        "on": {},
        "on+otlp": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}"},
        "on+hung-collector": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{hanging.port}"},
        "on+refusing-collector": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{closed_port}"},
    }
    loads = {"c8": 8, "c1": 1}
    results: dict[str, dict[str, list[Load]]] = {load: {name: [] for name in configs} for load in loads}
    servers = {name: hayhooks_server("--pipelines-dir", str(EXAMPLES), env={"HAYHOOKS_LOG_LEVEL": "WARNING", **env})
               for name, env in configs.items()}
    urls = {name: server.__enter__() for name, server in servers.items()}
    try:
        for url in urls.values():  # warm-up; fills the exporters' queues of the stuck collectors
            wrk(f"{url}/shout/run", BODY, seconds=2)
        for round_no in range(rounds):
            for load_name, connections in loads.items():
                for name in rotated(urls, round_no):
                    url = urls[name]
                    load = wrk(f"{url}/shout/run", BODY, seconds=seconds, connections=connections, pid=url.pid)
                    results[load_name][name].append(load)
                    print(f"round {round_no + 1} -{load_name} {name:22s} {load.requests_per_s:7.0f} req/s"
                          f"  p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms  max {load.max_ms:7.2f} ms"
                          f"  server CPU {load.cpu_us_per_request:5.0f} us/req  errors {load.errors}", flush=True)
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
        receiver.close()
        hanging.close()

    for load_name, connections in loads.items():
        print(f"\nwrk -t1 -c{connections}, median of {rounds} round(s) (max: the slowest request of all rounds):")
        print(f"  {'configuration':22s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'max ms':>8s} {'CPU us/req':>10s}"
              f" {'errors':>6s}")
        for name, runs in results[load_name].items():
            print(f"  {name:22s} {statistics.median(r.requests_per_s for r in runs):7.0f}"
                  f" {statistics.median(r.p50_ms for r in runs):7.2f} {statistics.median(r.p99_ms for r in runs):7.2f}"
                  f" {max(r.max_ms for r in runs):8.2f}"
                  f" {statistics.median(r.cpu_us_per_request or 0 for r in runs):10.0f}"
                  f" {sum(r.errors for r in runs):6d}")
        for reference_name in REFERENCES:
            print(f"  relative to '{reference_name}' per round (1.000 = the same):")
            reference = results[load_name][reference_name]
            for name, runs in results[load_name].items():
                if name in REFERENCES[: REFERENCES.index(reference_name) + 1]:
                    continue
                for label, value in (("req/s", lambda r: r.requests_per_s), ("p99", lambda r: r.p99_ms)):
                    ratios = [value(a) / value(b) for a, b in zip(runs, reference, strict=True)]
                    print("    " + summarise(f"{name:22s} {label:5s}", ratios))
    spans = len([s for s in receiver.received.spans if s.name == "hayhooks.pipeline.run"])
    print(f"\nhealthy receiver got {spans} run traces; the hung collector holds {len(hanging.connections)} connections")


if __name__ == "__main__":
    main()
