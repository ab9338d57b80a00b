"""`python -m bench [name ...]`: run the named benchmarks (all when none is named), print JSON results and
write bench/results/<name>.json."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def _cases(args: argparse.Namespace) -> Any:
    from bench import cases

    return cases.run(
        cases=args.cases,
        clients=tuple(int(c) for c in args.clients.split(",")),
        duration=args.duration,
        warmup=args.warmup,
        workers=args.workers,
        threads=args.threads,
        **({"scenarios": tuple(args.scenarios.split(","))} if args.scenarios else {}),
        profile=not args.no_diagnostics,
    )


def _appeals(args: argparse.Namespace) -> Any:
    from bench import appeals

    return appeals.run(
        appeals=args.appeals,
        clients=tuple(int(c) for c in args.clients.split(",")),
        duration=args.duration,
        warmup=args.warmup,
        workers=args.workers,
        threads=args.threads,
        **({"scenarios": tuple(args.scenarios.split(","))} if args.scenarios else {}),
        profile=not args.no_diagnostics,
        training=not args.no_training,
    )


def _datahub(args: argparse.Namespace) -> Any:
    from bench import datahub

    return datahub.run(
        persons=args.persons,
        datasets=args.datasets,
        quality=True,
        clients=tuple(int(c) for c in args.clients.split(",")),
        duration=args.duration,
        warmup=args.warmup,
        workers=args.workers,
        threads=args.threads,
        **({"scenarios": tuple(args.scenarios.split(","))} if args.scenarios else {}),
        profile=not args.no_diagnostics,
    )


def _sidebyside(args: argparse.Namespace) -> Any:
    from bench import sidebyside

    return sidebyside.run(args)


BENCHMARKS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "cases": _cases,
    "appeals": _appeals,
    "datahub": _datahub,
    "sidebyside": _sidebyside,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default: all)"
    )
    parser.add_argument(
        "--cases", type=int, default=1_000_000, help="synthetic cases to have (default 1,000,000)"
    )
    parser.add_argument(
        "--appeals", type=int, default=2_000_000, help="synthetic appeals to have (default 2,000,000)"
    )
    parser.add_argument("--no-training", action="store_true", help="appeals: skip train-dispatch on 200,000")
    parser.add_argument(
        "--persons",
        type=int,
        default=5_000_000,
        help="datahub: people in the person registry (default 5,000,000)",
    )
    parser.add_argument(
        "--datasets", type=int, default=10_000, help="datahub: synthetic open datasets (default 10,000)"
    )
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per run (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per run (default 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--scenarios", default="", help="comma-separated subset of the scenarios")
    parser.add_argument(
        "--parts", default="", help="sidebyside: comma-separated subset of bare,cases,appeals,datahub"
    )
    parser.add_argument("--no-diagnostics", action="store_true", help="skip EXPLAIN / profiling")
    args = parser.parse_args(argv)
    for name in args.names or list(BENCHMARKS):
        BENCHMARKS[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
