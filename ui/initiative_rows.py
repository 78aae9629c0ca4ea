"""Named projects (initiatives) as the initiatives page lists them: search and the Chinese table."""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.programmes import programme_codes

from .claim_rows import contains_term
from .labels import programme_label, status_label

INITIATIVE_SEARCH = ("name", "community", "street", "district", "evidence", "doc")


def search_initiatives(initiatives: pd.DataFrame, query: str) -> pd.DataFrame:
    mask = np.ones(len(initiatives), dtype=bool)
    for term in (query or "").split():
        hit = np.zeros(len(initiatives), dtype=bool)
        for col in INITIATIVE_SEARCH:
            hit |= contains_term(initiatives[col], term)
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

