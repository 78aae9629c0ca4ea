"""The overview's figures from the batches' rollups (loaders/rollups.py explains the grain), not
from the claims. No Streamlit here.

Every live batch's rollup (made at commit; made here for a batch stored without one, such as
the shipped default data) is summed over the batches once per store version: a few thousand
rows however many claims and batches there are, kept beside the store (`rollups-cache/`) so a
fresh app process starts from it. The few batches whose facts reach across batches (two batches
holding one document, claims replaced by a later batch) are rolled up again together from
their claims. A batch filter sums the chosen batches' rollups when it is set. `answers(filters)`
says whether the rollups give a view exactly; the figures then come out as ui.aggregate makes
them from the claims (tests/test_cubes.py compares the two on random stores).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.indicators import aggregation_of
from loaders.rollups import FLAGS, GRAINS, SOURCE_COLUMNS, cited_documents, rollup_rows
from loaders.schema import TABLES, arrow_schema, conform

from .aggregate import ADDITIVE, SPREAD, TOTAL_COLUMNS, order_indicators
from .groups import Keys, qualifier_of

# filters the rollups answer (loaders/rollups.py: they never split a fact, and are in every grain)
ANSWERED = ("district", "status", "batch")
KEYS = tuple(c.name for c in TABLES["rollups"] if c.type == pa.string())
STOCK_PLACE = ("status", "indicator", "unit", "district", "street", "community")
CACHE = "rollups-cache"


# ---- reading ----------------------------------------------------------------------------------

def _table(rows) -> pd.DataFrame:
    return rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _claims(root, batch_ids: list[str], replaced: set[str]) -> tuple[pd.DataFrame, set]:
    """The claims (rollup columns) of some batches without the replaced ones, and the documents
    to name in their rollup (loaders.rollups.cited_documents)."""
    from loaders.store import read_table

    cols = [*SOURCE_COLUMNS, "claim_id"] if replaced else list(SOURCE_COLUMNS)
    frame = _table(read_table("claims", cols, batch_ids=batch_ids, root=root, dictionary=[
        c for c in cols if c not in ("value", "evidence_start", "claim_id")]))
    if replaced:
        frame = frame[~frame["claim_id"].isin(replaced).to_numpy()].drop(columns="claim_id")
    tables = {t: read_table(t, ["doc"], batch_ids=batch_ids, root=root).to_pandas()
              for t in ("communities", "initiatives", "documents")}
    return frame.reset_index(drop=True), cited_documents({"claims": frame, **tables})


def read_batch_rollups(root, batch_ids: list[str]) -> pd.DataFrame:
    """The stored rollup rows of some batches; made from the claims for a batch without one."""
    from loaders.store import read_table

    stored = _table(read_table("rollups", batch_ids=batch_ids, root=root, dictionary=KEYS))
    have = set(stored["batch_id"].unique()) if len(stored) else set()
    parts = [stored]
    for b in batch_ids:   # one at a time: a batch's claims, never the store's, in memory
        if b not in have:
            parts.append(rollup_rows(*_claims(root, [b], set())))
    return _concat(parts)


def shared_batches(pairs: pd.DataFrame) -> set[str]:
    """Of (doc, batch_id) pairs, the batches holding a document another batch holds too."""
    pairs = pairs[["doc", "batch_id"]].astype("object").dropna().drop_duplicates()
    return set(pairs.loc[pairs["doc"].duplicated(keep=False).to_numpy(), "batch_id"])


def load_cubes(root, batches: pd.DataFrame, replaced: set[str]) -> "Cubes":
    """The cubes of the live `batches` of the store at `root` (loaders.store)."""
    ids = list(batches["batch_id"]) if "batch_id" in batches else []
    path = _cache_path(root, ids, replaced)
    combined, together = _read_cache(path)
    if combined is None:
        combined, together = _sum(root, ids, replaced, path)
        _write_cache(path, combined, {"ids": ids, "replaced": sorted(replaced),
                                      "together": sorted(together)})

    def batch_rows(chosen: list[str]) -> pd.DataFrame:
        rest = [b for b in chosen if b not in together]
        parts = [read_batch_rollups(root, rest)] if rest else []
        joint = [b for b in chosen if b in together]
        if joint:   # Cubes.answers: all of them or none
            parts.append(rollup_rows(*_claims(root, joint, replaced)))
        return _concat(parts)

    return Cubes(combined=View.of(combined), batch_ids=ids, together=set(together),
                 _batch_rows=batch_rows)


CHUNK = 8   # batches summed at a time: memory stays that of a few batches' rollups


def _sum(root, ids: list[str], replaced: set[str], path) -> tuple[pd.DataFrame, set]:
    """The rollups of the batches `ids` summed, and the batches rolled up together. Starts from
    the kept sum of an earlier store version when the batches since were only added."""
    from loaders.store import read_table

    named = _table(read_table("rollups", ["batch_id", "doc"], batch_ids=ids, root=root,
                              filters=[("cube", "==", "docs")]))
    have = set(named["batch_id"])
    made = {b: rollup_rows(*_claims(root, [b], set())) for b in ids if b not in have}
    # a document in two batches: its facts and its source may be in both
    docs = read_table("documents", ["doc", "batch_id"], batch_ids=ids, root=root).to_pandas()
    together = shared_batches(pd.concat([docs, named, *(r[(r["cube"] == "docs").to_numpy()]
                                                        for r in made.values())]))
    if replaced:
        hit = read_table("claims", ["batch_id"], batch_ids=ids, root=root,
                         filters=[("claim_id", "in", sorted(replaced))])
        together |= set(hit.column("batch_id").to_pylist())
    combined, done = (None, []) if together else _earlier_sum(path, ids, replaced)
    rest = [b for b in ids if b not in together and b not in set(done)]
    for i in range(0, len(rest), CHUNK):
        chunk = rest[i:i + CHUNK]
        stored = [b for b in chunk if b in have]
        parts = [combined, *([_table(read_table("rollups", batch_ids=stored, root=root,
                                                dictionary=KEYS))] if stored else []),
                 *(made[b] for b in chunk if b in made)]
        combined = collapse(_concat(parts), ids)
    if together:
        joint = rollup_rows(*_claims(root, [b for b in ids if b in together], replaced))
        combined = collapse(_concat([combined, joint]), ids)
    if combined is None:
        combined = collapse(rollup_rows(pd.DataFrame()), ids)
    return combined, together


def _earlier_sum(path: Path | None, ids: list[str], replaced: set[str]):
    """The kept sum of the longest earlier batch list that `ids` only adds to: (rows, its ids)."""
    import pyarrow.parquet as pq
    if path is None or not path.parent.is_dir():
        return None, []
    best, best_ids = None, []
    for other in path.parent.glob("*.parquet"):
        try:
            meta = json.loads(pq.read_schema(other).metadata[b"sum"])
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
            continue
        n = len(meta["ids"])
        if (meta["ids"] == ids[:n] and n > len(best_ids) and not meta["together"]
                and set(meta["replaced"]) == set(replaced)):
            best, best_ids = other, meta["ids"]
    if best is None:
        return None, []
    rows, _ = _read_cache(best)
    return (rows, best_ids) if rows is not None else (None, [])


def _cache_path(root, ids, replaced) -> Path | None:
    from loaders.store import store_root

    folder = store_root(root)
    if not isinstance(folder, Path):
        return None   # a database store: summed in memory once per app process
    key = hashlib.sha256(json.dumps([ids, sorted(replaced)]).encode()).hexdigest()[:24]
    return folder / CACHE / f"{key}.parquet"


def _read_cache(path: Path | None) -> tuple[pd.DataFrame | None, set]:
    import pyarrow.parquet as pq
    if path is None:
        return None, set()
    try:
        table = pq.read_table(path, read_dictionary=list(KEYS))
        meta = json.loads((table.schema.metadata or {})[b"sum"])
        return _table(table), set(meta["together"])
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
        return None, set()


def _write_cache(path: Path | None, rows: pd.DataFrame, meta: dict) -> None:
    """Atomically; older sums go, but the one just before (the next sum may start from it)."""
    import pyarrow.parquet as pq
    if path is None:
        return
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        table = pa.Table.from_pandas(conform("rollups", rows), schema=arrow_schema("rollups"),
                                     preserve_index=False)
        table = table.replace_schema_metadata({"sum": json.dumps(meta)})
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-2]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


# ---- summing over batches ---------------------------------------------------------------------

def _concat(parts) -> pd.DataFrame:
    """Rollup rows of several reads as one frame, the key columns one categorical each (their
    categories united, not turned into strings) and the measures floats."""
    from pandas.api.types import union_categoricals

    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return rollup_rows(pd.DataFrame())
    out = {}
    for col in TABLES["rollups"]:
        name = col.name
        if name in KEYS:
            cats = [p[name] if isinstance(p[name].dtype, pd.CategoricalDtype) else
                    p[name].astype("object").where(p[name].notna(), None).astype("category")
                    for p in parts]
            out[name] = union_categoricals(cats, ignore_order=True) if len(cats) > 1 \
                else cats[0].array
        else:
            out[name] = np.concatenate([_num(p, name) for p in parts])
    return pd.DataFrame(out)


def _grouped(frame: pd.DataFrame, names) -> tuple[pd.DataFrame, np.ndarray, int]:
    keys = Keys.of(frame, list(names))
    key, _ = keys.key()
    uniq, inverse = np.unique(key, return_inverse=True)
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in keys.decode(uniq).items()})
    return out, inverse.reshape(-1), len(uniq)


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].to_numpy(dtype=float, na_value=np.nan)


def _period_rank(period: pd.Series) -> np.ndarray:
    """A number growing with the year (ui.aggregate._period_rank), -1 without one."""
    values = period.astype("object").where(period.notna(), None).to_numpy()
    cats = sorted({str(v) for v in values if v is not None})
    rank = {c: i for i, c in enumerate(cats)}
    return np.array([rank[str(v)] if v is not None else -1 for v in values], dtype="int64")


def collapse(rows: pd.DataFrame, batch_ids: list[str]) -> pd.DataFrame:
    """Rollup rows of some batches (or sums of them) summed into rows of the same form for all
    of them together: cells added, each place's stock chosen, places and documents kept once."""
    rank = {b: i for i, b in enumerate(batch_ids)}
    parts = []
    cells = rows[(rows["cube"] == "cells").to_numpy()]
    out, group, n = _grouped(cells, GRAINS["cells"])
    for m in ("mentions", "facts", *FLAGS):
        out[m] = np.bincount(group, weights=_num(cells, m), minlength=n).astype("int64")
    out["value"] = np.bincount(group, weights=np.nan_to_num(_num(cells, "value")), minlength=n)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    np.fmin.at(low, group, _num(cells, "low"))
    np.fmax.at(high, group, _num(cells, "high"))
    out["low"], out["high"] = low, high
    parts.append(out.assign(cube="cells"))

    stocks = rows[(rows["cube"] == "stocks").to_numpy()]
    if len(stocks):
        # rule 4 per place: the latest year, the largest figure, a tie to the last mention in
        # store order (batch, then row): ui.groups.last_per_group over the claims
        out, group, n = _grouped(stocks, STOCK_PLACE)
        batch = stocks["batch_id"].astype("object").map(rank).fillna(len(rank)).to_numpy()
        pick = np.lexsort((_num(stocks, "order"), batch, _num(stocks, "value"),
                           _period_rank(stocks["period"]), group))
        last = pick[np.r_[group[pick][1:] != group[pick][:-1], True]]
        for col in ("value", "qualifier", "period", "order", "batch_id"):
            out[col] = stocks[col].to_numpy()[last] if col != "value" else _num(stocks, col)[last]
        out["facts"] = np.bincount(group, weights=_num(stocks, "facts"), minlength=n) \
            .astype("int64")
        parts.append(out.assign(cube="stocks", mentions=0))

    for cube in ("places", "values"):
        part = rows[(rows["cube"] == cube).to_numpy()]
        out, group, n = _grouped(part, GRAINS[cube])
        parts.append(out.assign(cube=cube, mentions=np.bincount(
            group, weights=_num(part, "mentions"), minlength=n).astype("int64")))
    docs = rows[(rows["cube"] == "docs").to_numpy()]
    out, group, n = _grouped(docs, GRAINS["docs"])
    parts.append(out.assign(cube="docs", mentions=np.bincount(
        group, weights=_num(docs, "mentions"), minlength=n).astype("int64")))
    # "*": all the batches; a stock keeps the batch of its mention (a later sum breaks ties by it)
    out = pd.concat(parts, ignore_index=True)
    for col in TABLES["rollups"]:
        if col.name not in out:
            out[col.name] = None
    out["batch_id"] = out["batch_id"].astype("object").where(out["batch_id"].notna(), "*")
    return out[[c.name for c in TABLES["rollups"]]]


# ---- views ------------------------------------------------------------------------------------

class Cube:
    """One cube's rows as integer codes per key column and float measures: the overview filters
    and groups arrays of a few thousand rows, never DataFrame columns."""

    def __init__(self, frame: pd.DataFrame, keys, measures, extra=()):
        self.n = len(frame)
        self.codes, self.cats = {}, {}
        for k in keys:
            s = frame[k]
            if not isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype("object").where(s.notna(), None).astype("category")
            self.codes[k] = s.cat.codes.to_numpy().astype("int64")
            self.cats[k] = np.asarray(s.cat.categories, dtype=object)
        self.m = {m: _num(frame, m) for m in measures}
        self.extra = {e: frame[e].astype("object").where(frame[e].notna(), None).to_numpy()
                      for e in extra}

    def rows(self, filters) -> np.ndarray:
        """Positions of the rows the district and status filters keep."""
        mask = np.ones(self.n, dtype=bool)
        for name in ("district", "status"):
            values = getattr(filters, name)
            if values and name in self.codes:
                wanted = np.flatnonzero(np.isin(self.cats[name], list(values)))
                mask &= np.isin(self.codes[name], wanted)
        return np.flatnonzero(mask)

    def group(self, by, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, int]:
        """(the key columns of each group, as ui.groups.reduce gives them; the group of each of
        `rows`; the number of groups)."""
        key = np.zeros(len(rows), dtype="int64")
        for k in by:
            key = key * (len(self.cats[k]) + 1) + self.codes[k][rows] + 1
        uniq, inverse = np.unique(key, return_inverse=True)
        out, rest = {}, uniq
        for k in reversed(by):
            radix = len(self.cats[k]) + 1
            code = rest % radix - 1
            rest = rest // radix
            col = np.full(len(code), None, dtype=object)
            col[code >= 0] = self.cats[k][code[code >= 0]]
            out[k] = pd.Series(col, dtype=object)
        return pd.DataFrame({k: out[k] for k in by}), inverse.reshape(-1), len(uniq)

    def sum(self, m: str, rows, group, n) -> np.ndarray:
        return np.bincount(group, weights=np.nan_to_num(self.m[m][rows]), minlength=n)

    def notnull(self, col: str, rows) -> np.ndarray:
        return rows[self.codes[col][rows] >= 0]

    def equals(self, col: str, value, rows) -> np.ndarray:
        hit = np.flatnonzero(self.cats[col] == value)
        return rows[np.isin(self.codes[col][rows], hit)]

    def present(self, col: str, rows=None) -> set:
        codes = self.codes[col] if rows is None else self.codes[col][rows]
        return set(self.cats[col][np.unique(codes[codes >= 0])])


MEASURES = ("mentions", "facts", "value", "low", "high", *FLAGS)


@dataclass
class View:
    """Summed rollups of some batches, split by cube, ready to filter."""
    cells: Cube
    stocks: Cube
    places: Cube
    values: Cube                                 # the kinds and years that occur
    docs: pd.DataFrame                           # doc (None: counted only), cells, mentions
    _cells: tuple = ((), np.zeros(0, "int64"), np.zeros(0, "int64"))   # see docs_kept

    @classmethod
    def of(cls, rows: pd.DataFrame) -> "View":
        part = {cube: rows[(rows["cube"] == cube).to_numpy()].reset_index(drop=True)
                for cube in ("cells", "stocks", "places", "docs", "values")}
        docs = pd.DataFrame({"doc": part["docs"]["doc"].astype("object")
                             .where(part["docs"]["doc"].notna(), None).to_numpy(),
                             "mentions": _num(part["docs"], "mentions")})
        docs["named"] = docs["doc"].notna().to_numpy()
        # each docs row's cells as positions in one list of distinct cells (CSR): a filter keeps
        # a row when it keeps one of its cells, for all rows at once
        names: dict[str, int] = {}
        flat, starts = [], []
        for c in part["docs"]["cells"]:
            starts.append(len(flat))
            flat.extend(names.setdefault(x, len(names)) for x in str(c).split(";"))
        cells = [tuple(x.split("|", 1)) for x in names]
        return cls(cells=Cube(part["cells"], GRAINS["cells"], MEASURES),
                   stocks=Cube(part["stocks"], STOCK_PLACE, ("value",), ("qualifier",)),
                   places=Cube(part["places"], GRAINS["places"], ()),
                   values=Cube(part["values"], GRAINS["values"], ()), docs=docs,
                   _cells=(cells, np.array(flat, dtype="int64"), np.array(starts, dtype="int64")))

    def docs_kept(self, filters) -> np.ndarray:
        """Which docs rows the district and status filters keep."""
        cells, flat, starts = self._cells
        status, district = set(filters.status), set(filters.district)
        if not len(starts) or not (status or district):
            return np.ones(len(starts), dtype=bool)
        keep = np.array([(not status or s in status) and (not district or d in district)
                         for s, d in cells], dtype=bool)
        return np.logical_or.reduceat(keep[flat], starts)


@dataclass
class Scoped:
    """What a view's filters keep of the summed rollups (filters the rollups answer only):
    positions of the kept rows of each cube."""
    view: View
    cells: np.ndarray
    stocks: np.ndarray
    places: np.ndarray
    docs: np.ndarray           # documents cited by name that the filters keep
    doc_count: int             # documents counted without their names that the filters keep

    @property
    def facts(self) -> int:
        return int(self.view.cells.m["facts"][self.cells].sum())

    @property
    def mentions(self) -> int:
        return int(self.view.cells.m["mentions"][self.cells].sum())


@dataclass
class Cubes:
    combined: View                  # every live batch
    batch_ids: list[str]
    together: set[str]              # batches rolled up together (facts across batches)
    _batch_rows: Callable[[list[str]], pd.DataFrame] | None = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answers(self, filters) -> bool:
        """Whether the rollups give this view exactly (loaders/rollups.py says which filters)."""
        if not set(filters.active()) <= set(ANSWERED):
            return False
        # batches whose facts reach into other batches are only whole when all of them are in
        chosen = set(filters.batch)
        return not (chosen & self.together and not self.together <= chosen)

    def present(self, column: str) -> set:
        """The values a claims column takes in the store (the filters' options)."""
        if column == "batch_id":
            return set(self.batch_ids)
        if column == "doc":   # by name only those the communities and initiatives cite; the
            # others are in the documents table (every import lists its documents there)
            return set(self.combined.docs["doc"].dropna())
        cube = self.combined.places if column in ("street", "community") else \
            self.combined.values if column in ("kind", "period") else self.combined.cells
        return cube.present(column)

    def place_table(self) -> pd.DataFrame:
        """Every (district, street, community) the claims name."""
        places = self.combined.places
        return places.group(["district", "street", "community"], np.arange(places.n))[0]

    def view(self, batch: tuple[str, ...] = ()) -> View:
        if not batch:
            return self.combined
        chosen = [b for b in self.batch_ids if b in set(batch)]
        with self._lock:
            if tuple(chosen) not in self._views:
                self._views[tuple(chosen)] = View.of(collapse(self._batch_rows(chosen), chosen))
            return self._views[tuple(chosen)]

    def scoped(self, filters) -> Scoped:
        v = self.view(filters.batch)
        keep = v.docs_kept(filters)
        named = v.docs["named"].to_numpy()
        return Scoped(view=v, cells=v.cells.rows(filters), stocks=v.stocks.rows(filters),
                      places=v.places.rows(filters),
                      docs=v.docs["doc"].to_numpy()[keep & named],
                      doc_count=int(v.docs["mentions"].to_numpy()[keep & ~named].sum()))


def cubes_of_claims(claims: pd.DataFrame, batch_ids: list[str], others=()) -> Cubes:
    """Cubes of claims already in memory (in store order), facts taken across all of them;
    `others`: the same batches' communities, initiatives and documents tables."""
    tables = dict(zip(("communities", "initiatives", "documents"), others))
    rows = rollup_rows(claims[list(SOURCE_COLUMNS)], cited_documents({"claims": claims, **tables}))
    together = shared_batches(pd.concat([claims[["doc", "batch_id"]], *tables.values()]))
    return Cubes(combined=View.of(collapse(rows, batch_ids)), batch_ids=batch_ids,
                 together=together,
                 _batch_rows=lambda chosen: rows[rows["batch_id"].isin(chosen).to_numpy()])


# ---- the overview's figures -------------------------------------------------------------------

def totals(s: Scoped) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the scope's facts."""
    cube = s.view.cells
    rows = s.cells[cube.m["facts"][s.cells] > 0]
    if not len(rows):
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    out, group, n = cube.group(["status", "indicator", "per", "unit"], rows)
    sums = {m: cube.sum(m, rows, group, n) for m in ("facts", "value", *FLAGS)}
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    np.fmin.at(low, group, cube.m["low"][rows])
    np.fmax.at(high, group, cube.m["high"][rows])
    out["rule"] = [aggregation_of(i, p) for i, p in zip(out["indicator"], out["per"])]
    spread = out["rule"].isin(SPREAD).to_numpy()
    out["value"] = np.where(spread, high, sums["value"])
    out["low"] = np.where(spread, low, out["value"])
    out["qualifier"] = [qualifier_of(*t) for t in zip(*(sums[q] for q in FLAGS))]
    out["facts"] = sums["facts"].astype("int64")
    out["counted"] = np.where(spread, 0, out["facts"])
    st, rows = s.view.stocks, s.stocks
    if len(rows):
        picked, group, n = st.group(["status", "indicator", "unit"], rows)
        q = st.extra["qualifier"][rows]
        flags = [np.bincount(group, weights=(q == f), minlength=n) for f in FLAGS]
        found = {k: (v, qualifier_of(*fl), int(c)) for k, v, c, *fl in zip(
            zip(picked["status"], picked["indicator"], picked["unit"]),
            st.sum("value", rows, group, n), np.bincount(group, minlength=n), *flags)}
        hit = [found.get(k) if r == "stock" else None for k, r in
               zip(zip(out["status"], out["indicator"], out["unit"]), out["rule"])]
        out["value"] = [h[0] if h else v for h, v in zip(hit, out["value"])]
        out["qualifier"] = [h[1] if h else v for h, v in zip(hit, out["qualifier"])]
        out["counted"] = [h[2] if h else v for h, v in zip(hit, out["counted"])]
        out["low"] = np.where(spread, out["low"], out["value"])
    out = out[out["rule"].isin((*ADDITIVE, *SPREAD)).to_numpy()]
    return order_indicators(out)[TOTAL_COLUMNS]


def count_facts(s: Scoped, by: list[str]) -> pd.DataFrame:
    """ui.aggregate.count_facts of the scope's facts (groups with a null key left out)."""
    cube = s.view.cells
    rows = s.cells[cube.m["facts"][s.cells] > 0]
    for k in by:
        rows = cube.notnull(k, rows)
    if not len(rows):
        return pd.DataFrame(columns=[*by, "facts"])
    out, group, n = cube.group(by, rows)
    out["facts"] = cube.sum("facts", rows, group, n).astype("int64")
    return out


def district_programme(s: Scoped, indicator: str | None) -> pd.DataFrame:
    """ui.aggregate.district_programme_matrix of the scope's facts (for a stock indicator see
    `answers_heat`)."""
    if indicator is None:
        counts = count_facts(s, ["district", "programme"])
        if counts.empty:
            return pd.DataFrame()
        return counts.pivot(index="district", columns="programme", values="facts").fillna(0) \
            .astype("int64")
    cube = s.view.cells
    rows = cube.equals("status", "achieved", cube.equals("indicator", indicator, s.cells))
    rows = cube.notnull("district", rows[cube.m["facts"][rows] > 0])
    pers = np.r_[cube.cats["per"], None][cube.codes["per"][rows]]
    rows = rows[np.array([aggregation_of(indicator, p) in ADDITIVE for p in pers], dtype=bool)]
    if not len(rows):
        return pd.DataFrame()
    frame, group, n = cube.group(["district", "programme"], rows)
    frame["value"] = cube.sum("value", rows, group, n)
    return frame.pivot_table(index="district", columns="programme", values="value",
                             aggfunc="sum").fillna(0)


def answers_heat(indicator: str | None) -> bool:
    """A stock's figure per district × programme needs each place's figure per programme, which
    the rollups do not keep: that view is made from the claims."""
    return indicator is None or aggregation_of(indicator) != "stock"


def place_table(s: Scoped) -> pd.DataFrame:
    """Distinct (district, street, community) of the scope's facts."""
    out, _, _ = s.view.places.group(["district", "street", "community"], s.places)
    return out
