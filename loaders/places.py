"""Place mentions in running text: chains (district → street → community), gazetteer community
names written alone, and the short forms of communities a text has introduced.

The gazetteer (loaders/gazetteer.py) knows all 3,047 communities of 2023; a text may still
introduce one it does not know after its street ("天彭街道天府中路社区"), and later short forms
("双福社区" for 双福路社区) resolve to the form the text introduced. Which mention a claim takes is
decided in loaders/attribution/.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from .wordlists import WordEnds, alternation as _alt, match_at
from .gazetteer import Gazetteer, short_forms


# Characters that never stand inside a community's name: particles, verbs and punctuation that
# separate "在社区", "的芯瑞社区" from a name.
_NOT_IN_NAME = "的在与等及是为将了到从对让把被向由于该"


@dataclass(frozen=True)
class Place:
    district: str | None
    street: str | None
    community: str | None
    start: int = 0
    end: int = 0
    how: str = "chain"        # chain | introduced (a form this text introduced) | gazetteer


def chain_pattern(g: Gazetteer) -> re.Pattern:
    return _chain_patterns(g)[0]


def _chain_patterns(g: Gazetteer) -> tuple[re.Pattern, WordEnds]:
    """The chain pattern and the names a chain can start with (found by wordlists.WordEnds)."""
    cached = _PATTERNS.get(id(g))
    if cached is None:
        starts = WordEnds({*g.district_alias, *g.street_districts, "成都"})
        cached = _PATTERNS[id(g)] = (_chain_pattern(g), starts)
    return cached


_PATTERNS: dict[int, tuple[re.Pattern, WordEnds]] = {}


def _chain_pattern(g: Gazetteer) -> re.Pattern:
    name = r"[^\W\d_" + _NOT_IN_NAME + r"a-zA-Z]"
    firsts = "".join(sorted({w[0] for w in (*g.district_alias, *g.street_districts, "成")}))
    return re.compile(
        rf"""
        (?=[{firsts}])                                               # cheap first-character gate
        (?:成都市|成都)?
        (?:
            (?P<district>{_alt(g.district_alias)})                  # 成华区, 成都高新区
            (?:(?P<street>{_alt(g.street_districts)})               # …then a gazetteer street
              | (?P<gstreet>{name}{{2,4}}?(?:街道|镇|乡)))?           # …or any street after it
          | (?P<street_only>{_alt(g.street_districts)})             # a gazetteer street alone
        )
        (?P<community>{name}{{1,6}}?(?:社区|村))?                    # 天府中路社区, 土桥村
        """, re.VERBOSE)


def find_places(text: str, g: Gazetteer | None = None) -> list[Place]:
    """Every explicit place mention: a district, a street, or a chain ending in a community.
    A community counts only when a street or district stands right before it."""
    g = g or Gazetteer.load()
    out = []
    pattern, names = _chain_patterns(g)
    for m in match_at(pattern, names.starts(text), text):
        district = g.district_alias.get(m.group("district")) if m.group("district") else None
        street = m.group("street") or m.group("gstreet") or m.group("street_only")
        community = m.group("community") if (street or district) else None
        if not (district or street):
            continue
        if street and not district:
            owners = g.street_districts.get(street, ())
            district = owners[0] if len(owners) == 1 else None
        if community:
            community = _checked_community(g, community)
        out.append(Place(district, street, community, m.start(), m.end()))
    return out


def _checked_community(g: Gazetteer, written: str) -> str | None:
    """A chain's community as the gazetteer knows it: "玉林街道争创和美社区" holds a phrase, not
    a community named 争创和美社区. A name the gazetteer lacks (a unit created after 2023) is kept
    unless it opens with a verb or adjective of a phrase (data/attribution.yaml)."""
    if g.candidates(written):
        return written
    if any(written.startswith(w) for w in _generic_words()):
        return None
    return written


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    from .attribution.words import rules    # the one reader of data/attribution.yaml
    return frozenset(rules()["generic_before"])


class PlaceIndex:
    """The communities one text has introduced, by every form a later sentence may use
    (found again by Gazetteer.find_communities, before the gazetteer's own names)."""

    def __init__(self) -> None:
        self.by_form: dict[str, Place] = {}

    def add(self, place: Place) -> None:
        if not place.community:
            return
        for form in short_forms(place.community):
            known = self.by_form.get(form)
            # Keep the fuller record (one with a street) when a community is introduced twice.
            if known is None or (not known.street and place.street):
                self.by_form[form] = Place(place.district, place.street, place.community)


def place_mentions(text: str, g: Gazetteer | None = None) -> list[Place]:
    """Every place mention of a text in order, without overlaps: explicit chains first, then
    the forms of communities the text introduced, then gazetteer community names alone."""
    g = g or Gazetteer.load()
    explicit = find_places(text, g)
    index = PlaceIndex()
    for p in explicit:
        index.add(p)
    spans = [(p.start, p.end) for p in explicit]
    out, last_end = list(explicit), -1
    for a, b, form, introduced in g.find_communities(text, index.by_form, spans):
        if a < last_end or _overlaps(spans, a, b):
            continue                       # a shorter name inside one already taken
        last_end = b
        if introduced:
            p = index.by_form[form]
            out.append(Place(p.district, p.street, p.community, a, b, "introduced"))
        else:
            out.append(Place(None, None, form, a, b, "gazetteer"))
    return sorted(out, key=lambda p: p.start)


def _overlaps(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    k = bisect.bisect_left(spans, (b,))
    return any(s < b and a < e for s, e in spans[max(0, k - 2): k])
