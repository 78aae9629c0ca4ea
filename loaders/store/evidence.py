"""Claims read on demand: how many rows a query keeps, one page of them, or all of them in chunks,
with the filters, the search and the sort done by the store's engine (DuckDB over the folder
store's Parquet files, SQL on PostgreSQL), so no page ever holds every claim in memory.

A query reads the live batches the caller names (`batches`: list_batches' table, oldest first;
default: the store's live batches now) and leaves out the claims those batches replace
(superseded), exactly as ui/dataset.load_dataset does. Rows come in the claim order of
load_dataset (batch by batch, each in its stored order) wherever the sort keys tie, so a page is
the same slice of the same order on both stores and on every run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

import pandas as pd
import pyarrow as pa

from ..schema import TABLES, arrow_schema
from .base import check_filters, superseded

CLAIM_COLUMNS = tuple(c.name for c in TABLES["claims"])
CHUNK_ROWS = 50_000   # rows per chunk when every matching row is read (downloads)


@dataclass(frozen=True)
class ClaimQuery:
    """Which claims, in which order.

    filters  (column, "==" or "in", value) as read_table takes them, a None value matching nulls
    terms    each (text, programmes): a row is kept when, for every term, the text is a substring
             of one of `search_columns` (case as typed) or the row's programme is one of the
             term's `programmes` (the codes whose label holds the text)
    order    (column, ascending) sort keys, nulls last; the claim order breaks ties
    ranked   (column, values): that column sorts by its value's place in `values` (catalogue
             order), a value not listed as a null
    """
    filters: tuple = ()
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    search_columns: tuple[str, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    ranked: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def checked(self) -> "ClaimQuery":
        """The query with its filters normalised, refused (ValueError) when it names a column
        the claims do not have."""
        names = [*self.search_columns, *(c for c, _ in self.order), *(c for c, _ in self.ranked)]
        filters = tuple((c, op, tuple(v) if op == "in" else v)
                        for c, op, v in check_filters("claims", names, self.filters))
        return ClaimQuery(filters, tuple((t, tuple(p)) for t, p in self.terms),
                          tuple(self.search_columns), tuple(self.order), tuple(self.ranked))


@dataclass(frozen=True)
class Live:
    """The batches a query reads, oldest first, and the claim ids they replace."""
    ids: tuple[str, ...]
    replaced: tuple[str, ...]

    @classmethod
    def of(cls, batches: pd.DataFrame) -> "Live":
        ids = tuple(batches["batch_id"]) if "batch_id" in batches else ()
        return cls(ids, tuple(sorted(superseded(batches))))


def _engine(root, claims):
    from . import _backend, list_batches
    if claims is not None:   # rows in memory: DuckDB reads them as it reads the files
        from . import evidence_duckdb
        return evidence_duckdb, None, None
    pg, target = _backend(root)
    if pg is not None:
        from . import evidence_pg as engine
    else:
        from . import evidence_duckdb as engine
    return engine, target, list_batches


def _prepare(query: ClaimQuery, root, batches, claims, columns=None):
    engine, target, list_batches = _engine(root, claims)
    if claims is not None:
        live = None
        claims = pa.Table.from_pandas(claims[list(CLAIM_COLUMNS)], preserve_index=False)
    else:
        live = Live.of(list_batches(target) if batches is None else batches)
    names = list(CLAIM_COLUMNS if columns is None else columns)
    check_filters("claims", names, ())
    return engine, target, live, query.checked(), names, claims


def _nothing(live: Live | None) -> bool:
    return live is not None and not live.ids


def count_claims(query: ClaimQuery, root: str | os.PathLike | None = None,
                 batches: pd.DataFrame | None = None, claims: pd.DataFrame | None = None) -> int:
    """How many claims the query keeps: of the store at `root` (the live `batches`, default
    all), or of `claims` already in memory (their rows in order, none replaced)."""
    engine, target, live, query, _, claims = _prepare(query, root, batches, claims)
    return 0 if _nothing(live) else engine.count(query, live, target, claims=claims)


def claim_page(query: ClaimQuery, offset: int = 0, limit: int = 100, columns=None,
               root: str | os.PathLike | None = None, batches: pd.DataFrame | None = None,
               claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows offset … offset+limit of the query's rows in its order, with `columns` (default
    all), as a DataFrame indexed 0…n-1 (integers nullable, as the store declares them)."""
    engine, target, live, query, names, claims = _prepare(query, root, batches, claims, columns)
    if _nothing(live) or limit <= 0:
        return frame_of(None, names)
    return frame_of(engine.page(query, live, target, names, int(offset), int(limit),
                                claims=claims), names)


def claim_chunks(query: ClaimQuery, columns=None, root: str | os.PathLike | None = None,
                 batches: pd.DataFrame | None = None, claims: pd.DataFrame | None = None,
                 chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Every row the query keeps, in its order, as DataFrames of at most `chunk_rows` rows,
    read as they are consumed (one query; for downloads)."""
    engine, target, live, query, names, claims = _prepare(query, root, batches, claims, columns)
    if _nothing(live):
        return
    for part in engine.chunks(query, live, target, names, chunk_rows, claims=claims):
        yield frame_of(part, names)


def frame_of(arrow: pa.Table | None, names) -> pd.DataFrame:
    """Rows in the store's declared types as pandas, as ui/dataset reads them."""
    schema = arrow_schema("claims")
    target = pa.schema([schema.field(n) for n in names])
    arrow = target.empty_table() if arrow is None else arrow.select(list(names)).cast(target)
    return arrow.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


__all__ = ["ClaimQuery", "Live", "count_claims", "claim_page", "claim_chunks", "CLAIM_COLUMNS"]
