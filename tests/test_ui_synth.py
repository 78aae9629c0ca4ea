"""The synthetic-table generator: schema-valid, deterministic, sized as asked, with duplicates."""
import pandas as pd

from loaders.schema import check_frame, conform
from loaders.synth import main, make_synthetic
from ui.dataset import load_dataset


def test_tables_match_the_schema_and_size():
    tables = make_synthetic(2000, seed=1)
    for name, frame in tables.items():
        check_frame(name, conform(name, frame))
    claims = tables["claims"]
    assert len(claims) == 2000 and claims["claim_id"].is_unique
    spans = [e[s - es:t - es] for e, s, t, es in
             zip(claims["evidence"], claims["start"], claims["end"], claims["evidence_start"])]
    assert spans == list(claims["text"])


def test_deterministic():
    a, b = make_synthetic(500, seed=3), make_synthetic(500, seed=3)
    pd.testing.assert_frame_equal(a["claims"], b["claims"])


def test_cli_writes_a_store(tmp_path, capsys):
    assert main(["--claims", "300", "--out", str(tmp_path)]) == 0
    ds = load_dataset(tmp_path)
    assert len(ds.numbers) == 300
    assert len(ds.facts) < 300  # some facts are mentioned twice in one source
    assert "300" in capsys.readouterr().out
