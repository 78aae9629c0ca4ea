"""The quantity columns of a sheet under a mapping: each column's unit (for a bare number) and
what it counts, as guessed from its header and correctable by the user (the mapping table)."""
from __future__ import annotations

from dataclasses import dataclass

from .mapping import _headers_data, _norm_header, header_label, header_unit


@dataclass(frozen=True)
class ValueColumn:
    index: int                # column position in sheet.headers
    header: str
    unit: str                 # unit text applied to a bare number ("" for none)
    object: str | None        # what its claims count; None: the 指标 column's text
    group: str = ""           # the merged header above it, if any
    indicator: str | None = None   # the indicator the user chose (see loaders.indicators)


def _generic_words() -> set[str]:
    return {_norm_header(str(w)) for w in _headers_data()["fields"]["value"]}


def value_columns(sheet, mapping: dict[str, str], overrides: dict | None = None) -> list[ValueColumn]:
    """The columns mapped to 数量, in sheet order. A column's unit is the one its header states
    ("参与人次", "投入资金（万元）"), else the sheet title's ("单位：万元"); what it counts is its
    header ("参与人次"), unless the header is a plain 数量/数值 (then the 指标 column says).
    `overrides` maps a header to {"unit": …, "object": …, "indicator": …} from the user."""
    heads = [h for h in sheet.headers if mapping.get(h) == "value"]
    generic = _generic_words()
    multi = len(heads) > 1
    context_unit = (sheet.context or {}).get("unit", "")
    out = []
    for h in heads:
        i = sheet.headers.index(h)
        label = header_label(h)
        unit = header_unit(h) or context_unit
        obj = None if (_norm_header(label) in generic and not multi) else label
        group = sheet.groups[i] if i < len(sheet.groups) else ""
        indicator = None
        if overrides and h in overrides:
            o = overrides[h]
            unit = (o.get("unit") if o.get("unit") is not None else unit) or ""
            if o.get("object") is not None:
                obj = o["object"].strip() or None
            indicator = o.get("indicator") or None
        out.append(ValueColumn(i, h, unit.strip(), obj, group, indicator))
    return out
