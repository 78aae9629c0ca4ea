"""The overview's figures from the batches' rollups (loaders/rollups.py explains the grain), not
from the claims: the rollups summed over batches and held as integer-coded arrays. No Streamlit.

`Cubes.answers(filters)` says whether the rollups give a view exactly; the figures then come out
as ui.aggregate makes them from the claims (ui/cube_figures.py; tests/test_cubes.py compares the
two on random stores). Reading the store's rollups and keeping their sum: ui/cube_store.py.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.rollups import (FLAGS, GRAINS, SOURCE_COLUMNS, cited_documents, first_mentions,
                             rollup_rows)
from loaders.schema import TABLES

from .groups import Keys

# filters the rollups answer (loaders/rollups.py: they never split a fact, and are in every grain)
ANSWERED = ("district", "status", "batch")
KEYS = tuple(c.name for c in TABLES["rollups"] if c.type == pa.string())
# the district and programme pages and the slides: the place filters too (ui/unit_figures.py)
ANSWERED_PLACES = (*ANSWERED, "street", "community")
STOCK_PLACE = ("status", "indicator", "unit", "district", "street", "community")
ADDED = ("cells", "units", "programme_places")     # cubes whose measures add up over batches
# what the slides name their sources by (Cubes.sources): of the facts, per place and status
SOURCE_KEYS = ("doc", "batch_id", "status", "indicator", "district", "street", "community")
PLACE_FILTERS = {"district": "district", "street": "street", "community": "community",
                 "status": "status"}


# ---- summing over batches ---------------------------------------------------------------------

def _categorical(s: pd.Series) -> pd.Categorical:
    """A column as a categorical with object categories (those of every part alike)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.cat.codes.to_numpy(), np.asarray(s.cat.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(s.astype("object"), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques, dtype=object),
                                                                dtype=object))


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
            cats = [_categorical(p[name]) for p in parts]
            out[name] = union_categoricals(cats, ignore_order=True) if len(cats) > 1 else cats[0]
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
    for cube in ADDED:
        part = rows[(rows["cube"] == cube).to_numpy()]
        out, group, n = _grouped(part, GRAINS[cube])
        for m in ("mentions", "facts", *FLAGS):
            out[m] = np.bincount(group, weights=_num(part, m), minlength=n).astype("int64")
        out["value"] = np.bincount(group, weights=np.nan_to_num(_num(part, "value")), minlength=n)
        low, high = np.full(n, np.nan), np.full(n, np.nan)
        np.fmin.at(low, group, _num(part, "low"))
        np.fmax.at(high, group, _num(part, "high"))
        out["low"], out["high"] = low, high
        parts.append(out.assign(cube=cube))

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
        """Positions of the rows the place and status filters keep (Cubes.answers says which
        filters a cube without a place column answers)."""
        mask = np.ones(self.n, dtype=bool)
        for name in ("district", "street", "community", "status"):
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
    _later: dict = field(default_factory=dict, repr=False)   # cubes made on first use

    @property
    def units(self) -> Cube:
        """The cells with the full place and without the programme (ui/unit_figures.py)."""
        return self._made("units")

    @property
    def programme_places(self) -> Cube:
        return self._made("programme_places")

    def _made(self, cube: str) -> Cube:
        # made on first use: the overview never needs them (a race makes the same cube twice)
        if not isinstance(self._later.get(cube), Cube):
            self._later[cube] = Cube(self._later[cube], GRAINS[cube], MEASURES)
        return self._later[cube]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> "View":
        codes, names = pd.factorize(rows["cube"])   # once, not a string compare per cube
        names = list(names)
        part = {cube: rows.iloc[np.flatnonzero(codes == (names.index(cube) if cube in names
                                                           else -2))].reset_index(drop=True)
                for cube in (*ADDED, "stocks", "places", "docs", "values")}
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
                   _cells=(cells, np.array(flat, dtype="int64"), np.array(starts, dtype="int64")),
                   _later={c: part[c] for c in ("units", "programme_places")})

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
    _read_sources: Callable | None = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answers(self, filters, answered=ANSWERED) -> bool:
        """Whether the rollups give this view exactly (loaders/rollups.py says which filters):
        the overview's cubes answer ANSWERED, those with the full place ANSWERED_PLACES."""
        if not set(filters.active()) <= set(answered):
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

    def sources(self, filters) -> pd.DataFrame:
        """SOURCE_KEYS of the facts the place, status and batch filters keep (distinct rows):
        the documents behind the figures are read from the claims on demand, those columns only
        and the filters pushed down (the slides name their sources by them)."""
        return self._read_sources(filters)

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


def pushed_filters(filters) -> list[tuple[str, str, list]]:
    """The place and status filters as loaders.store.read_table takes them."""
    return [(col, "in", list(getattr(filters, name))) for name, col in PLACE_FILTERS.items()
            if getattr(filters, name)]


def distinct_sources(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[list(SOURCE_KEYS)]
    return frame[~frame.duplicated().to_numpy()]


def fact_sources(claims: pd.DataFrame, filters) -> pd.DataFrame:
    """Cubes.sources of claims in memory (SOURCE_COLUMNS, every claim of their batches in
    store order): their facts' first mentions the filters keep."""
    facts = claims[first_mentions(claims)]
    keep = np.ones(len(facts), dtype=bool)
    for col, _, values in [*pushed_filters(filters), ("batch_id", "in", list(filters.batch))]:
        if values:
            keep &= facts[col].isin(values).to_numpy()
    return distinct_sources(facts[keep])


def cubes_of_claims(claims: pd.DataFrame, batch_ids: list[str], others=()) -> Cubes:
    """Cubes of claims already in memory (in store order), facts taken across all of them;
    `others`: the same batches' communities, initiatives and documents tables."""
    tables = dict(zip(("communities", "initiatives", "documents"), others))
    rows = rollup_rows(claims[list(SOURCE_COLUMNS)], cited_documents({"claims": claims, **tables}))
    together = shared_batches(pd.concat([claims[["doc", "batch_id"]], *tables.values()]))
    return Cubes(combined=View.of(collapse(rows, batch_ids)), batch_ids=batch_ids,
                 together=together,
                 _batch_rows=lambda chosen: rows[rows["batch_id"].isin(chosen).to_numpy()],
                 _read_sources=lambda filters: fact_sources(claims[list(SOURCE_COLUMNS)], filters))


def shared_batches(pairs: pd.DataFrame) -> set[str]:
    """Of (doc, batch_id) pairs, the batches holding a document another batch holds too."""
    pairs = pairs[["doc", "batch_id"]].astype("object").dropna().drop_duplicates()
    return set(pairs.loc[pairs["doc"].duplicated(keep=False).to_numpy(), "batch_id"])
