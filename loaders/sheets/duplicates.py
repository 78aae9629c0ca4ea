"""A sheet's figures that repeat one already stored (an article's "天府中路社区 3000余人次"):
found by place, value and unit (and year, where both have one), named with the stored figure's
source, and held back until the user chooses: keep both, skip the new one, or replace the
stored one (the new batch then supersedes it; undoing the batch brings it back)."""
from __future__ import annotations

import pandas as pd

DUPLICATE = "重复"        # the level of such a problem: neither imported nor an error until chosen
CHOICES = {"skip": "跳过（不导入这一条）", "keep": "保留两条", "replace": "替换已有数据"}
DUPLICATE_COLUMNS = ("行", "列", "值", "已有数据", "来源", "claim_id", "stored_id")


class StoredIndex:
    """The stored claims by (place, value, unit) → [(period, doc, text, claim_id)]."""

    def __init__(self, known: pd.DataFrame | None):
        self.index: dict[tuple, list[tuple]] = {}
        if known is None or not len(known):
            return
        cols = ["community", "street", "value", "unit", "period", "doc", "text", "claim_id"]
        k = known[[c for c in cols if c in known]].astype(object)
        k = k.where(k.notna(), None)
        for c, s, v, u, p, d, t, cid in zip(*(k[c] if c in k else [None] * len(k) for c in cols)):
            place = c or s
            if place is None or v is None:
                continue
            self.index.setdefault((place, round(float(v), 2), u or ""), []).append((p, d, t, cid))

    def find(self, place: str | None, value: float, unit: str | None, period: str | None):
        """The first stored figure this one repeats, as (doc, text, claim_id), or None."""
        if not self.index or not place:
            return None
        for p, d, t, cid in self.index.get((place, round(value, 2), unit or ""), ()):
            if p is None or period is None or p == period:
                return d, t, cid
        return None


def message(doc: str, text: str) -> str:
    return f"与《{doc}》中的 {text} 重复"
