"""The overview's tables from the summed rollups (ui/cubes.py), each the same as the
ui.aggregate function named in its docstring gives from the claims. No Streamlit here."""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.indicators import aggregation_of
from loaders.rollups import FLAGS

from .aggregate import ADDITIVE, SPREAD, TOTAL_COLUMNS, order_indicators
from .cubes import Cube, Scoped


def totals(s: Scoped) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the scope's facts."""
    return totals_of(s.view.cells, s.cells, s.view.stocks, s.stocks)


def totals_of(cube: Cube, rows: np.ndarray, st: Cube, stock_rows: np.ndarray,
              by: tuple[str, ...] = ()) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the facts in `rows` of a cube with the measures of
    `cells` (status, indicator, per and unit among its keys), the stocks of their places in
    `stock_rows` of the stocks cube; with `by` (place columns of both cubes), per value of them
    too (ui.aggregate.indicator_sums). Columns: *by, TOTAL_COLUMNS. Arrays over the groups, not
    Python loops: per community there are tens of thousands of them."""
    rows = rows[cube.m["facts"][rows] > 0]
    if not len(rows):
        return pd.DataFrame(columns=[*by, *TOTAL_COLUMNS])
    out, group, n = cube.group([*by, "status", "indicator", "per", "unit"], rows)
    sums = {m: cube.sum(m, rows, group, n) for m in ("facts", "value", *FLAGS)}
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    np.fmin.at(low, group, cube.m["low"][rows])
    np.fmax.at(high, group, cube.m["high"][rows])
    one = np.zeros(n, dtype="int64")
    one[group] = rows                                   # a row of each group
    rule = rules_of(cube, one)
    spread = np.isin(rule, SPREAD)
    value = np.where(spread, high, sums["value"])
    qualifier = qualifiers(*(sums[q] for q in FLAGS))
    counted = np.where(spread, 0, sums["facts"]).astype("int64")
    stock = np.flatnonzero(rule == "stock")
    if len(stock_rows) and len(stock):
        keys = [*by, "status", "indicator", "unit"]
        picked, sgroup, sn = st.group(keys, stock_rows)
        q = st.extra["qualifier"][stock_rows]
        found = dict(zip(zip(*(picked[k] for k in keys)), range(sn)))
        hit = np.array([found.get(k, -1) for k in zip(*(out[k].to_numpy()[stock] for k in keys))],
                       dtype="int64")
        stock, hit = stock[hit >= 0], hit[hit >= 0]
        value[stock] = st.sum("value", stock_rows, sgroup, sn)[hit]
        qualifier[stock] = qualifiers(*(np.bincount(sgroup, weights=(q == f), minlength=sn)
                                        for f in FLAGS))[hit]
        counted[stock] = np.bincount(sgroup, minlength=sn)[hit]
    out["rule"] = rule
    out["value"] = value
    out["low"] = np.where(spread, low, value)
    out["qualifier"] = qualifier
    out["facts"] = sums["facts"].astype("int64")
    out["counted"] = counted
    out = out[np.isin(rule, (*ADDITIVE, *SPREAD))]
    # per place (`by`) in no particular order: ui.aggregate.rank_leading sorts them
    return (order_indicators(out) if not by else out)[[*by, *TOTAL_COLUMNS]]


def rules_of(cube: Cube, rows: np.ndarray) -> np.ndarray:
    """The aggregation rule of each of `rows` (ui.aggregate.rules): its indicator's, a rate
    when it has a period."""
    table = np.array([aggregation_of(i) for i in cube.cats["indicator"]] + ["none"], dtype=object)
    out = table[cube.codes["indicator"][rows]]
    out[cube.codes["per"][rows] >= 0] = "rate"
    return out


def qualifiers(at_least, at_most, approx) -> np.ndarray:
    """ui.groups.qualifier_of of each group's counts."""
    present = [np.asarray(x) > 0 for x in (at_least, at_most, approx)]
    out = np.full(len(present[0]), "exact", dtype=object)
    for flag, name in zip(present, FLAGS):
        out[flag] = name
    out[sum(p.astype(int) for p in present) > 1] = "mixed"
    return out


def count_facts(s: Scoped, by: list[str]) -> pd.DataFrame:
    """ui.aggregate.count_facts of the scope's facts (groups with a null key left out)."""
    return count_of(s.view.cells, s.cells, by)


def count_of(cube: Cube, rows: np.ndarray, by: list[str]) -> pd.DataFrame:
    """ui.aggregate.count_facts of the facts in `rows` of a cube (groups with a null key left
    out)."""
    rows = rows[cube.m["facts"][rows] > 0]
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
