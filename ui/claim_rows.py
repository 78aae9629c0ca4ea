"""Rows of claims as the explorer shows them: search, sort, the Chinese table (no Streamlit here)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.programmes import programme_codes

from .formatting import format_quantity
from .labels import (confidence_label, indicator_label, indicator_options, kind_label,
                     programme_label, qualifier_label, status_label, unit_label)

SEARCH_COLUMNS = ("text", "evidence", "object", "community", "street", "district", "doc")


def contains_term(series: pd.Series, term: str) -> np.ndarray:
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
                hit |= contains_term(claims[col], term)
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

