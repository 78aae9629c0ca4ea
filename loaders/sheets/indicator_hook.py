"""A sheet's claims get their indicator (指标: 服务人次, 投入资金 …) from the editable catalogue
of loaders/indicators.py: each claim is classified by its unit, its counted object and the header
of its own 数量 column ("参与人次"), unless the user chose an indicator for that column in the
mapping table."""
from __future__ import annotations

from ..indicators import sheet_indicator

CLAIM_FIELDS = ("claim_id", "batch_id", "source_type", "doc", "start", "end", "row", "text",
                "value", "unit", "kind", "qualifier", "object", "district", "street",
                "community", "programme", "status", "period", "evidence", "evidence_start")


def indicator_columns(columns: dict, value_headers: list[str], vcols) -> dict:
    """`columns` (claims fields → lists) with `indicator` and `per` added: the column's chosen
    indicator, else the classifier's reading."""
    if not columns:
        return columns
    chosen = {vc.header: vc.indicator for vc in vcols if vc.indicator}
    codes, pers = [], []
    for unit, obj, evidence, header in zip(columns["unit"], columns["object"],
                                           columns["evidence"], value_headers):
        code, per = sheet_indicator(unit, obj, header, evidence)
        codes.append(chosen.get(header, code))
        pers.append(per)
    return {**columns, "indicator": codes, "per": pers}
