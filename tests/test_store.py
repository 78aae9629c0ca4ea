"""The store: atomic batches, schema checks at the boundary, undo that loses nothing."""
import json

import pandas as pd
import pytest

from loaders import store
from loaders.schema import SchemaError, conform, empty_frame


def _claims(n=2, **over):
    rows = [{"claim_id": f"c{i}", "batch_id": "", "source_type": "article", "doc": "a.txt",
             "start": i, "end": i + 3, "row": None, "text": "20场", "value": 20.0,
             "unit": "event", "kind": "events", "qualifier": "exact", "indicator": "events",
             "per": None, "object": "活动",
             "district": "成华区", "street": "猛追湾街道", "community": "培华路社区",
             "programme": "culture", "status": "achieved", "period": "2025",
             "evidence": "开展活动20场。", "evidence_start": 0, **over} for i in range(n)]
    return pd.DataFrame(rows)


def test_commit_load_undo(tmp_path):
    store.commit_batch("b1", {"claims": _claims()}, {"kind": "article", "time": "1"}, tmp_path)
    sig = store.store_signature(tmp_path)
    t = store.load_tables(tmp_path)
    assert len(t.claims) == 2 and set(t.claims.batch_id) == {"b1"}
    assert list(t.batches.batch_id) == ["b1"] and t.batches.rows[0]["claims"] == 2
    store.commit_batch("b2", {"claims": _claims(3)}, {"kind": "article", "time": "2"}, tmp_path)
    assert store.store_signature(tmp_path) != sig
    assert len(store.load_claims(tmp_path)) == 5
    store.undo_batch("b2", tmp_path)
    assert len(store.load_claims(tmp_path)) == 2
    assert (tmp_path / "undone" / "b2" / "claims.parquet").exists()   # kept, not deleted


def test_same_batch_twice_is_refused(tmp_path):
    store.commit_batch("b1", {"claims": _claims()}, {}, tmp_path)
    with pytest.raises(store.BatchExistsError):
        store.commit_batch("b1", {"claims": _claims()}, {}, tmp_path)
    assert len(store.load_claims(tmp_path)) == 2
    assert not list(tmp_path.glob(".tmp-*"))


def test_bad_rows_write_nothing(tmp_path):
    with pytest.raises(SchemaError, match="kind"):
        store.commit_batch("b1", {"claims": _claims(kind="boats")}, {}, tmp_path)
    assert store.load_claims(tmp_path).empty
    assert not list(tmp_path.glob(".tmp-*")) and not (tmp_path / "batches" / "b1").exists()


def test_empty_store_reads_as_empty_tables(tmp_path):
    t = store.load_tables(tmp_path)
    assert t.claims.empty and list(t.claims.columns) == list(empty_frame("claims").columns)


@pytest.mark.parametrize("column,value,problem", [
    ("unit", "斤", "unit"), ("status", "done", "status"), ("qualifier", "maybe", "qualifier"),
    ("value", None, "value"), ("doc", None, "doc"),
])
def test_schema_rejects(column, value, problem):
    with pytest.raises(SchemaError, match=problem):
        conform("claims", _claims(**{column: value}))


def test_manifest_is_plain_json(tmp_path):
    path = store.commit_batch("b1", {"claims": _claims()}, {"file": "文章.txt"}, tmp_path)
    data = json.loads((path / "batch.json").read_text(encoding="utf-8"))
    assert data["file"] == "文章.txt" and data["rows"]["claims"] == 2
