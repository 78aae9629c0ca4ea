"""Throughput and peak memory of the whole article pipeline on a ≥20 MB corpus built from the seeds.

    .venv/bin/python benchmarks/bench_extract.py [--mb 20] [--files 10] [--seeds ../shared/seeds]

The corpus is the seeds' paragraphs shuffled (fixed seed) into --files files. Reported: MB/s of the
pipeline (read → OCR repair → quantities → places → programme/status), on one core, and peak RSS;
and, as a baseline measured in the same run on the same text, Python's `re` scanning for numerals.
The ratio (pipeline / baseline time) is what to compare across machines; no test asserts timing.
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders.pipeline import extract_file  # noqa: E402


def build_corpus(seeds: Path, out: Path, mb: float, files: int) -> list[Path]:
    paras = [p for f in sorted(seeds.glob("*.txt"))
             for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    rng = random.Random(20261121)
    target = int(mb * 1024 * 1024 / files)
    paths = []
    for i in range(files):
        chunks, size = [], 0
        while size < target:
            p = rng.choice(paras)
            chunks.append(p)
            size += len(p.encode("utf-8")) + 2
        path = out / f"corpus_{i:02d}.txt"
        path.write_text("\n\n".join(chunks), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--seeds", default=str(Path(__file__).resolve().parents[2] / "shared" / "seeds"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = build_corpus(Path(args.seeds), Path(tmp), args.mb, args.files)
        total = sum(p.stat().st_size for p in paths) / 1024 / 1024

        t0 = time.perf_counter()
        numerals = re.compile(r"[0-9０-９]+|[一二两三四五六七八九十百千万亿]+")
        hits = sum(len(numerals.findall(p.read_text(encoding="utf-8"))) for p in paths)
        base = time.perf_counter() - t0

        t0 = time.perf_counter()
        claims = sum(len(extract_file(p)[1].claims) for p in paths)
        took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus        {total:.1f} MB in {len(paths)} files")
    print(f"baseline re   {base:.2f} s  {total / base:.1f} MB/s  ({hits} numeral runs)")
    print(f"pipeline      {took:.2f} s  {total / took:.2f} MB/s  ({claims} claims)")
    print(f"ratio         pipeline takes {took / base:.1f}x the baseline scan")
    print(f"peak RSS      {peak:.0f} MB")


if __name__ == "__main__":
    main()
