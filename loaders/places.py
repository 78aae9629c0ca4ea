"""Where a claim belongs: district, street and community, from the gazetteer and the text itself.

The gazetteer (data/gazetteer.yaml) names Chengdu's 23 county-level units and their streets and
towns. Communities (社区/村) are an open set: a text introduces one after its street
("天彭街道天府中路社区"), and later short forms ("双福社区" for 双福路社区) resolve to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

GAZETTEER_FILE = Path(__file__).resolve().parent / "data" / "gazetteer.yaml"

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


@dataclass(frozen=True)
class Gazetteer:
    districts: tuple[str, ...]
    district_alias: dict      # any written form (full names and long aliases) → district
    street_districts: dict    # street → tuple of districts that have one of that name

    @classmethod
    @lru_cache(maxsize=None)
    def load(cls, path: str | None = None) -> "Gazetteer":
        data = yaml.safe_load(Path(path or GAZETTEER_FILE).read_text(encoding="utf-8"))
        alias, streets = {}, {}
        for d in data["districts"]:
            alias[d["name"]] = d["name"]
            for a in d.get("aliases") or ():
                # A bare short alias (锦江, 武侯) is also a word in names (武侯祠): only aliases
                # that carry a suffix or are long enough count as a district mention alone.
                if len(a) >= 4 or a[-1] in "区县市":
                    alias[a] = d["name"]
            for s in d.get("streets") or ():
                streets.setdefault(s, []).append(d["name"])
        return cls(tuple(d["name"] for d in data["districts"]), alias,
                   {k: tuple(v) for k, v in streets.items()})

    @property
    def pattern(self) -> re.Pattern:
        cached = self.__dict__.get("_pattern")
        if cached is None:
            cached = _chain_pattern(self)
            object.__setattr__(self, "_pattern", cached)
        return cached


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


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
    for m in g.pattern.finditer(text):
        district = g.district_alias.get(m.group("district")) if m.group("district") else None
        street = m.group("street") or m.group("gstreet") or m.group("street_only")
        community = m.group("community") if (street or district) else None
        if not (district or street):
            continue
        if street and not district:
            owners = g.street_districts.get(street, ())
            district = owners[0] if len(owners) == 1 else None
        out.append(Place(district, street, community, m.start(), m.end()))
    return out


def community_aliases(community: str) -> set[str]:
    """Short forms a text may use after introducing `community`: 双福路社区 → 双福社区, 双福."""
    suffix = "社区" if community.endswith("社区") else "村"
    core = community[: -len(suffix)]
    forms = {community}
    if len(core) >= 3 and core[-1] in "路街巷里道":
        forms.add(core[:-1] + suffix)
    return forms


class PlaceIndex:
    """The communities one text has introduced, and how to find them again in later sentences."""

    def __init__(self) -> None:
        self.by_form: dict[str, Place] = {}
        self._re: re.Pattern | None = None

    def add(self, place: Place) -> None:
        if not place.community:
            return
        for form in community_aliases(place.community):
            known = self.by_form.get(form)
            # Keep the fuller record (one with a street) when a community is introduced twice.
            if known is None or (not known.street and place.street):
                self.by_form[form] = Place(place.district, place.street, place.community)
                self._re = None

    def find(self, text: str) -> list[Place]:
        if not self.by_form:
            return []
        if self._re is None:
            self._re = re.compile(_alt(self.by_form))
        return [Place(p.district, p.street, p.community, m.start(), m.end())
                for m in self._re.finditer(text) for p in [self.by_form[m.group(0)]]]
