"""Accuracy on the seeds' gold (issue thresholds), whenever ../shared/gold is present."""
from pathlib import Path

import pytest

from loaders.evaluate import load_gold, score
from loaders.pipeline import extract_file

GOLD = Path(__file__).resolve().parent.parent.parent / "shared" / "gold" / "seeds.jsonl"


@pytest.fixture(scope="module")
def result():
    seeds = GOLD.parent.parent / "seeds"
    if not GOLD.exists() or not seeds.is_dir():
        pytest.skip(f"没有金标准 {GOLD}：准确率测试跳过")
    pred = [c for p in sorted(seeds.glob("*.txt")) for c in extract_file(p)[1].claims]
    return score(load_gold(GOLD), pred)


@pytest.mark.parametrize("metric,threshold", [("precision", 0.95), ("recall", 0.95),
                                              ("full_f1", 0.90)])
def test_threshold(result, metric, threshold):
    assert result[metric] >= threshold, result["errors"]


def test_scoring_pairs_in_reading_order():
    gold = [{"doc": "d", "value": 3, "text": "3项", "required": False},
            {"doc": "d", "value": 3, "text": "三年", "required": False},
            {"doc": "d", "value": 3, "text": "3户", "required": True}]
    pred = [{"doc": "d", "value": 3, "text": "3项", "start": 1},
            {"doc": "d", "value": 3, "text": "3户", "start": 9},
            {"doc": "d", "value": 7, "text": "7人", "start": 12}]
    r = score(gold, pred)
    assert (r["matched"], r["recall"], r["precision"]) == (2, 1.0, pytest.approx(2 / 3))
