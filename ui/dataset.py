"""The store's tables, read once per store version and prepared for fast filtering.

The overview of a million claims must appear within 2 s of a cold start, and reading the claims'
free text (sentences, spans, ids) takes most of that, while no figure needs it. So the claims are
read in two parts from the same batches: the short coded columns at once (as categoricals), the
text columns only when a page first shows evidence. No Streamlit here.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.schema import TABLES, SchemaError, conform, empty_frame
from loaders.store import list_batches, read_table, store_root, superseded

from .aggregate import distinct_facts, fact_keys
from .cube_cache import read_tables, write_tables
from .cube_store import _cache_path, _versions, load_cubes
from .cubes import Cubes, cubes_of_claims

# Low-cardinality columns become categoricals: filtering and grouping a million claims on integer
# codes is what keeps a warm rerun of the overview well under half a second.
CATEGORICAL = ("batch_id", "source_type", "doc", "unit", "kind", "qualifier", "indicator", "per",
               "district", "street", "community", "programme", "status", "period", "place_confidence")
PLACE = ("district", "street", "community")
PLACE_SEP = "|"   # as in queries.community_key; split at most twice (a name may hold "|")
# What aggregation needs: no free text. Filtering copies the kept rows of every column, and the
# text columns are most of the bytes, so figures are made from these alone.
NUMBER_COLUMNS = (*CATEGORICAL, "value", "start", "row", "evidence_start", "fact_key", "place")
# offsets: to sort in source order, and (evidence_start) to tell the sentence of a mention
READ_NUMBER_COLUMNS = (*CATEGORICAL, "value", "start", "row", "evidence_start")
TEXT_COLUMNS = tuple(c.name for c in TABLES["claims"] if c.name not in READ_NUMBER_COLUMNS)


@dataclass
class Dataset:
    """The store's tables. The small ones are read at once; the claims' coded columns
    (`numbers`) only when a page needs rows, since the overview's figures come from the batches'
    rollups (`cubes`, ui/cubes.py)."""
    communities: pd.DataFrame  # one row per community per source
    initiatives: pd.DataFrame
    documents: pd.DataFrame
    batches: pd.DataFrame
    _numbers: pd.DataFrame | None = None
    _load_numbers: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _cubes: Cubes | None = None
    _load_cubes: Callable[[], Cubes] | None = field(default=None, repr=False)
    _facts: pd.DataFrame | None = None
    _places: pd.DataFrame | None = None
    _claims: pd.DataFrame | None = None
    _load_text: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _load_where: Callable[[list], pd.DataFrame] | None = field(default=None, repr=False)
    _where: dict = field(default_factory=dict, repr=False)   # the last WHERE_KEPT reads
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    root: object = None   # the store read (ui/evidence queries it); None: tables given in memory

    @property
    def numbers(self) -> pd.DataFrame:
        """The claims' coded columns + fact_key + place, read on first use."""
        with self._lock:  # sessions share the cached dataset: read once
            if self._numbers is None:
                self._numbers = self._load_numbers()
            return self._numbers

    @property
    def claims_in_memory(self) -> bool:
        """Whether the claims' coded columns are read (or were given)."""
        return self._numbers is not None or self._load_where is None

    def numbers_where(self, filters: list[tuple[str, str, list]]) -> pd.DataFrame:
        """`numbers`, or (claims not in memory, a filter given) only the rows that meet the
        `filters` (loaders.store.read_table's form), read with the filters pushed down to the
        store: a programme or indicator filter the rollups cannot answer reads the claims it
        keeps, not all of them. Its index is its own (0…n-1), not `numbers`'; its categories
        those it holds. The last WHERE_KEPT reads are kept (a page's reruns)."""
        with self._lock:
            if self._numbers is not None or self._load_where is None or not filters:
                return self.numbers
            key = repr(sorted((c, o, tuple(v)) for c, o, v in filters))
            if key not in self._where:
                self._where[key] = self._load_where(filters)
                while len(self._where) > WHERE_KEPT:
                    self._where.pop(next(iter(self._where)))
            return self._where[key]

    @property
    def facts(self) -> pd.DataFrame:
        """numbers, first mention of each fact only (ui.aggregate rule 2)."""
        with self._lock:
            if self._facts is None:
                self._facts = distinct_facts(self.numbers)
            return self._facts

    @property
    def cubes(self) -> Cubes:
        """The live batches' rollups (ui/cubes.py), read on first use."""
        with self._lock:
            if self._cubes is None:
                self._cubes = self._load_cubes()
            return self._cubes

    @property
    def places(self) -> pd.DataFrame:
        """Every known (district, street, community), for cascading filters."""
        with self._lock:
            if self._places is None:
                if self._numbers is not None:
                    self._places = _places(self._numbers, self.communities, self.initiatives)
                else:
                    found = self.cubes.place_table()
                    self._places = _places(found.astype("object").where(found.notna(), None),
                                           self.communities, self.initiatives)
            return self._places

    def present(self, column: str) -> set:
        """The values a claims column takes (the filters' options), without reading the claims
        when they are not in memory yet."""
        if self._numbers is not None:
            s = self._numbers[column]
            codes = s.cat.codes.to_numpy()
            used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
            return set(s.cat.categories[used])
        return self.cubes.present(column)

    @property
    def empty(self) -> bool:
        claims = self.numbers.empty if self._numbers is not None \
            else not self.cubes.combined.cells.m["mentions"].sum()
        return claims and self.communities.empty and self.initiatives.empty

    @property
    def claims(self) -> pd.DataFrame:
        """Every column of the claims, same index as `numbers`; the text is read on first use."""
        with self._lock:  # sessions share the cached dataset: read the text once
            if self._claims is None:
                self.numbers   # first: the text is cut to the same rows
                text = self._load_text()
                if len(text) != len(self.numbers):
                    raise SchemaError("claims: text and coded columns differ in length")
                full = pd.concat([self.numbers, text.set_index(self.numbers.index)], axis=1)
                self._claims = full
            return self._claims

    def claim_rows(self, index) -> pd.DataFrame:
        """The full rows (with text) of the claims at these `numbers` index labels."""
        return self.claims.loc[index]


def _categorise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in CATEGORICAL:
        if col in out and not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("category")
    return out


def place_column(frame: pd.DataFrame) -> pd.Categorical:
    """"district|street|community" of each row (null parts empty) as one categorical, so the
    communities in a scope are a bincount of codes instead of a three-column drop_duplicates."""
    key = np.zeros(len(frame), dtype="int64")
    cats = []
    for col in PLACE:
        c = frame[col] if isinstance(frame[col].dtype, pd.CategoricalDtype) \
            else frame[col].astype("category")
        cats.append(np.asarray(c.cat.categories, dtype=object))
        key = key * (len(cats[-1]) + 1) + c.cat.codes.to_numpy(dtype="int64") + 1
    uniq, inverse = np.unique(key, return_inverse=True)
    parts, rest = [], uniq
    for values in reversed(cats):
        code = rest % (len(values) + 1) - 1
        rest = rest // (len(values) + 1)
        parts.append(np.where(code >= 0, values[np.maximum(code, 0)] if len(values) else "", ""))
    labels = [PLACE_SEP.join(p) for p in zip(*reversed(parts))]
    return pd.Categorical.from_codes(inverse.astype("int32"), categories=labels)


def _places(*frames: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for f in frames:
        if "place" in f:  # claims: their few thousand places are the `place` categories
            rows = [tuple(p or None for p in key.split(PLACE_SEP, 2)) for key in f["place"].cat.categories]
            parts.append(pd.DataFrame(rows, columns=list(PLACE), dtype=object))
        elif set(PLACE) <= set(f.columns) and len(f):
            parts.append(f[list(PLACE)].drop_duplicates().astype("object"))
    if not parts:
        return pd.DataFrame(columns=list(PLACE))
    return pd.concat(parts, ignore_index=True).drop_duplicates().reset_index(drop=True)


def _prepare_numbers(numbers: pd.DataFrame) -> pd.DataFrame:
    numbers = _categorise(numbers).reset_index(drop=True)
    numbers["fact_key"] = fact_keys(numbers)
    numbers["place"] = place_column(numbers)
    return numbers[list(NUMBER_COLUMNS)]


def claim_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Claims read apart from the dataset (ui/evidence: a page, one community's rows) in the
    dataset's form: coded columns as categoricals, fact_key and place added, every column."""
    numbers = _prepare_numbers(rows[list(READ_NUMBER_COLUMNS)])
    return pd.concat([numbers, rows.reset_index(drop=True)[list(TEXT_COLUMNS)]], axis=1)


def _assemble(communities, initiatives, documents, batches, **lazy) -> Dataset:
    return Dataset(communities=communities.reset_index(drop=True),
                   initiatives=_categorise(initiatives).reset_index(drop=True),
                   documents=documents.drop_duplicates("doc", keep="last").reset_index(drop=True),
                   batches=batches.reset_index(drop=True), **lazy)


def prepare(claims, communities, initiatives, documents, batches) -> Dataset:
    """A Dataset from tables already in memory (tests, and callers of loaders.store.load_tables)."""
    full = claim_frame(claims)
    numbers = full[list(NUMBER_COLUMNS)]
    order = list(dict.fromkeys([*(batches["batch_id"] if "batch_id" in batches else []),
                                *claims["batch_id"].astype("object")]))
    return _assemble(communities, initiatives, documents, batches, _numbers=numbers,
                     _claims=full, _load_cubes=lambda: cubes_of_claims(
                         claims, order, (communities, initiatives, documents)))


# ---- reading the store ------------------------------------------------------------------------

def _read(root, batch_ids, table: str, columns=None, dictionary=(), filters=None) -> pd.DataFrame:
    """One table's `columns` from the given batches, in that order, as one DataFrame; the coded
    `dictionary` columns arrive as categoricals without a pass over the strings. A batch undone
    after the read began is still read (loaders.store.read_table), so the lazily read text
    columns line up with the numbers read before."""
    names = [c.name for c in TABLES[table]] if columns is None else list(columns)
    arrow = read_table(table, names, batch_ids=batch_ids, root=root, dictionary=dictionary,
                       filters=filters)
    if not arrow.num_rows:
        return empty_frame(table)[names]
    # nullable integers stay integers (offsets), as loaders.schema declares them
    return arrow.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


SMALL = ("communities", "initiatives", "documents")
WHERE_KEPT = 2


def _small_tables(root, ids, replaced, versions) -> dict[str, pd.DataFrame]:
    """The small tables of the batches `ids`, kept per store version beside the summed rollups
    (ui/cube_cache.py): a fresh process of a store not changed since reads them from local
    files instead of the store (a database's 250k document rows at 10M claims: most of its
    cold start)."""
    path = _cache_path(root, versions, replaced) if versions is not None else None
    arrow = read_tables(path, SMALL)
    if arrow is None:
        # one chunk per table, not one per batch: pandas converts a thousand chunks slowly
        arrow = {t: read_table(t, [c.name for c in TABLES[t]], batch_ids=ids, root=root)
                 .combine_chunks() for t in SMALL}
        if _versions(root, ids) == versions:   # no batch went while they were read
            write_tables(path, arrow)
    return {t: empty_frame(t) if not a.num_rows else
            a.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get) for t, a in arrow.items()}


def _check_codes(numbers: pd.DataFrame) -> None:
    """The schema's vocabularies and non-null rules for the coded columns, checked on the
    categories (a few dozen values) instead of a million rows."""
    problems = []
    for col in TABLES["claims"]:
        if col.name not in numbers:
            continue
        s = numbers[col.name]
        nulls = int((s.cat.codes < 0).sum()) if isinstance(s.dtype, pd.CategoricalDtype) \
            else int(s.isna().sum())
        if not col.nullable and nulls:
            problems.append(f"{col.name}: {nulls} null values")
        if col.allowed is not None and isinstance(s.dtype, pd.CategoricalDtype):
            bad = set(s.cat.categories) - set(col.allowed)
            if bad:
                problems.append(f"{col.name}: values outside {col.allowed}: {sorted(bad)[:5]}")
    if problems:
        raise SchemaError("claims: " + "; ".join(problems))


def load_dataset(root=None) -> Dataset:
    """The store at `root` (default: loaders.store.store_root()): its small tables at once,
    the rollups and the claims when first used."""
    root = store_root(root)
    batches = list_batches(root)
    ids = list(batches["batch_id"]) if "batch_id" in batches else []
    replaced = superseded(batches)
    kept = {}

    def load_numbers() -> pd.DataFrame:
        raw = _read(root, ids, "claims", READ_NUMBER_COLUMNS, dictionary=CATEGORICAL)
        if replaced:   # figures a later import replaced (loaders.store.superseded)
            kept["rows"] = ~_read(root, ids, "claims", ["claim_id"])["claim_id"] \
                .isin(replaced).to_numpy()
            raw = raw[kept["rows"]].reset_index(drop=True)
        _check_codes(raw)
        return _prepare_numbers(raw)

    def load_where(filters: list) -> pd.DataFrame:
        chosen = [b for b in ids if not any(c == "batch_id" and b not in v for c, _, v in filters)]
        pushed = [f for f in filters if f[0] != "batch_id"]
        cols = [*READ_NUMBER_COLUMNS, "claim_id"] if replaced else list(READ_NUMBER_COLUMNS)
        raw = _read(root, chosen, "claims", cols, dictionary=CATEGORICAL, filters=pushed)
        if replaced:
            raw = raw[~raw["claim_id"].isin(replaced).to_numpy()].drop(columns="claim_id")
        _check_codes(raw)
        return _prepare_numbers(raw.reset_index(drop=True))

    def load_text() -> pd.DataFrame:
        # the same batch list as the coded columns, so the rows line up one to one
        text = _read(root, ids, "claims", TEXT_COLUMNS)
        if "rows" in kept:
            text = text[kept["rows"]].reset_index(drop=True)
        required = [c.name for c in TABLES["claims"] if c.name in TEXT_COLUMNS and not c.nullable]
        nulls = {c: int(text[c].isna().sum()) for c in required}
        if any(nulls.values()):
            raise SchemaError(f"claims: null values in {nulls}")
        return text

    versions = _versions(root, ids)   # once: the kept small tables' and rollups' key
    small = {t: conform(t, frame) for t, frame in
             _small_tables(root, ids, replaced, versions).items()}
    return _assemble(small["communities"], small["initiatives"], small["documents"], batches,
                     _load_numbers=load_numbers, _load_text=load_text, _load_where=load_where,
                     _load_cubes=lambda: load_cubes(root, batches, replaced, versions), root=root)
