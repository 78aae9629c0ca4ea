"""Evidence rows read on demand (loaders/store/evidence.py through ui/evidence.py) give exactly
what the explorer gave when it filtered, searched and sorted every claim in memory: a
differential test on random stores, on both stores (DuckDB over the Parquet folder, SQL on
PostgreSQL), and on packed, older and in-memory claims."""
from __future__ import annotations

import random

import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmarks.explorer_before import explorer_in_memory
from loaders import store
from loaders.exports import to_csv_bytes
from loaders.programmes import programme_codes
from loaders.store import packs
from loaders.store.evidence import (CLAIM_COLUMNS, ClaimQuery, claim_chunks, claim_page,
                                     count_claims)
from ui import evidence
from ui.claim_rows import SORTS, claims_table
from ui.dataset import load_dataset, prepare
from ui.labels import indicator_options
from ui.queries import Filters

from tests.pg import fresh_database

BACKENDS = ["parquet", "postgres"]
PLACES = [("成华区", "猛追湾街道", "培华路社区"), ("成华区", None, "培华路社区"),
          ("武侯区", "玉林街道", "玉林东路社区"), (None, None, "玉林东路社区"), (None, None, None),
          ("锦江区", "春熙路街道", "和平社区")]
WORDS = ["志愿", "服务", "老人", "活动", "书院", "50%", "a_b", "'; DROP TABLE claims; --", "养老"]
INDICATORS = [*indicator_options()[:4], "other"]


@pytest.fixture(scope="module", params=BACKENDS)
def root(request, tmp_path_factory):
    """One random store per backend, shared by the tests that only read it."""
    if request.param == "parquet":
        target = tmp_path_factory.mktemp("evidence") / "store"
        make_store(target, seed=7)
        yield target
        return
    with fresh_database(request.getfixturevalue("pg_server")) as url:   # tests/pg.py
        make_store(url, seed=7)
        yield url


@pytest.fixture(scope="module")
def ds(root):
    return load_dataset(root)


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


def test_pages_equal_the_in_memory_explorer_on_random_stores(ds):
    assert len(ds.claims) == 73   # b1 undone; two of b0 replaced by b2
    rng = random.Random(11)
    nonempty = 0
    for i in range(14):
        filters, search, how, unsure = random_view(rng)
        want = explorer_in_memory(ds, filters, search, how, unsure)
        query = evidence.claim_query(filters, search, how, unsure)
        assert evidence.count_rows(ds, query) == len(want), (filters, search, how)
        same_rows(evidence.page_rows(ds, query, 1, 1000), want)
        if len(want) > 4 and i % 2:   # a later page is the same slice of the same order
            same_rows(evidence.page_rows(ds, query, 2, 3), want.iloc[3:6])
        nonempty += len(want) > 0
    assert nonempty >= 5


@pytest.mark.parametrize("how", list(SORTS))
def test_every_sort_with_the_claim_order_breaking_ties(ds, how):
    same_rows(evidence.page_rows(ds, evidence.claim_query(Filters(), None, how), 1, 1000),
              explorer_in_memory(ds, Filters(), "", how, False))


@pytest.mark.parametrize("text", ["50%", "a_b", "'; DROP TABLE claims; --", "%", "_"])
def test_user_text_is_matched_literally_never_run(ds, root, text):
    query = evidence.claim_query(Filters(), text)
    assert evidence.count_rows(ds, query) == len(explorer_in_memory(ds, Filters(), text, "source", False))
    assert store.load_tables(root).claims.shape == ds.claims[list(CLAIM_COLUMNS)].shape


def test_chunks_give_every_row_in_order_and_the_download_is_one_csv(ds, root):
    query = evidence.claim_query(Filters(status=("achieved",)), None, "value_desc")
    want = explorer_in_memory(ds, Filters(status=("achieved",)), "", "value_desc", False)
    parts = list(claim_chunks(query, root=root, batches=ds.batches, chunk_rows=7))
    assert len(parts) == -(-len(want) // 7) and all(len(p) <= 7 for p in parts)
    same_rows(pd.concat(parts, ignore_index=True), want)
    assert evidence.export_csv(ds, query) == to_csv_bytes(claims_table(want))


def test_packed_and_older_batches_read_the_same(tmp_path):
    root = tmp_path / "store"
    make_store(root, seed=13, batches=9, per=5)
    # a batch written before indicators: read through parquet_read, which adds them
    store.commit_batch("old", {"claims": random_claims(random.Random(2), "old", 9)},
                       {"kind": "article", "file": "old.txt", "time": "2025-01-01"}, root)
    old = root / "batches" / "old" / "claims.parquet"
    pq.write_table(pq.read_table(old).drop_columns(["indicator", "per"]), old)
    before = load_dataset(root)
    views = [random_view(random.Random(s)) for s in range(6)]
    wanted = [explorer_in_memory(before, *v) for v in views]
    assert packs.compact(root, small_rows=100, min_batches=2) >= 7
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
    for seed in range(4):
        view = random_view(random.Random(seed))
        same_rows(evidence.page_rows(ds, evidence.claim_query(*view), 1, 1000),
                  explorer_in_memory(ds, *view))


def test_a_filter_on_a_column_the_claims_lack_is_refused(tmp_path):
    make_store(tmp_path, seed=1)
    with pytest.raises(ValueError, match="unsupported filter"):
        count_claims(ClaimQuery(filters=(("name", "==", "x"),)), root=tmp_path)
    with pytest.raises(ValueError):
        claim_page(ClaimQuery(order=(("nope", True),)), root=tmp_path)


def test_the_explorer_pages_and_a_claim_link_opens_on_any_page(tmp_path, monkeypatch):
    from loaders.synth import write_fixture
    from tests.test_pages import open_app

    write_fixture(tmp_path)
    monkeypatch.setattr(evidence, "PAGE_ROWS", 5)
    at = open_app(tmp_path, monkeypatch, "pages/explorer.py")
    assert any("共 12 条" in c.value and "当前第 1–5 条" in c.value for c in at.caption)
    at.number_input(key="page").set_value(3).run()
    assert any("当前第 11–12 条" in c.value for c in at.caption)
    last = at.dataframe[0].value
    assert len(last) == 2
    at.selectbox(key="sort").set_value("value_desc").run()   # another order starts at page 1
    assert at.number_input(key="page").value == 1
    ds = load_dataset(tmp_path)
    far = evidence.page_rows(ds, evidence.claim_query(Filters(), None, "value_desc"), 3, 5)
    at.query_params["claim"] = far["claim_id"].iloc[0]   # a copied link to a row of page 3
    at.run()
    html = [m.value for m in at.markdown if 'class="evidence"' in m.value]
    assert html and far["text"].iloc[0] in html[0]
