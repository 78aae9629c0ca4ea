"""The claims explorer as it worked before issue 15, kept as the reference the new path is
measured against (benchmarks/bench_evidence.py) and checked against (tests/test_evidence.py):
every claim's coded columns in memory (ui.dataset's `numbers`), filtered, then the text of the
kept rows read to search them, everything sorted by pandas, the first rows shown."""
from __future__ import annotations

import pandas as pd

from ui.claim_rows import SEARCH_COLUMNS, SORTS
from ui.initiative_rows import search_rows
from ui.labels import indicator_options
from ui.queries import Filters, apply_filters


def sort_claims(claims: pd.DataFrame, how: str) -> pd.DataFrame:
    _, cols, ascending = SORTS[how]
    rank = {k: i for i, k in enumerate(indicator_options())}
    keys = {}
    for col in cols:
        s = claims[col]
        if col == "indicator":
            keys[col] = s.astype("object").map(rank)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            keys[col] = s.astype("object")   # by the text, not the category order
        else:
            keys[col] = s
    order = pd.DataFrame(keys, index=claims.index).sort_values(
        cols, ascending=ascending, kind="stable", na_position="last").index
    return claims.loc[order]


def explorer_in_memory(ds, filters: Filters, search: str | None, how: str, unsure: bool,
                       shown: int | None = None) -> pd.DataFrame:
    """The rows the explorer listed (all, or the first `shown` of them), as it found them."""
    numbers = apply_filters(ds.numbers, filters)
    if unsure:
        numbers = numbers[numbers["place_confidence"].astype(object) == "low"]
    rows = search_rows(ds.claim_rows(numbers.index), search, SEARCH_COLUMNS) if search else numbers
    ordered = sort_claims(rows, how)
    index = ordered.index if shown is None else ordered.index[:shown]
    return ds.claim_rows(index)
