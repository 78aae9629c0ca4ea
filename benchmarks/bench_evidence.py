"""How fast the claims explorer opens on a big store, and how much memory the app process needs:
evidence rows read a page at a time (ui/evidence.py over loaders/store/evidence.py) against the
explorer before issue 15 (benchmarks/explorer_before.py: every claim's coded columns in memory,
the kept rows' text read to search them, pandas sorting), in the same run.

    .venv/bin/python benchmarks/bench_evidence.py --claims 1000000 --store /tmp/bench-evidence

--store is a folder holding one store per size (made with loaders.synth when missing), or with
one size the store itself, or a database URL (filled with synthetic claims when empty). Each
path runs in a fresh process and reports
  open     opening the explorer cold: the dataset read, the rows counted, the first page read
  search   a search (志愿) over every claim, warm (median of --repeat runs)
  district one district sorted by value, warm
  rss      the process's peak resident memory
and the ratio before / paged. Prints a markdown table and one JSON line per run; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATHS = ("paged", "before")
SEARCH = "志愿"


def measure(store: str, path: str, repeat: int) -> dict:
    """Runs in the child process: everything timed here starts from a cold process."""
    from benchmarks.explorer_before import explorer_in_memory
    from ui import evidence
    from ui.dataset import load_dataset
    from ui.queries import Filters

    def view(ds, filters, search, how):
        if path == "paged":
            ds.__dict__.pop("_evidence_cache", None)   # really query, as a new view does
            query = evidence.claim_query(filters, search, how)
            return evidence.count_rows(ds, query), evidence.page_rows(ds, query, 1)
        rows = explorer_in_memory(ds, filters, search, how, False, shown=evidence.PAGE_ROWS)
        return None, rows

    t = time.perf_counter()
    ds = load_dataset(store)
    total, first = view(ds, Filters(), None, "source")
    cold = time.perf_counter() - t
    district = first["district"].dropna().iloc[0] if len(first) else None

    def warm(filters, search, how) -> float:
        view(ds, filters, search, how)
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            view(ds, filters, search, how)
            runs.append(time.perf_counter() - t)
        return statistics.median(runs)

    search_s = warm(Filters(), SEARCH, "source")
    district_s = warm(Filters(district=(district,)), None, "value_desc")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"path": path, "open_s": cold, "search_s": search_s, "district_s": district_s,
            "rss_mb": rss, "first_page": len(first), "counted": total}


def _store_for(store: str | None, claims: int, many: bool) -> str:
    if store and "://" in store:
        from loaders.store import list_batches
        if list_batches(store).empty:
            _synth(store, claims)
        return store
    base = Path(store or "/tmp/bench-evidence")
    target = base / f"store-{claims}" if many or not (base / "batches").is_dir() else base
    if not (target / "batches").is_dir():
        _synth(str(target), claims)
    return str(target)


def _synth(target: str, claims: int) -> None:
    print(f"making {claims:,} synthetic claims in {target} …", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "loaders.synth", "--claims", str(claims), "--out", target],
                   cwd=ROOT, check=True)


def _run(store: str, path: str, repeat: int) -> dict:
    """One path in a fresh process (its peak RSS is its own)."""
    out = subprocess.run([sys.executable, __file__, "child", path, store, str(repeat)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"{path} on {store} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


FIELDS = ("open_s", "search_s", "district_s", "rss_mb")


def _table(measured) -> None:
    """The markdown table: each path's figures, and before ÷ paged when both ran."""
    lines = [["claims", "path", "open (cold)", "search (warm)", "one district (warm)", "peak RSS"],
             ["---"] * 6]
    for claims, results in measured:
        for path, r in results.items():
            lines.append([f"{claims:,}", path, f"{r['open_s']:.2f} s", f"{r['search_s']:.3f} s",
                          f"{r['district_s']:.3f} s", f"{r['rss_mb'] / 1024:.2f} GB"])
        if set(PATHS) <= set(results):
            lines.append([f"{claims:,}", "before ÷ paged",
                          *(f"{results['before'][k] / results['paged'][k]:.1f}×" for k in FIELDS)])
    print("\n" + "\n".join("| " + " | ".join(cells) + " |" for cells in lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[1_000_000], help="store sizes")
    parser.add_argument("--store", help="folder of stores (one per size), a store, or a database URL")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each warm view (median)")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    args = parser.parse_args(argv)
    measured = []
    for claims in args.claims:
        store = _store_for(args.store, claims, len(args.claims) > 1)
        results = {p: _run(store, p, args.repeat) for p in args.paths}
        print("\n".join(json.dumps({"claims": claims, **r}) for r in results.values()), flush=True)
        measured.append((claims, results))
    _table(measured)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:   # one measured path: child PATH STORE REPEAT
        print(json.dumps(measure(sys.argv[3], sys.argv[2], int(sys.argv[4]))))
        sys.exit(0)
    sys.exit(main())
