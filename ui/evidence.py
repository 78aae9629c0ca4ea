"""The evidence rows of the explorer and the community profile, read from the store a page at a
time (loaders/store/evidence.py: DuckDB over the Parquet files, SQL on PostgreSQL) with the
sidebar's filters, the search and the sort done there, so opening the explorer never reads every
claim. No Streamlit here.

Search: every whitespace-separated term must occur (as typed) in one of SEARCH_COLUMNS, or name
part of the row's programme label (养老 finds the elderly-care programme). Sorts: SORTS, ties in
the claim order (batch by batch, each in its stored order).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Iterator

import pandas as pd

from loaders.exports import csv_chunks, to_xlsx_bytes
from loaders.programmes import programme_codes
from loaders.store.evidence import ClaimQuery, claim_chunks, claim_page, count_claims

from .claim_rows import SEARCH_COLUMNS, SORTS, claims_table
from .dataset import Dataset
from .labels import indicator_options, programme_label
from .queries import FILTER_COLUMNS, Filters

PAGE_ROWS = 500     # rows per page of the explorer's table
UNSURE = ("place_confidence", "==", "low")   # 只看地点待核实: places the attribution doubts
_CACHED = 64        # queries remembered per store version (counts and pages)
_guard = threading.Lock()


def search_terms(text: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each term of a search with the programmes whose Chinese label holds it."""
    return tuple((term, tuple(c for c in programme_codes() if term in programme_label(c)))
                 for term in (text or "").split())


def claim_query(filters: Filters, search: str | None = None, sort: str = "source",
                unsure: bool = False, extra: tuple = ()) -> ClaimQuery:
    """The explorer's rows: the sidebar's filters, the search, the sort, and with `unsure` only
    the claims whose place is in doubt; `extra` filters as loaders.store.read_table takes them."""
    _, cols, ascending = SORTS[sort]
    pushed = [(FILTER_COLUMNS[name], "in", values) for name, values in filters.active().items()]
    return ClaimQuery(filters=(*pushed, *((UNSURE,) if unsure else ()), *extra),
                      terms=search_terms(search), search_columns=SEARCH_COLUMNS,
                      order=tuple(zip(cols, ascending)),
                      ranked=(("indicator", tuple(indicator_options())),))


def _where(ds: Dataset) -> dict:
    """The store and the batches the dataset was read from; a dataset made from tables in
    memory (ui.dataset.prepare) is queried in memory by the same SQL."""
    if ds.root is None:
        return {"claims": ds.claims}
    return {"root": ds.root, "batches": ds.batches}


def _remembered(ds: Dataset, key: tuple, compute):
    """Per dataset (one store version), the last _CACHED answers: a rerun after a click asks
    the same count and page again."""
    with _guard:
        cache = ds.__dict__.setdefault("_evidence_cache", OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = compute()
    with _guard:
        cache[key] = value
        while len(cache) > _CACHED:
            cache.popitem(last=False)
    return value


def count_rows(ds: Dataset, query: ClaimQuery) -> int:
    return _remembered(ds, ("count", query), lambda: count_claims(query, **_where(ds)))


def page_rows(ds: Dataset, query: ClaimQuery, page: int = 1, size: int | None = None) -> pd.DataFrame:
    """The rows of page `page` (from 1) of `size` rows (default PAGE_ROWS), every column."""
    size = size or PAGE_ROWS
    offset = max(0, page - 1) * size
    return _remembered(ds, ("page", query, offset, size),
                       lambda: claim_page(query, offset, size, **_where(ds)))


def find_claim(ds: Dataset, query: ClaimQuery, claim_id: str | None) -> pd.Series | None:
    """The claim with this id, if the query keeps it (a copied ?claim= link reopens it on any
    page)."""
    if not claim_id:
        return None
    one = ClaimQuery(query.filters + (("claim_id", "==", str(claim_id)),), query.terms,
                     query.search_columns)
    rows = _remembered(ds, ("claim", one), lambda: claim_page(one, 0, 1, **_where(ds)))
    return rows.iloc[0] if len(rows) else None


def all_rows(ds: Dataset, query: ClaimQuery, columns=None) -> pd.DataFrame:
    """Every row the query keeps, in its order (for a bounded query: one community's claims)."""
    parts = list(claim_chunks(query, columns, **_where(ds)))
    return pd.concat(parts, ignore_index=True) if parts else claim_page(query, 0, 0, columns,
                                                                        **_where(ds))


def export_tables(ds: Dataset, query: ClaimQuery) -> Iterator[pd.DataFrame]:
    """The rows of a download as claims_table gives them, a chunk at a time (at least one,
    so an empty download still has its header)."""
    empty = True
    for part in claim_chunks(query, **_where(ds)):
        empty = False
        yield claims_table(part)
    if empty:
        yield claims_table(claim_page(query, 0, 0, **_where(ds)))


def export_csv(ds: Dataset, query: ClaimQuery) -> bytes:
    """Every row of the query as CSV through the one export writer, written chunk by chunk."""
    return b"".join(csv_chunks(export_tables(ds, query)))


def export_xlsx(ds: Dataset, query: ClaimQuery) -> bytes:
    return to_xlsx_bytes(pd.concat(list(export_tables(ds, query)), ignore_index=True))
