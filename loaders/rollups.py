"""Each batch's figures rolled up once, at commit, so the overview never reads the claims.

Why this grain, and why the figures stay exactly those of ui.aggregate (rules 1–5):

* A fact is counted once (rule 2): its key holds the document, so two mentions of one fact are
  always in batches holding the same document. The rollup of a batch is made from the batch's
  own first mentions. A document is nearly always in one batch only; when two live batches hold
  the same document (or a later batch replaces some of a batch's claims), those batches are
  rolled up again on read, together, from their claims (ui.cubes), so the first mention is the
  store-wide one, as ui.aggregate.distinct_facts takes it. Facts are counted in the cell of
  their first mention; mentions in their own cell.
* Filters on the place, the status and the batch are answered from the rollups: every mention of
  a fact has the same place and status (both are in the fact key), so they never split a fact.
  The overview's `cells` hold the district; `units` (the same measures down to the community,
  without the programme) and `programme_places` answer street and community filters for the
  district page, the programme list and the slides (ui/unit_figures.py). A filter that can split
  a fact (programme, kind) or that needs rows (document, indicator, period) is answered from the
  claims it selects: today's code, the same answer by construction.
* Sums, counts, lowest and highest values and the count of each non-exact qualifier add up over
  batches (rules 1, 3, 5): `cells` holds them per status, indicator, per, unit, programme and
  district (what the overview shows and filters by), which is a few thousand rows however many
  claims there are. `values` lists the kinds and years that occur (the filters' options).
* A stock (rule 4) takes per place the latest year, else the largest value, and a tie goes to
  the last mention in store order: `stocks` keeps per status, indicator, unit, year and full
  place the largest value, the qualifier of the last mention holding it and that mention's
  position in its batch, so the choice over batches is the same as over the claims.
* The overview counts communities and sources (distinct places and documents). `places` lists
  the places that occur per status. Documents grow with the claims, so `docs` counts them per
  set of (status, district) cells their claims fall in (a filter keeps a document when it keeps
  one of its cells), and names only those of `cited_documents`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .indicators import aggregation_of
from .schema import TABLES, empty_frame

# the rollup table's columns are declared in loaders.schema (TABLES["rollups"])
GRAINS = {
    "cells": ("status", "indicator", "per", "unit", "programme", "district"),
    "stocks": ("status", "indicator", "unit", "period", "district", "street", "community"),
    "places": ("status", "district", "street", "community"),
    "values": ("kind", "period"),
    "docs": ("doc", "cells"),
    "units": ("status", "indicator", "per", "unit", "district", "street", "community"),
    "programme_places": ("status", "programme", "district", "street", "community"),
}
CUBES = tuple(GRAINS)
# Rollups made before the newest cube (CURRENT) was added lack it: a reader makes such a batch's
# rollup again from its claims (ui/cube_store.py), and sums kept of another VERSION are not used.
VERSION = 2
CURRENT = "units"
FLAGS = ("at_least", "at_most", "approx")
# the claims' columns a rollup is made from
SOURCE_COLUMNS = ("batch_id", "doc", "value", "unit", "kind", "qualifier", "indicator", "per",
                  "district", "street", "community", "programme", "status", "period",
                  "evidence_start")


def _coded(frame: pd.DataFrame, cols) -> pd.DataFrame:
    """The key columns as categoricals: grouping on integer codes, not on strings."""
    out = pd.DataFrame(index=frame.index)
    for c in cols:
        s = frame[c]
        out[c] = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
    return out


def first_mentions(claims: pd.DataFrame) -> np.ndarray:
    """True for the first mention of each fact among `claims` (ui.aggregate rule 2)."""
    from ui.aggregate import fact_keys   # the one definition of a fact (pure pandas, no Streamlit)
    return ~fact_keys(claims).duplicated().to_numpy()


def _groups(frame: pd.DataFrame, names, rows: np.ndarray | None = None):
    """(the key columns of each group, group of each row, number of groups), on integer codes
    (ui.groups.Keys): several times faster than DataFrame.groupby over a batch's claims."""
    from ui.groups import Keys

    keys = Keys.of(frame, list(names))
    key, _ = keys.key(rows)
    uniq, inverse = np.unique(key, return_inverse=True)
    return pd.DataFrame(keys.decode(uniq)), inverse.reshape(-1), len(uniq)


def _sums(c: pd.DataFrame, grain, value: np.ndarray, qualifier: np.ndarray,
          facts: np.ndarray) -> pd.DataFrame:
    """Per group of `grain`: the rows (mentions), and of the rows `facts` (first mentions) the
    count, sum, lowest, highest and non-exact qualifiers."""
    out, group, n = _groups(c, ["batch_id", *grain])
    out["mentions"] = np.bincount(group, minlength=n)
    g, v = group[facts], value[facts]
    out["facts"] = np.bincount(g, minlength=n)
    out["value"] = np.bincount(g, weights=v, minlength=n)
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(low, g, v)
    np.maximum.at(high, g, v)
    out["low"] = np.where(out["facts"] > 0, low, np.nan)
    out["high"] = np.where(out["facts"] > 0, high, np.nan)
    for q in FLAGS:
        out[q] = np.bincount(g, weights=(qualifier[facts] == q), minlength=n).astype("int64")
    return out


def _stocks(c: pd.DataFrame, grain, value, qualifier, order, rows: np.ndarray) -> pd.DataFrame:
    """Per group of `grain` over the stock facts `rows`, the largest value, a tie to the last
    mention (ui.groups.last_per_group): its value, qualifier and row in its batch."""
    if not len(rows):
        return pd.DataFrame()
    out, group, n = _groups(c, ["batch_id", *grain], rows)
    pick = np.lexsort((order[rows], value[rows], group))
    last = pick[np.r_[group[pick][1:] != group[pick][:-1], True]]
    out["value"] = value[rows][last]
    out["qualifier"] = qualifier[rows][last]
    out["order"] = order[rows][last]
    out["facts"] = np.bincount(group, minlength=n)
    return out.assign(mentions=0)


def cell_name(status, district) -> str:
    return f"{status}|{district if isinstance(district, str) else ''}"


def _docs(c: pd.DataFrame, cited: set) -> pd.DataFrame:
    """Per batch, the documents counted per set of cells (those in `cited` named one by one);
    a document in several batches counts in the first."""
    found, _, _ = _groups(c, ["doc", "status", "district", "batch_id"])
    found["cell"] = [cell_name(s, d) for s, d in zip(found["status"], found["district"])]
    batch_order = {b: i for i, b in enumerate(pd.unique(c["batch_id"].astype("object")))}
    found["_b"] = found["batch_id"].map(batch_order)
    found = found.sort_values(["doc", "cell"], kind="stable")
    docs, cells = found["doc"].to_numpy(), found["cell"].to_numpy()
    start = np.r_[0, np.flatnonzero(docs[1:] != docs[:-1]) + 1] if len(docs) else np.zeros(0, int)
    end = np.r_[start[1:], len(docs)]
    per_doc = pd.DataFrame({"doc": docs[start],
                            "cells": [";".join(dict.fromkeys(cells[i:j])) for i, j in zip(start, end)],
                            "_b": np.minimum.reduceat(found["_b"].to_numpy(), start)
                            if len(start) else np.zeros(0, int)})
    first = {i: b for b, i in batch_order.items()}
    per_doc["batch_id"] = per_doc["_b"].map(first)
    named = per_doc["doc"].isin(cited).to_numpy()
    counted = per_doc[~named].groupby(["batch_id", "cells"]).size().rename("mentions").reset_index()
    return pd.concat([counted.assign(doc=None),
                      per_doc.loc[named, ["batch_id", "doc", "cells"]].assign(mentions=1)],
                     ignore_index=True)


def rollup_rows(claims: pd.DataFrame, cited=()) -> pd.DataFrame:
    """The rollup rows of `claims` (one or several batches, in store order, each batch's rows in
    file order), facts taken store-wide over them; `cited`: the documents the same batches'
    communities and initiatives tables name. Columns: TABLES["rollups"]."""
    if claims.empty:
        return empty_frame("rollups")
    claims = claims.reset_index(drop=True)
    c = _coded(claims, [k for k in SOURCE_COLUMNS if k not in ("value", "evidence_start")])
    value = claims["value"].to_numpy(dtype=float)
    order = c.groupby("batch_id", sort=False, observed=True).cumcount().to_numpy()
    first = np.flatnonzero(first_mentions(claims))
    qualifier = c["qualifier"].astype("object").to_numpy()
    parts = []

    # cells (the overview), units (the district page and the slides: the full place) and
    # programme_places (the programme page): mentions of every row, and sums, lowest, highest
    # and qualifiers of the facts
    for cube in ("cells", "units", "programme_places"):
        parts.append(_sums(c, GRAINS[cube], value, qualifier, first).assign(cube=cube))
    stock = np.array([aggregation_of(i) == "stock" for i in c["indicator"].cat.categories]
                     + [False], dtype=bool)
    is_stock = stock[c["indicator"].cat.codes.to_numpy()] & (c["per"].cat.codes.to_numpy() < 0)
    parts.append(_stocks(c, GRAINS["stocks"], value, qualifier, order, first[is_stock[first]])
                 .assign(cube="stocks"))

    for cube in ("places", "values"):
        found, group, n = _groups(c, ["batch_id", *GRAINS[cube]])
        parts.append(found.assign(mentions=np.bincount(group, minlength=n), cube=cube))
    parts.append(_docs(c, set(cited)).assign(cube="docs"))
    out = pd.concat(parts, ignore_index=True)
    for col in TABLES["rollups"]:
        if col.name not in out:
            out[col.name] = None
    return out[[col.name for col in TABLES["rollups"]]]


def with_rollups(batch_id: str, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A batch's tables with its rollup added (loaders.store.commit_batch calls this)."""
    claims = tables.get("claims")
    if claims is None or "rollups" in tables:
        return tables
    frame = claims[[c for c in SOURCE_COLUMNS if c != "batch_id"]].assign(batch_id=batch_id)
    return {**tables, "rollups": rollup_rows(frame, cited_documents(tables))}


def cited_documents(tables: dict[str, pd.DataFrame]) -> set:
    """The documents a batch's rollup names one by one: those its communities or initiatives
    cite (a source count unites them with the claims'), and claims' documents its documents
    table does not list (so a document in two batches is always found by name)."""
    def docs(name):
        frame = tables.get(name)
        return set(frame["doc"].dropna()) if frame is not None and len(frame) else set()
    return docs("communities") | docs("initiatives") | (docs("claims") - docs("documents"))
