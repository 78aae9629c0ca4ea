"""Accuracy by the rules of ../shared/gold/GUIDELINES.md (issue thresholds), on the seeds' gold and
on the development set (../shared/gold/dev), whenever ../shared/gold is present."""
from pathlib import Path

import pytest

from loaders.evaluate import load_gold, score
from loaders.pipeline import extract_file

GOLD_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "gold"
SETS = {
    "seeds": (GOLD_DIR / "seeds.jsonl", GOLD_DIR.parent / "seeds"),
    "dev": (GOLD_DIR / "dev" / "gold.jsonl", GOLD_DIR / "dev" / "texts"),
}
_RESULTS: dict = {}


def result(name: str) -> dict:
    if name not in _RESULTS:
        gold, texts = SETS[name]
        if not gold.exists() or not texts.is_dir():
            pytest.skip(f"没有金标准 {gold}：准确率测试跳过")
        pred = [c for p in sorted(texts.glob("*.txt")) for c in extract_file(p)[1].claims]
        _RESULTS[name] = score(load_gold(gold), pred)
    return _RESULTS[name]


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.parametrize("metric,threshold", [("precision", 0.95), ("recall", 0.95),
                                              ("full_f1", 0.90)])
def test_threshold(name, metric, threshold):
    r = result(name)
    assert r[metric] >= threshold, r["errors"]


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.parametrize("field,threshold", [("community", 0.95), ("district", 0.95),
                                             ("status", 0.95), ("kind", 0.95),
                                             ("qualifier", 0.95)])
def test_field_accuracy(name, field, threshold):
    r = result(name)
    assert r["field_accuracy"][field] >= threshold, [e for e in r["errors"] if "fields" in e]


def test_scoring_pairs_in_reading_order():
    gold = [{"doc": "d", "value": 3, "text": "3项", "required": False},
            {"doc": "d", "value": 3, "text": "三年", "required": False},
            {"doc": "d", "value": 3, "text": "3户", "required": True}]
    pred = [{"doc": "d", "value": 3, "text": "3项", "start": 1},
            {"doc": "d", "value": 3, "text": "3户", "start": 9},
            {"doc": "d", "value": 7, "text": "7人", "start": 12}]
    r = score(gold, pred)
    assert (r["matched"], r["recall"], r["precision"]) == (2, 1.0, pytest.approx(2 / 3))
