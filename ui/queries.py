"""Queries behind the pages: the shared filters, drill-down, search, profiles (no Streamlit here)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.programmes import programme_codes

from .aggregate import count_facts, distinct_facts
from .dataset import PLACE_SEP, Dataset
from .formatting import format_quantity
from .labels import (confidence_label, district_names, indicator_label, indicator_options,
                     kind_codes, kind_label, programme_label, qualifier_label, source_type_label,
                     status_codes, status_label, unit_label)

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
    claims: pd.DataFrame        # ds.numbers rows the filters keep (every mention)
    facts: pd.DataFrame         # one row per fact among them
    initiatives: pd.DataFrame
    communities: pd.DataFrame | None  # communities-table rows, None when a claim-only filter is set


def scope_of(ds: Dataset, filters: Filters) -> Scope:
    claims = apply_filters(ds.numbers, filters)
    if any(getattr(filters, n) for n in FACT_SPLITTING):
        facts = distinct_facts(claims)
    else:  # the store-wide first mentions are still first mentions: no need to dedupe again
        facts = apply_filters(ds.facts, filters)
    claim_only = any(getattr(filters, n) for n in CLAIM_ONLY)
    return Scope(filters=filters, claims=claims, facts=facts,
                 initiatives=apply_filters(ds.initiatives, filters),
                 communities=None if claim_only else apply_filters(ds.communities, filters))


def communities_in_scope(scope: Scope, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distinct (district, street, community) the filters keep: those with a kept claim (or the
    `places` of the kept claims, from the rollups) or initiative, plus (unless a claim-only
    filter is set) the communities table's rows."""
    cols = list(LEVELS)
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
    return int(scope.facts[level].isna().sum())


# ---- claims explorer --------------------------------------------------------------------------

SEARCH_COLUMNS = ("text", "evidence", "object", "community", "street", "district", "doc")


def _contains(series: pd.Series, term: str) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = pd.Series(series.cat.categories.astype("object"))
        hit = cats[cats.str.contains(term, regex=False, na=False)]
        return series.isin(hit).to_numpy()
    return series.str.contains(term, regex=False, na=False).to_numpy()


def search_claims(claims: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows that contain every whitespace-separated term of `query` in some text column, or whose
    programme's Chinese label contains the term."""
    mask = np.ones(len(claims), dtype=bool)
    for term in (query or "").split():
        hit = np.zeros(len(claims), dtype=bool)
        for col in SEARCH_COLUMNS:
            if col in claims:
                hit |= _contains(claims[col], term)
        codes = [c for c in programme_codes() if term in programme_label(c)]
        if codes:
            hit |= claims["programme"].isin(codes).to_numpy()
        mask &= hit
    return claims[mask]


SORTS = {
    "source": ("按来源与原文顺序", ["doc", "start", "row"], [True, True, True]),
    "value_desc": ("按数值从大到小", ["indicator", "value"], [True, False]),
    "value_asc": ("按数值从小到大", ["indicator", "value"], [True, True]),
    "place": ("按区县、街道、社区", ["district", "street", "community", "doc", "start"],
              [True, True, True, True, True]),
    "batch": ("按导入批次（新→旧）", ["batch_id", "doc", "start"], [False, True, True]),
}


def sort_claims(claims: pd.DataFrame, how: str) -> pd.DataFrame:
    _, cols, ascending = SORTS[how]
    frame = claims
    keys = {}
    indicator_rank = {k: i for i, k in enumerate(indicator_options())}
    for col in cols:
        s = frame[col]
        if col == "indicator":  # in catalogue order, as the overview shows them
            keys[col] = s.astype("object").map(indicator_rank)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            # categoricals sort by category order, which is read order; sort by the text
            keys[col] = s.astype("object")
        else:
            keys[col] = s
    order = pd.DataFrame(keys, index=frame.index).sort_values(
        cols, ascending=ascending, kind="stable", na_position="last").index
    return frame.loc[order]


CLAIM_COLUMNS = {  # display column → how it is made from a claims row
    "原文": "text", "数值": None, "指标": "indicator", "类别": "kind", "口径": "qualifier", "对象": "object",
    "社区": "community", "街道": "street", "区县": "district", "项目类型": "programme",
    "状态": "status", "年份": "period", "地点可信度": "place_confidence", "地点依据": "place_note",
    "依据原句": "evidence", "来源": "doc",
    "批次": "batch_id", "标准值": "value", "单位": "unit", "编号": "claim_id",
}


def _label_column(series: pd.Series, label) -> pd.Series:
    # map the distinct values only: a million rows have a few dozen distinct codes
    values = series.astype("object")
    mapping = {v: label(v) for v in pd.unique(values) if isinstance(v, str)}
    return values.map(mapping)


def claims_table(claims: pd.DataFrame, sources: dict | None = None) -> pd.DataFrame:
    """Claims as the explorer and the exports show them: Chinese headers and labels, the figure
    written out with its qualifier (3000余人次), the canonical value and unit kept for sums.
    With `sources` (doc_labels), the 来源 column names each document by its title."""
    out = pd.DataFrame(index=claims.index)
    for header, col in CLAIM_COLUMNS.items():
        if header == "数值":
            out[header] = [format_quantity(v, u, q) for v, u, q in
                           zip(claims["value"], claims["unit"].astype("object"),
                               claims["qualifier"].astype("object"))]
        elif col == "indicator":
            out[header] = [indicator_label(i, p) for i, p in
                           zip(claims["indicator"].astype("object"), claims["per"].astype("object"))]
        elif col == "kind":
            out[header] = _label_column(claims[col], kind_label)
        elif col == "qualifier":
            out[header] = _label_column(claims[col], qualifier_label)
        elif col == "programme":
            out[header] = _label_column(claims[col], programme_label)
        elif col == "status":
            out[header] = _label_column(claims[col], status_label)
        elif col == "place_confidence":
            out[header] = _label_column(claims[col], confidence_label)
        elif col == "unit":
            out[header] = _label_column(claims[col], unit_label)
        elif col == "doc" and sources:
            out[header] = _label_column(claims[col], lambda d: sources.get(d, d))
        else:
            out[header] = claims[col].astype("object")
    return out.reset_index(drop=True)


def batch_info(ds: Dataset, batch_id: str) -> dict:
    """The manifest of a batch (file, uploader, time, kind), or just its id if unknown."""
    b = ds.batches
    if len(b) and "batch_id" in b:
        row = b[b["batch_id"] == batch_id]
        if len(row):
            return {k: v for k, v in row.iloc[0].to_dict().items()
                    if not (isinstance(v, float) and np.isnan(v))}
    return {"batch_id": batch_id}


DEFAULT_DATA = "看板默认数据"


def describe_batch(file, uploader, time, kind=None, inline: bool = False) -> str:
    """A batch as a person knows it: the file, who imported it and when (never its id):
    "三季度台账.xlsx（张三，2026-12-01）", or inline "导入：三季度台账.xlsx，张三，2026-12-01"."""
    if kind == "default":
        return DEFAULT_DATA
    parts = [str(x) for x in (uploader, str(time or "")[:10]) if isinstance(x, str) and x]
    name = file if isinstance(file, str) and file else "导入的数据"
    if inline:
        return "导入：" + "，".join([name, *parts])
    return f"{name}（{'，'.join(parts)}）" if parts else name


def batch_labels(ds: Dataset, inline: bool = False) -> dict[str, str]:
    """batch id → describe_batch, distinct (two batches of one file the same day get their
    time of day)."""
    cache = ds.__dict__.setdefault("_label_cache", {})
    if ("batch", inline) not in cache:
        b = ds.batches
        labels: dict[str, str] = {}
        if len(b) and "batch_id" in b:
            for row in b.to_dict("records"):
                label = describe_batch(row.get("file"), row.get("uploader"), row.get("time"),
                                       row.get("kind"), inline)
                if label in labels.values():
                    label = f"{label} {str(row.get('time') or '')[11:19]}".rstrip()
                labels[row["batch_id"]] = label
        cache[("batch", inline)] = labels
    return cache[("batch", inline)]


def doc_labels(ds: Dataset) -> dict[str, str]:
    """document (file name in the store) → 《title》, numbered when two share a title; the file
    name itself when the document has no title (a spreadsheet)."""
    cache = ds.__dict__.setdefault("_label_cache", {})
    if "doc" not in cache:
        d = ds.documents
        titles = (d.drop_duplicates("doc").set_index("doc")["title"] if len(d)
                  else pd.Series(dtype=object))
        counts = titles.value_counts()
        seen: dict[str, int] = {}
        labels = {}
        for doc, title in sorted(titles.items(), key=lambda kv: str(kv[0])):
            if not isinstance(title, str) or not title:
                labels[doc] = str(doc)
                continue
            seen[title] = seen.get(title, 0) + 1
            labels[doc] = f"《{title}》" + (f"（{seen[title]}）" if counts[title] > 1 else "")
        cache["doc"] = labels
    return cache["doc"]


def document_info(ds: Dataset, doc: str) -> dict:
    d = ds.documents
    row = d[d["doc"] == doc]
    info = row.iloc[0].to_dict() if len(row) else {"doc": doc}
    if info.get("source_type") is not None and not pd.isna(info.get("source_type")):
        info["source_type_label"] = source_type_label(info["source_type"])
    return info


# ---- community profile ------------------------------------------------------------------------

def community_key(district, street, community) -> str:
    return "|".join("" if pd.isna(x) else str(x) for x in (district, street, community))


def split_community_key(key: str) -> tuple[str | None, str | None, str]:
    district, street, community = key.split("|", 2)   # a community name may itself hold "|"
    return district or None, street or None, community


def community_key_label(key: str) -> str:
    district, street, community = split_community_key(key)
    where = "".join(x for x in (district, street) if x)
    return f"{community}（{where}）" if where else community


def community_choices(scope: Scope) -> list[str]:
    """Keys of the communities in scope, by district (tile order), street, name."""
    comms = communities_in_scope(scope)
    order = {d: i for i, d in enumerate(district_names())}
    comms = comms.assign(_d=comms["district"].map(order).fillna(len(order)))
    comms = comms.sort_values(["_d", "street", "community"], na_position="last", kind="stable")
    return [community_key(*r) for r in comms[list(LEVELS)].itertuples(index=False)]


def _same_community(frame: pd.DataFrame, district, street, community) -> np.ndarray:
    mask = np.array(frame["community"] == community, dtype=bool)  # a writable copy; null → False
    for col, value in (("street", street), ("district", district)):
        if value:
            # a row that leaves the street or district blank still belongs to this community
            mask &= np.array((frame[col] == value) | frame[col].isna(), dtype=bool)
    return mask


@dataclass
class CommunityProfile:
    community: str
    street: str | None
    district: str | None
    secretary: str | None
    title: str | None
    programmes: list[str]      # programme codes, most facts first
    claims: pd.DataFrame
    initiatives: pd.DataFrame
    documents: pd.DataFrame    # doc, title


def community_profile(ds: Dataset, key: str, filters: Filters | None = None) -> CommunityProfile:
    """Everything known about one community; `filters` (if given) narrow its claims."""
    district, street, community = split_community_key(key)
    rows = ds.communities[_same_community(ds.communities, district, street, community)]
    claims = ds.claim_rows(ds.numbers.index[_same_community(ds.numbers, district, street, community)])
    inits = ds.initiatives[_same_community(ds.initiatives, district, street, community)]
    if filters is not None:
        scoped = filters.without(*LEVELS)
        claims, inits = apply_filters(claims, scoped), apply_filters(inits, scoped)

    def first(col):
        values = rows[col].dropna() if col in rows else []
        return values.iloc[-1] if len(values) else None  # the latest source wins

    progs = count_facts(claims, ["programme"]).sort_values("facts", ascending=False)
    programmes = list(progs["programme"])
    for p in inits["programme"].astype("object").dropna().unique():
        if p not in programmes:
            programmes.append(p)
    docs = sorted(set(rows["doc"].dropna()) | _present(claims["doc"]) | _present(inits["doc"]))
    titles = ds.documents.set_index("doc")["title"] if len(ds.documents) else pd.Series(dtype=object)
    documents = pd.DataFrame({"doc": docs, "title": [titles.get(d) for d in docs]})
    return CommunityProfile(community=community, street=street or first("street"),
                            district=district or first("district"), secretary=first("secretary"),
                            title=first("title"), programmes=programmes,
                            claims=sort_claims(claims, "source"), initiatives=inits,
                            documents=documents)


# ---- initiatives ------------------------------------------------------------------------------

INITIATIVE_SEARCH = ("name", "community", "street", "district", "evidence", "doc")


def search_initiatives(initiatives: pd.DataFrame, query: str) -> pd.DataFrame:
    mask = np.ones(len(initiatives), dtype=bool)
    for term in (query or "").split():
        hit = np.zeros(len(initiatives), dtype=bool)
        for col in INITIATIVE_SEARCH:
            hit |= _contains(initiatives[col], term)
        codes = [c for c in programme_codes() if term in programme_label(c)]
        hit |= initiatives["programme"].isin(codes).to_numpy()
        mask &= hit
    return initiatives[mask]


def initiatives_table(initiatives: pd.DataFrame, sources: dict | None = None) -> pd.DataFrame:
    """One row per named project (the same project in two sources is listed once, sources
    joined), with Chinese headers; with `sources` (doc_labels) documents named by title."""
    if initiatives.empty:
        return pd.DataFrame(columns=["项目名称", "社区", "街道", "区县", "项目类型", "状态",
                                     "来源", "依据原句"])
    frame = initiatives.astype({c: "object" for c in initiatives.columns
                                if isinstance(initiatives[c].dtype, pd.CategoricalDtype)})
    keys = ["name", "community", "street", "district"]
    grouped = frame.fillna({k: "" for k in keys}).groupby(keys, sort=False, dropna=False)
    out = grouped.agg(programme=("programme", "first"), status=("status", "first"),
                      doc=("doc", lambda s: "、".join(dict.fromkeys(
                          (sources or {}).get(d, d) for d in s.dropna()))),
                      evidence=("evidence", "first")).reset_index()
    return pd.DataFrame({
        "项目名称": out["name"], "社区": out["community"].replace("", None),
        "街道": out["street"].replace("", None), "区县": out["district"].replace("", None),
        "项目类型": out["programme"].map(programme_label),
        "状态": out["status"].map(status_label), "来源": out["doc"], "依据原句": out["evidence"],
    })


# ---- programme types --------------------------------------------------------------------------

def programme_summary(scope: Scope) -> pd.DataFrame:
    """One row per programme in scope: facts (achieved, planned), communities with a fact of that
    programme, initiatives. Columns: programme, facts, achieved, planned, communities,
    initiatives; taxonomy order."""
    by_status = count_facts(scope.facts, ["programme", "status"])
    table = by_status.pivot_table(index="programme", columns="status", values="facts",
                                  aggfunc="sum", fill_value=0) if len(by_status) else pd.DataFrame()
    table = table.reindex(columns=["achieved", "planned"], fill_value=0)
    with_comm = scope.facts[scope.facts["community"].notna().to_numpy()]
    comm = count_facts(with_comm.assign(one=1), ["programme", "place"]) if len(with_comm) else \
        pd.DataFrame(columns=["programme", "place", "facts"])
    comm_counts = comm.groupby("programme").size() if len(comm) else pd.Series(dtype="int64")
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
