"""Where a figure belongs: one module, ordered rules, every placement explained.

The rules, in order (their words are in data/attribution.yaml):
  named     a place written in the figure's sentence before it;
  scope     a scope word before it in the sentence (全市 → no place, 全区 → district only,
            全街道 → street only);
  anaphora  该社区 / 当地 / a bare 社区 or 街道 at the head of a clause → the unit last named;
  section   the place of a speaker's section ("XX社区党委书记 某某");
  context   the place earlier sentences were about;
  subject   the place the whole text is about (its title, or "XX社区位于…" at its start).
Then a count of communities belongs to the unit above them, and the gazetteer completes street and
district — or leaves them empty, flagged, when a community name is ambiguous and the text does not
decide. Every placement records its rule, a confidence and a note in Chinese for the evidence view.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .gazetteer import Gazetteer
from .places import Place, place_mentions

DATA = Path(__file__).resolve().parent / "data" / "attribution.yaml"
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

    @property
    def unit(self) -> str:
        return self.community or self.street or self.district or "全市"


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
    return re.compile("(?:" + "|".join(map(re.escape, rules()[key])) + ")$")


@lru_cache(maxsize=1)
def _names_not_alone() -> frozenset[str]:
    return frozenset(rules()["names_not_alone"])


@lru_cache(maxsize=1)
def _not_place_re() -> re.Pattern:
    return re.compile(rules()["not_place_after"])


@lru_cache(maxsize=1)
def _ref_pattern() -> re.Pattern:
    r = rules()
    alt = lambda ws: "|".join(sorted(ws, key=len, reverse=True))  # noqa: E731
    esc = lambda ws: [re.escape(w) for w in ws]  # noqa: E731
    # The head of a clause; not after a quote: “社区+” is a name, not a reference.
    head = r"(?:^|(?<=[\s，,。；;：:、！？!?（(]))"
    words = [w for group in (r["scope"], r["anaphora"], r["generic"]) for ws in group.values()
             for w in ws]
    firsts = "".join(sorted({re.sub(r"\\.", "", w)[0] for w in words}))
    return re.compile(
        rf"(?=[{re.escape(firsts)}])"         # cheap first-character gate
        rf"(?:(?P<city>{alt(r['scope']['city'])})"
        rf"|(?P<district>{alt(esc(r['scope']['district']))})"
        rf"|(?P<street>{alt(esc(r['scope']['street']))})"
        rf"|(?P<community>{alt(esc(r['anaphora']['community']))})"
        rf"|(?P<nearest>{alt(esc(r['anaphora']['nearest']))})"
        rf"|{head}(?:(?P<g_street>{alt(esc(r['generic']['street']))})"
        rf"|(?P<g_community>{alt(esc(r['generic']['community']))})))", re.M)


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


class Attribution:
    """The places of one text, read once; `place(pos)` answers for a figure at `pos`."""

    def __init__(self, text: str, g: Gazetteer | None = None):
        self.text = text
        self.g = g or Gazetteer.load()
        self._done: dict = {}      # completed placements, by mention and rule
        self.mentions = [p for p in place_mentions(text, self.g) if not self._attributive(p)]
        self.refs = find_refs(text, self.mentions)
        self.mention_starts = [p.start for p in self.mentions]
        self.ref_starts = [r.start for r in self.refs]
        self._hints = [(p.start, p.district, p.street) for p in self.mentions
                       if p.district or p.street]
        self.subject = self._subject()
        self.state = self.subject
        self.section: Placement | None = None
        self.headings = [m.start() for m in re.finditer(rules()["section_heading"], text)]
        self._seen = 0

    def _attributive(self, p: Place) -> bool:
        """A place written as a description (位于…的) or inside a medium's name (华西社区报)."""
        start = max(0, p.start - 4)
        if _word_before_re("attributive_before").search(self.text, start, p.start):
            return True
        if p.how == "gazetteer" and (p.community in _names_not_alone() or _word_before_re(
                "generic_before").search(self.text, start, p.start)):
            return True
        return bool(p.community and _not_place_re().match(self.text, p.end))

    # --- the text's subject and the state carried from sentence to sentence -------------------

    def _subject(self) -> Placement | None:
        """The title's place (first lines), else a community opening the first paragraph."""
        lines, pos = [], 0
        while len(lines) < 2 and pos <= len(self.text):
            end = self.text.find("\n", pos)
            end = len(self.text) if end < 0 else end
            if self.text[pos:end].strip():
                lines.append((pos, end))
            pos = end + 1
        for a, b in lines[:2]:
            if b - a > 60:                 # a body paragraph, not a title
                break
            here = self.mentions_in(a, b)
            if here:
                best = max(here, key=lambda p: (bool(p.community), bool(p.street)))
                return self._complete(best, "subject", _note("subject", unit=_name(best)))
        for p in self.mentions[:1]:
            after = self.text[p.end: p.end + 4]
            if p.community and any(after.startswith(w) for w in rules()["subject_after"]):
                return self._complete(p, "subject", _note("subject", unit=p.community))
        # The lede (first body paragraph) of a news story names what it is about.
        lede = re.search(r"^[^\n]{40,}$", self.text, re.M)
        if lede:
            here = self.mentions_in(lede.start(), lede.end())
            for level in ("community", "street", "district"):
                named = [p for p in here if getattr(p, level)]
                if named:
                    if len({getattr(p, level) for p in named}) == 1:
                        return self._complete(named[0], "subject",
                                              _note("subject", unit=_name(named[0])))
                    break
        return None

    def mentions_in(self, a: int, b: int) -> list[Place]:
        i = bisect.bisect_left(self.mention_starts, a)
        j = bisect.bisect_left(self.mention_starts, b)
        return self.mentions[i:j]

    def refs_in(self, a: int, b: int) -> list[Ref]:
        i = bisect.bisect_left(self.ref_starts, a)
        j = bisect.bisect_left(self.ref_starts, b)
        return self.refs[i:j]

    def begin_sentence(self, start: int) -> None:
        """A heading between the last sentence read and this one returns to the subject."""
        k = bisect.bisect_right(self.headings, start)
        if k and self.headings[k - 1] >= self._seen and self.subject is not None:
            self.state = self.subject
        self._seen = start + 1

    def open_section(self, p: Place) -> None:
        """A speaker's section ("XX社区党委书记 某某") starts: its place holds until the next."""
        self.section = self._complete(p, "section", _note("section", unit=_name(p)))
        self.state = self.section

    def end_sentence(self, here: list[Place]) -> None:
        """What later sentences belong to: the one unit this sentence named, if only one."""
        if not here:
            return
        for level in ("community", "street", "district"):
            named = [p for p in here if getattr(p, level)]
            if named:
                if len({getattr(p, level) for p in named}) == 1:
                    p = named[-1]
                    placed = self._complete(p, "context", _note("context", unit=_name(p)))
                    if self.subject is not None and _same_unit(placed, self.subject):
                        self.state = self.subject
                    elif not (self.subject is not None and _contains(placed, self.subject)):
                        # Naming the subject's own street or district ("天彭街道将…") places
                        # that sentence's figures, not the sentences after it.
                        self.state = placed
                return

    # --- one figure ---------------------------------------------------------------------------

    def place(self, pos: int, sentence_start: int, counts_communities: bool = False) -> Placement:
        """The placement of a figure starting at `pos` in the sentence starting at
        `sentence_start`."""
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        last_p = self.mentions[i] if i >= 0 and self.mentions[i].start >= sentence_start else None
        j = bisect.bisect_left(self.ref_starts, pos) - 1
        last_r = self.refs[j] if j >= 0 and self.refs[j].start >= sentence_start else None
        if last_r is not None and (last_p is None or last_r.start >= last_p.end):
            placed = self._by_ref(last_r, pos)
        elif last_p is not None:
            placed = self._complete(last_p, "named",
                                    _note("named", surface=self.text[last_p.start: last_p.end]))
        elif self.state is not None:
            placed = self.state
        else:
            placed = Placement(note=_note("none"))
        if counts_communities and placed.community:
            placed = replace(placed, community=None, rule="container", confidence="high",
                             note=_note("container", unit=placed.street or placed.district))
        return placed

    def _by_ref(self, r: Ref, pos: int) -> Placement:
        if r.level == "city":
            return Placement(None, None, None, "scope", "high", _note("scope_city", word=r.word))
        current = self._current(pos)
        if r.level == "district":
            return Placement(current.district, None, None, "scope", "high",
                             _note("scope_district", word=r.word, unit=current.district))
        if r.level == "street":
            if not current.street:
                return current if current.rule != "none" else Placement(note=_note("none"))
            return Placement(current.district, current.street, None, "scope", "high",
                             _note("scope_street", word=r.word, unit=current.street))
        if r.level == "community":
            unit = self._last_community(pos) or (self.subject if self.subject and
                                                 self.subject.community else None)
            if unit is None:
                return current
            return replace(unit, rule="anaphora", confidence="medium",
                           note=_note("anaphora", word=r.word, unit=unit.community))
        # 当地: the unit last named, at its own level.
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        if i >= 0:
            p = self.mentions[i]
            return self._complete(p, "anaphora", _note("anaphora", word=r.word, unit=_name(p)))
        return current

    def _current(self, pos: int) -> Placement:
        """The place a scope word or anaphor at `pos` is relative to."""
        if self.state is not None:
            return self.state
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        if i >= 0:
            p = self.mentions[i]
            return self._complete(p, "context", _note("context", unit=_name(p)))
        return Placement(note=_note("none"))

    def _last_community(self, pos: int) -> Placement | None:
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0:
            p = self.mentions[i]
            if p.community:
                return self._complete(p, "anaphora", "")
            i -= 1
        return None

    # --- completing a mention from the gazetteer ----------------------------------------------

    def _complete(self, p: Place, rule: str, note: str) -> Placement:
        """The mention's place completed from the gazetteer (once per mention), under `rule`."""
        district, street, community, low, extra = self.resolve(p)
        conf = "low" if low else CONFIDENCE[rule]
        return Placement(district, street, community, rule, conf, note + extra)

    def resolve(self, p: Place) -> tuple:
        """(district, street, community, ambiguous?, note suffix) of a mention, once per mention."""
        key = (p.start, p.end, p.community)
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = self._resolve(p)
        return done

    def _resolve(self, p: Place) -> tuple:
        district, street, community = p.district, p.street, p.community
        low, extra = False, ""
        if street and not district:
            district = _only(self.g.street_districts.get(street, ()))
        if community:
            streets, districts = self._text_hints(p.start)
            unit, how = self.g.locate(community, street, district, streets, districts)
            if unit is not None:
                if not (street and district) and how not in ("street", "district"):
                    extra = "；" + _note("gazetteer", community=community,
                                         district=unit.district, street=unit.street)
                street, district = unit.street, unit.district
                community = community if p.how != "gazetteer" else unit.name
            elif how == "ambiguous" and not (street or district):
                low, extra = True, "；" + _note("ambiguous", community=community)
        return district, street, community, low, extra

    def _text_hints(self, pos: int):
        """Streets and districts the text names, the nearest before `pos` first, then after
        (lazy, and at most HINT_REACH each way: the nearest names decide, and a long text's
        lookups stay cheap)."""
        k = bisect.bisect_left(self._hints, (pos,))

        def order():
            for i in range(k - 1, max(-1, k - 1 - HINT_REACH), -1):
                yield self._hints[i]
            for i in range(k, min(len(self._hints), k + HINT_REACH)):
                yield self._hints[i]

        streets = (s for _, _, s in order() if s)
        districts = (d for _, d0, s in order()
                     for d in (d0, _only(self.g.street_districts.get(s, ())) if s else None) if d)
        return streets, districts


def place_row(district: str | None, street: str | None, community: str | None,
              g: Gazetteer | None = None) -> Placement:
    """A spreadsheet row's place: what its columns say, completed from the gazetteer (a community
    with no district gets its street and district when the name is unique or the row's street or
    district decides; an ambiguous name leaves them empty and is flagged)."""
    g = g or Gazetteer.load()
    if street and not district:
        district = _only(g.street_districts.get(street, ()))
    note = _note("sheet", unit="".join(filter(None, (district, street, community))) or "无地点")
    conf = "high" if (district or street or community) else "low"
    if community and not (street and district):
        unit, how = g.locate(community, street, district)
        if unit is not None:
            street, district = unit.street, unit.district
            note += "；" + _note("gazetteer", community=community, district=district, street=street)
        elif how == "ambiguous":
            conf = "low"
            note += "；" + _note("ambiguous", community=community)
    return Placement(district, street, community, "sheet", conf, note)


def complete_places(claims):
    """Fill place and place_rule/confidence/note of a sheet's claims frame, once per distinct
    place (a 100 000-row sheet names a few hundred)."""
    if claims.empty:
        return claims
    cols = ["district", "street", "community"]
    keys = claims[cols].astype(object).where(claims[cols].notna(), None)
    placed = {k: place_row(*k) for k in set(map(tuple, keys.itertuples(index=False)))}
    rows = [placed[tuple(k)] for k in keys.itertuples(index=False)]
    out = claims.copy()
    for col in (*cols, "rule", "confidence", "note"):
        target = col if col in cols else f"place_{col}"
        out[target] = pd.array([getattr(p, col) for p in rows], dtype="string")
    return out


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
