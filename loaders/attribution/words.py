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
from ..wordlists import alternation, key_of, keyed_alternation

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
    """Scope words, anaphors and level nouns, by level (the words of each level longest
    first; the city list holds regex fragments)."""
    r = rules()
    longest_first = lambda ws: sorted(ws, key=len, reverse=True)  # noqa: E731
    words = lambda ws: longest_first(map(re.escape, ws))  # noqa: E731
    return keyed_alternation(
        [("city", longest_first(r["scope"]["city"])), ("district", words(r["scope"]["district"])),
         ("street", words(r["scope"]["street"])),
         ("community", words(r["anaphora"]["community"])),
         ("nearest", words(r["anaphora"]["nearest"])),
         ("g_street", words(r["generic"]["street"])),
         ("g_community", words(r["generic"]["community"]))],
        # A level noun only at the head of a clause; not after a quote: “社区+” is a name.
        not_after={k: _NOT_CLAUSE_HEAD for k in ("g_street", "g_community")})


_NOT_CLAUSE_HEAD = r"[^\s，,。；;：:、！？!?（(]"


def find_refs(text: str, mentions: list[Place]) -> list[Ref]:
    spans = [(p.start, p.end) for p in mentions]
    out = []
    for m in _ref_pattern().finditer(text):
        k = bisect.bisect_right(spans, (m.start(), 10**12))
        if k and spans[k - 1][1] > m.start():
            continue                       # inside a place name: 成都市成华区, 社区 of 望平社区
        level = key_of(m).removeprefix("g_")
        out.append(Ref(m.start(), m.end(), m.group(0), level))
    return out


@lru_cache(maxsize=1)
def _heading_re() -> re.Pattern:
    return re.compile(rules()["section_heading"])


def headings(text: str) -> list[int]:
    """The starts of the lines that open with a section heading (【…】, 二、, （三）): the pattern
    is tried at line starts only, not at every character."""
    match, out, pos = _heading_re().match, [], 0
    while pos != -1:
        if match(text, pos):
            out.append(pos)
        pos = text.find("\n", pos) + 1 or -1
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
