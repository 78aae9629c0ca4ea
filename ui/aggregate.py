"""The aggregation rules: the only place where figures are added up.

1. Different units are never added: totals are per (kind, unit); 人, 人次 and 户 stay apart.
2. A fact mentioned twice in one source counts once: mentions with the same source document,
   value, unit, place (district, street, community), status and period are one fact.
3. Planned figures are never added to achieved ones: every total is for one status.
4. Kinds whose sum means nothing (percentages, durations, "other") are never totalled.
5. A total is only as exact as its parts: one "3000余" part makes the total "at least"; parts
   with different non-exact qualifiers (余 and 近) make it approximate, and it says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import is_additive, kind_codes

FACT_COLUMNS = ("doc", "value", "unit", "district", "street", "community", "status", "period")
NON_EXACT = ("at_least", "at_most", "approx")


def fact_keys(claims: pd.DataFrame) -> pd.Series:
    """One 64-bit key per fact (rule 2); equal keys are mentions of the same fact."""
    if claims.empty:
        return pd.Series([], dtype="uint64", index=claims.index)
    # Exact ids in mixed radix over the columns' integer codes (null → -1, apart from every
    # value): unlike a hash nothing can collide, and integer codes are ten times faster than
    # hashing the text of a million rows. When the radix would overflow, renumber densely first.
    key = np.zeros(len(claims), dtype="int64")
    span = 1
    for col in FACT_COLUMNS:
        s = claims[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy(dtype="int64")
        else:
            codes = pd.factorize(s, use_na_sentinel=True)[0].astype("int64")
        radix = int(codes.max(initial=-1)) + 2
        if span * radix >= 2 ** 62:
            key = pd.factorize(key)[0].astype("int64")
            span = int(key.max(initial=0)) + 1
        key = key * radix + codes + 1
        span *= radix
    return pd.Series(key, index=claims.index, name="fact_key")


DISTINCT = "distinct_facts"  # DataFrame.attrs flag: rows already one per fact (kept by subsets)


def distinct_facts(claims: pd.DataFrame) -> pd.DataFrame:
    """The first mention of every fact among `claims`. Call it after filtering, so that a filter
    which drops one mention keeps the fact through the other."""
    if claims.attrs.get(DISTINCT):
        return claims
    keys = claims["fact_key"] if "fact_key" in claims else fact_keys(claims)
    out = claims[~keys.duplicated().to_numpy()]
    out.attrs[DISTINCT] = True
    return out


def combine_qualifiers(qualifiers) -> str:
    """The qualifier of a sum (rule 5): exact, at_least, at_most, approx or mixed."""
    present = {q for q in pd.unique(pd.Series(qualifiers, dtype="object").dropna())} & set(NON_EXACT)
    if not present:
        return "exact"
    if len(present) == 1:
        return present.pop()
    return "mixed"


def _qualifier_from_flags(row) -> str:
    present = [q for q in NON_EXACT if row[q]]
    if not present:
        return "exact"
    return present[0] if len(present) == 1 else "mixed"


# Group keys of categorical columns are combined into one integer and counted with np.bincount:
# on a million claims that is ten times faster than DataFrame.groupby, which matters for the
# 0.5 s warm rerun. Above this many possible combinations, groupby is used instead.
MAX_DENSE_GROUPS = 2_000_000


def _group_sums(frame: pd.DataFrame, by: list[str], weights: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows per group ("size") and the sum of each array in `weights`, for the groups that
    occur; rows with a null key are left out. Columns: *by, size, *weights."""
    cats = [frame[c] for c in by]
    dense = all(isinstance(c.dtype, pd.CategoricalDtype) for c in cats)
    radices = [len(c.cat.categories) for c in cats] if dense else []
    if dense and int(np.prod(radices, dtype=float)) <= MAX_DENSE_GROUPS:
        key = np.zeros(len(frame), dtype="int64")
        valid = np.ones(len(frame), dtype=bool)
        for c, r in zip(cats, radices):
            codes = c.cat.codes.to_numpy()
            valid &= codes >= 0
            key = key * r + codes
        key = key[valid]
        size = int(np.prod(radices))
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        out = {}
        rest = present
        for c, r in reversed(list(zip(cats, radices))):
            out[c.name] = np.asarray(c.cat.categories, dtype=object)[rest % r]
            rest = rest // r
        result = pd.DataFrame({name: out[name] for name in by})
        result["size"] = counts[present]
        for name, w in weights.items():
            result[name] = np.bincount(key, weights=np.asarray(w, dtype=float)[valid],
                                       minlength=size)[present]
        return result
    data = pd.DataFrame({**{c.name: c.astype("object") for c in cats}, **weights},
                        index=frame.index)
    grouped = data.groupby(by, sort=False, dropna=True)
    result = grouped.size().rename("size").to_frame()
    if weights:
        result = result.join(grouped[list(weights)].sum())
    return result.reset_index()


def _sum_groups(facts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum `value` per group with the combined qualifier and the number of facts."""
    if facts.empty:
        return pd.DataFrame(columns=[*by, "value", "facts", "qualifier"])
    qual = facts["qualifier"]
    if isinstance(qual.dtype, pd.CategoricalDtype):  # compare integer codes, not a million strings
        codes, cats = qual.cat.codes.to_numpy(), list(qual.cat.categories)
        flags = {q: (codes == cats.index(q)) if q in cats else np.zeros(len(codes), bool)
                 for q in NON_EXACT}
    else:
        flags = {q: (qual == q).to_numpy(dtype=bool) for q in NON_EXACT}
    weights = {"value": facts["value"].to_numpy(dtype=float),
               **{q: f.astype(float) for q, f in flags.items()}}
    out = _group_sums(facts, by, weights).rename(columns={"size": "facts"})
    out["qualifier"] = [_qualifier_from_flags(r) for r in
                        (out[list(NON_EXACT)] > 0).to_dict("records")]
    return out.drop(columns=list(NON_EXACT))


def _additive(facts: pd.DataFrame) -> pd.DataFrame:
    additive = [k for k in kind_codes() if is_additive(k)]
    return facts[facts["kind"].isin(additive).to_numpy()]


def _order_kinds(frame: pd.DataFrame) -> pd.DataFrame:
    order = {k: i for i, k in enumerate(kind_codes())}
    rank = frame["kind"].astype("object").map(order).fillna(len(order))
    keys = ["_rank", "unit"] + (["status"] if "status" in frame else [])  # achieved < planned
    return frame.assign(_rank=rank.to_numpy()).sort_values(keys, kind="stable") \
        .drop(columns="_rank").reset_index(drop=True)


def totals_by_status(claims: pd.DataFrame) -> pd.DataFrame:
    """Per (status, kind, unit) of the additive kinds: value, qualifier, number of facts (rules
    1–5). Columns: status, kind, unit, value, qualifier, facts; kinds in labels.yaml order."""
    # group every kind, then keep the additive ones: cheaper than filtering a million rows first
    out = _sum_groups(distinct_facts(claims), ["status", "kind", "unit"])
    out = _additive(out)
    for col in ("status", "kind", "unit"):
        out[col] = out[col].astype("object")
    return _order_kinds(out)[["status", "kind", "unit", "value", "qualifier", "facts"]]


def totals_by_kind(claims: pd.DataFrame, status: str = "achieved",
                   totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (kind, unit): value, qualifier and number of facts, for one status (rules 1–5).
    Columns: kind, unit, value, qualifier, facts. Pass `totals` (from totals_by_status) to
    reuse a computation."""
    totals = totals_by_status(claims) if totals is None else totals
    part = totals[totals["status"] == status]
    return part[["kind", "unit", "value", "qualifier", "facts"]].reset_index(drop=True)


def achieved_vs_planned(claims: pd.DataFrame, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (kind, unit) the achieved and the planned totals side by side, never added together.
    Columns: kind, unit, status, value, qualifier, facts; only kinds with a planned figure."""
    totals = totals_by_status(claims) if totals is None else totals
    planned = set(zip(*[totals.loc[totals["status"] == "planned", c] for c in ("kind", "unit")]))
    keep = np.array([(k, u) in planned for k, u in zip(totals["kind"], totals["unit"])], dtype=bool)
    both = totals[keep]
    return _order_kinds(both)[["kind", "unit", "status", "value", "qualifier", "facts"]]


def leading_communities(claims: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The `n` communities with the largest achieved total of each additive kind.

    Columns: kind, unit, community, street, district, value, qualifier, facts, rank."""
    facts = distinct_facts(claims)
    facts = facts[(facts["status"] == "achieved").to_numpy() & facts["community"].notna().to_numpy()]
    facts = _additive(facts)
    cols = ["kind", "unit", "community", "street", "district", "value", "qualifier", "facts", "rank"]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    # a community name is unique within its street, not city-wide: group by the full place
    sums = _sum_groups(facts.assign(street=facts["street"].astype("object").fillna(""),
                                    district=facts["district"].astype("object").fillna("")),
                       ["kind", "unit", "district", "street", "community"])
    for col in ("kind", "unit", "district", "street", "community"):
        sums[col] = sums[col].astype("object")
    sums = sums.sort_values(["kind", "unit", "value", "community"],
                            ascending=[True, True, False, True], kind="stable")
    sums["rank"] = sums.groupby(["kind", "unit"]).cumcount() + 1
    top = sums[sums["rank"] <= n]
    return _order_kinds(top)[cols]  # stable: keeps the value order inside each kind


def count_facts(claims: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Number of distinct facts per group (a count, so any kind may be counted together)."""
    facts = distinct_facts(claims)
    if facts.empty:
        return pd.DataFrame(columns=[*by, "facts"])
    out = _group_sums(facts, by, {}).rename(columns={"size": "facts"})
    for col in by:
        out[col] = out[col].astype("object")
    return out


def district_programme_matrix(claims: pd.DataFrame) -> pd.DataFrame:
    """Distinct facts per district (rows) × programme (columns); claims without a district
    (city-wide figures) are left out, since they belong to no row."""
    counts = count_facts(claims[claims["district"].notna().to_numpy()], ["district", "programme"])
    if counts.empty:
        return pd.DataFrame()
    return counts.pivot(index="district", columns="programme", values="facts").fillna(0) \
        .astype("int64")
