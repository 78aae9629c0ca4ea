"""What a sheet is checked against, read from the store only as far as the sheet can reach.

The checks need two things of the stored claims: their places (every distinct district, street
and community: name checks and suggestions, a few thousand rows however big the store), and the
figures a row may repeat (see duplicates.py), which can only be stored claims at the same place
(community, else street) with the same unit. So instead of every stored claim (1.4 GB for a
million), the check reads the places once per store version, then, for the places its rows name,
the few key columns of those claims, and the source and text of only the figures it repeats:

    result = validate(sheet, mapping, known=stored_facts(root))

`StoredFacts.of(frame)` serves the same questions from claims already in memory (tests, callers
holding load_tables().claims).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import pandas as pd

PLACE_COLUMNS = ["district", "street", "community"]
# what a repeat is found by (duplicates.StoredIndex), and where to read its source from
KEY_COLUMNS = ["community", "street", "value", "unit", "period", "claim_id", "batch_id"]


@dataclass
class StoredFacts:
    """The stored claims as the checks of an upload ask about them."""
    places: pd.DataFrame    # distinct (district, street, community) of the stored claims
    _claims_at: Callable[[set, set], pd.DataFrame]
    _sources: Callable[[dict], dict]

    @property
    def keys(self) -> set[str]:
        """The names a stored figure is filed under (its community, else its street)."""
        p = self.places
        return {c if isinstance(c, str) else s for c, s in zip(p["community"], p["street"])
                if isinstance(c, str) or isinstance(s, str)}

    def claims_at(self, places: set[str], units: set) -> pd.DataFrame:
        """KEY_COLUMNS of the stored claims filed under one of `places` with one of `units`
        (None for no unit), in store order."""
        return self._claims_at(places, units)

    def sources(self, claims: dict[str, str]) -> dict[str, tuple[str, str]]:
        """claim id → (doc, text) for the given {claim id: batch id}."""
        return self._sources(claims) if claims else {}

    @classmethod
    def of(cls, frame: pd.DataFrame | None) -> "StoredFacts":
        """From stored claims already in memory (a DataFrame with the claims columns)."""
        if frame is None or not len(frame):
            return cls(pd.DataFrame(columns=PLACE_COLUMNS), lambda p, u: _empty_keys(),
                       lambda c: {})
        have = [c for c in PLACE_COLUMNS if c in frame]
        places = frame[have].astype(object).drop_duplicates().reindex(columns=PLACE_COLUMNS)

        def claims_at(names, units):
            places = frame.reindex(columns=["community", "street"]).astype(object)
            place = places["community"].where(places["community"].notna(), places["street"])
            at = place.isin(names).to_numpy() & frame["unit"].astype(object).isin(units).to_numpy()
            k = frame[at].reindex(columns=KEY_COLUMNS).astype(object)
            return k.where(k.notna(), None)

        def sources(claims):
            k = frame.reindex(columns=["claim_id", "doc", "text"]).astype(object)
            k = k[k["claim_id"].isin(claims)].drop_duplicates("claim_id")
            return {cid: (d, t) for cid, d, t in k.itertuples(index=False)}

        return cls(places.reset_index(drop=True), claims_at, sources)


def _empty_keys() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY_COLUMNS})


# ---- from the store (either backend, through loaders.store.read_table) ------------------------

_cache: dict = {}
_cache_lock = threading.Lock()


def stored_places(root=None) -> pd.DataFrame:
    """Distinct (district, street, community) of the live, not replaced, stored claims: three
    dictionary-coded columns read, remembered per store version (a few thousand rows)."""
    from ..store import list_batches, read_table, store_signature, superseded

    key = (str(root), store_signature(root))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    replaced = superseded(list_batches(root))
    columns = PLACE_COLUMNS + (["claim_id"] if replaced else [])
    frame = read_table("claims", columns, root=root, dictionary=PLACE_COLUMNS).to_pandas()
    if replaced:
        frame = frame[~frame.pop("claim_id").isin(replaced)]
    places = frame.astype(object).drop_duplicates().reset_index(drop=True)
    places = places.where(places.notna(), None)
    with _cache_lock:
        _cache.clear()   # one store version at a time is all an upload needs
        _cache[key] = places
    return places


def stored_facts(root=None) -> StoredFacts:
    """What an upload is checked against, read from the store at `root` on demand."""
    from ..store import list_batches, read_table, superseded

    replaced = superseded(list_batches(root))

    def claims_at(names, units):
        names, units = sorted(names), list(units)
        parts = [read_table("claims", KEY_COLUMNS, root=root, filters=f).to_pandas()
                 for f in ([("community", "in", names), ("unit", "in", units)],
                           [("community", "==", None), ("street", "in", names),
                            ("unit", "in", units)])]
        k = pd.concat([p for p in parts if len(p)] or [_empty_keys()], ignore_index=True)
        k = k[~k["claim_id"].isin(replaced)].astype(object)
        return k.where(k.notna(), None)

    def sources(claims):
        found = read_table("claims", ["claim_id", "doc", "text"], root=root,
                           batch_ids=sorted(set(claims.values())),
                           filters=[("claim_id", "in", sorted(claims))]).to_pylist()
        return {r["claim_id"]: (r["doc"], r["text"]) for r in found}

    return StoredFacts(stored_places(root), claims_at, sources)


def as_stored(known) -> StoredFacts:
    """`validate`'s `known`: StoredFacts as given, claims in memory (or None) wrapped."""
    return known if isinstance(known, StoredFacts) else StoredFacts.of(known)
