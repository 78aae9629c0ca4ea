"""Everything the overview page shows, computed from the dataset and filters in one call (no
Streamlit here), so the page and the benchmark run exactly the same code."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from . import charts
from .aggregate import (achieved_vs_planned, count_facts, district_programme_matrix,
                        totals_by_indicator, totals_by_status)
from .dataset import Dataset
from .queries import (Filters, ScopeCounts, communities_in_scope, scope_counts, scope_of,
                      summary_by)


@dataclass
class Overview:
    counts: ScopeCounts
    achieved: pd.DataFrame        # totals_by_indicator(…, "achieved")
    planned: pd.DataFrame         # totals_by_indicator(…, "planned")
    figures: dict[str, go.Figure]


def build_overview(ds: Dataset, filters: Filters, heat: str | None = None) -> Overview:
    """`heat`: the indicator whose achieved total the district × programme view shows (None:
    the number of facts)."""
    scope = scope_of(ds, filters)
    facts = scope.facts
    communities = communities_in_scope(scope)
    totals = totals_by_status(facts)
    unit = totals.loc[totals["indicator"] == heat, "unit"]
    figures = {
        "tiles": charts.district_tile_map(summary_by(scope, "district", communities)),
        "heatmap": charts.district_programme_heatmap(
            district_programme_matrix(facts, heat), heat, unit.iloc[0] if len(unit) else ""),
        "programmes": charts.programme_bars(count_facts(facts, ["programme", "status"])),
        "status": charts.achieved_vs_planned_chart(achieved_vs_planned(facts, totals)),
    }
    return Overview(counts=scope_counts(scope, communities),
                    achieved=totals_by_indicator(facts, "achieved", totals),
                    planned=totals_by_indicator(facts, "planned", totals), figures=figures)


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
