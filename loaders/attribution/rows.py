"""Spreadsheet rows placed by the same rules' last step: what the columns say, completed from the
gazetteer, flagged when a community name is ambiguous."""
from __future__ import annotations

import pandas as pd

from ..gazetteer import Gazetteer
from .words import Placement, _note, _only


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
