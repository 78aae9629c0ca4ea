"""Everything the overview page shows, computed from the dataset and filters in one call (no
Streamlit here), so the page and the benchmark run exactly the same code."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from . import charts
from . import cube_figures as cubes
from .aggregate import (achieved_vs_planned, count_facts, district_programme_matrix,
                        totals_by_indicator, totals_by_status)
from .dataset import Dataset
from .queries import (CLAIM_ONLY, Filters, Scope, ScopeCounts, apply_filters,
                      communities_in_scope, scope_counts, scope_of, summary_by)


@dataclass
class Overview:
    counts: ScopeCounts
    achieved: pd.DataFrame        # totals_by_indicator(…, "achieved")
    planned: pd.DataFrame         # totals_by_indicator(…, "planned")
    figures: dict[str, go.Figure]

    # st.cache_data hands every rerun an unpickled copy: a plotly figure unpickles through its
    # validating constructor (0.2–0.5 s for the four), so the figures travel as plain dicts and
    # come back as they were made (ui/charts.py: without validation)
    def __getstate__(self) -> dict:
        return {**self.__dict__, "figures": {k: f.to_dict() for k, f in self.figures.items()}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, figures={k: go.Figure(d, _validate=False)
                                             for k, d in state["figures"].items()})


def build_overview(ds: Dataset, filters: Filters, heat: str | None = None) -> Overview:
    """`heat`: the indicator whose achieved total the district × programme view shows (None:
    the number of facts). From the batches' rollups when they answer the filters exactly
    (ui/cubes.py; a stock `heat`'s view from the claims of that indicator alone), else from
    the claims the filters keep."""
    if ds.cubes.answers(filters):
        return overview_from_rollups(ds, filters, heat)
    return overview_from_claims(ds, filters, heat)


def overview_from_rollups(ds: Dataset, filters: Filters, heat: str | None = None) -> Overview:
    s = ds.cubes.scoped(filters)
    claim_only = any(getattr(filters, n) for n in CLAIM_ONLY)
    scope = Scope(filters=filters, claims=None, facts=None,
                  initiatives=apply_filters(ds.initiatives, filters),
                  communities=None if claim_only else apply_filters(ds.communities, filters))
    communities = communities_in_scope(scope, cubes.place_table(s))
    totals = cubes.totals(s)
    return _overview(scope, communities, totals, {
        "by_district": cubes.count_facts(s, ["district", "status"]),
        "matrix": cubes.district_programme(s, heat) if cubes.answers_heat(heat)
        else stock_matrix(ds, filters, heat),
        "by_programme": cubes.count_facts(s, ["programme", "status"]),
    }, heat, (s.facts, s.mentions, s.docs, s.doc_count))


def stock_matrix(ds: Dataset, filters: Filters, heat: str) -> pd.DataFrame:
    """district_programme_matrix of a stock indicator (each place's figure per programme, which
    the rollups do not keep) from the claims of that indicator alone, the filters pushed down
    to the store: the same facts as among every claim the filters keep, since a fact's mentions
    all share its indicator."""
    if filters.indicator and heat not in filters.indicator:
        return pd.DataFrame()   # none of the kept claims is of that indicator
    return district_programme_matrix(scope_of(ds, replace(filters, indicator=(heat,))).facts, heat)


def overview_from_claims(ds: Dataset, filters: Filters, heat: str | None = None) -> Overview:
    """The overview made from every claim the filters keep (the way before rollups, and the
    reference the rollups are tested against)."""
    scope = scope_of(ds, filters)
    facts = scope.facts
    communities = communities_in_scope(scope)
    totals = totals_by_status(facts)
    return _overview(scope, communities, totals, {
        "by_district": count_facts(facts[facts["district"].notna().to_numpy()],
                                   ["district", "status"]),
        "matrix": district_programme_matrix(facts, heat),
        "by_programme": count_facts(facts, ["programme", "status"]),
    }, heat, None)


def _overview(scope, communities, totals, parts, heat, rolled) -> Overview:
    unit = totals.loc[totals["indicator"] == heat, "unit"]
    figures = {
        "tiles": charts.district_tile_map(summary_by(scope, "district", communities,
                                                     parts["by_district"])),
        "heatmap": charts.district_programme_heatmap(parts["matrix"], heat,
                                                     unit.iloc[0] if len(unit) else ""),
        "programmes": charts.programme_bars(parts["by_programme"]),
        "status": charts.achieved_vs_planned_chart(achieved_vs_planned(None, totals)),
    }
    return Overview(counts=scope_counts(scope, communities, rolled),
                    achieved=totals_by_indicator(None, "achieved", totals),
                    planned=totals_by_indicator(None, "planned", totals), figures=figures)


def pick_indicators(totals: pd.DataFrame, shown) -> pd.DataFrame:
    """The rows of `totals` for the indicators the user chose (all when none chosen)."""
    if not shown:
        return totals
    return totals[totals["indicator"].isin(list(shown)).to_numpy()].reset_index(drop=True)


def cached_overview(ds: Dataset, filters: Filters, heat: str | None = None) -> Overview:
    """build_overview, remembered per store version and filters (switching back to a view is
    instant); Streamlit is imported here only, so the benchmark runs without it."""
    import streamlit as st

    from .state import current_signature

    @st.cache_data(max_entries=64, show_spinner=False)
    def _cached(signature: tuple, filters: Filters, heat, _ds: Dataset) -> Overview:
        return build_overview(_ds, filters, heat)

    return _cached(current_signature(), filters, heat, ds)
