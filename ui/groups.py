"""Grouping a million rows on integer codes: the arithmetic under ui.aggregate's rules.

Each key column becomes integer codes (a categorical's own codes, else factorised; null is a
value of its own), the columns one mixed-radix key, and sums, counts, lowest and highest values
are np.bincount / ufunc.at over that key: ten times faster than DataFrame.groupby, which keeps
the overview's warm rerun under half a second. No Streamlit, no rules here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

QUALIFIER_FLAGS = ("at_least", "at_most", "approx")
MAX_DENSE = 4_000_000   # above this many possible keys, keys are renumbered (np.unique) first


@dataclass
class Keys:
    """Integer codes of some key columns of a frame, and how to read them back."""
    names: list[str]
    codes: list[np.ndarray]       # per column, integers, -1 for null
    values: list[np.ndarray]      # per column, the object value of each code

    @classmethod
    def of(cls, frame: pd.DataFrame, names) -> "Keys":
        codes, values = [], []
        for name in names:
            s = frame[name]
            if isinstance(s.dtype, pd.CategoricalDtype):
                codes.append(s.cat.codes.to_numpy())   # int8/int16: widened per selection
                values.append(np.asarray(s.cat.categories, dtype=object))
            else:
                c, uniq = pd.factorize(s.astype("object"), use_na_sentinel=True)
                codes.append(c.astype("int64"))
                values.append(np.asarray(uniq, dtype=object))
        return cls(list(names), codes, values)

    def key(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """One int64 key per row (or per row of `rows`) and the number of possible keys."""
        n = (len(self.codes[0]) if self.codes else 0) if rows is None else len(rows)
        key = np.zeros(n, dtype="int64")
        span = 1
        for c, v in zip(self.codes, self.values):
            radix = len(v) + 1
            key = key * radix + _take(c, rows).astype("int64") + 1
            span *= radix
        return key, span

    def decode(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """Column name → object values (None for null) of each key."""
        out, rest = {}, np.asarray(keys, dtype="int64")
        for name, v in reversed(list(zip(self.names, self.values))):
            radix = len(v) + 1
            code = rest % radix - 1
            rest = rest // radix
            col = np.full(len(code), None, dtype=object)
            if len(v):
                col[code >= 0] = v[code[code >= 0]]
            out[name] = col
        return {name: out[name] for name in self.names}


def _dense(key: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(group index of each row, key of each group index, number of groups)."""
    if span <= MAX_DENSE:
        return key, np.arange(span, dtype="int64"), span
    uniq, inverse = np.unique(key, return_inverse=True)
    return inverse, uniq, len(uniq)


def _take(a: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return a if rows is None else a[rows]


def qualifier_flags(qualifier: pd.Series, rows: np.ndarray | None) -> dict[str, np.ndarray]:
    """For each non-exact qualifier, a 0/1 float array over `rows` (None: every row)."""
    if isinstance(qualifier.dtype, pd.CategoricalDtype):
        codes, cats = _take(qualifier.cat.codes.to_numpy(), rows), list(qualifier.cat.categories)
        return {q: (codes == cats.index(q)).astype(float) if q in cats else np.zeros(len(codes))
                for q in QUALIFIER_FLAGS}
    values = _take(qualifier.to_numpy(dtype=object), rows)
    return {q: (values == q).astype(float) for q in QUALIFIER_FLAGS}


def qualifier_of(at_least, at_most, approx) -> str:
    """The qualifier of a sum from its parts' counts: exact, one bound, or mixed."""
    present = [q for q, n in zip(QUALIFIER_FLAGS, (at_least, at_most, approx)) if n > 0]
    if not present:
        return "exact"
    return present[0] if len(present) == 1 else "mixed"


def reduce(keys: Keys, rows: np.ndarray | None, value: np.ndarray, qualifier: pd.Series,
           spread: bool = False) -> pd.DataFrame:
    """Per key group of `rows` (row positions; None: every row, without copying): facts, the
    sum of `value` (or, with `spread`,
    the highest as value and the lowest as low) and the combined qualifier. Columns: the key
    names, value, [low,] qualifier, facts."""
    key, span = keys.key(rows)
    group, group_key, n = _dense(key, span)
    counts = np.bincount(group, minlength=n)
    present = np.flatnonzero(counts)
    v = _take(value, rows)
    # object columns: pandas would read a column of strings and None as str, None becoming NaN,
    # and keys with NaN never match the same keys with None (the stock rule looks them up)
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in
                        keys.decode(group_key[present]).items()})
    if spread:
        high = np.full(n, -np.inf)
        low = np.full(n, np.inf)
        np.maximum.at(high, group, v)
        np.minimum.at(low, group, v)
        out["value"], out["low"] = high[present], low[present]
    else:
        out["value"] = np.bincount(group, weights=v, minlength=n)[present]
    flags = qualifier_flags(qualifier, rows)
    sums = [np.bincount(group, weights=flags[q], minlength=n)[present] for q in QUALIFIER_FLAGS]
    out["qualifier"] = [qualifier_of(*t) for t in zip(*sums)]
    out["facts"] = counts[present]
    return out


def last_per_group(keys: Keys, rows: np.ndarray, *orders: np.ndarray) -> np.ndarray:
    """Of `rows`, the one per key group that sorts last by `orders` (arrays over `rows`, most
    significant first): e.g. the latest year, then the largest value."""
    if not len(rows):
        return rows
    key, span = keys.key(rows)
    # one integer per row (group, then each order's rank) and one stable argsort: several
    # times faster than np.lexsort over the same columns
    comp = key
    for o in orders:
        uniq, rank = np.unique(o, return_inverse=True)
        if span * len(uniq) >= 2 ** 62:
            comp = np.unique(comp, return_inverse=True)[1].astype("int64")
            span = int(comp.max(initial=0)) + 1
        comp = comp * len(uniq) + rank.reshape(-1)
        span *= len(uniq)
    order = np.argsort(comp, kind="stable")
    k = key[order]
    last = np.r_[k[1:] != k[:-1], True]
    return np.sort(rows[order[last]])
