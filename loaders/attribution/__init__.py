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
from .rows import complete_places, place_row
from .text import Attribution
from .words import Placement, Ref, find_refs, rules

__all__ = ["Attribution", "Placement", "Ref", "complete_places", "find_refs", "place_row", "rules"]
