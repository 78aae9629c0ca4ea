"""The overview's tables from the summed rollups (ui/cubes.py), each the same as the
ui.aggregate function named in its docstring gives from the claims. No Streamlit here."""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.indicators import aggregation_of
from loaders.rollups import FLAGS

from .aggregate import ADDITIVE, SPREAD, TOTAL_COLUMNS, order_indicators
from .cubes import Cube, Scoped
from .groups import qualifier_of


def totals(s: Scoped) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the scope's facts."""
    return totals_of(s.view.cells, s.cells, s.view.stocks, s.stocks)


def totals_of(cube: Cube, rows: np.ndarray, st: Cube, stock_rows: np.ndarray,
              by: tuple[str, ...] = ()) -> pd.DataFrame:
    """ui.aggregate.totals_by_status of the facts in `rows` of a cube with the measures of
    `cells` (status, indicator, per and unit among its keys), the stocks of their places in
    `stock_rows` of the stocks cube; with `by` (place columns of both cubes), per value of them
    too (ui.aggregate.indicator_sums). Columns: *by, TOTAL_COLUMNS."""
    rows = rows[cube.m["facts"][rows] > 0]
    if not len(rows):
        return pd.DataFrame(columns=[*by, *TOTAL_COLUMNS])
    out, group, n = cube.group([*by, "status", "indicator", "per", "unit"], rows)
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
    rows = stock_rows
    if len(rows):
        keys = [*by, "status", "indicator", "unit"]
        picked, group, n = st.group(keys, rows)
        q = st.extra["qualifier"][rows]
        flags = [np.bincount(group, weights=(q == f), minlength=n) for f in FLAGS]
        found = {k: (v, qualifier_of(*fl), int(c)) for k, v, c, *fl in zip(
            zip(*(picked[k] for k in keys)),
            st.sum("value", rows, group, n), np.bincount(group, minlength=n), *flags)}
        hit = [found.get(k) if r == "stock" else None for k, r in
               zip(zip(*(out[k] for k in keys)), out["rule"])]
        out["value"] = [h[0] if h else v for h, v in zip(hit, out["value"])]
        out["qualifier"] = [h[1] if h else v for h, v in zip(hit, out["qualifier"])]
        out["counted"] = [h[2] if h else v for h, v in zip(hit, out["counted"])]
        out["low"] = np.where(spread, out["low"], out["value"])
    out = out[out["rule"].isin((*ADDITIVE, *SPREAD)).to_numpy()]
    return order_indicators(out)[[*by, *TOTAL_COLUMNS]]


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
