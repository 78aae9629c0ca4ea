"""What years of small uploads cost: many small batches, and the upload check on a big store.

    .venv/bin/python benchmarks/bench_history.py [--batches 1000] [--per 50] [--check-claims 1000000]

history  commits --batches batches of --per synthetic claims one after another through the real
         import path (loaders.imports.commit_article: the commit lock, the "already stored?"
         check, the atomic commit) into a fresh store, and reports the 1st and the last commit
         (and the medians of the first and last ten) and the total.
compact  (when the store can compact) the time to compact those batches.
cold     in a fresh process each (median of --repeat): ui.dataset.load_dataset + the overview
         on the many-batch store, and on a store holding the same claims as one batch.
check    the peak extra memory (and time) of checking a 2,000-row sheet against a store of
         --check-claims synthetic claims, in a fresh process each: today's path (every stored
         claim read: load_tables().claims) and the store-aware path the upload page and
         `python -m loaders import` use (loaders.sheets.stored: only the stored facts the sheet
         can collide with).
Targets (issue 15): the last commit within 2x the first; cold start within 1.5x of one batch;
the check under 0.5 GB extra. Prints; asserts nothing. --skip history,cold,check leaves parts out.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- history: many small commits -----------------------------------------------------------

def small_batches(n_batches: int, per: int, seed: int = 0):
    """(name, sha256, tables) of each small batch: consecutive runs of `per` synthetic claims
    with the documents, communities and initiatives of their documents."""
    from loaders.synth import make_synthetic
    t = make_synthetic(n_batches * per, seed)
    claims = t["claims"]
    for i in range(n_batches):
        part = claims.iloc[i * per:(i + 1) * per]
        docs = set(part["doc"])
        tables = {"claims": part}
        for name in ("documents", "communities", "initiatives"):
            frame = t[name]
            tables[name] = frame[frame["doc"].isin(docs)]
        sha = hashlib.sha256(f"bench-history-{seed}-{i}".encode()).hexdigest()
        yield f"月报-{i + 1:04d}.txt", sha, tables


def run_history(root: Path, n_batches: int, per: int) -> dict:
    from loaders.imports import commit_article
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    times = []
    start = time.perf_counter()
    for i, (name, sha, tables) in enumerate(small_batches(n_batches, per)):
        t = time.perf_counter()
        commit_article(name, sha, tables, "基准测试", root, now=t0 + timedelta(hours=i))
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    return {"batches": n_batches, "per": per, "first_s": times[0], "last_s": times[-1],
            "first10_median_s": statistics.median(times[:10]),
            "last10_median_s": statistics.median(times[-10:]), "commits_total_s": sum(times),
            "total_s": total}


def one_batch_copy(many: Path, one: Path) -> None:
    """The same claims (and other tables) as the many-batch store, committed as one batch."""
    from loaders.store import commit_batch, load_tables
    t = load_tables(many)
    commit_batch("one-batch", {"claims": t.claims, "documents": t.documents,
                               "communities": t.communities, "initiatives": t.initiatives},
                 {"kind": "synthetic", "file": "all", "uploader": "基准测试",
                  "time": "2024-01-01T00:00:00+00:00"}, one)


def measure_cold(store: str) -> dict:
    """In a fresh process: read the store and build the overview once."""
    from ui.dataset import load_dataset
    from ui.overview import build_overview
    from ui.queries import Filters
    t = time.perf_counter()
    ds = load_dataset(store)
    load = time.perf_counter() - t
    t = time.perf_counter()
    view = build_overview(ds, Filters())
    return {"load_s": load, "overview_s": time.perf_counter() - t,
            "cold_s": load + time.perf_counter() - t, "facts": view.counts.facts,
            "claims": len(ds.numbers)}


def _child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold(store: Path, repeat: int) -> dict:
    runs = [_child("cold", str(store)) for _ in range(repeat)]
    best = sorted(runs, key=lambda r: r["cold_s"])[len(runs) // 2]
    return best


def compact_store(root: Path) -> float | None:
    try:
        from loaders.store import compact
    except ImportError:
        return None
    t = time.perf_counter()
    compact(root)
    return time.perf_counter() - t


# ---- check: a 2,000-row sheet against a big store ------------------------------------------

SHEET_HEADERS = ("区县", "街道", "社区名称", "指标", "数量", "单位", "年份", "备注")


def write_sheet(store: Path, path: Path, rows: int, seed: int = 1) -> None:
    """`rows` rows over 100 of the store's communities: a tenth repeat a stored figure, the rest
    new figures; as a street office's monthly sheet."""
    import numpy as np
    import pyarrow.dataset as ds
    rng = np.random.default_rng(seed)
    files = sorted(store.glob("batches/*/claims.parquet"))
    sample = ds.dataset(files[:1]).to_table(
        columns=["district", "street", "community", "value", "unit", "period", "object"]
    ).to_pandas().dropna(subset=["community"])
    places = sample[["district", "street", "community"]].drop_duplicates().head(100)
    units = {"person_time": "人次", "household": "户", "event": "场次", "person": "人",
             "yuan": "元", "m2": "平方米", "organisation": "家", "item": "件"}
    sample = sample[sample["unit"].isin(list(units)) & sample["community"].isin(places["community"])]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SHEET_HEADERS)
        for i in range(rows):
            if i % 10 == 0:    # a stored figure again
                s = sample.iloc[int(rng.integers(0, len(sample)))]
                w.writerow([s["district"], s["street"], s["community"], s["object"],
                            f"{s['value']:g}", units[s["unit"]], s["period"], "重复报送"])
                continue
            p = places.iloc[int(rng.integers(0, len(places)))]
            unit = list(units.values())[int(rng.integers(0, len(units)))]
            w.writerow([p["district"], p["street"], p["community"], "服务居民",
                        int(rng.integers(1, 5000)) * 7 + 3, unit, "2025", f"第{i}行"])


def measure_check(store: str, sheet_path: str, how: str) -> dict:
    """In a fresh process: read the sheet, then check it against the store (`how`: "all" =
    every stored claim, today's path; "stored" = the store-aware path)."""
    from loaders.sheets import guess_mapping, read_sheet, validate
    from loaders.store import load_tables
    sheet = read_sheet(sheet_path)
    mapping = guess_mapping(sheet.headers)
    validate(sheet, mapping)   # warm the gazetteer and parsers: only the store part is measured
    before = _rss_mb()
    t = time.perf_counter()
    if how == "all":
        result = validate(sheet, mapping, known=load_tables(store).claims)
    else:
        from loaders.sheets.stored import stored_facts
        result = validate(sheet, mapping, known=stored_facts(store))
    elapsed = time.perf_counter() - t
    return {"how": how, "check_s": elapsed, "extra_mb": _peak_mb() - before,
            "rss_before_mb": before, "valid": len(result.valid_claims),
            "duplicates": 0 if result.duplicates is None else len(result.duplicates)}


def check(claims: int, store: Path | None, rows: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-check-"))
    store = store or tmp / "store"
    if not (store / "batches").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "loaders.synth", "--claims", str(claims),
                        "--out", str(store)], cwd=ROOT, check=True, capture_output=True)
        print(f"生成 {claims:,} 条合成数据：{time.perf_counter() - t:.1f} s（{store}）", flush=True)
    sheet = tmp / f"sheet-{rows}.csv"
    write_sheet(store, sheet, rows)
    out = {}
    for how in ("all", "stored"):
        try:
            out[how] = _child("check", str(store), str(sheet), how)
        except subprocess.CalledProcessError as err:
            out[how] = {"error": err.stderr.strip().splitlines()[-1] if err.stderr else str(err)}
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=1000)
    ap.add_argument("--per", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check-claims", type=int, default=1_000_000)
    ap.add_argument("--check-store", help="a synthetic store to reuse for the check (made if absent)")
    ap.add_argument("--rows", type=int, default=2000, help="rows of the checked sheet")
    ap.add_argument("--keep", help="keep the many-batch store here")
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out: history,cold,check")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        what, *rest = args.child
        print(json.dumps(measure_cold(*rest) if what == "cold" else measure_check(*rest)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    report: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-history-"))
    many = Path(args.keep) if args.keep else tmp / "many"
    try:
        if "history" not in skip:
            h = report["history"] = run_history(many, args.batches, args.per)
            print(f"{args.batches} 次提交（每批 {args.per} 条，经 loaders.imports）：第 1 次 "
                  f"{h['first_s'] * 1000:.0f} ms，第 {args.batches} 次 {h['last_s'] * 1000:.0f} ms；"
                  f"前 10 次中位数 {h['first10_median_s'] * 1000:.0f} ms，后 10 次中位数 "
                  f"{h['last10_median_s'] * 1000:.0f} ms（比 "
                  f"{h['last10_median_s'] / h['first10_median_s']:.2f}，目标 ≤ 2）；"
                  f"提交共 {h['commits_total_s']:.1f} s", flush=True)
            if "cold" not in skip:
                one = tmp / "one"
                one_batch_copy(many, one)
                c_many = cold(many, args.repeat)
                secs = compact_store(many)
                c_compact = cold(many, args.repeat) if secs is not None else None
                c_one = cold(one, args.repeat)
                report["cold"] = {"many": c_many, "one": c_one, "compact_s": secs,
                                  "compacted": c_compact}
                print(f"冷启动（读数据 + 首次总览，{args.repeat} 次中位数）：{args.batches} 个小批次 "
                      f"{c_many['cold_s']:.2f} s（读 {c_many['load_s']:.2f} s），同样数据一个批次 "
                      f"{c_one['cold_s']:.2f} s（读 {c_one['load_s']:.2f} s）；比 "
                      f"{c_many['cold_s'] / c_one['cold_s']:.2f}（目标 ≤ 1.5）", flush=True)
                if c_compact is not None:
                    print(f"压缩小批次 {secs:.1f} s；压缩后冷启动 {c_compact['cold_s']:.2f} s（读 "
                          f"{c_compact['load_s']:.2f} s），比 {c_compact['cold_s'] / c_one['cold_s']:.2f}",
                          flush=True)
        if "check" not in skip:
            c = report["check"] = check(args.check_claims,
                                        Path(args.check_store) if args.check_store else None,
                                        args.rows)
            for how, label in (("all", "读取全部已有数据（改前的做法）"),
                               ("stored", "只读可能重复的已有数据")):
                r = c[how]
                if "error" in r:
                    print(f"检查 {args.rows} 行表格，{label}：不可用（{r['error']}）")
                    continue
                print(f"检查 {args.rows} 行表格（已有 {args.check_claims:,} 条），{label}："
                      f"额外内存 {r['extra_mb']:.0f} MB，{r['check_s']:.2f} s，发现重复 "
                      f"{r['duplicates']} 条（目标 < 512 MB）", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
