"""Rows of claims as the explorer shows them: what the search looks in, the sorts, the Chinese
table (no Streamlit here). The rows themselves are read a page at a time: ui/evidence."""
from __future__ import annotations

import pandas as pd

from .formatting import format_quantity
from .labels import (confidence_label, indicator_label, kind_label, programme_label,
                     qualifier_label, status_label, unit_label)

SEARCH_COLUMNS = (  # what the explorer's search looks in
    "text", "evidence", "object", "community", "street", "district", "doc")


# sort → (label, columns, ascending); indicators in catalogue order, ties in claim order
SORTS = {
    "source": ("按来源与原文顺序", ["doc", "start", "row"], [True, True, True]),
    "value_desc": ("按数值从大到小", ["indicator", "value"], [True, False]),
    "value_asc": ("按数值从小到大", ["indicator", "value"], [True, True]),
    "place": ("按区县、街道、社区", ["district", "street", "community", "doc", "start"],
              [True, True, True, True, True]),
    "batch": ("按导入批次（新→旧）", ["batch_id", "doc", "start"], [False, True, True]),
}


CLAIM_COLUMNS = {  # display column → how it is made from a claims row
    "原文": "text", "数值": None, "指标": "indicator", "类别": "kind", "口径": "qualifier", "对象": "object",
    "社区": "community", "街道": "street", "区县": "district", "项目类型": "programme",
    "状态": "status", "年份": "period", "地点可信度": "place_confidence", "地点依据": "place_note",
    "依据原句": "evidence", "来源": "doc",
    "批次": "batch_id", "标准值": "value", "单位": "unit", "编号": "claim_id",
}


LABELS = {"kind": kind_label, "qualifier": qualifier_label, "programme": programme_label,
          "status": status_label, "place_confidence": confidence_label, "unit": unit_label}


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
        elif col in LABELS:
            out[header] = _label_column(claims[col], LABELS[col])
        elif col == "doc" and sources:
            out[header] = _label_column(claims[col], lambda d: sources.get(d, d))
        else:
            out[header] = claims[col].astype("object")
    return out.reset_index(drop=True)

