"""The store's API behaves the same on both stores (a Parquet folder, a PostgreSQL database):
commit, undo, restore, replaced figures, re-upload detection, districts, read_table's projection
and filters, and load_tables giving equal tables for the same batches."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from loaders import store
from loaders.imports import (AlreadyImportedError, commit_article, find_imported, may_restore,
                             may_undo, restore)
from loaders.schema import TABLES

BACKENDS = ["parquet", "postgres"]


@pytest.fixture(params=BACKENDS)
def root(request, tmp_path):
    if request.param == "parquet":
        return tmp_path / "store"
    return request.getfixturevalue("pg_database")   # tests/pg.py: a fresh database, its URL


def claims(batch, n=2, district="成华区", **over):
    return pd.DataFrame([{
        "claim_id": f"{batch}-c{i}", "batch_id": batch, "source_type": "article",
        "doc": f"{batch}.txt", "start": i, "end": i + 3, "row": None, "text": "20场",
        "value": 20.0 + i, "unit": "event", "kind": "events", "qualifier": "exact",
        "indicator": "events", "per": None, "object": "活动", "district": district,
        "street": None, "community": f"社区{i}", "programme": "culture", "status": "achieved",
        "period": "2025", "evidence": "开展活动20场。", "evidence_start": 0,
        "place_rule": "named", "place_confidence": "high", "place_note": None, **over}
        for i in range(n)])


def tables(batch, n=2, district="成华区", sha="a" * 64, **over) -> dict[str, pd.DataFrame]:
    return {
        "claims": claims(batch, n, district, **over),
        "communities": pd.DataFrame([{"community": "社区0", "street": None, "district": district,
                                      "secretary": "张三", "title": None, "batch_id": batch,
                                      "doc": f"{batch}.txt"}]),
        "documents": pd.DataFrame([{"doc": f"{batch}.txt", "title": "标题", "sha256": sha,
                                    "source_type": "article", "chars": 100, "batch_id": batch}]),
    }


def commit(root, batch, time, n=2, district="成华区", sha=None, **manifest):
    store.commit_batch(batch, tables(batch, n, district, sha or batch.ljust(64, "0")),
                       {"kind": "article", "file": f"{batch}.txt", "time": time,
                        "uploader": "测试", "sha256": sha or batch, **manifest}, root)


def test_commit_undo_restore(root):
    commit(root, "b1", "2025-01-01T00:00:00+08:00")
    sig = store.store_signature(root)
    commit(root, "b2", "2025-01-02T00:00:00+08:00", n=3)
    assert store.store_signature(root) != sig
    t = store.load_tables(root)
    assert list(t.batches["batch_id"]) == ["b1", "b2"] and len(t.claims) == 5
    assert t.batches["rows"].iloc[1]["claims"] == 3 and t.batches["uploader"].iloc[1] == "测试"
    sig = store.store_signature(root)
    store.undo_batch("b2", root)
    assert store.store_signature(root) != sig
    assert len(store.load_claims(root)) == 2
    undone = store.list_batches(root, undone=True)
    assert list(undone["batch_id"]) == ["b2"]
    store.restore_batch(undone["folder"].iloc[0], root)
    assert len(store.load_claims(root)) == 5 and store.list_batches(root, undone=True).empty


def test_same_id_refused_and_bad_rows_write_nothing(root):
    commit(root, "b1", "1")
    with pytest.raises(store.BatchExistsError):
        commit(root, "b1", "2")
    with pytest.raises(Exception, match="kind"):
        store.commit_batch("b2", {"claims": claims("b2", kind="boats")}, {"time": "3"}, root)
    assert list(store.list_batches(root)["batch_id"]) == ["b1"]
    assert len(store.load_claims(root)) == 2


def test_undo_twice_keeps_both_and_restores_each(root):
    commit(root, "b1", "1")
    store.undo_batch("b1", root)
    commit(root, "b1", "2", n=3)
    store.undo_batch("b1", root)
    undone = store.list_batches(root, undone=True)
    assert sorted(undone["folder"]) == sorted(set(undone["folder"])) and len(undone) == 2
    with pytest.raises(FileNotFoundError):
        store.undo_batch("b1", root)
    store.restore_batch(undone["folder"].iloc[-1], root)
    assert len(store.load_claims(root)) == 3
    with pytest.raises(store.BatchExistsError):   # the other b1 cannot come back beside it
        store.restore_batch(undone["folder"].iloc[0], root)


def test_replaced_claims_are_left_out_until_the_replacing_batch_is_undone(root):
    commit(root, "b1", "1")
    commit(root, "b2", "2", replaces=["b1-c0"])
    assert sorted(store.load_claims(root)["claim_id"]) == ["b1-c1", "b2-c0", "b2-c1"]
    assert store.superseded(store.list_batches(root)) == {"b1-c0"}
    store.undo_batch("b2", root)
    assert sorted(store.load_claims(root)["claim_id"]) == ["b1-c0", "b1-c1"]


def test_reupload_found_by_content_and_refused(root):
    article = tables("x", 2)
    first = commit_article("文章.txt", "f" * 64, {**article, "documents": article["documents"].assign(
        sha256="f" * 64)}, "甲", root)
    hit = find_imported("f" * 64, root)
    assert hit.batch_id == first["batch_id"] and hit.uploader == "甲" and hit.file == "x.txt"
    assert store.find_sha256("e" * 64, root) is None
    with pytest.raises(AlreadyImportedError):
        commit_article("文章副本.txt", "f" * 64, article, "乙", root)
    store.undo_batch(first["batch_id"], root)
    assert find_imported("f" * 64, root) is None        # undone: may come again
    again = commit_article("文章副本.txt", "f" * 64, {**article, "documents": article[
        "documents"].assign(sha256="f" * 64)}, "乙", root)
    folder = store.list_batches(root, undone=True)["folder"].iloc[0]
    with pytest.raises(AlreadyImportedError):            # the same content is back already
        restore(folder, root)
    assert list(store.list_batches(root)["batch_id"]) == [again["batch_id"]]


def test_district_limits(root):
    commit(root, "b1", "1", district="成华区")
    commit(root, "b2", "2", district="锦江区")
    assert store.batch_districts("b1", root) == {"成华区"}
    assert may_undo("b1", ("成华区",), root) and not may_undo("b2", ("成华区",), root)
    store.undo_batch("b2", root)
    folder = store.list_batches(root, undone=True)["folder"].iloc[0]
    assert store.batch_districts(folder, root, undone=True) == {"锦江区"}
    assert may_restore(folder, ("锦江区", "成华区"), root)
    assert not may_restore(folder, ("成华区",), root)


def test_null_districts_count_as_empty(root):
    commit(root, "b1", "1", district=None)
    assert store.batch_districts("b1", root) == {""}


@pytest.mark.parametrize("filters,expect", [
    (None, ["b1-c0", "b1-c1", "b1-c2", "b2-c0", "b2-c1", "b2-c2"]),
    ([("district", "==", "锦江区")], ["b2-c0", "b2-c1", "b2-c2"]),
    ([("community", "in", ["社区0", "社区2"])], ["b1-c0", "b1-c2", "b2-c0", "b2-c2"]),
    ([("community", "in", ["社区0"]), ("district", "==", "成华区")], ["b1-c0"]),
    ([("street", "==", None)], ["b1-c0", "b1-c1", "b1-c2", "b2-c0", "b2-c1", "b2-c2"]),
    ([("street", "in", ["x", None]), ("value", "==", 21.0)], ["b1-c1", "b2-c1"]),
    ([("place_note", "==", "无")], []),
    ([("district", "in", [])], []),
    ([("community", "in", ["社区1", 'a"b,{c}\\\'d', "NULL"])], ["b1-c1", "b2-c1"]),
])
def test_read_table_filters(root, filters, expect):
    commit(root, "b1", "1", n=3)
    commit(root, "b2", "2", n=3, district="锦江区")
    got = store.read_table("claims", ["claim_id", "value"], filters=filters, root=root)
    assert got.column_names == ["claim_id", "value"]
    assert got.column("claim_id").to_pylist() == expect
    assert got.schema.field("value").type == pa.float64()


def test_read_table_batches_in_the_order_asked_and_undone_ones_by_id(root):
    commit(root, "b1", "1")
    commit(root, "b2", "2")
    got = store.read_table("claims", ["batch_id"], batch_ids=["b2", "b1"], root=root)
    assert got.column("batch_id").to_pylist() == ["b2", "b2", "b1", "b1"]
    store.undo_batch("b2", root)
    assert store.read_table("claims", ["batch_id"], root=root).column(
        "batch_id").to_pylist() == ["b1", "b1"]
    assert store.read_table("claims", ["batch_id"], batch_ids=["b2"], root=root).num_rows == 2
    assert store.read_table("claims", batch_ids=[], root=root).column_names == [
        c.name for c in TABLES["claims"]]


def test_read_table_dictionary_and_empty(root):
    got = store.read_table("claims", ["district"], root=root, dictionary=("district",))
    assert got.num_rows == 0
    commit(root, "b1", "1")
    commit(root, "b2", "2", district="锦江区")
    got = store.read_table("claims", ["district", "start"], root=root, dictionary=("district",))
    assert pa.types.is_dictionary(got.schema.field("district").type)
    assert got.column("district").to_pylist() == ["成华区"] * 2 + ["锦江区"] * 2
    assert got.schema.field("start").type == pa.int64()


@pytest.mark.parametrize("bad", [[("nope", "==", 1)], [("district", ">", "a")]])
def test_read_table_refuses_unknown_filters(root, bad):
    with pytest.raises(ValueError):
        store.read_table("claims", filters=bad, root=root)


def test_store_lock_is_reentrant_free_and_releases(root):
    with store.store_lock(root):
        commit(root, "b1", "1")
    with store.store_lock(root):
        assert len(store.list_batches(root)) == 1


# ---- which store: argument, DASHBOARD_DATABASE_URL, secrets.toml, DASHBOARD_DATA_DIR, data/ ----

URL = "postgresql+psycopg://u:p@db.example:5432/dash"


@pytest.mark.parametrize("env,secrets,arg,expect", [
    ({}, None, None, store.DEFAULT_ROOT),
    ({"DASHBOARD_DATA_DIR": "/srv/d"}, None, None, "/srv/d"),
    ({"DASHBOARD_DATA_DIR": "/srv/d"}, f'[connections.dashboard]\nurl = "{URL}"\n', None, URL),
    ({"DASHBOARD_DATABASE_URL": URL}, '[connections.dashboard]\nurl = "postgresql://x/y"\n',
     None, URL),
    ({}, '[connections.dashboard]\ndialect = "postgresql"\ndriver = "psycopg"\nusername = "u"\n'
         'password = "p"\nhost = "db.example"\nport = 5432\ndatabase = "dash"\n', None, URL),
    ({}, '[connections.other]\nurl = "postgresql://x/y"\n', None, store.DEFAULT_ROOT),
    ({"DASHBOARD_DATABASE_URL": URL}, None, "/tmp/folder", "/tmp/folder"),
    ({}, None, URL, URL),
])
def test_which_store(tmp_path, monkeypatch, env, secrets, arg, expect):
    for name in ("DASHBOARD_DATA_DIR", "DASHBOARD_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    files = [tmp_path / "none.toml", tmp_path / "secrets.toml"]
    if secrets:
        files[1].write_text(secrets, encoding="utf-8")
    monkeypatch.setattr(store, "secrets_files", lambda: files)
    got = store.store_root(arg)
    assert got == (expect if isinstance(expect, str) and "://" in expect else
                   Path(expect))


def test_bad_secrets_say_what_is_missing(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    path.write_text('[connections.dashboard]\nusername = "u"\n', encoding="utf-8")
    monkeypatch.setattr(store, "secrets_files", lambda: [path])
    with pytest.raises(ValueError, match="dialect、host"):
        store.store_root()
