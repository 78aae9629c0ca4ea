"""Instructions per extraction, counted by valgrind (wall time on a shared machine is noise;
instruction counts repeat to a few parts in a thousand).

    .venv/bin/python benchmarks/bench_extract_instructions.py [--tree DIR ...] [--stage all]

For each source tree (default: this one; give an older checkout, e.g. one made by
`git worktree add --detach /tmp/base 156bfba`, to compare in the same session) it runs
`valgrind --tool=callgrind` twice on the same 70 KB text of the seeds' paragraphs (400 drawn
with a fixed seed), `PYTHONHASHSEED=0`, after one warm-up extraction: once extracting it 0
times, once 2 times. One extraction = (count of 2 − count of 0) / 2, so start-up and imports
cancel out. --stage counts one part only: `repair` (OCR and script repair), `quant` (the
quantity scan), `attr` (the places of the text) or `all` (extract_text). Needs valgrind
(`apt-get install valgrind`); each tree takes a few minutes.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside the tree measured: only names every version of the loaders has.
CHILD = r"""
import random, sys
from pathlib import Path
sys.path.insert(0, ".")
from loaders.extract import extract_text
from loaders.textnorm import repair
from loaders.quantities import find_quantities
paras = [p for f in sorted(Path(sys.argv[3]).glob("*.txt"))
         for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
rng = random.Random(1)
text = "\n\n".join(rng.choice(paras) for _ in range(400))
extract_text("warm-up", text[:20000])
work = repair(text).text
stage = sys.argv[1]
if stage == "attr":
    from loaders.attribution import Attribution
run = {"repair": lambda: repair(text), "quant": lambda: find_quantities(work),
       "attr": lambda: Attribution(work), "all": lambda: extract_text("x", text)}[stage]
for _ in range(int(sys.argv[2])):
    run()
"""


def count(tree: Path, stage: str, runs: int, seeds: Path) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        child = Path(tmp) / "child.py"
        child.write_text(CHILD, encoding="utf-8")
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, str(child), stage, str(runs), str(seeds)],
            cwd=tree, env=env, capture_output=True, text=True)
    found = re.search(r"Collected\s*:\s*([\d,]+)", done.stderr)
    if done.returncode or not found:
        sys.exit(f"valgrind failed in {tree}:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", help="source tree to measure (repeatable)")
    ap.add_argument("--stage", default="all", choices=["all", "repair", "quant", "attr"])
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    args = ap.parse_args()
    trees = [Path(t).resolve() for t in (args.tree or [ROOT])]
    first = None
    for tree in trees:
        per_run = (count(tree, args.stage, 2, Path(args.seeds).resolve())
                   - count(tree, args.stage, 0, Path(args.seeds).resolve())) / 2
        first = first or per_run
        print(f"{tree}  {args.stage}  {per_run / 1e6:.1f} M instructions per extraction  "
              f"{per_run / first:.2f}x the first tree", flush=True)


if __name__ == "__main__":
    main()
