"""The district page's, the programme page's and the slides' figures from the summed rollups
(ui/cubes.py) with the full place: `units` (cells down to the community), `stocks` and
`programme_places` (loaders/rollups.py). Each function gives what the ui.aggregate or ui.queries
function named in its docstring gives from the claims (tests/test_unit_figures.py compares them
on random stores). The place, status and batch filters are answered (Cubes.answers with
ANSWERED_PLACES): none of them splits a fact. No Streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.indicators import aggregation_of

from .aggregate import ADDITIVE, rank_leading
from .cube_figures import count_of, rules_of, totals_of
from .cubes import Cubes, View

PLACE = ("district", "street", "community")


@dataclass
class Units:
    """What the filters keep of the cubes with the full place: positions of the kept rows."""
    view: View
    units: np.ndarray
    stocks: np.ndarray
    programmes: np.ndarray       # of programme_places
    places: np.ndarray           # of places


def units_of(cubes: Cubes, filters) -> Units:
    v = cubes.view(filters.batch)
    return Units(view=v, units=v.units.rows(filters), stocks=v.stocks.rows(filters),
                 programmes=v.programme_places.rows(filters), places=v.places.rows(filters))


def places(u: Units) -> pd.DataFrame:
    """Distinct (district, street, community) of the kept claims (the places of scope.facts)."""
    return u.view.places.group(list(PLACE), u.places)[0]


def count_facts(u: Units, by: list[str]) -> pd.DataFrame:
    """ui.aggregate.count_facts(scope.facts, by), `by` among the units' keys."""
    return count_of(u.view.units, u.units, by)


def above_level(u: Units, level: str) -> int:
    """ui.queries.above_level_facts: facts that name no unit at `level`."""
    cube = u.view.units
    rows = u.units[cube.codes[level][u.units] < 0]
    return int(cube.m["facts"][rows].sum())


def totals(u: Units) -> pd.DataFrame:
    """ui.aggregate.totals_by_status(scope.facts)."""
    return totals_of(u.view.units, u.units, u.view.stocks, u.stocks)


def leading(u: Units, n: int) -> pd.DataFrame:
    """ui.aggregate.leading_communities(scope.facts, n)."""
    cube, st = u.view.units, u.view.stocks
    rows = cube.notnull("community", cube.equals("status", "achieved", u.units))
    rows = rows[np.isin(rules_of(cube, rows), ADDITIVE)]     # rates and shares rank nothing
    stocks = st.notnull("community", st.equals("status", "achieved", u.stocks))
    sums = totals_of(cube, rows, st, stocks, by=PLACE)
    return rank_leading(sums[sums["rule"].isin(ADDITIVE).to_numpy()].reset_index(drop=True), n)


def programme_counts(u: Units) -> tuple[pd.DataFrame, pd.Series]:
    """For ui.queries.programme_summary: facts per (programme, status), and per programme the
    communities with a fact of it."""
    cube = u.view.programme_places
    by_status = count_of(cube, u.programmes, ["programme", "status"])
    rows = u.programmes[cube.m["facts"][u.programmes] > 0]
    rows = cube.notnull("community", cube.notnull("programme", rows))
    pairs = cube.group(["programme", *PLACE], rows)[0]
    return by_status, pairs.groupby("programme").size()


def fact_count(u: Units) -> tuple[int, int]:
    """ui.queries.scope_counts' facts and mentions."""
    cube = u.view.units
    return int(cube.m["facts"][u.units].sum()), int(cube.m["mentions"][u.units].sum())


def spotlight_counts(u: Units) -> pd.DataFrame:
    """ui.slides._spotlight_counts(scope.facts): per community key (district|street|community),
    its achieved and planned facts of an indicator that makes a total."""
    cube = u.view.units
    rows = cube.notnull("community", u.units[cube.m["facts"][u.units] > 0])
    out, group, n = cube.group([*PLACE, "status", "indicator", "per"], rows)
    out["facts"] = cube.sum("facts", rows, group, n).astype("int64")
    out = out[np.array([aggregation_of(i, p) != "none" for i, p in
                        zip(out["indicator"], out["per"])], dtype=bool)]
    out["key"] = ["|".join(x or "" for x in t) for t in zip(*(out[c] for c in PLACE))]
    table = out.pivot_table(index="key", columns="status", values="facts", aggfunc="sum",
                            fill_value=0) if len(out) else pd.DataFrame()
    return table.reindex(columns=["achieved", "planned"], fill_value=0)
