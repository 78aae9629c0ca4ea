"""How well and how fast photographed and scanned newspaper pages are read (loaders.ocr).

    .venv/bin/python benchmarks/bench_ocr.py [--pages 3] [--json] [--keep DIR]

Renders --pages newspaper-like A4 pages at 150 dpi (benchmarks/newspaper.py: article text this
benchmark writes itself, never the seed articles; a headline, two or three columns, a photo
with a caption, Noto CJK), then reads them the way an upload is read (loaders.readers):
  clean-png   the rendered page as a PNG
  noisy-png   turned by up to 2°, blurred, grainy, JPEG-compressed, as a phone photo
  scan-pdf    the noisy pages in one image-only PDF (no text layer), rendered by pypdfium2
and reports, per kind: character accuracy (1 − edit distance / length, whitespace ignored,
against the text in reading order), the share of figures (value and unit, by
loaders.quantities) read right, and seconds per page (median; wall clock, and CPU time of all
threads, which depends less on what else the machine is doing). Targets: ≥ 98 % of figures on
clean pages, ≥ 95 % on noisy ones. Prints; asserts nothing (tests/test_ocr.py holds a bound).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.newspaper import char_accuracy, figures_right, image_pdf, make_page, png_bytes  # noqa: E402
from loaders.readers import read_bytes  # noqa: E402


def run(pages: int, keep: Path | None = None) -> dict:
    from loaders.ocr import engine

    engine()   # loading the models is not part of a page's time
    clean = [make_page(100 + i, columns=3 if i % 2 == 0 else 2) for i in range(pages)]
    noisy = [make_page(100 + i, columns=3 if i % 2 == 0 else 2, noisy=True) for i in range(pages)]
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        for i, (c, n) in enumerate(zip(clean, noisy)):
            c.image.save(keep / f"clean-{i}.png")
            n.image.save(keep / f"noisy-{i}.jpg", quality=70)
    results = {}
    for kind, items in (("clean-png", [(png_bytes(p.image), "p.png", [p]) for p in clean]),
                        ("noisy-png", [(png_bytes(p.image), "p.png", [p]) for p in noisy]),
                        ("scan-pdf", [(image_pdf([p.image for p in noisy]), "s.pdf", noisy)])):
        accuracy, right, total, seconds, cpu = [], 0, 0, [], []
        for data, name, truth in items:
            start, start_cpu = time.perf_counter(), time.process_time()
            doc = read_bytes(data, name, max_bytes=1 << 30)
            seconds.append((time.perf_counter() - start) / len(truth))
            cpu.append((time.process_time() - start_cpu) / len(truth))
            full_truth = "\n".join(p.text for p in truth)
            accuracy.append(char_accuracy(doc.text, full_truth))
            r, t = figures_right(doc.text, full_truth)
            right, total = right + r, total + t
        results[kind] = {"pages": sum(len(i[2]) for i in items),
                         "char_accuracy": round(statistics.mean(accuracy), 4),
                         "figures_right": right, "figures": total,
                         "figure_share": round(right / total, 4) if total else None,
                         "seconds_per_page": round(statistics.median(seconds), 2),
                         "cpu_seconds_per_page": round(statistics.median(cpu), 2)}
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="save the rendered pages here")
    args = ap.parse_args()
    results = run(args.pages, args.keep)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    print("| pages | kind | character accuracy | figures right | seconds / page | CPU seconds / page |")
    print("|---|---|---|---|---|---|")
    for kind, r in results.items():
        print(f"| {r['pages']} | {kind} | {r['char_accuracy']:.2%} | {r['figures_right']}/{r['figures']} "
              f"({r['figure_share']:.1%}) | {r['seconds_per_page']:.1f} | {r['cpu_seconds_per_page']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
