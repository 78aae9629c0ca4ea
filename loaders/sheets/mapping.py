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
def _synonyms() -> tuple[dict[str, str], list[tuple[str, str]]]:
    data = yaml.safe_load(HEADERS_FILE.read_text(encoding="utf-8"))["fields"]
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


def header_unit(header: str) -> str:
    """The unit written in a header's bracketed tail: "数量（人次）" → "人次"; else ""."""
    m = _BRACKET_TAIL.match(_norm_header(header))
    return m.group("tail") if m and parse_quantity("1" + m.group("tail")) is not None else ""


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
    for word, fld in contains:
        if word in key:
            return fld
    return None


def guess_mapping(headers) -> dict[str, str]:
    """header → field for the headers that name a known field; each field is taken by the first
    header that names it. Unmapped headers are left out (their columns are ignored)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        fld = guess_field(h)
        if fld and fld not in taken:
            out[h] = fld
            taken.add(fld)
    return out
