"""Queries behind the pages: the shared filters, their options, the scope and drill-down (no Streamlit
here). Rows of claims: ui/claim_rows; a community: ui/community_profile; sources: ui/provenance."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.programmes import programme_codes

from . import unit_figures
from .aggregate import count_facts, distinct_facts, leading_communities, totals_by_indicator
from .cubes import ANSWERED_PLACES
from .dataset import PLACE_SEP, Dataset
from .labels import (district_names, indicator_label, indicator_options, kind_codes, kind_label,
                     programme_label, status_codes, status_label)

# filter field → column it constrains (same name in claims, communities and initiatives)
FILTER_COLUMNS = {"district": "district", "street": "street", "community": "community",
                  "programme": "programme", "indicator": "indicator", "kind": "kind",
                  "status": "status", "doc": "doc",
                  "batch": "batch_id", "period": "period"}
# filters that only claims can answer: when one is set, a community counts only through its claims
CLAIM_ONLY = ("programme", "indicator", "kind", "status", "period")
LEVELS = ("district", "street", "community")
LEVEL_LABELS = {"district": "区县", "street": "街道（镇）", "community": "社区（村）"}
CITY_WIDE = "全市（未指明区县）"


@dataclass(frozen=True)
class Filters:
    """The sidebar's selection; an empty tuple means no constraint."""
    district: tuple[str, ...] = ()
    street: tuple[str, ...] = ()
    community: tuple[str, ...] = ()
    programme: tuple[str, ...] = ()
    indicator: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    doc: tuple[str, ...] = ()
    batch: tuple[str, ...] = ()
    period: tuple[str, ...] = ()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def active(self) -> dict[str, tuple[str, ...]]:
        return {n: getattr(self, n) for n in self.names() if getattr(self, n)}

    def without(self, *names: str) -> "Filters":
        return replace(self, **{n: () for n in names})

    def single(self, name: str) -> str | None:
        """The one selected value of a filter, or None when it selects none or several."""
        values = getattr(self, name)
        return values[0] if len(values) == 1 else None


def filter_mask(frame: pd.DataFrame, filters: Filters) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for name, values in filters.active().items():
        col = FILTER_COLUMNS[name]
        if col in frame.columns:
            mask &= frame[col].isin(values).to_numpy()
    return mask


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows of `frame` that every active filter allows; a filter on a column the table lacks (an
    initiative has no kind) does not constrain it."""
    if not filters.active():
        return frame
    return frame[filter_mask(frame, filters)]


# ---- options of the filters -------------------------------------------------------------------

def _present(series: pd.Series) -> set:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(series.cat.categories)) > 0
        return set(series.cat.categories[used])
    return set(series.dropna().unique())


def _once(ds: Dataset, key: tuple, compute):
    """`compute()`, remembered on the dataset: a Dataset is one store version (ui.state reads a
    new one after each commit or undo), so options are computed once per version, not per rerun.
    Callers must not change what it returns (sessions share it)."""
    cache = ds.__dict__.setdefault("_options_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def place_options(ds: Dataset, filters: Filters, level: str) -> list[str]:
    """Choices of a place filter, narrowed by the levels above it (district → street → community).
    Districts come in tile-map order (north-west first), then any unknown names."""
    above = tuple(getattr(filters, a) for a in LEVELS[:LEVELS.index(level)])
    return _once(ds, ("place", level, above), lambda: _place_options(ds, filters, level))


def _place_options(ds: Dataset, filters: Filters, level: str) -> list[str]:
    places = ds.places
    for above in LEVELS[:LEVELS.index(level)]:
        chosen = getattr(filters, above)
        if chosen:
            places = places[places[above].isin(chosen)]
    values = set(places[level].dropna())
    if level == "district":
        known = [d for d in district_names() if d in values]
        return known + sorted(values - set(known))
    return sorted(values)


def code_options(ds: Dataset, name: str) -> list[str]:
    """Choices of the non-place filters, in a meaningful order, limited to what the data has."""
    return _once(ds, ("code", name), lambda: _code_options(ds, name))


def _code_options(ds: Dataset, name: str) -> list[str]:
    initiatives = ds.initiatives   # the claims' values from the rollups: no claims read
    if name == "programme":
        present = ds.present("programme") | _present(initiatives["programme"])
        return [c for c in programme_codes() if c in present] + sorted(present - set(programme_codes()))
    if name == "indicator":
        present = ds.present("indicator")
        return [k for k in indicator_options() if k in present]
    if name == "kind":
        present = ds.present("kind")
        return [k for k in kind_codes() if k in present]
    if name == "status":
        return list(status_codes())
    if name == "doc":
        docs = set(ds.documents["doc"].dropna()) | ds.present("doc")
        return sorted(docs)
    if name == "batch":
        if len(ds.batches) and "batch_id" in ds.batches:
            return list(ds.batches["batch_id"])  # oldest first, as the store lists them
        return sorted(ds.present("batch_id"))
    if name == "period":
        return sorted(ds.present("period"), reverse=True)
    raise KeyError(name)


def option_label(name: str, value: str) -> str:
    if name == "programme":
        return programme_label(value)
    if name == "indicator":
        return indicator_label(value)
    if name == "kind":
        return kind_label(value)
    if name == "status":
        return status_label(value)
    if name == "period":
        return f"{value}年" if str(value).isdigit() else str(value)
    return str(value)


# ---- the scope: what the filters keep, computed once per page run ------------------------------

# Filters that can keep one mention of a fact and drop the other (two mentions of one fact may be
# filed under different programmes or batches); with one of them set, facts are re-derived.
FACT_SPLITTING = ("programme", "kind", "batch")


@dataclass
class Scope:
    filters: Filters
    claims: pd.DataFrame | None  # ds.numbers rows the filters keep (every mention)
    facts: pd.DataFrame | None   # one row per fact among them
    initiatives: pd.DataFrame
    communities: pd.DataFrame | None  # communities-table rows, None when a claim-only filter is set
    units: unit_figures.Units | None = None   # instead of claims and facts: from the rollups


def page_scope(ds: Dataset, filters: Filters) -> Scope:
    """The scope of the district and programme pages and the slides: from the rollups, without
    reading a claim, when they answer the filters exactly (ui/unit_figures.py), else scope_of."""
    if not ds.cubes.answers(filters, ANSWERED_PLACES):
        return scope_of(ds, filters)
    return _tables_scope(ds, filters, units=unit_figures.units_of(ds.cubes, filters))


def _tables_scope(ds: Dataset, filters: Filters, claims=None, facts=None, units=None) -> Scope:
    claim_only = any(getattr(filters, n) for n in CLAIM_ONLY)
    return Scope(filters=filters, claims=claims, facts=facts, units=units,
                 initiatives=apply_filters(ds.initiatives, filters),
                 communities=None if claim_only else apply_filters(ds.communities, filters))


def scope_of(ds: Dataset, filters: Filters) -> Scope:
    # the filters pushed down to the store when the claims are not in memory (Dataset.numbers_where),
    # and applied here again: the same rows either way, so the same facts (every filter but
    # programme, kind and batch is a column of the fact key: a fact's mentions all pass or fail)
    pushed = [(FILTER_COLUMNS[n], "in", list(v)) for n, v in filters.active().items()]
    apart = not ds.claims_in_memory and bool(pushed)
    claims = apply_filters(ds.numbers_where(pushed), filters)
    if apart or any(getattr(filters, n) for n in FACT_SPLITTING):
        facts = distinct_facts(claims)
    else:  # the store-wide first mentions are still first mentions: no need to dedupe again
        facts = apply_filters(ds.facts, filters)
    return _tables_scope(ds, filters, claims, facts)


def scope_totals(scope: Scope, status: str) -> pd.DataFrame:
    """ui.aggregate.totals_by_indicator of the scope's facts."""
    if scope.units is not None:
        return totals_by_indicator(None, status, unit_figures.totals(scope.units))
    return totals_by_indicator(scope.facts, status)


def scope_leading(scope: Scope, n: int = 5) -> pd.DataFrame:
    """ui.aggregate.leading_communities of the scope's facts."""
    if scope.units is not None:
        return unit_figures.leading(scope.units, n)
    return leading_communities(scope.facts, n)


def communities_in_scope(scope: Scope, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distinct (district, street, community) the filters keep: those with a kept claim (or the
    `places` of the kept claims, from the rollups) or initiative, plus (unless a claim-only
    filter is set) the communities table's rows."""
    cols = list(LEVELS)
    if places is None and scope.units is not None:
        places = unit_figures.places(scope.units)
    if places is None:
        # a million claims hold a few thousand places: read them off the `place` categorical
        places = pd.DataFrame([tuple(p or None for p in key.split(PLACE_SEP, 2))
                               for key in _present(scope.facts["place"])], columns=cols, dtype=object)
    frames = [places[cols]] if len(places) else []
    # a table counts only when every active filter applies to it (an initiative has no kind)
    active = {FILTER_COLUMNS[n] for n in scope.filters.active()}
    tables = [scope.initiatives] + ([scope.communities] if scope.communities is not None else [])
    for part in tables:
        if len(part) and active <= set(part.columns):
            frames.append(part[cols].drop_duplicates().astype("object"))
    frames = [f[f["community"].notna()] for f in frames]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).drop_duplicates()
    # a row without street/district is the same community as a fuller one of the same name
    full = out.dropna(subset=["street"])
    out = pd.concat([full, out[out["street"].isna() & ~out["community"].isin(full["community"])]])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class ScopeCounts:
    communities: int
    facts: int        # distinct facts (a fact mentioned twice in one source counts once)
    mentions: int     # rows of the claims table
    sources: int      # documents and sheets the kept rows come from
    initiatives: int


def _values(series: pd.Series) -> pa.Array:
    """The distinct non-null values of a column as Arrow strings (of a categorical: from its
    codes, without turning its categories into Python strings)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(series.cat.categories)))
        return _strings(pa.array(series.cat.categories).take(used))
    return _strings(series.dropna())


def _strings(values) -> pa.Array:
    """Strings (an Arrow array, chunked or not, or a sequence) as one Arrow array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object), type=pa.large_string())
    return values.cast(pa.large_string())


def scope_counts(scope: Scope, communities: pd.DataFrame | None = None,
                 rolled: tuple[int, int, np.ndarray, int] | None = None) -> ScopeCounts:
    """`rolled`: from the rollups, the kept claims' facts, mentions, documents that the
    communities or initiatives tables may cite too, and the number of the other documents."""
    facts, mentions, docs, unnamed = rolled if rolled is not None else \
        (len(scope.facts), len(scope.claims), _values(scope.claims["doc"]), 0)
    docs = [_strings(docs), _values(scope.initiatives["doc"])]
    if scope.communities is not None:
        docs.append(_values(scope.communities["doc"]))
    communities = communities_in_scope(scope) if communities is None else communities
    return ScopeCounts(
        communities=len(communities), facts=facts, mentions=mentions,
        sources=len(pc.unique(pa.concat_arrays(docs))) + unnamed,
        initiatives=_distinct_rows(scope.initiatives, ["name", "community"]),
    )


def _distinct_rows(frame: pd.DataFrame, cols: list[str]) -> int:
    """Distinct combinations of `cols` (null equal to null), on integer codes."""
    key = np.zeros(len(frame), dtype="int64")
    for c in cols:
        codes, uniques = pd.factorize(frame[c], use_na_sentinel=True)
        key = key * (len(uniques) + 1) + codes + 1
    return len(np.unique(key))


# ---- drill-down district → street → community ---------------------------------------------------

def drill_level(filters: Filters) -> str:
    """The level a drill-down table shows next: the first level not narrowed to one unit."""
    for level in LEVELS:
        if filters.single(level) is None:
            return level
    return "done"


def summary_by(scope: Scope, level: str, communities: pd.DataFrame | None = None,
               by_status: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit of `level` inside the scope: communities, facts (achieved and planned)
    and initiatives. Claims above that level (a street-wide figure when listing communities) are
    not in any row. Columns: name, communities, facts, achieved, planned, initiatives.
    `by_status`: count_facts(facts, [level, "status"]) made already (from the rollups)."""
    if by_status is None and scope.units is not None:
        by_status = unit_figures.count_facts(scope.units, [level, "status"])
    if by_status is None:
        by_status = count_facts(scope.facts[scope.facts[level].notna().to_numpy()], [level, "status"])
    table = by_status.pivot_table(index=level, columns="status", values="facts", aggfunc="sum",
                                  fill_value=0) if len(by_status) else pd.DataFrame()
    table = table.reindex(columns=["achieved", "planned"], fill_value=0)
    comms = communities_in_scope(scope) if communities is None else communities
    comm_counts = comms.dropna(subset=[level]).groupby(level).size() if level != "community" \
        else pd.Series(1, index=comms["community"].dropna().unique())
    inits = scope.initiatives
    init_counts = inits.dropna(subset=[level]).astype({level: "object"}) \
        .drop_duplicates(["name", "community"]).groupby(level).size()
    names = sorted(set(table.index) | set(comm_counts.index) | set(init_counts.index))
    if level == "district":
        order = [d for d in district_names() if d in names]
        names = order + [n for n in names if n not in order]
    out = pd.DataFrame({"name": names})
    out["communities"] = out["name"].map(comm_counts).fillna(0).astype("int64")
    out["achieved"] = out["name"].map(table["achieved"]).fillna(0).astype("int64")
    out["planned"] = out["name"].map(table["planned"]).fillna(0).astype("int64")
    out["facts"] = out["achieved"] + out["planned"]
    out["initiatives"] = out["name"].map(init_counts).fillna(0).astype("int64")
    out = out.sort_values(["facts", "communities"], ascending=False, kind="stable")
    return out[["name", "communities", "facts", "achieved", "planned", "initiatives"]] \
        .reset_index(drop=True)


def above_level_facts(scope: Scope, level: str) -> int:
    """Facts in scope that name no unit at `level` (city-wide or street-wide figures)."""
    if scope.units is not None:
        return unit_figures.above_level(scope.units, level)
    return int(scope.facts[level].isna().sum())


# ---- programme types --------------------------------------------------------------------------

def programme_summary(scope: Scope) -> pd.DataFrame:
    """One row per programme in scope: facts (achieved, planned), communities with a fact of that
    programme, initiatives. Columns: programme, facts, achieved, planned, communities,
    initiatives; taxonomy order."""
    if scope.units is not None:
        by_status, comm_counts = unit_figures.programme_counts(scope.units)
    else:
        by_status = count_facts(scope.facts, ["programme", "status"])
        with_comm = scope.facts[scope.facts["community"].notna().to_numpy()]
        comm = count_facts(with_comm.assign(one=1), ["programme", "place"]) if len(with_comm) \
            else pd.DataFrame(columns=["programme", "place", "facts"])
        comm_counts = comm.groupby("programme").size()
    table = by_status.pivot_table(index="programme", columns="status", values="facts",
                                  aggfunc="sum", fill_value=0) if len(by_status) else pd.DataFrame()
    table = table.reindex(columns=["achieved", "planned"], fill_value=0)
    inits = scope.initiatives.astype({"programme": "object"}).drop_duplicates(["name", "community"])
    init_counts = inits.groupby("programme").size()
    present = set(table.index) | set(init_counts.index)
    codes = [c for c in programme_codes() if c in present] + sorted(present - set(programme_codes()))
    out = pd.DataFrame({"programme": codes})
    out["achieved"] = out["programme"].map(table["achieved"]).fillna(0).astype("int64")
    out["planned"] = out["programme"].map(table["planned"]).fillna(0).astype("int64")
    out["facts"] = out["achieved"] + out["planned"]
    out["communities"] = out["programme"].map(comm_counts).fillna(0).astype("int64")
    out["initiatives"] = out["programme"].map(init_counts).fillna(0).astype("int64")
    return out[["programme", "facts", "achieved", "planned", "communities", "initiatives"]]
