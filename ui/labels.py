"""Chinese labels for the claims table's codes, read from ui/data/labels.yaml and the taxonomy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

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
