"""The attribution rules' words and small types: data/attribution.yaml read once, the patterns
built from it, the Placement a figure gets and the Chinese notes that explain it."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..places import Place
from ..wordlists import alternation

DATA = Path(__file__).resolve().parent.parent / "data" / "attribution.yaml"
HINT_REACH = 40      # place names each way that may decide an ambiguous community name
CONFIDENCE = {"named": "high", "scope": "high", "container": "high", "anaphora": "medium",
              "section": "high", "context": "medium", "subject": "medium", "none": "low"}


@dataclass(frozen=True)
class Placement:
    district: str | None = None
    street: str | None = None
    community: str | None = None
    rule: str = "none"         # named | scope | anaphora | section | context | subject | container | none
    confidence: str = "low"    # high | medium | low
    note: str = ""


@dataclass(frozen=True)
class Ref:
    """A scope word, an anaphor or a bare level noun in the text."""
    start: int
    end: int
    word: str
    level: str                 # city | district | street | community | nearest


@lru_cache(maxsize=1)
def rules() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _word_before_re(key: str) -> re.Pattern:
    """Any word of the list `key` ending right before the searched window's end."""
    return re.compile(alternation(rules()[key]) + "$")


@lru_cache(maxsize=1)
def _names_not_alone() -> frozenset[str]:
    return frozenset(rules()["names_not_alone"])


@lru_cache(maxsize=1)
def _not_place_re() -> re.Pattern:
    return re.compile(rules()["not_place_after"])


@lru_cache(maxsize=1)
def _ref_pattern() -> re.Pattern:
    r = rules()
    alt = lambda ws: "|".join(sorted(ws, key=len, reverse=True))  # noqa: E731  (regex fragments)
    # The head of a clause; not after a quote: “社区+” is a name, not a reference.
    head = r"(?:^|(?<=[\s，,。；;：:、！？!?（(]))"
    words = [w for group in (r["scope"], r["anaphora"], r["generic"]) for ws in group.values()
             for w in ws]
    firsts = "".join(sorted({re.sub(r"\\.", "", w)[0] for w in words}))
    return re.compile(
        rf"(?=[{re.escape(firsts)}])"         # cheap first-character gate
        rf"(?:(?P<city>{alt(r['scope']['city'])})"
        rf"|(?P<district>{alternation(r['scope']['district'])})"
        rf"|(?P<street>{alternation(r['scope']['street'])})"
        rf"|(?P<community>{alternation(r['anaphora']['community'])})"
        rf"|(?P<nearest>{alternation(r['anaphora']['nearest'])})"
        rf"|{head}(?:(?P<g_street>{alternation(r['generic']['street'])})"
        rf"|(?P<g_community>{alternation(r['generic']['community'])})))", re.M)


def find_refs(text: str, mentions: list[Place]) -> list[Ref]:
    spans = [(p.start, p.end) for p in mentions]
    out = []
    for m in _ref_pattern().finditer(text):
        k = bisect.bisect_right(spans, (m.start(), 10**12))
        if k and spans[k - 1][1] > m.start():
            continue                       # inside a place name: 成都市成华区, 社区 of 望平社区
        level = m.lastgroup.removeprefix("g_")
        out.append(Ref(m.start(), m.end(), m.group(0), level))
    return out


def _note(key: str, **kw) -> str:
    template = rules()["notes"][key]
    return template.format_map(_Blank(kw)) if kw else template


class _Blank(dict):
    """Format values with None shown as nothing."""
    def __getitem__(self, k):
        v = dict.__getitem__(self, k)
        return "" if v is None else v



def _same_unit(a: Placement, b: Placement) -> bool:
    return (a.district, a.street, a.community) == (b.district, b.street, b.community)


def _contains(outer: Placement, inner: Placement) -> bool:
    """Is `outer` a street or district above `inner` (not the same unit)?"""
    if outer.community or _same_unit(outer, inner):
        return False
    if outer.street:
        return outer.street == inner.street
    return bool(outer.district) and outer.district == inner.district


def _only(items) -> str | None:
    return items[0] if len(items) == 1 else None


def _name(p: Place) -> str:
    return p.community or p.street or p.district or ""
