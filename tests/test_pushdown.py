"""Filters the rollups cannot answer (programme, indicator, kind, period, source, with or without
place, status and batch filters) read only the claims they keep, the filters pushed down to the
store (ui.dataset.Dataset.numbers_where): every figure of the overview, the district and
programme pages must be what the same filters give over every claim in memory, on random stores
in both stores, with claims a later batch replaced; and the whole store's claims are never read."""
import numpy as np
import pandas as pd
import pytest

from tests.test_cubes import _random_tables, commit_tables
from tests.test_store_backends import BACKENDS
from tests.test_unit_figures import _frame
from ui.dataset import Dataset, load_dataset, prepare
from ui.overview import overview_from_claims
from ui.queries import (LEVELS, Filters, above_level_facts, communities_in_scope,
                        programme_summary, scope_leading, scope_of, scope_totals, summary_by)


@pytest.fixture(params=BACKENDS)
def root(request, tmp_path):
    if request.param == "parquet":
        return tmp_path / "store"
    return request.getfixturevalue("pg_database")


def _filters(claims: pd.DataFrame, rng, n: int) -> list[Filters]:
    """Filters on the columns the rollups do not answer, alone and with place, status and batch
    filters; some select values no claim has."""
    def some(col, k=2):
        values = claims[col].dropna().astype(str).unique()
        return tuple(rng.choice(values, min(k, len(values)), replace=False).tolist())
    out = [Filters(programme=some("programme", 1)), Filters(indicator=some("indicator", 3)),
           Filters(kind=some("kind", 1)), Filters(period=some("period", 1)),
           Filters(doc=some("doc", 4)), Filters(programme=("没有这个项目",))]
    for _ in range(n):
        f = {rng.choice(["programme", "indicator", "kind", "period", "doc"]): None}
        f = {k: some({"doc": "doc"}.get(k, k), int(rng.integers(1, 3))) for k in f}
        if rng.random() < 0.5:
            f["district"] = some("district", 1)
        if rng.random() < 0.3:
            f["status"] = (str(rng.choice(["achieved", "planned"])),)
        if rng.random() < 0.3:
            f["batch"] = some("batch_id", 1)
        out.append(Filters(**f))
    return out


def _same(a, b) -> None:
    for level in LEVELS:
        _frame(summary_by(a, level), summary_by(b, level))
        assert above_level_facts(a, level) == above_level_facts(b, level)
    _frame(*(communities_in_scope(s).sort_values(list(LEVELS), na_position="first")
             for s in (a, b)))
    for status in ("achieved", "planned"):
        _frame(scope_totals(a, status), scope_totals(b, status))
    _frame(scope_leading(a), scope_leading(b))
    _frame(programme_summary(a), programme_summary(b))


@pytest.mark.parametrize("seed", (11, 12))
def test_filters_pushed_down_give_the_figures_of_every_claim(root, seed, monkeypatch):
    t = _random_tables(seed)
    rng = np.random.default_rng(seed)
    first = t["claims"][t["claims"]["batch_id"] == "b1"]
    replace = list(first["claim_id"].sample(5, random_state=seed))
    commit_tables(t, root, replace)
    kept = t["claims"][~t["claims"]["claim_id"].isin(replace)]
    reference = prepare(kept, t["communities"], t["initiatives"], t["documents"], t["batches"])
    ds = load_dataset(root)
    monkeypatch.setattr(Dataset, "numbers", property(
        lambda self: self._numbers if self._numbers is not None
        else pytest.fail("every claim was read")))
    read = []
    loader = ds._load_where
    ds._load_where = lambda filters: read.append(filters) or loader(filters)
    for filters in _filters(kept, rng, 6):
        pushed, full = scope_of(ds, filters), scope_of(reference, filters)
        _same(pushed, full)
        assert len(pushed.claims) == len(full.claims)
        a, b = overview_from_claims(ds, filters), overview_from_claims(reference, filters)
        assert a.counts == b.counts
        _frame(a.achieved, b.achieved)
        _frame(a.planned, b.planned)
        assert {k: f.to_json() for k, f in a.figures.items()} == \
            {k: f.to_json() for k, f in b.figures.items()}
    assert read and ds._numbers is None
    # a page's rerun with the same filters reads nothing again
    count = len(read)
    scope_of(ds, filters)
    assert len(read) == count
