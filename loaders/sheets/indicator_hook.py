"""Where a sheet's claims get their indicator (指标: 服务人次, 投入资金 …) from the editable
catalogue of loaders/indicators.py, once that module is part of the package: each claim is
classified by its unit, its counted object and the header of its own 数量 column ("参与人次"),
unless the user chose an indicator for that column in the mapping table. Without the catalogue
(and without `indicator` in the claims schema) the claims go on as they are, added up by kind
and unit."""
from __future__ import annotations

from ..schema import TABLES

try:   # the indicator catalogue, when present
    from ..indicators import sheet_indicator
except ImportError:
    sheet_indicator = None

CLAIM_FIELDS = ("claim_id", "batch_id", "source_type", "doc", "start", "end", "row", "text",
                "value", "unit", "kind", "qualifier", "object", "district", "street",
                "community", "programme", "status", "period", "evidence", "evidence_start")


def enabled() -> bool:
    names = {c.name for c in TABLES["claims"]}
    return sheet_indicator is not None and "indicator" in names


def indicator_columns(columns: dict, value_headers: list[str], vcols) -> dict:
    """`columns` (claims fields → lists) with `indicator` and `per` added when the catalogue is
    enabled: the column's chosen indicator, else the classifier's reading."""
    if not enabled() or not columns:
        return columns
    chosen = {vc.header: vc.indicator for vc in vcols if vc.indicator}
    codes, pers = [], []
    for unit, obj, evidence, header in zip(columns["unit"], columns["object"],
                                           columns["evidence"], value_headers):
        code, per = sheet_indicator(unit, obj, header, evidence)
        codes.append(chosen.get(header, code))
        pers.append(per)
    return {**columns, "indicator": codes, "per": pers}
