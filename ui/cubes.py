"""The overview's figures from the batches' rollups (loaders/rollups.py explains the grain), not
from the claims: a few thousand rows per batch instead of every claim. No Streamlit here.

`load_cubes` reads each live batch's rollup (made at commit; made here, once per store version,
for a batch stored without one, such as the shipped default data) and rolls up again, together
and from their claims, the few batches whose facts reach across batches (two batches holding
the same document, claims replaced by a later batch). `answers(filters)` says whether the
rollups can answer a view exactly; the figures then come out exactly as ui.aggregate makes them
from the claims (tests/test_cubes.py compares the two on random stores).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.indicators import aggregation_of
from loaders.rollups import FLAGS, GRAINS, SOURCE_COLUMNS, rollup_rows
from loaders.schema import TABLES

from .aggregate import ADDITIVE, SPREAD, TOTAL_COLUMNS, order_indicators
from .groups import qualifier_of

# filters the rollups answer (loaders/rollups.py: they never split a fact, and are in every grain)
ANSWERED = ("district", "status", "batch")
KEYS = tuple(c.name for c in TABLES["rollups"] if c.type == TABLES["claims"][0].type)
MEASURES = ("mentions", "facts", "value", "low", "high", *FLAGS, "order")


def read_rollups(root, batch_ids: list[str], replaced: set[str]) -> tuple[pd.DataFrame, set[str]]:
    """Every batch's rollup rows (made on read where a batch has none) and the batches rolled up
    together from their claims."""
    from loaders.store import read_table

    stored = read_table("rollups", batch_ids=batch_ids, root=root, dictionary=KEYS) \
        .to_pandas(types_mapper={__import__("pyarrow").int64(): pd.Int64Dtype()}.get)
    have = set(stored["batch_id"].astype("object").unique()) if len(stored) else set()
    parts = [stored] if len(stored) else []
    for b in batch_ids:   # one at a time: a batch's claims, never the store's, in memory
        if b not in have:
            parts.append(rollup_rows(_claims(root, [b], set())))
    rows = pd.concat(parts, ignore_index=True) if parts else rollup_rows(pd.DataFrame())
    shared = shared_batches(rows)
    if replaced:
        hit = read_table("claims", ["batch_id"], batch_ids=batch_ids, root=root,
                         filters=[("claim_id", "in", sorted(replaced))])
        shared |= set(hit.column("batch_id").to_pylist())
    if shared:
        together = [b for b in batch_ids if b in shared]
        rows = pd.concat([rows[~rows["batch_id"].astype("object").isin(shared).to_numpy()],
                          rollup_rows(_claims(root, together, replaced))], ignore_index=True)
    return rows, shared


def _claims(root, batch_ids: list[str], replaced: set[str]) -> pd.DataFrame:
    from loaders.store import read_table

    cols = [*SOURCE_COLUMNS, "claim_id"] if replaced else list(SOURCE_COLUMNS)
    frame = read_table("claims", cols, batch_ids=batch_ids, root=root,
                       dictionary=[c for c in cols if c not in ("value", "evidence_start",
                                                                 "claim_id")]).to_pandas()
    if replaced:
        frame = frame[~frame["claim_id"].isin(replaced).to_numpy()].drop(columns="claim_id")
    return frame.reset_index(drop=True)


@dataclass
class View:
    """The rollups of some batches (all, or those a batch filter keeps), summed over batches."""
    cells: pd.DataFrame     # GRAINS["cells"] + mentions, facts, value, low, high, flags
    stocks: pd.DataFrame    # per status, indicator, unit and place: the figure a stock takes
    places: pd.DataFrame    # status, district, street, community that occur
    docs: pd.DataFrame      # status, district, doc that occur


@dataclass
class Cubes:
    rows: pd.DataFrame      # every live batch's rollup rows, `rank` = the batch's place in order
    together: set[str]      # batches rolled up together on read (facts across batches)
    _views: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, rows: pd.DataFrame, batch_ids: list[str], together=()) -> "Cubes":
        rows = rows.copy()
        for k in KEYS:
            if not isinstance(rows[k].dtype, pd.CategoricalDtype):
                rows[k] = rows[k].astype("object").astype("category")
        rank = {b: i for i, b in enumerate(batch_ids)}
        rows["rank"] = rows["batch_id"].astype("object").map(rank).to_numpy(dtype="int64")
        for m in MEASURES:
            rows[m] = rows[m].to_numpy(dtype=float, na_value=np.nan)
        return cls(rows=rows, together=set(together))

    def answers(self, filters) -> bool:
        """Whether the rollups give this view exactly (loaders/rollups.py says which filters)."""
        active = set(filters.active())
        if not active <= set(ANSWERED):
            return False
        # batches whose facts reach into other batches are only whole when all of them are in
        chosen = set(filters.batch)
        return not (chosen & self.together and not self.together <= chosen)

    def present(self, column: str) -> set:
        """The values a claims column takes in the store (for the filters' options)."""
        cube = "docs" if column == "doc" else "places" if column in ("street", "community") \
            else "cells"
        part = self.rows.loc[(self.rows["cube"] == cube).to_numpy(), column]
        return set(part.dropna().astype("object").unique())

    def view(self, batch: tuple[str, ...] = ()) -> View:
        key = tuple(sorted(batch))
        with self._lock:
            if key not in self._views:
                rows = self.rows
                if batch:
                    rows = rows[rows["batch_id"].isin(batch).to_numpy()]
                self._views[key] = _collapse(rows)
            return self._views[key]


def _part(rows: pd.DataFrame, cube: str) -> pd.DataFrame:
    return rows[(rows["cube"] == cube).to_numpy()]


def _collapse(rows: pd.DataFrame) -> View:
    keys = list(GRAINS["cells"])
    cells = _part(rows, "cells").groupby(keys, observed=True, dropna=False, sort=False).agg(
        mentions=("mentions", "sum"), facts=("facts", "sum"), value=("value", "sum"),
        low=("low", "min"), high=("high", "max"), **{q: (q, "sum") for q in FLAGS}).reset_index()
    stocks = _part(rows, "stocks")
    # rule 4 per place: the latest year, then the largest figure, a tie to the last mention in
    # store order (batch, then row): ui.groups.last_per_group over the claims
    period = stocks["period"].cat.codes.to_numpy()
    cats = np.array([str(c) for c in stocks["period"].cat.categories], dtype=object)
    rank = np.r_[np.argsort(np.argsort(cats)) if len(cats) else np.zeros(0, "int64"), -1][period]
    place = ["status", "indicator", "unit", "district", "street", "community"]
    order = stocks.assign(_year=rank).sort_values(["_year", "value", "rank", "order"],
                                                  kind="stable")
    chosen = order.drop_duplicates(place, keep="last")[[*place, "value", "qualifier"]]
    places = _part(rows, "places")[list(GRAINS["places"])].drop_duplicates()
    docs = _part(rows, "docs")[list(GRAINS["docs"])].drop_duplicates()
    return View(cells=cells, stocks=chosen.reset_index(drop=True),
                places=places.reset_index(drop=True), docs=docs.reset_index(drop=True))


def _keep(frame: pd.DataFrame, filters) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for name in ("district", "status"):
        values = getattr(filters, name)
        if values:
            mask &= frame[name].isin(values).to_numpy()
    return frame[mask]


@dataclass
class Scoped:
    """The rollups a view's filters keep (filters the rollups answer only)."""
    cells: pd.DataFrame
    stocks: pd.DataFrame
    places: pd.DataFrame
    docs: pd.DataFrame

    @property
    def facts(self) -> int:
        return int(self.cells["facts"].sum())

    @property
    def mentions(self) -> int:
        return int(self.cells["mentions"].sum())


def scoped(cubes: Cubes, filters) -> Scoped:
    v = cubes.view(filters.batch)
    return Scoped(*(_keep(f, filters) for f in (v.cells, v.stocks, v.places, v.docs)))


def _objects(frame: pd.DataFrame, cols) -> dict:
    """Columns as object Series with None for null, as ui.groups.reduce gives them."""
    return {c: pd.Series(frame[c].astype("object").where(frame[c].notna(), None).to_numpy(),
                         dtype=object) for c in cols}


def _qualifiers(frame: pd.DataFrame) -> list[str]:
    return [qualifier_of(*t) for t in zip(*(frame[q] for q in FLAGS))]


def totals(s: Scoped) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the scope's facts."""
    keys = ["status", "indicator", "per", "unit"]
    cells = s.cells[s.cells["facts"].to_numpy() > 0]
    if cells.empty:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    g = cells.groupby(keys, observed=True, dropna=False, sort=False).agg(
        facts=("facts", "sum"), value=("value", "sum"), low=("low", "min"), high=("high", "max"),
        **{q: (q, "sum") for q in FLAGS}).reset_index()
    out = pd.DataFrame(_objects(g, keys))
    out["rule"] = [aggregation_of(i, p) for i, p in zip(out["indicator"], out["per"])]
    spread = out["rule"].isin(SPREAD).to_numpy()
    out["value"] = np.where(spread, g["high"], g["value"])
    out["low"] = np.where(spread, g["low"], out["value"])
    out["qualifier"] = _qualifiers(g)
    out["facts"] = g["facts"].to_numpy(dtype="int64")
    out["counted"] = np.where(spread, 0, out["facts"])
    st = s.stocks
    if len(st):
        q = st.assign(**{f: (st["qualifier"] == f).to_numpy().astype("int64") for f in FLAGS})
        picked = q.groupby(["status", "indicator", "unit"], observed=True).agg(
            value=("value", "sum"), counted=("value", "size"),
            **{f: (f, "sum") for f in FLAGS}).reset_index()
        found = {(a, b, c): (v, qualifier_of(x, y, z), n) for a, b, c, v, n, x, y, z in zip(
            *(picked[k].astype("object") for k in ("status", "indicator", "unit")),
            picked["value"], picked["counted"], *(picked[f] for f in FLAGS))}
        hit = [found.get((a, b, c)) if r == "stock" else None for a, b, c, r in
               zip(out["status"], out["indicator"], out["unit"], out["rule"])]
        out["value"] = [h[0] if h else v for h, v in zip(hit, out["value"])]
        out["qualifier"] = [h[1] if h else v for h, v in zip(hit, out["qualifier"])]
        out["counted"] = [int(h[2]) if h else v for h, v in zip(hit, out["counted"])]
        out["low"] = np.where(out["rule"].isin(SPREAD).to_numpy(), out["low"], out["value"])
    out = out[out["rule"].isin((*ADDITIVE, *SPREAD)).to_numpy()]
    return order_indicators(out)[TOTAL_COLUMNS]


def count_facts(s: Scoped, by: list[str]) -> pd.DataFrame:
    """ui.aggregate.count_facts of the scope's facts (groups with a null key left out)."""
    cells = s.cells[(s.cells["facts"].to_numpy() > 0)
                    & s.cells[by].notna().all(axis=1).to_numpy()]
    if cells.empty:
        return pd.DataFrame(columns=[*by, "facts"])
    g = cells.groupby(by, observed=True, sort=True)["facts"].sum().reset_index()
    out = pd.DataFrame(_objects(g, by))
    out["facts"] = g["facts"].to_numpy(dtype="int64")
    return out


def district_programme(s: Scoped, indicator: str | None) -> pd.DataFrame:
    """ui.aggregate.district_programme_matrix of the scope's facts (not for a stock indicator:
    see `answers_heat`)."""
    if indicator is None:
        counts = count_facts(s, ["district", "programme"])
        if counts.empty:
            return pd.DataFrame()
        return counts.pivot(index="district", columns="programme", values="facts").fillna(0) \
            .astype("int64")
    c = s.cells
    part = c[(c["indicator"] == indicator).to_numpy() & (c["status"] == "achieved").to_numpy()
             & c["district"].notna().to_numpy() & (c["facts"].to_numpy() > 0)]
    if part.empty:
        return pd.DataFrame()
    part = part[[aggregation_of(indicator, p) in ADDITIVE
                 for p in part["per"].astype("object").where(part["per"].notna(), None)]]
    if part.empty:
        return pd.DataFrame()
    frame = pd.DataFrame(_objects(part, ["district", "programme"]))
    frame["value"] = part["value"].to_numpy()
    return frame.pivot_table(index="district", columns="programme", values="value",
                             aggfunc="sum").fillna(0)


def answers_heat(indicator: str | None) -> bool:
    """A stock's figure per district × programme needs each place's figure per programme, which
    the rollups do not keep: that view is made from the claims."""
    return indicator is None or aggregation_of(indicator) != "stock"


def place_table(s: Scoped) -> pd.DataFrame:
    """Distinct (district, street, community) of the scope's facts."""
    return pd.DataFrame(_objects(s.places.drop_duplicates(["district", "street", "community"]),
                                 ["district", "street", "community"]))


def doc_set(s: Scoped) -> set:
    return set(s.docs["doc"].dropna().astype("object").unique())


def shared_batches(rows: pd.DataFrame) -> set[str]:
    """Batches whose claims share a document with another batch's (a fact may be in both)."""
    docs = rows.loc[(rows["cube"] == "docs").to_numpy(), ["batch_id", "doc"]].astype("object") \
        .drop_duplicates()
    return set(docs.loc[docs["doc"].duplicated(keep=False).to_numpy(), "batch_id"])


def cubes_of_claims(claims: pd.DataFrame, batch_ids: list[str]) -> Cubes:
    """Cubes of claims already in memory (in store order), facts taken across all of them."""
    rows = rollup_rows(claims[list(SOURCE_COLUMNS)])
    return Cubes.of(rows, batch_ids, shared_batches(rows))
