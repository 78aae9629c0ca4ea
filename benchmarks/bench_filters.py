"""What a filter the rollups cannot answer costs: the overview with one programme, one indicator
or one year, on a store made by bench_dashboard.py (or any store, or a database URL).

    .venv/bin/python benchmarks/bench_filters.py --store /tmp/bench/store-10000000

Each line runs in a fresh process (so peak memory is its own): load the dataset, then
ui.overview.overview_from_claims with the filter, twice (the second is a rerun with the same
filters). `pushed`: today's path (ui.queries.scope_of pushes the filters down to the store and
reads only the claims they keep); `every claim`: the path before (every claim's coded columns
read first, then filtered), in the same run for the ratio. Prints a markdown table; asserts
nothing.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILTERS = ("programme", "indicator", "period")


def measure(store: str, name: str, every: bool) -> dict:
    from ui.dataset import load_dataset
    from ui.overview import overview_from_claims
    from ui.queries import Filters

    ds = load_dataset(store)
    values = sorted(ds.present(name))
    chosen = {"programme": values[:1], "indicator": ["volunteers"] if "volunteers" in values
              else values[:1], "period": values[-1:]}[name]
    filters = Filters(**{name: tuple(chosen)})
    t = time.perf_counter()
    if every:
        ds.numbers   # the path before: every claim's coded columns, then the filter
    view = overview_from_claims(ds, filters)
    first = time.perf_counter() - t
    t = time.perf_counter()
    overview_from_claims(ds, filters)
    return {"filter": f"{name}={chosen[0] if chosen else ''}", "first_s": first,
            "rerun_s": time.perf_counter() - t, "facts": view.counts.facts,
            "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a store folder or a database URL")
    parser.add_argument("--filters", nargs="+", choices=FILTERS, default=list(FILTERS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.store, args.child[0], args.child[1] == "every")))
        return 0
    print("| filter | path | first | rerun | peak RSS | facts |\n|---|---|---|---|---|---|")
    for name in args.filters:
        rows = {}
        for path in ("pushed", "every"):
            out = subprocess.run([sys.executable, __file__, "--store", args.store, "--child", name,
                                  path], capture_output=True, text=True, check=True, cwd=ROOT)
            rows[path] = r = json.loads(out.stdout.strip().splitlines()[-1])
            label = "pushed down" if path == "pushed" else "every claim (before)"
            print(f"| {r['filter']} | {label} | {r['first_s']:.2f} s | {r['rerun_s']:.2f} s | "
                  f"{r['rss_gb']:.2f} GB | {r['facts']:,} |", flush=True)
        a, b = rows["pushed"], rows["every"]
        assert a["facts"] == b["facts"], (a, b)   # the same figures either way
        print(f"| {a['filter']} | **before ÷ pushed** | {b['first_s'] / a['first_s']:.1f}× | "
              f"{b['rerun_s'] / a['rerun_s']:.1f}× | {b['rss_gb'] / a['rss_gb']:.1f}× | |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
