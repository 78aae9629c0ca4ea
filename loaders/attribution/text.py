"""The places of one text and the ordered rules that place each figure in it (see the package
docstring for the order)."""
from __future__ import annotations

import bisect
import re
from dataclasses import replace

from ..gazetteer import Gazetteer
from ..places import Place, place_mentions
from .words import (CONFIDENCE, HINT_REACH, Placement, Ref, _contains, _name, _names_not_alone,
                    _not_place_re, _note, _only, _same_unit, _word_before_re, find_refs, headings,
                    rules)


class Attribution:
    """The places of one text, read once; `place(pos)` answers for a figure at `pos`."""

    def __init__(self, text: str, g: Gazetteer | None = None):
        self.text = text
        self.g = g or Gazetteer.load()
        self._done: dict = {}      # gazetteer completions, by mention
        self._placed: dict = {}    # placements, by mention, rule and note
        self.mentions = [p for p in place_mentions(text, self.g) if not self._attributive(p)]
        self.refs = find_refs(text, self.mentions)
        self.mention_starts = [p.start for p in self.mentions]
        self.ref_starts = [r.start for r in self.refs]
        self._hints = [(p.start, p.district, p.street) for p in self.mentions
                       if p.district or p.street]
        self.subject = self._subject()
        self.state = self.subject
        self.section: Placement | None = None
        self.headings = headings(text)
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
                return self._complete(best, "subject", "subject")
        for p in self.mentions[:1]:
            after = self.text[p.end: p.end + 4]
            if p.community and any(after.startswith(w) for w in rules()["subject_after"]):
                return self._complete(p, "subject", "subject")
        # The lede (first body paragraph) of a news story names what it is about.
        lede = re.search(r"^[^\n]{40,}$", self.text, re.M)
        if lede:
            here = self.mentions_in(lede.start(), lede.end())
            for level in ("community", "street", "district"):
                named = [p for p in here if getattr(p, level)]
                if named:
                    if len({getattr(p, level) for p in named}) == 1:
                        return self._complete(named[0], "subject", "subject")
                    break
        return None

    def mentions_in(self, a: int, b: int) -> list[Place]:
        i = bisect.bisect_left(self.mention_starts, a)
        j = bisect.bisect_left(self.mention_starts, b)
        return self.mentions[i:j]

    def begin_sentence(self, start: int) -> None:
        """A heading between the last sentence read and this one returns to the subject."""
        k = bisect.bisect_right(self.headings, start)
        if k and self.headings[k - 1] >= self._seen and self.subject is not None:
            self.state = self.subject
        self._seen = start + 1

    def open_section(self, p: Place) -> None:
        """A speaker's section ("XX社区党委书记 某某") starts: its place holds until the next."""
        self.section = self._complete(p, "section", "section")
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
                    placed = self._complete(p, "context", "context")
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
            placed = self._complete(last_p, "named", "named")
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
            return self._complete(p, "anaphora", "anaphora", r.word)
        return current

    def _current(self, pos: int) -> Placement:
        """The place a scope word or anaphor at `pos` is relative to."""
        if self.state is not None:
            return self.state
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        if i >= 0:
            p = self.mentions[i]
            return self._complete(p, "context", "context")
        return Placement(note=_note("none"))

    def _last_community(self, pos: int) -> Placement | None:
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0:
            p = self.mentions[i]
            if p.community:
                return self._complete(p, "anaphora")
            i -= 1
        return None

    # --- completing a mention from the gazetteer ----------------------------------------------

    def _complete(self, p: Place, rule: str, note: str | None = None, word: str = "") -> Placement:
        """The mention's place completed from the gazetteer, under `rule`, with the note of key
        `note` (about the mention, and the `word` that referred to it); made once per mention,
        rule and note, since every later sentence in its context asks again."""
        key = (p.start, p.end, p.community, rule, note, word)
        placed = self._placed.get(key)
        if placed is None:
            district, street, community, low, extra = self.resolve(p)
            text = "" if note is None else _note(note, unit=_name(p), word=word,
                                                 surface=self.text[p.start: p.end])
            placed = self._placed[key] = Placement(district, street, community, rule,
                                                   "low" if low else CONFIDENCE[rule], text + extra)
        return placed

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
