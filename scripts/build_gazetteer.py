"""Build loaders/data/gazetteer.csv from the 2023 division list and the hand-kept overrides.

    .venv/bin/python scripts/build_gazetteer.py [--divisions CSV] [--out CSV]

The division list is ../shared/data/chengdu_divisions_2023.csv (see its README); the overrides
are loaders/data/gazetteer_overrides.yaml (district types and aliases, the functional areas'
streets, added and renamed units). The output has one row per unit: level (district / street /
community), name, aliases ("|"-separated), street, district, type and the statistical code.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DIVISIONS = REPO.parent / "shared" / "data" / "chengdu_divisions_2023.csv"
OVERRIDES = REPO / "loaders" / "data" / "gazetteer_overrides.yaml"
OUT = REPO / "loaders" / "data" / "gazetteer.csv"
COLUMNS = ("level", "name", "aliases", "street", "district", "type", "code")


def build(divisions: Path, overrides: Path) -> list[dict]:
    rows = list(csv.DictReader(divisions.open(encoding="utf-8")))
    over = yaml.safe_load(overrides.read_text(encoding="utf-8"))
    moved = {street: area for area, parents in over["functional_areas"].items()
             for streets in parents.values() for street in streets}
    known_streets = {r["name"] for r in rows if r["level"] == "street"}
    missing = sorted(set(moved) - known_streets)
    if missing:
        raise SystemExit(f"functional_areas 中的街道不在区划表中：{'、'.join(missing)}")
    renamed = over.get("rename") or {}
    old_names: dict[str, list[str]] = {}
    for old, new in renamed.items():
        old_names.setdefault(new, []).append(old)

    out = [{"level": "district", "name": d["name"], "aliases": "|".join(d.get("aliases") or ()),
            "street": "", "district": d["name"], "type": d["type"], "code": ""}
           for d in over["districts"]]
    codes = {r["name"]: r["code"] for r in rows if r["level"] == "district"}
    for row in out:
        row["code"] = codes.get(row["name"], "")
    district_of_street = {}
    for r in rows:
        if r["level"] != "street":
            continue
        name = renamed.get(r["name"], r["name"])
        district = moved.get(r["name"], r["district"])
        district_of_street[r["name"]] = district_of_street[name] = (name, district)
        out.append({"level": "street", "name": name, "aliases": "|".join(old_names.get(name, ())),
                    "street": "", "district": district, "type": "", "code": r["code"]})
    for s in over.get("add_streets") or ():
        district_of_street[s["name"]] = (s["name"], s["district"])
        out.append({"level": "street", "name": s["name"], "aliases": "", "street": "",
                    "district": s["district"], "type": "", "code": ""})
    for r in rows:
        if r["level"] != "community":
            continue
        name = renamed.get(r["name"], r["name"])
        street, district = district_of_street[r["street"]]
        out.append({"level": "community", "name": name,
                    "aliases": "|".join(old_names.get(name, ())),
                    "street": street, "district": district, "type": "", "code": r["code"]})
    for c in over.get("add_communities") or ():
        street, district = district_of_street[c["street"]]
        out.append({"level": "community", "name": c["name"], "aliases": "", "street": street,
                    "district": district, "type": "", "code": ""})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--divisions", default=str(DIVISIONS))
    ap.add_argument("--overrides", default=str(OVERRIDES))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    rows = build(Path(args.divisions), Path(args.overrides))
    out = Path(args.out)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(out)
    levels = {lv: sum(r["level"] == lv for r in rows) for lv in ("district", "street", "community")}
    print(f"{out}: {levels}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
