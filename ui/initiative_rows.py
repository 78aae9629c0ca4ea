"""Named projects (initiatives) as the initiatives page lists them: search and the Chinese table."""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.programmes import programme_codes

from .labels import programme_label, status_label


def contains_term(series: pd.Series, term: str) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = pd.Series(series.cat.categories.astype("object"))
        hit = cats[cats.str.contains(term, regex=False, na=False)]
        return series.isin(hit).to_numpy()
    return series.str.contains(term, regex=False, na=False).to_numpy()


INITIATIVE_SEARCH = ("name", "community", "street", "district", "evidence", "doc")


def search_rows(frame: pd.DataFrame, query: str, columns) -> pd.DataFrame:
    """Rows that hold every whitespace-separated term of `query` in one of `columns`, or whose
    programme's Chinese label holds it."""
    mask = np.ones(len(frame), dtype=bool)
    for term in (query or "").split():
        hit = np.zeros(len(frame), dtype=bool)
        for col in columns:
            hit |= contains_term(frame[col], term)
        codes = [c for c in programme_codes() if term in programme_label(c)]
        hit |= frame["programme"].isin(codes).to_numpy()
        mask &= hit
    return frame[mask]


def search_initiatives(initiatives: pd.DataFrame, query: str) -> pd.DataFrame:
    return search_rows(initiatives, query, INITIATIVE_SEARCH)


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

