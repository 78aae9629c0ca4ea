"""Chinese labels for the claims table's codes, read from ui/data/labels.yaml and the taxonomy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from loaders.indicators import (aggregation_of, indicator_codes, indicator_definition,
                                indicator_name, period_label)
from loaders.programmes import programme_labels

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def _labels() -> dict:
    return yaml.safe_load((DATA_DIR / "labels.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def district_tiles() -> tuple[dict, ...]:
    """The 23 district-level units with their tile-map position, north-west first."""
    data = yaml.safe_load((DATA_DIR / "districts.yaml").read_text(encoding="utf-8"))
    return tuple(data["districts"])


def district_names() -> tuple[str, ...]:
    return tuple(d["name"] for d in district_tiles())


def kind_label(kind: str) -> str:
    return _labels()["kinds"].get(kind, {}).get("label", kind)


def kind_codes() -> tuple[str, ...]:
    """Kinds in display order (the order of labels.yaml)."""
    return tuple(_labels()["kinds"])


def is_additive(kind: str) -> bool:
    return bool(_labels()["kinds"].get(kind, {}).get("additive", False))


def unit_label(unit: str) -> str:
    return _labels()["units"].get(unit, unit)


def qualifier_label(qualifier: str) -> str:
    return _labels()["qualifiers"].get(qualifier, {}).get("label", qualifier)


def qualifier_affixes(qualifier: str) -> tuple[str, str]:
    q = _labels()["qualifiers"].get(qualifier, {})
    return q.get("prefix", ""), q.get("suffix", "")


def status_label(status: str) -> str:
    return _labels()["statuses"].get(status, status)


def confidence_label(confidence: str) -> str:
    return _labels()["place_confidences"].get(confidence, confidence)


def status_codes() -> tuple[str, ...]:
    return tuple(_labels()["statuses"])


def source_type_label(source_type: str) -> str:
    return _labels()["source_types"].get(source_type, source_type)


def programme_label(code: str) -> str:
    return programme_labels().get(code, code)


def indicator_label(code: str, per: str | None = None) -> str:
    """服务人次, or 服务人次（日均） for a rate."""
    name = indicator_name(code)
    return f"{name}（{period_label(per)}）" if period_label(per) else name


RULE_NOTES = {
    "sum": "各条数字相加。",
    "stock": "规模指标：同一地点只取最新（无年份时取最大）的一个数，不同年份、来源不重复相加；各地点再相加。",
    "rate": "频率数字（日均、年均、人均等）不与累计数相加，多条时显示最低到最高。",
    "share": "百分比不相加，多条时显示最低到最高。",
    "none": "只逐条显示，不合计。",
}


def indicator_help(code: str, per: str | None = None) -> str:
    """The definition (指标解释) and how the figures of the indicator add up."""
    return f"指标解释：{indicator_definition(code)}　合计方法：{RULE_NOTES[aggregation_of(code, per)]}"


def indicator_options() -> tuple[str, ...]:
    return indicator_codes()
