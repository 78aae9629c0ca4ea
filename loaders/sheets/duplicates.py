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
    """Stored claims (stored.KEY_COLUMNS, in store order) by (place, value, unit) →
    [(period, claim_id)]; a figure is filed under its community, else its street."""

    def __init__(self, known: pd.DataFrame | None):
        self.index: dict[tuple, list[tuple]] = {}
        if known is None or not len(known):
            return
        cols = ["community", "street", "value", "unit", "period", "claim_id"]
        k = known[[c for c in cols if c in known]].astype(object)
        k = k.where(k.notna(), None)
        for c, s, v, u, p, cid in zip(*(k[c] if c in k else [None] * len(k) for c in cols)):
            place = c or s
            if place is None or v is None:
                continue
            self.index.setdefault((place, round(float(v), 2), u or ""), []).append((p, cid))

    def find(self, place: str | None, value: float, unit: str | None, period: str | None):
        """The claim id of the first stored figure this one repeats, or None."""
        if not self.index or not place:
            return None
        for p, cid in self.index.get((place, round(value, 2), unit or ""), ()):
            if p is None or period is None or p == period:
                return cid
        return None


def message(doc: str, text: str) -> str:
    return f"与《{doc}》中的 {text} 重复"


def settle_repeats(known, pending, problems, claims, headers_of_claims):
    """validation's possible repeats of stored figures settled after its loop over the rows, from
    the stored claims at their places (`known`: stored.StoredFacts), read once. Each `pending`
    entry is (problem slot, claim index, row, header, cell text, value text, place, value, unit,
    period): a repeat's problem fills its slot and its claim is held back (see
    apply_duplicate_choices); the other slots go. Returns (problems, claims, their headers, held
    (claim, header) pairs, duplicates as DUPLICATE_COLUMNS rows), each in the order of before."""
    stored = known.claims_at({p[6] for p in pending}, {p[8] for p in pending})
    index = StoredIndex(stored)
    found = {ci: cid for _, ci, *_, place, value, unit, period in pending
             if (cid := index.find(place, value, unit, period)) is not None}
    batch_of = dict(zip(stored["claim_id"], stored["batch_id"])) if found else {}
    sources = known.sources({cid: batch_of.get(cid) for cid in found.values()})
    held, duplicates = [], []
    for slot, ci, r, header, tv, value_text, *_ in pending:
        if ci not in found:
            continue
        doc, stored_text = sources.get(found[ci], ("", ""))
        problems[slot] = (r, header, tv, message(doc, stored_text),
                          "默认不导入这一条，以免重复相加；可在下方“重复的数据”中改为保留两条或替换已有数据。",
                          DUPLICATE)
        duplicates.append((r, header, value_text, stored_text, doc, claims[ci][0], found[ci]))
        held.append((claims[ci], header))
    keep = [i for i in range(len(claims)) if i not in found]
    return ([p for p in problems if p is not None], [claims[i] for i in keep],
            [headers_of_claims[i] for i in keep], held, duplicates)
