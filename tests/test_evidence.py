"""Evidence rows read on demand (loaders/store/evidence.py through ui/evidence.py) give exactly
what the explorer gave when it filtered, searched and sorted every claim in memory: a
differential test on random stores, on both stores (DuckDB over the Parquet folder, SQL on
PostgreSQL), and on packed, older and in-memory claims."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from loaders import store
from loaders.exports import to_csv_bytes
from loaders.programmes import programme_codes
from loaders.store import packs
from loaders.store.evidence import ClaimQuery, claim_chunks, claim_page, count_claims
from ui import evidence
from ui.claim_rows import SEARCH_COLUMNS, SORTS, claims_table
from ui.dataset import load_dataset, prepare
from ui.labels import indicator_options, programme_label
from ui.queries import Filters, apply_filters

BACKENDS = ["parquet", "postgres"]
PLACES = [("成华区", "猛追湾街道", "培华路社区"), ("成华区", None, "培华路社区"),
          ("武侯区", "玉林街道", "玉林东路社区"), (None, None, "玉林东路社区"), (None, None, None),
          ("锦江区", "春熙路街道", "和平社区")]
WORDS = ["志愿", "服务", "老人", "活动", "书院", "50%", "a_b", "'; DROP TABLE claims; --", "养老"]
INDICATORS = [*indicator_options()[:4], "other"]


@pytest.fixture(params=BACKENDS)
def root(request, tmp_path):
    if request.param == "parquet":
        return tmp_path / "store"
    return request.getfixturevalue("pg_database")   # tests/pg.py: a fresh database, its URL


def random_claims(rng: random.Random, batch: str, n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        district, street, community = rng.choice(PLACES)
        words = rng.sample(WORDS, 2)
        value = rng.choice([3.0, 20.0, 20.0, 1200.0, 0.5, 1e6])
        rows.append({
            "claim_id": f"{batch}-c{i}", "batch_id": batch, "source_type": "article",
            "doc": rng.choice(["a.txt", "b.txt", "甲.xlsx"]), "start": rng.choice([None, 0, 5, 5, 40]),
            "end": 60, "row": rng.choice([None, 2, 3]), "text": f"{int(value)}{words[0]}",
            "value": value, "unit": "event", "kind": "events",
            "qualifier": rng.choice(["exact", "at_least"]), "indicator": rng.choice(INDICATORS),
            "per": None, "object": rng.choice([words[1], None]), "district": district,
            "street": street, "community": community,
            "programme": rng.choice(programme_codes()[:3]),
            "status": rng.choice(["achieved", "planned"]), "period": rng.choice(["2024", "2025", None]),
            "evidence": f"{community or ''}开展{words[0]}{words[1]}。", "evidence_start": 0,
            "place_rule": "named", "place_confidence": rng.choice(["high", "low"]),
            "place_note": None})
    return pd.DataFrame(rows)


def make_store(root, seed: int, batches: int = 4, per: int = 25) -> None:
    """Batches of random claims; the third replaces two claims of the first; one is undone."""
    rng = random.Random(seed)
    for b in range(batches):
        batch = f"b{b}"
        manifest = {"kind": "article", "file": f"{batch}.txt", "time": f"2025-0{b % 2 + 1}-0{b + 1}",
                    "uploader": "测试"}
        if b == 2:
            manifest["replaces"] = ["b0-c0", "b0-c3"]
        store.commit_batch(batch, {"claims": random_claims(rng, batch, per)}, manifest, root)
    store.undo_batch("b1", root)


# ---- the explorer as it was: every claim in memory, filtered, searched, sorted by pandas --------

def _contains(series: pd.Series, term: str) -> np.ndarray:
    return series.astype("object").str.contains(term, regex=False, na=False).to_numpy(dtype=bool)


def explorer_in_memory(ds, filters: Filters, search: str, how: str, unsure: bool) -> pd.DataFrame:
    rows = apply_filters(ds.claims, filters)
    if unsure:
        rows = rows[(rows["place_confidence"].astype(object) == "low").to_numpy()]
    mask = np.ones(len(rows), dtype=bool)
    for term in search.split():
        hit = np.zeros(len(rows), dtype=bool)
        for col in SEARCH_COLUMNS:
            hit |= _contains(rows[col], term)
        codes = [c for c in programme_codes() if term in programme_label(c)]
        hit |= rows["programme"].isin(codes).to_numpy()
        mask &= hit
    rows = rows[mask]
    _, cols, ascending = SORTS[how]
    rank = {k: i for i, k in enumerate(indicator_options())}
    keys = pd.DataFrame({c: rows[c].astype("object").map(rank) if c == "indicator"
                         else rows[c].astype("object") if isinstance(rows[c].dtype, pd.CategoricalDtype)
                         else rows[c] for c in cols}, index=rows.index)
    order = keys.sort_values(cols, ascending=ascending, kind="stable", na_position="last").index
    return rows.loc[order]


def random_view(rng: random.Random) -> tuple[Filters, str, str, bool]:
    pools = {"district": ["成华区", "武侯区", "锦江区"], "street": ["玉林街道", "猛追湾街道"],
             "community": ["培华路社区", "玉林东路社区", "和平社区"],
             "programme": list(programme_codes()[:4]), "indicator": INDICATORS,
             "status": ["achieved", "planned"], "period": ["2024", "2025"],
             "doc": ["a.txt", "甲.xlsx"], "batch": ["b0", "b2", "b3"], "kind": ["events", "people"]}
    chosen = rng.sample(list(pools), rng.choice([0, 1, 1, 2, 3]))
    filters = Filters(**{n: tuple(rng.sample(pools[n], rng.choice([1, 2]))) for n in chosen})
    search = " ".join(rng.sample(WORDS + ["社区", "不存在"], rng.choice([0, 0, 1, 2])))
    return filters, search, rng.choice(list(SORTS)), rng.random() < 0.2


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got["claim_id"]) == list(want["claim_id"].astype(object))
    for col in got.columns:   # every column, as text (categoricals and strings alike)
        a = got[col].astype(object).where(got[col].notna(), None).tolist()
        b = want[col].astype(object).where(want[col].notna(), None).tolist()
        assert a == b, col


def test_pages_equal_the_in_memory_explorer_on_random_stores(root):
    make_store(root, seed=7)
    ds = load_dataset(root)
    assert len(ds.claims) == 73   # b1 undone; two of b0 replaced by b2
    rng = random.Random(11)
    nonempty = 0
    for _ in range(30):
        filters, search, how, unsure = random_view(rng)
        want = explorer_in_memory(ds, filters, search, how, unsure)
        query = evidence.claim_query(filters, search, how, unsure)
        assert evidence.count_rows(ds, query) == len(want), (filters, search, how)
        got = evidence.page_rows(ds, query, 1, 1000)
        same_rows(got, want)
        if len(want) > 4:   # a later page is the same slice of the same order
            same_rows(evidence.page_rows(ds, query, 2, 3), want.iloc[3:6])
        nonempty += len(want) > 0
    assert nonempty >= 10


def test_every_sort_with_the_claim_order_breaking_ties(root):
    make_store(root, seed=3)
    ds = load_dataset(root)
    for how in SORTS:
        same_rows(evidence.page_rows(ds, evidence.claim_query(Filters(), None, how), 1, 1000),
                  explorer_in_memory(ds, Filters(), "", how, False))


def test_user_text_is_matched_literally_never_run(root):
    make_store(root, seed=5)
    ds = load_dataset(root)
    for text in ("50%", "a_b", "'; DROP TABLE claims; --", "%", "_"):
        query = evidence.claim_query(Filters(), text)
        want = explorer_in_memory(ds, Filters(), text, "source", False)
        assert evidence.count_rows(ds, query) == len(want)
    assert evidence.count_rows(ds, evidence.claim_query(Filters(), "%")) == \
        evidence.count_rows(ds, evidence.claim_query(Filters(), "50%"))
    assert len(load_dataset(root).claims) == len(ds.claims)   # nothing was dropped


def test_chunks_give_every_row_in_order_and_the_download_is_one_csv(root):
    make_store(root, seed=9)
    ds = load_dataset(root)
    query = evidence.claim_query(Filters(status=("achieved",)), None, "value_desc")
    want = explorer_in_memory(ds, Filters(status=("achieved",)), "", "value_desc", False)
    parts = list(claim_chunks(query, root=root, batches=ds.batches, chunk_rows=7))
    assert len(parts) == -(-len(want) // 7) and all(len(p) <= 7 for p in parts)
    same_rows(pd.concat(parts, ignore_index=True), want)
    assert evidence.export_csv(ds, query) == to_csv_bytes(claims_table(want))


def test_packed_and_older_batches_read_the_same(tmp_path):
    root = tmp_path / "store"
    make_store(root, seed=13, batches=10, per=6)
    # a batch written before indicators: read through parquet_read, which adds them
    store.commit_batch("old", {"claims": random_claims(random.Random(2), "old", 9)},
                       {"kind": "article", "file": "old.txt", "time": "2025-01-01"}, root)
    old = root / "batches" / "old" / "claims.parquet"
    pq.write_table(pq.read_table(old).drop_columns(["indicator", "per"]), old)
    before = load_dataset(root)
    views = [random_view(random.Random(s)) for s in range(12)]
    wanted = [explorer_in_memory(before, *v) for v in views]
    assert packs.compact(root, small_rows=100, min_batches=2) >= 8
    assert not (root / "batches" / "b4" / "claims.parquet").exists()   # its rows are in a pack
    assert old.exists()   # not packed: an older file is read as it is
    after = load_dataset(root)
    for view, want in zip(views, wanted):
        query = evidence.claim_query(*view)
        assert evidence.count_rows(after, query) == len(want)
        same_rows(evidence.page_rows(after, query, 1, 1000), want)


def test_claims_in_memory_are_queried_by_the_same_sql(tmp_path):
    make_store(tmp_path, seed=17)
    t = store.load_tables(tmp_path)
    ds = prepare(t.claims, t.communities, t.initiatives, t.documents, t.batches)
    assert ds.root is None
    for seed in range(8):
        view = random_view(random.Random(seed))
        same_rows(evidence.page_rows(ds, evidence.claim_query(*view), 1, 1000),
                  explorer_in_memory(ds, *view))


def test_a_filter_on_a_column_the_claims_lack_is_refused(tmp_path):
    make_store(tmp_path, seed=1)
    with pytest.raises(ValueError, match="unsupported filter"):
        count_claims(ClaimQuery(filters=(("name", "==", "x"),)), root=tmp_path)
    with pytest.raises(ValueError):
        claim_page(ClaimQuery(order=(("nope", True),)), root=tmp_path)
