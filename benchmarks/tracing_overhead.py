"""What tracing costs a run request: tracing off, on with no exporter, on keeping one trace in ten, and on with
OTLP export to a receiver.

Usage: .venv/bin/python benchmarks/tracing_overhead.py [--quick] [--rounds N] [--seconds S]

One worker per configuration, the two-component `shout` pipeline (Upper → Exclaim), wrk with one thread and
8 connections; configurations alternate within each round (A B C A B C ...) so drift hits them alike.
Target (issue 3): tracing on costs ≤ 5 % of throughput.

`--pipeline ask` measures a two-component pipeline that does real work instead: Haystack's ChatPromptBuilder and
OpenAIChatGenerator, against a fake OpenAI server that answers at once (no model's latency; harness.fake_llm).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.otlp_receivers import HttpReceiver

from benchmarks.harness import (
    RUN_PIPELINES,
    add_round_options,
    alternate,
    fake_llm,
    hayhooks_server,
    rounds_and_seconds,
    summarise,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_round_options(parser, rounds=4, seconds=6, quick=(2, 2.0),
                      quick_help="2 rounds of 2 s (under a minute)")
    parser.add_argument("--pipeline", choices=["shout", "ask"], default="shout",
                        help="shout (default: two components that do nothing, the worst case for tracing's share) "
                             "or ask (Haystack's ChatPromptBuilder and OpenAIChatGenerator, against a fake OpenAI "
                             "server that answers at once)")
    args = parser.parse_args()
    rounds, seconds = rounds_and_seconds(args)

    receiver = HttpReceiver()
    configs = {
        "off": {"OTEL_SDK_DISABLED": "true"},
        "on": {},
        "sampled": {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
        "on+otlp": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}"},
    }
    folder, body = RUN_PIPELINES[args.pipeline]
    # The OTLP receiver runs in this process, the fake OpenAI server in its own; their CPU is not the server's.
    with ExitStack() as stack:
        stack.callback(receiver.close)
        llm = stack.enter_context(fake_llm()) if args.pipeline == "ask" else {}
        urls = {name: stack.enter_context(hayhooks_server("--pipelines-dir", str(folder), env=env | llm))
                for name, env in configs.items()}
        results = alternate(urls, body, rounds=rounds, seconds=seconds, path=f"/{args.pipeline}/run")

    print("\nratios to 'off' per round (1.000 = no cost):")
    for name in ("on", "sampled", "on+otlp"):
        ratios = [on.requests_per_s / off.requests_per_s for on, off in zip(results[name], results["off"], strict=True)]
        print("  " + summarise(f"{name:8s}/off", ratios))
    print("server CPU per request, relative to 'off' (1.000 = no cost):")
    for name in ("on", "sampled", "on+otlp"):
        ratios = [on.cpu_us_per_request / off.cpu_us_per_request
                  for on, off in zip(results[name], results["off"], strict=True)]
        print("  " + summarise(f"{name:8s}/off", ratios))
    spans = len([s for s in receiver.received.spans if s.name == "hayhooks.pipeline.run"])
    print(f"\nOTLP receiver got {spans} run traces")


if __name__ == "__main__":
    main()
