"""``ambisketch bench``: run every layer's benchmarks and print ratios (or JSON)."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys

from ambisketch import __version__
from ambisketch.engine.benchmarking import Benchmark
from ambisketch.engine.errors import EngineError
from ambisketch.engine.json_types import JSONObject

# Modules exposing BENCHMARKS: list[Benchmark]; later layers append theirs here.
BENCHMARK_MODULES = (
    "ambisketch.engine.benchmarks",
    "ambisketch.engine.audio_start_benchmarks",
    "ambisketch.engine.binaural.benchmarks",
    "ambisketch.engine.monitoring.benchmarks",
    "ambisketch.engine.models.benchmarks",
    "ambisketch.engine.models.dit_benchmarks",
    "ambisketch.engine.takes.benchmarks",
    "ambisketch.engine.scene.benchmarks",
    "ambisketch.training.benchmarks",
    "ambisketch.training.codec.benchmarks",
    "ambisketch.training.content_metric.benchmarks",
    "ambisketch.training.dit.benchmarks",
    "ambisketch.training.recipes.starter.pipeline.benchmarks",
    "ambisketch.ui.path.benchmarks",
)


def all_benchmarks() -> list[Benchmark]:
    found: list[Benchmark] = []
    for name in BENCHMARK_MODULES:
        found.extend(importlib.import_module(name).BENCHMARKS)
    return found


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure speed (real-time factors and ratios)",
        description="Run the benchmarks. Figures are ratios: real-time factors "
        "(audio seconds per compute second) or cost relative to a "
        "baseline timed in the same run.",
        epilog="examples:\n  ambisketch bench\n  ambisketch bench --only doa --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmark groups")
    p.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median)")
    p.add_argument("--list", action="store_true", help="list the benchmark groups")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    benches = all_benchmarks()
    if args.list:
        for b in benches:
            print(f"{b.name:<16} {b.description}")
        return 0
    if args.only:
        known = {b.name for b in benches}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            raise EngineError(
                f"unknown benchmark {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        benches = [b for b in benches if b.name in args.only]
    if args.repeats < 1:
        raise EngineError("--repeats must be at least 1")
    results: list[JSONObject] = []
    for b in benches:
        for m in b.run(args.repeats):
            results.append({"group": b.name, **m.to_dict()})
            if not args.json:
                print(f"{m.name:<28} {m.value:10.2f} {m.unit:<28} {m.detail}", flush=True)
    if args.json:
        print(
            json.dumps(
                {
                    "ambisketch_version": __version__,
                    "python": sys.version.split()[0],
                    "machine": platform.machine(),
                    "processor": platform.processor(),
                    "results": results,
                },
                indent=2,
            )
        )
    return 0
