"""Which field each column of an organiser's sheet holds, from its header (data/sheet_headers.yaml)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from ..quantities import parse_quantity
from ..textnorm import fold_chars
from .cells import FIELDS

HEADERS_FILE = Path(__file__).resolve().parent.parent / "data" / "sheet_headers.yaml"


@lru_cache(maxsize=1)
def _headers_data() -> dict:
    return yaml.safe_load(HEADERS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _quantity_suffixes() -> tuple[tuple[str, str], ...]:
    """(header ending, unit), longest ending first: "志愿服务人次" → 人次."""
    data = _headers_data().get("quantity_suffixes") or {}
    pairs = [(_norm_header(k), str(v)) for k, v in data.items()]
    for _, unit in pairs:
        q = parse_quantity("1" + unit)
        if q is None or q.unit is None:
            raise ValueError(f"{HEADERS_FILE}: quantity_suffixes unit {unit!r} is not a unit")
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, str], list[tuple[str, str]]]:
    data = _headers_data()["fields"]
    exact: dict[str, str] = {}
    contains: list[tuple[int, int, str, str]] = []
    for order, (fld, words) in enumerate(data.items()):
        if fld not in FIELDS:
            raise ValueError(f"{HEADERS_FILE}: unknown field {fld!r}")
        for w in words:
            key = _norm_header(str(w))
            exact.setdefault(key, fld)
            if len(key) >= 2:
                contains.append((-len(key), order, key, fld))
    return exact, [(k, f) for _, _, k, f in sorted(contains)]


def _norm_header(text: str) -> str:
    s = fold_chars(str(text)).replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊:：]+", "", s).lower()


_BRACKET_TAIL = re.compile(r"^(?P<head>.+?)[(\[【](?P<tail>[^)\]】]*)[)\]】]$")


@lru_cache(maxsize=4096)
def header_unit(header: str) -> str:
    """The unit a header states: its bracketed tail ("投入资金（万元）" → "万元"), else its ending
    (data/sheet_headers.yaml quantity_suffixes: "参与人次" → "人次"); else ""."""
    key = _norm_header(header)
    key = re.sub(r"_\d+$", "", key)           # a repeated title made unique: 人次_2
    m = _BRACKET_TAIL.match(key)
    if m:
        return m.group("tail") if parse_quantity("1" + m.group("tail")) is not None else ""
    for ending, unit in _quantity_suffixes():
        if key.endswith(ending):
            return unit
    return ""


def header_label(header: str) -> str:
    """A header without its bracketed unit: "投入资金（万元）" → "投入资金"."""
    text = re.sub(r"\s+", "", str(header))
    m = re.match(r"^(.+?)[（(\[【][^）)\]】]*[）)\]】]$", text)
    return m.group(1) if m else text


@lru_cache(maxsize=4096)
def is_quantity_header(header: str) -> bool:
    """A header that names a quantity by its unit ("参与人次", "投入资金（万元）", "面积㎡"), and
    no other field."""
    if not header_unit(header):
        return False
    return guess_field(header, exact_only=True) in (None, "value")


def guess_field(header: str, *, exact_only: bool = False) -> str | None:
    """The field a header names (see data/sheet_headers.yaml for the matching steps)."""
    exact, contains = _synonyms()
    key = _norm_header(header)
    if not key:
        return None
    if key in exact:
        return exact[key]
    m = _BRACKET_TAIL.match(key)
    if m and m.group("head") in exact:
        return exact[m.group("head")]
    if exact_only:
        return None
    if is_quantity_header(header):
        return "value"
    for word, fld in contains:
        if word in key:
            return fld
    return None


def guess_mapping(headers) -> dict[str, str]:
    """header → field for the headers that name a known field; each field is taken by the first
    header that names it, except 数量: every column whose header states a unit ("场次",
    "参与人次", "投入资金（万元）") is a quantity of its own, each cell a claim. Unmapped headers
    are left out (their columns are ignored)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        fld = guess_field(h)
        if fld == "value" and "value" in taken and header_unit(h):
            out[h] = fld
        elif fld and fld not in taken:
            out[h] = fld
            taken.add(fld)
    return out
