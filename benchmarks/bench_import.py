"""How fast a large organiser's spreadsheet is imported: read, validate, commit, end to end.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--repeat 3] [--keep DIR]

Writes a --rows-row .xlsx shaped like the upload template (real districts and streets, made-up
communities, figures with and without units, a few bad rows) into a temporary folder, then times
  baseline  openpyxl (read_only, data_only) reading every cell value: what a plain reader costs
  read      loaders.sheets.read_sheet (in process, as `python -m loaders import`)
  isolated  loaders.sheets.read_sheets_isolated (in a child with memory/time limits, as the
            upload page reads)
  validate  guess_mapping + validate against the empty store
  commit    sheet_tables + commit_batch into a fresh temporary store
  total     all of the above in one go, as `python -m loaders import` does them
each the median of --repeat runs, each in a fresh process (cold caches, as after a restart), and
the peak RSS of those processes. The ratio total / baseline is what
to compare across machines; the target is total ≤ 5 s for 100 000 rows. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders.places import Gazetteer  # noqa: E402
from loaders.programmes import programme_labels  # noqa: E402
from loaders.sheets import (guess_mapping, read_sheet, read_sheets_isolated,  # noqa: E402
                            sheet_tables, validate)
from loaders.store import commit_batch  # noqa: E402

HEADERS = ("区县", "街道", "社区名称", "指标", "数量", "单位", "项目类型", "状态", "年份", "备注")
# (object, unit text, typical value)
FIGURES = (("服务居民", "人次", 3000), ("惠及家庭", "户", 200), ("开展活动", "场", 40),
           ("志愿者", "人", 300), ("撬动资金", "万元", 20), ("改造空间", "平方米", 800),
           ("培育社会组织", "家", 6), ("解决民生问题", "件", 120))
NAME_CHARS = "和平安康福祥瑞兴盛华新民乐锦荷花桂香玉林石羊马牛青龙凤凰泉水桥亭湾府城南北东西长春"


def sheet_rows(n: int, seed: int = 0) -> list[tuple]:
    """`n` data rows: ~3 % with a mistake an organiser makes (unknown street, no unit, a word
    for a number), the rest valid; a few hundred communities, so names repeat as in real sheets."""
    rng = np.random.default_rng(seed)
    g = Gazetteer.load()
    streets = sorted((s, ds[0]) for s, ds in g.street_districts.items() if len(ds) == 1)
    communities = ["".join(rng.choice(list(NAME_CHARS), 2)) + "社区" for _ in range(600)]
    labels = list(programme_labels().values())
    street_i = rng.integers(0, len(streets), n)
    comm_i = rng.integers(0, len(communities), n)
    fig_i = rng.integers(0, len(FIGURES), n)
    scale = np.exp(rng.normal(0, 0.8, n))
    mistake = rng.random(n)
    rows = []
    for i in range(n):
        street, district = streets[street_i[i]]
        obj, unit, typical = FIGURES[fig_i[i]]
        value: object = max(1, int(typical * scale[i]))
        if i % 4 == 1:
            value = f"{value}余"          # text figures, as often typed
        if mistake[i] < 0.01:
            street = street[:-2] + "街"   # not in the gazetteer
        elif mistake[i] < 0.02:
            unit = None
        elif mistake[i] < 0.03:
            value = "若干"
        rows.append((district, street, communities[comm_i[i]], f"{obj}{i}", value, unit,
                     labels[i % len(labels)], "已完成" if i % 7 else "计划", 2020 + i % 6,
                     "台账" if i % 3 else None))
    return rows


def write_xlsx(path: Path, rows, headers=HEADERS) -> None:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def openpyxl_baseline(path: Path) -> int:
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(r) for r in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return cells


def measure(path: Path, store: Path) -> dict:
    """Runs in a fresh child process, so every cache starts cold as after a restart of the app
    (module imports are done first and not counted)."""
    t = time.perf_counter()
    cells = openpyxl_baseline(path)
    base = time.perf_counter() - t
    t0 = time.perf_counter()
    sheet = read_sheet(path)
    t1 = time.perf_counter()
    result = validate(sheet, guess_mapping(sheet.headers))
    t2 = time.perf_counter()
    commit_batch("bench", sheet_tables(sheet, result, "bench"),
                 {"kind": "sheet", "file": sheet.name}, store)
    t3 = time.perf_counter()
    read_sheets_isolated(path.read_bytes(), path.name)
    iso = time.perf_counter() - t3
    return {"baseline": base, "read": t1 - t0, "validate": t2 - t1, "commit": t3 - t2,
            "total": t3 - t0, "isolated": iso, "total_isolated": iso + t3 - t1, "cells": cells, "rows": len(sheet.rows),
            "valid": len(result.valid_claims), "problems": len(result.problems),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the generated .xlsx here instead of a temporary folder")
    ap.add_argument("--child", nargs=2, metavar=("XLSX", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), Path(args.child[1]))))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path = Path(args.keep or tmp) / f"import-{args.rows}.xlsx"
        t = time.perf_counter()
        write_xlsx(path, sheet_rows(args.rows))
        made = time.perf_counter() - t
        size = path.stat().st_size / 1024 / 1024
        runs = []
        for i in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", str(path),
                                  str(Path(tmp) / f"store-{i}")],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    base = med["baseline"]
    print(f"file      {args.rows:,} rows × {len(HEADERS)} columns, {size:.1f} MB .xlsx "
          f"(generated in {made:.1f} s)")
    print(f"rows      {med['rows']:,.0f} read, {med['valid']:,.0f} valid, "
          f"{med['problems']:,.0f} problems")
    print(f"{'step (fresh process each run)':<36}{'median s':>9}{'÷ baseline':>12}"
          f"   runs: {args.repeat}")
    for label, key in (("baseline: openpyxl read-only, values", "baseline"),
                       ("read_sheet (python-calamine)", "read"),
                       ("guess_mapping + validate", "validate"),
                       ("sheet_tables + commit_batch", "commit"),
                       ("end to end (read+validate+commit)", "total"),
                       ("read in a child (upload page)", "isolated"),
                       ("end to end, upload page", "total_isolated")):
        print(f"{label:<36}{med[key]:>9.2f}{med[key] / base:>12.2f}")
    print(f"target    end to end ≤ 5 s: {'met' if med['total'] <= 5 else 'NOT met'} "
          f"({med['rows'] / med['total']:,.0f} rows/s)")
    print(f"peak RSS  {max(r['rss_mb'] for r in runs):.0f} MB (largest of the runs)")
    print(json.dumps({**med, "total_over_baseline": med["total"] / base}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
