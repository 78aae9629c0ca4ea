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
  A filter that can split a fact (programme, kind) or that needs rows (street and community
  drill-down, document, indicator, period) is answered from the claims it selects, read on
  demand with the filter pushed down: few rows, today's code, the same answer by construction.
* Sums, counts, lowest and highest values and the count of each non-exact qualifier add up over
  batches (rules 1, 3, 5): `cells` holds them per status, indicator, per, unit, kind, programme,
  year and district, which is a few thousand rows however many claims there are.
* A stock (rule 4) takes per place the latest year, else the largest value, and a tie goes to
  the last mention in store order: `stocks` keeps per status, indicator, unit, year and full
  place the largest value, the qualifier of the last mention holding it and that mention's
  position in its batch, so the choice over batches is the same as over the claims.
* The overview counts communities and sources (distinct places and documents): `places` and
  `docs` list which occur per status and district.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .indicators import aggregation_of
from .schema import TABLES, empty_frame

# the rollup table's columns are declared in loaders.schema (TABLES["rollups"])
GRAINS = {
    "cells": ("status", "indicator", "per", "unit", "kind", "programme", "period", "district"),
    "stocks": ("status", "indicator", "unit", "period", "district", "street", "community"),
    "places": ("status", "district", "street", "community"),
    "docs": ("status", "district", "doc"),
}
CUBES = tuple(GRAINS)
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


def _size(frame: pd.DataFrame, keys) -> pd.DataFrame:
    return frame.groupby(list(keys), dropna=False, sort=False, observed=True).size() \
        .rename("n").reset_index()


def first_mentions(claims: pd.DataFrame) -> np.ndarray:
    """True for the first mention of each fact among `claims` (ui.aggregate rule 2)."""
    from ui.aggregate import fact_keys   # the one definition of a fact (pure pandas, no Streamlit)
    return ~fact_keys(claims).duplicated().to_numpy()


def rollup_rows(claims: pd.DataFrame) -> pd.DataFrame:
    """The rollup rows of `claims` (one or several batches, in store order, each batch's rows in
    file order), facts taken store-wide over them. Columns: TABLES["rollups"]."""
    if claims.empty:
        return empty_frame("rollups")
    claims = claims.reset_index(drop=True)
    c = _coded(claims, [k for k in SOURCE_COLUMNS if k not in ("value", "evidence_start")])
    c["value"] = claims["value"].to_numpy(dtype=float)
    c["order"] = c.groupby("batch_id", sort=False).cumcount().to_numpy()
    first = first_mentions(claims)
    facts = c[first]
    flags = {q: (facts["qualifier"] == q).to_numpy().astype("int64") for q in FLAGS}
    parts = []

    keys = ["batch_id", *GRAINS["cells"]]
    mentions = _size(c, keys).rename(columns={"n": "mentions"})
    grouped = facts.assign(**flags).groupby(keys, dropna=False, sort=False, observed=True)
    made = grouped.agg(facts=("value", "size"), value=("value", "sum"), low=("value", "min"),
                       high=("value", "max"), **{q: (q, "sum") for q in FLAGS}).reset_index()
    cells = mentions.merge(made, on=keys, how="left")
    cells["facts"] = cells["facts"].fillna(0)
    for q in FLAGS:
        cells[q] = cells[q].fillna(0)
    parts.append(cells.assign(cube="cells"))

    # rule 4: a stock indicator's figure without a period (a figure with one is a rate)
    stock = np.array([aggregation_of(i) == "stock" for i in facts["indicator"].cat.categories]
                     + [False], dtype=bool)
    is_stock = stock[facts["indicator"].cat.codes.to_numpy()] & (facts["per"].cat.codes.to_numpy() < 0)
    stocks = facts[is_stock]
    if len(stocks):
        keys = ["batch_id", *GRAINS["stocks"]]
        # the largest value of each cell, a tie going to the last mention (ui.groups.last_per_group)
        chosen = stocks.sort_values(["value", "order"], kind="stable") \
            .drop_duplicates(keys, keep="last")
        counts = _size(stocks, keys).rename(columns={"n": "facts"})
        cell = chosen[[*keys, "value", "qualifier", "order"]].merge(counts, on=keys)
        parts.append(cell.assign(cube="stocks", mentions=0))

    for cube in ("places", "docs"):
        keys = ["batch_id", *GRAINS[cube]]
        parts.append(_size(c, keys).rename(columns={"n": "mentions"}).assign(cube=cube))
    out = pd.concat(parts, ignore_index=True)
    for col in TABLES["rollups"]:
        if col.name not in out:
            out[col.name] = None
        elif isinstance(out[col.name].dtype, pd.CategoricalDtype):
            out[col.name] = out[col.name].astype("object").where(out[col.name].notna(), None)
    return out[[col.name for col in TABLES["rollups"]]]
