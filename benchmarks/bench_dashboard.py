"""How fast the overview is on a big store, on both stores, and how much memory the app needs.

    .venv/bin/python benchmarks/bench_dashboard.py --claims 1000000 3000000 10000000 \\
        --store /tmp/bench

For each size, makes (or reuses) a synthetic store in each of the two stores:
  folder      --store/store-<claims> (loaders.synth; --store may also be one store itself)
  postgresql  the database bench_<claims> on a PostgreSQL server whose data is kept in
              --store/postgres (Debian's initdb/pg_ctl, started as tests/pg.py starts the test
              server: an unprivileged user, a free port, fsync off), filled from the folder store
              by loaders.store.copy_store (each batch one transaction, rows by COPY)
(--store may instead be a database URL: that store alone, as it is.) Then measures each path in
a fresh process:
  first    the app's first start after a commit: the batches' rollups summed (then kept)
  rollups  the app's cold start: the overview from the summed rollups (ui/cubes.py)
  claims   the pandas path before rollups: every claim's coded columns read, the overview made
           from them (ui.overview.overview_from_claims), run in the same run for the ratio
and reports for each
  cold     open the store, read its small tables and the summed rollups, build the overview,
           in a fresh process (imports reported apart)
  rerun    a rerun with the same filters: the app's cached overview (st.cache_data) unpickled
  warm     the same overview made again in the warm process (median of --repeat runs): what
           any filter combination not seen before costs once the store is read
  district the overview filtered to one district, made in the warm process
  rss      the process's peak resident memory
  cpu      the process's CPU time of cold and warm (on a machine other programs share, closer
           to what it takes alone than the wall-clock time)
Targets for the rollups at 10M claims: cold ≤ 2 s, warm ≤ 0.3 s, RSS < 1 GB. Prints a
markdown table (for the README) and one JSON line per run; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATHS = ("rollups", "claims")
RUNS = ("first", "rollups", "claims")   # first: rollups right after a commit (summed, not cached)
STORES = ("folder", "postgresql")


def measure(store: str, path: str, repeat: int) -> dict:
    """Runs in the child process: everything timed here starts from a cold process."""
    t = time.perf_counter()
    from ui.dataset import load_dataset
    from ui.overview import build_overview, overview_from_claims
    from ui.queries import Filters
    imports = time.perf_counter() - t
    make = build_overview if path == "rollups" else overview_from_claims

    t, cpu = time.perf_counter(), time.process_time()
    ds = load_dataset(store)
    if path == "claims":
        ds.facts   # what load_dataset read before rollups: every claim's coded columns
    view = make(ds, Filters())
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - cpu
    if path == "rollups":
        assert ds._numbers is None, "the overview read the claims"

    cpu_runs = {}

    def timed(make_one, name="") -> float:
        runs, cpus = [], []
        for _ in range(repeat):
            t, cpu = time.perf_counter(), time.process_time()
            make_one()
            runs.append(time.perf_counter() - t)
            cpus.append(time.process_time() - cpu)
        cpu_runs[name] = statistics.median(cpus)
        return statistics.median(runs)

    districts = sorted(ds.communities["district"].dropna().unique())
    kept = pickle.dumps(view)   # what st.cache_data keeps (ui.overview.cached_overview)
    cached = timed(lambda: pickle.loads(kept))
    warm = timed(lambda: make(ds, Filters()), "warm")
    district = timed(lambda: make(ds, Filters(district=(districts[0],))))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"path": path, "claims": view.counts.mentions, "facts": view.counts.facts,
            "imports_s": imports, "cold_s": cold, "cached_s": cached, "warm_s": warm,
            "district_s": district, "rss_mb": rss, "cold_cpu_s": cold_cpu,
            "warm_cpu_s": cpu_runs["warm"]}


def _folder_store(base: str | None, claims: int) -> str:
    import tempfile
    if base is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    else:   # a store itself, or a folder of stores, one per size
        folder = Path(base) if (Path(base) / "batches").exists() else Path(base) / f"store-{claims}"
    if not (folder / "batches").exists():
        # in its own process: Linux keeps a process's peak RSS across fork and exec
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "loaders.synth", "--claims", str(claims),
                        "--out", str(folder), "--seed", "0"], cwd=ROOT, check=True,
                       capture_output=True)
        print(f"生成 {claims:,} 条合成数据：{time.perf_counter() - t:.1f} s（{folder}）",
              flush=True)
    return str(folder)


def _server(folder: str):
    """The benchmark's PostgreSQL server (tests/pg.py's), its data kept beside the folder store
    (in postgres/ of the folder of stores)."""
    from tests.pg import Server, binaries

    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL 的 initdb/pg_ctl 没有安装（bash scripts/install-postgres.sh）")
    server = Server(bin_dir, Path(folder).resolve().parent / "postgres")
    server.start()
    return server


def _database_store(server, folder: str, claims: int) -> str:
    """The database bench_<claims> holding the folder store's live batches (copied once)."""
    from loaders.store import list_batches

    name = f"bench_{claims}"
    url = server.url(name)
    try:
        if len(list_batches(url)) == len(list_batches(folder)):
            return url
    except Exception:   # no such database yet
        pass
    from loaders.store import postgres
    postgres.forget(url)
    server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.admin(f'CREATE DATABASE "{name}"')
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "loaders", "export", "--database", url, "--data",
                    folder], cwd=ROOT, check=True, capture_output=True)
    print(f"{claims:,} 条写入 PostgreSQL：{time.perf_counter() - t:.1f} s（{name}）",
          flush=True)
    return url


def _run(store: str, run: str, repeat: int) -> dict:
    path = "rollups" if run == "first" else run
    if run == "first":
        import shutil

        from ui.cube_store import cache_folder
        folder = cache_folder(store)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    out = subprocess.run([sys.executable, __file__, "--child", path, "--store", store,
                          "--repeat", str(repeat)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{path} on {store} failed:\n{out.stderr[-3000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "path": run}


def _table(rows) -> None:
    print("\n| claims | store | path | cold (imports apart) | rerun (cached) | warm | "
          "one district (warm) | peak RSS | CPU cold / warm |")
    print("|---|---|---|---|---|---|---|---|---|")
    for claims, kind, results in rows:
        for p, r in results.items():
            print(f"| {claims:,} | {kind} | {p} | {r['cold_s']:.2f} s ({r['imports_s']:.2f} s) | "
                  f"{r['cached_s']:.3f} s | {r['warm_s']:.3f} s | {r['district_s']:.3f} s | "
                  f"{r['rss_mb'] / 1024:.2f} GB | "
                  f"{r['cold_cpu_s']:.2f} / {r['warm_cpu_s']:.3f} s |")
        if {"rollups", "claims"} <= set(results):
            new, old = results["rollups"], results["claims"]
            ratio = {k: f"{old[k] / new[k]:.1f}×" for k in
                     ("cold_s", "cached_s", "warm_s", "district_s", "rss_mb")}
            print(f"| {claims:,} | {kind} | claims ÷ rollups | {ratio['cold_s']} | "
                  f"{ratio['cached_s']} | {ratio['warm_s']} | {ratio['district_s']} | "
                  f"{ratio['rss_mb']} | |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--store", help="folder of stores to reuse or create, or a database URL")
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.store, args.child, args.repeat)))
        return 0

    rows = []
    server = None
    try:
        for claims in args.claims:
            if args.store is not None and "://" in args.store:   # a database store, as it is
                stores = {"postgresql": args.store}
            else:
                folder = _folder_store(args.store, claims)
                stores = {"folder": folder} if "folder" in args.stores else {}
                if "postgresql" in args.stores:
                    server = server or _server(folder)
                    stores["postgresql"] = _database_store(server, folder, claims)
            for kind, store in stores.items():
                results = {r: _run(store, r, args.repeat) for r in args.runs}
                for r in results.values():
                    print(json.dumps({"store": kind, **r}), flush=True)
                rows.append((claims, kind, results))
    finally:
        if server is not None:
            server.stop()
    _table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
