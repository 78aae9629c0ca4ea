"""One community: its key in links and pickers, and everything known about it (no Streamlit here)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.programmes import programme_codes
from loaders.store.evidence import ClaimQuery

from .aggregate import count_facts
from .dataset import Dataset, claim_frame
from .evidence import all_rows, claim_query
from .labels import district_names
from .queries import LEVELS, Filters, Scope, _present, apply_filters, communities_in_scope

def community_key(district, street, community) -> str:
    return "|".join("" if pd.isna(x) else str(x) for x in (district, street, community))


def split_community_key(key: str) -> tuple[str | None, str | None, str]:
    district, street, community = key.split("|", 2)   # a community name may itself hold "|"
    return district or None, street or None, community


def community_key_label(key: str) -> str:
    district, street, community = split_community_key(key)
    where = "".join(x for x in (district, street) if x)
    return f"{community}（{where}）" if where else community


def community_choices(scope: Scope) -> list[str]:
    """Keys of the communities in scope, by district (tile order), street, name."""
    comms = communities_in_scope(scope)
    order = {d: i for i, d in enumerate(district_names())}
    comms = comms.assign(_d=comms["district"].map(order).fillna(len(order)))
    comms = comms.sort_values(["_d", "street", "community"], na_position="last", kind="stable")
    return [community_key(*r) for r in comms[list(LEVELS)].itertuples(index=False)]


def _same_community(frame: pd.DataFrame, district, street, community) -> np.ndarray:
    mask = np.array(frame["community"] == community, dtype=bool)  # a writable copy; null → False
    for col, value in (("street", street), ("district", district)):
        if value:
            # a row that leaves the street or district blank still belongs to this community
            mask &= np.array((frame[col] == value) | frame[col].isna(), dtype=bool)
    return mask


@dataclass
class CommunityProfile:
    community: str
    street: str | None
    district: str | None
    secretary: str | None
    title: str | None
    programmes: list[str]      # programme codes, most facts first
    claims: pd.DataFrame
    initiatives: pd.DataFrame
    documents: pd.DataFrame    # doc, title


def community_query(key: str, filters: Filters | None = None) -> ClaimQuery:
    """The claims of one community in source order: its name, and its street and district or
    none (a row that leaves them blank still belongs to it), narrowed by the other filters."""
    district, street, community = split_community_key(key)
    place = [("community", "==", community)]
    place += [(col, "in", (value, None)) for col, value in (("street", street),
                                                              ("district", district)) if value]
    scoped = filters.without(*LEVELS) if filters is not None else Filters()
    return claim_query(scoped, sort="source", extra=tuple(place))


def community_profile(ds: Dataset, key: str, filters: Filters | None = None) -> CommunityProfile:
    """Everything known about one community; `filters` (if given) narrow its claims, which are
    read from the store for this community alone (ui/evidence)."""
    district, street, community = split_community_key(key)
    rows = ds.communities[_same_community(ds.communities, district, street, community)]
    claims = claim_frame(all_rows(ds, community_query(key, filters)))
    inits = ds.initiatives[_same_community(ds.initiatives, district, street, community)]
    if filters is not None:
        inits = apply_filters(inits, filters.without(*LEVELS))

    def first(col):
        values = rows[col].dropna() if col in rows else []
        return values.iloc[-1] if len(values) else None  # the latest source wins

    taxonomy = {c: i for i, c in enumerate(programme_codes())}
    progs = count_facts(claims, ["programme"])
    progs = progs.assign(_t=progs["programme"].map(taxonomy)).sort_values(
        ["facts", "_t"], ascending=[False, True], kind="stable")   # ties in taxonomy order
    programmes = list(progs["programme"])
    for p in inits["programme"].astype("object").dropna().unique():
        if p not in programmes:
            programmes.append(p)
    docs = sorted(set(rows["doc"].dropna()) | _present(claims["doc"]) | _present(inits["doc"]))
    titles = ds.documents.set_index("doc")["title"] if len(ds.documents) else pd.Series(dtype=object)
    documents = pd.DataFrame({"doc": docs, "title": [titles.get(d) for d in docs]})
    return CommunityProfile(community=community, street=street or first("street"),
                            district=district or first("district"), secretary=first("secretary"),
                            title=first("title"), programmes=programmes, claims=claims,
                            initiatives=inits, documents=documents)
