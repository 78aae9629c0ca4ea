"""The aggregation rules: the only place where figures are added up. They work on indicators
(指标, loaders/data/indicators.yaml), each with its aggregation rule.

1. Totals are per indicator (and unit): 服务人次, 志愿者人数 and 参与人数 are never added together,
   nor 营收 to 投入资金. `其他` (no indicator) and `none` indicators are never totalled.
2. A fact mentioned twice in one source counts once: mentions with the same source document,
   value, unit, indicator, period of a rate, place, status and year are one fact — unless they
   are in the same sentence, which never repeats a fact (培育5家企业、1个创业个体，引入1个社会组织).
3. Planned figures are never added to achieved ones: every total is for one status.
4. `sum` indicators add up; `stock` indicators (population, households, members, floor area) are
   never added over years or sources: per place the latest figure (by year), else the largest,
   and the places are added; a figure with a period (日均, 年均, 年营收: `per`) is a `rate` and
   percentages are `share`s: neither is ever added — their range (lowest–highest) is shown.
5. A total is only as exact as its parts: one "3000余" part makes the total "at least"; parts
   with different non-exact qualifiers (余 and 近) make it approximate, and it says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.indicators import aggregation_of, indicator_codes

FACT_COLUMNS = ("doc", "value", "unit", "indicator", "per", "district", "street", "community",
                "status", "period")
ADDITIVE = ("sum", "stock")   # rules whose figures make a total
SPREAD = ("rate", "share")    # rules shown as a range, never added
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
    if "evidence_start" in claims:
        key = _apart_within_sentence(key, claims["evidence_start"])
    return pd.Series(key, index=claims.index, name="fact_key")


def _apart_within_sentence(key: np.ndarray, sentence) -> np.ndarray:
    """Equal keys in one sentence (same evidence_start) are different facts: the k-th of them
    gets its own key. Only rows whose key repeats are looked at (a few per cent)."""
    sentence = pd.array(sentence, dtype="Int64")
    repeated = pd.Series(key).duplicated(keep=False).to_numpy() & ~np.asarray(sentence.isna())
    if not repeated.any():
        return key
    rows = np.flatnonzero(repeated)
    pair = pd.DataFrame({"k": key[rows], "s": np.asarray(sentence[rows], dtype="int64")})
    nth = pair.groupby(["k", "s"], sort=False).cumcount().to_numpy()
    if not nth.any():
        return key
    key = pd.factorize(key)[0].astype("int64")       # dense, so the k-th can be folded in
    key = key * (int(nth.max()) + 1)
    key[rows] += nth
    return key


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


def rules(frame: pd.DataFrame) -> np.ndarray:
    """The aggregation rule of each row (rule 4): its indicator's, or "rate" when it has a period."""
    ind, per = frame["indicator"], frame["per"]
    if isinstance(ind.dtype, pd.CategoricalDtype):
        table = np.array([aggregation_of(c) for c in ind.cat.categories] + ["none"], dtype=object)
        out = table[ind.cat.codes.to_numpy()]      # code -1 (null) → the appended "none"
    else:
        out = np.array([aggregation_of(c) for c in ind.astype("object")], dtype=object)
    has_per = (per.cat.codes.to_numpy() >= 0) if isinstance(per.dtype, pd.CategoricalDtype) \
        else per.notna().to_numpy()
    out = out.copy()
    out[has_per] = "rate"
    return out


def _period_rank(frame: pd.DataFrame) -> np.ndarray:
    """A number that grows with the year of each row (-1 without one)."""
    period = frame["period"]
    if not isinstance(period.dtype, pd.CategoricalDtype):
        period = period.astype("category")
    cats = [str(c) for c in period.cat.categories]
    order = np.argsort(np.argsort(np.array(cats, dtype=object))) if cats else np.array([], int)
    codes = period.cat.codes.to_numpy()
    return np.where(codes >= 0, order[np.maximum(codes, 0)] if len(cats) else -1, -1)


def _codes(s: pd.Series) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(dtype="int64")
    return pd.factorize(s.astype("object"), use_na_sentinel=True)[0].astype("int64")


def latest_per_place(facts: pd.DataFrame) -> pd.DataFrame:
    """Of stock facts, one per (status, indicator, unit, place): the latest year, then the
    largest value (rule 4)."""
    if facts.empty:
        return facts
    place = facts["place"] if "place" in facts else \
        facts[["district", "street", "community"]].astype("object").fillna("").agg("|".join, axis=1)
    key = np.zeros(len(facts), dtype="int64")
    for s in (facts["status"], facts["indicator"], facts["unit"], place):
        c = _codes(s)
        key = key * (int(c.max(initial=0)) + 2) + c + 1
    order = np.lexsort((facts["value"].to_numpy(dtype=float), _period_rank(facts), key))
    k = key[order]
    last = np.r_[k[1:] != k[:-1], True]
    return facts.iloc[np.sort(order[last])]


def _as_object(frame: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        if col in frame:
            frame[col] = frame[col].astype("object")
    return frame


def indicator_sums(facts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per (*by, indicator, unit) the total of the additive indicators (rules 1, 4, 5): `sum`
    facts added, `stock` facts one per place then added. Columns: *by, indicator, unit, rule,
    value, qualifier, facts (facts behind the total), counted (facts in it)."""
    cols = [*by, "indicator", "unit", "rule", "value", "qualifier", "facts", "counted"]
    facts = distinct_facts(facts)
    rule = rules(facts)
    parts = []
    for name in ADDITIVE:
        part = facts[(rule == name)]
        if part.empty:
            continue
        chosen = latest_per_place(part) if name == "stock" else part
        sums = _sum_groups(chosen, [*by, "indicator", "unit"]).rename(columns={"facts": "counted"})
        if name == "stock":
            behind = _group_sums(part, [*by, "indicator", "unit"], {}).rename(columns={"size": "facts"})
            sums = _with_behind(sums, behind, [*by, "indicator", "unit"])
        else:
            sums["facts"] = sums["counted"]
        sums["rule"] = name
        parts.append(sums)
    if not parts:
        return pd.DataFrame(columns=cols)
    out = _as_object(pd.concat(parts, ignore_index=True), [*by, "indicator", "unit"])
    return order_indicators(out)[cols]


def _with_behind(sums: pd.DataFrame, behind: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    sums = _as_object(sums, keys)
    behind = _as_object(behind, keys)
    return sums.merge(behind, how="left", on=keys)


def indicator_spreads(facts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per (*by, indicator, per, unit) the range of the rates and shares (rule 4): never added.
    Columns: *by, indicator, per, unit, rule, value (highest), low (lowest), qualifier, facts."""
    cols = [*by, "indicator", "per", "unit", "rule", "value", "low", "qualifier", "facts"]
    facts = distinct_facts(facts)
    rule = rules(facts)
    part = facts[np.isin(rule, SPREAD)]
    if part.empty:
        return pd.DataFrame(columns=cols)
    keys = [*by, "indicator", "per", "unit"]
    frame = _as_object(part[keys + ["value", "qualifier"]].copy(), keys + ["qualifier"])
    frame["per"] = frame["per"].fillna("")
    grouped = frame.groupby(keys, sort=False, dropna=False)
    out = grouped["value"].agg(value="max", low="min", facts="size").reset_index()
    out["qualifier"] = grouped["qualifier"].agg(combine_qualifiers).to_numpy()
    out["per"] = out["per"].replace("", None)
    out["rule"] = [aggregation_of(i, p) for i, p in zip(out["indicator"], out["per"])]
    return order_indicators(out)[cols]


def order_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in catalogue order, then no period before periods, achieved before planned."""
    order = {k: i for i, k in enumerate(indicator_codes())}
    rank = frame["indicator"].astype("object").map(order).fillna(len(order))
    keys = ["_rank", "unit"] + (["per"] if "per" in frame else []) \
        + (["status"] if "status" in frame else [])
    return frame.assign(_rank=rank.to_numpy()).sort_values(
        keys, kind="stable", na_position="first").drop(columns="_rank").reset_index(drop=True)


TOTAL_COLUMNS = ["status", "indicator", "per", "unit", "rule", "value", "low", "qualifier",
                 "facts", "counted"]


def totals_by_status(claims: pd.DataFrame) -> pd.DataFrame:
    """Per (status, indicator, per, unit) (rules 1–5): the totals of sum and stock indicators and
    the ranges of rates and shares. Columns: TOTAL_COLUMNS; `low` equals `value` for totals and
    `counted` is the number of facts inside a total (a stock counts one per place)."""
    sums = indicator_sums(claims, ["status"]).assign(per=None)
    sums["low"] = sums["value"]
    spreads = indicator_spreads(claims, ["status"])
    spreads["counted"] = 0
    frames = [f for f in (sums, spreads) if len(f)]
    if not frames:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    return order_indicators(pd.concat(frames, ignore_index=True))[TOTAL_COLUMNS]


def totals_by_indicator(claims: pd.DataFrame, status: str = "achieved",
                        totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """totals_by_status for one status, without the status column. Pass `totals` (from
    totals_by_status) to reuse a computation."""
    totals = totals_by_status(claims) if totals is None else totals
    part = totals[totals["status"] == status]
    return part[[c for c in TOTAL_COLUMNS if c != "status"]].reset_index(drop=True)


def achieved_vs_planned(claims: pd.DataFrame, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per indicator total (sum or stock) that has a planned figure, the achieved and the planned
    totals side by side, never added together. Columns: indicator, unit, status, value,
    qualifier, facts."""
    totals = totals_by_status(claims) if totals is None else totals
    totals = totals[totals["rule"].isin(ADDITIVE).to_numpy()]
    planned = set(zip(*[totals.loc[totals["status"] == "planned", c] for c in ("indicator", "unit")]))
    keep = np.array([(k, u) in planned for k, u in zip(totals["indicator"], totals["unit"])],
                    dtype=bool)
    return order_indicators(totals[keep])[["indicator", "unit", "status", "value", "qualifier",
                                           "facts"]]


def leading_communities(claims: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The `n` communities with the largest achieved total of each sum or stock indicator.

    Columns: indicator, unit, rule, community, street, district, value, qualifier, facts, rank."""
    facts = distinct_facts(claims)
    facts = facts[(facts["status"] == "achieved").to_numpy() & facts["community"].notna().to_numpy()]
    cols = ["indicator", "unit", "rule", "community", "street", "district", "value", "qualifier",
            "facts", "rank"]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    # a community name is unique within its street, not city-wide: group by the full place
    facts = facts.assign(street=facts["street"].astype("object").fillna(""),
                         district=facts["district"].astype("object").fillna(""))
    sums = indicator_sums(facts, ["district", "street", "community"])
    if sums.empty:
        return pd.DataFrame(columns=cols)
    sums = sums.sort_values(["indicator", "unit", "value", "community"],
                            ascending=[True, True, False, True], kind="stable")
    sums["rank"] = sums.groupby(["indicator", "unit"]).cumcount() + 1
    top = sums[sums["rank"] <= n]
    return order_indicators(top)[cols]  # stable: keeps the value order inside each indicator


def count_facts(claims: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Number of distinct facts per group (a count, so any kind may be counted together)."""
    facts = distinct_facts(claims)
    if facts.empty:
        return pd.DataFrame(columns=[*by, "facts"])
    out = _group_sums(facts, by, {}).rename(columns={"size": "facts"})
    for col in by:
        out[col] = out[col].astype("object")
    return out


def district_programme_matrix(claims: pd.DataFrame, indicator: str | None = None) -> pd.DataFrame:
    """District (rows) × programme (columns): distinct facts, or, for a sum or stock `indicator`,
    its achieved total (rules 1–5); claims without a district (city-wide figures) are left out,
    since they belong to no row."""
    claims = claims[claims["district"].notna().to_numpy()]
    if indicator is None:
        counts = count_facts(claims, ["district", "programme"])
        if counts.empty:
            return pd.DataFrame()
        return counts.pivot(index="district", columns="programme", values="facts").fillna(0) \
            .astype("int64")
    part = claims[(claims["indicator"] == indicator).to_numpy()
                  & (claims["status"] == "achieved").to_numpy()]
    sums = indicator_sums(part, ["district", "programme"])
    if sums.empty:
        return pd.DataFrame()
    return sums.pivot_table(index="district", columns="programme", values="value",
                            aggfunc="sum").fillna(0)
