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

from loaders.indicators import AGGREGATIONS, aggregation_of, indicator_codes, per_capita_rules

from .groups import Keys, last_per_group, reduce

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


def _rule_codes(frame: pd.DataFrame) -> np.ndarray:
    """Index into AGGREGATIONS of each row's rule (rule 4): its indicator's, or "rate" when it
    has a period. Computed on the categories, not the rows."""
    ind, per = frame["indicator"], frame["per"]
    if not isinstance(ind.dtype, pd.CategoricalDtype):
        ind = ind.astype("object").astype("category")
    table = np.array([AGGREGATIONS.index(aggregation_of(c)) for c in ind.cat.categories]
                     + [AGGREGATIONS.index("none")], dtype="int8")
    out = table[ind.cat.codes.to_numpy()]         # code -1 (null) → the appended "none"
    has_per = (per.cat.codes.to_numpy() >= 0) if isinstance(per.dtype, pd.CategoricalDtype) \
        else per.notna().to_numpy()
    out[has_per] = AGGREGATIONS.index("rate")
    return out


def rules(frame: pd.DataFrame) -> np.ndarray:
    """The aggregation rule of each row (rule 4): its indicator's, or "rate" when it has a period."""
    return np.array(AGGREGATIONS, dtype=object)[_rule_codes(frame)]


def _period_rank(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """A number per row of `rows` that grows with its year (-1 without one)."""
    period = frame["period"]
    if not isinstance(period.dtype, pd.CategoricalDtype):
        period = period.astype("object").astype("category")
    cats = np.array([str(c) for c in period.cat.categories], dtype=object)
    rank = np.argsort(np.argsort(cats)) if len(cats) else np.zeros(0, dtype="int64")
    return np.r_[rank, -1][period.cat.codes.to_numpy()[rows]]   # code -1 (null) → the last, -1


def _place_names(facts: pd.DataFrame) -> list[str]:
    return ["place"] if "place" in facts else ["district", "street", "community"]


def _indicator_table(facts: pd.DataFrame, by: list[str], spreads: bool) -> pd.DataFrame:
    """Per (*by, indicator, per, unit): sum and stock totals (rules 1, 4, 5) and, with
    `spreads`, the ranges of rates and shares. Columns: *by, indicator, per, unit, rule, value,
    low, qualifier, facts, counted; in no particular order."""
    facts = distinct_facts(facts)
    value = facts["value"].to_numpy(dtype=float)
    qualifier = facts["qualifier"]
    keys = Keys.of(facts, [*by, "indicator", "per", "unit"])
    # every row at once (no copy), then keep the additive groups: cheaper than selecting the
    # rows of each rule first
    out = reduce(keys, None, value, qualifier)
    out["rule"] = [aggregation_of(i, p) for i, p in zip(out["indicator"], out["per"])]
    out = out[out["rule"].isin(ADDITIVE).to_numpy()]
    out = out.assign(low=out["value"], counted=out["facts"])
    rule = _rule_codes(facts)
    stock = np.flatnonzero(rule == AGGREGATIONS.index("stock"))
    if len(stock):     # stocks: the latest (else largest) figure of each place, then added
        place = Keys.of(facts, [*by, "status", "indicator", "unit", *_place_names(facts)])
        chosen = last_per_group(place, stock, _period_rank(facts, stock), value[stock])
        latest = reduce(keys, chosen, value, qualifier)
        found = {tuple(r[:len(keys.names)]): r[len(keys.names):] for r in
                 zip(*(latest[c] for c in keys.names), latest["value"], latest["qualifier"],
                     latest["facts"])}
        names = keys.names
        picked = [found.get(k) for k in zip(*(out[c] for c in names))]
        is_stock = (out["rule"] == "stock").to_numpy()
        for col, i in (("value", 0), ("qualifier", 1), ("counted", 2)):
            out[col] = [p[i] if st and p is not None else v
                        for p, st, v in zip(picked, is_stock, out[col])]
        out["low"] = out["value"]
    parts = [out]
    if spreads:
        rows = np.flatnonzero(np.isin(rule, [AGGREGATIONS.index(r) for r in SPREAD]))
        if len(rows):
            ranges = reduce(keys, rows, value, qualifier, spread=True)
            ranges["rule"] = [aggregation_of(i, p) for i, p in
                              zip(ranges["indicator"], ranges["per"])]
            parts.append(ranges.assign(counted=0))
    return pd.concat([p for p in parts if len(p)] or [out], ignore_index=True)


def indicator_sums(facts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per (*by, indicator, unit) the total of the additive indicators (rules 1, 4, 5): `sum`
    facts added, `stock` facts one per place then added. Columns: *by, indicator, unit, rule,
    value, qualifier, facts (facts behind the total), counted (facts in it)."""
    cols = [*by, "indicator", "unit", "rule", "value", "qualifier", "facts", "counted"]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    return order_indicators(_indicator_table(facts, by, spreads=False))[cols]


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
    if claims.empty:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    return order_indicators(_indicator_table(claims, ["status"], spreads=True))[TOTAL_COLUMNS]


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


LEADING_COLUMNS = ["indicator", "unit", "rule", "community", "street", "district", "value",
                   "qualifier", "facts", "rank"]


def leading_communities(claims: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The `n` communities with the largest achieved total of each sum or stock indicator.

    Columns: LEADING_COLUMNS."""
    facts = distinct_facts(claims)
    facts = facts[(facts["status"] == "achieved").to_numpy() & facts["community"].notna().to_numpy()]
    if facts.empty:
        return pd.DataFrame(columns=LEADING_COLUMNS)
    # a community name is unique within its street, not city-wide: group by the full place
    return rank_leading(indicator_sums(facts, ["district", "street", "community"]), n)


def rank_leading(sums: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first `n` places of each (indicator, unit) of per-place totals (indicator_sums by
    district, street, community): largest first, a tie by name, street, district."""
    if sums.empty:
        return pd.DataFrame(columns=LEADING_COLUMNS)
    # only the rows that can make the first n (ties at the n-th value kept) are sorted
    near = sums.groupby(["indicator", "unit"])["value"].rank(method="min", ascending=False) <= n
    sums = sums[near.to_numpy()].sort_values(["indicator", "unit", "value", "community", "street", "district"],
                            ascending=[True, True, False, True, True, True], kind="stable")
    sums["rank"] = sums.groupby(["indicator", "unit"]).cumcount() + 1
    top = sums[sums["rank"] <= n]
    return order_indicators(top)[LEADING_COLUMNS]  # stable: keeps the value order inside each


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
    if indicator is None:    # rows with a null district are in no group: no need to drop them
        counts = count_facts(claims, ["district", "programme"])
        if counts.empty:
            return pd.DataFrame()
        return counts.pivot(index="district", columns="programme", values="facts").fillna(0) \
            .astype("int64")
    part = claims[(claims["indicator"] == indicator).to_numpy()
                  & (claims["status"] == "achieved").to_numpy() & claims["district"].notna().to_numpy()]
    sums = indicator_sums(part, ["district", "programme"])
    if sums.empty:
        return pd.DataFrame()
    return sums.pivot_table(index="district", columns="programme", values="value",
                            aggfunc="sum").fillna(0)


def per_capita(totals: pd.DataFrame) -> pd.DataFrame:
    """Per-capita figures of one place from its totals (totals_by_indicator): where a base stock
    (常住人口, 住户数) is known, each listed indicator ÷ base × scale (每千人志愿者人数), labelled
    with the base. Columns: label, indicator, unit, value, qualifier, base, base_value, scale."""
    cols = ["label", "indicator", "unit", "value", "qualifier", "base", "base_value", "scale"]
    rows = []
    plain = totals[totals["per"].isna().to_numpy() & totals["rule"].isin(ADDITIVE).to_numpy()]
    found = {r.indicator: r for r in plain.itertuples()}
    for rule in per_capita_rules():
        base = found.get(rule["base"])
        if base is None or not base.value:
            continue
        for code in rule["indicators"]:
            r = found.get(code)
            if r is None:
                continue
            qualifier = "exact" if r.qualifier == base.qualifier == "exact" else "approx"
            rows.append((rule["label"], code, r.unit, r.value / base.value * rule["scale"],
                         qualifier, rule["base"], base.value, rule["scale"]))
    return pd.DataFrame(rows, columns=cols)
