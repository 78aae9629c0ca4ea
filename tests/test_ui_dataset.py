"""The dashboard's reader (ui/dataset.py) against a store that changes under it."""
import pandas as pd

from loaders.store import undo_batch
from loaders.synth import write_fixture
from ui.dataset import load_dataset


def test_text_read_after_an_undo_still_lines_up(tmp_path):
    write_fixture(tmp_path)
    ds = load_dataset(tmp_path)
    batch = str(ds.batches["batch_id"].iloc[0])
    undo_batch(batch, tmp_path)                  # another session undoes a batch meanwhile
    claims = ds.claims                           # the text columns are read lazily, now
    assert len(claims) > 0 and claims["evidence"].notna().all()
    assert batch in set(claims["batch_id"].astype(str))
    assert len(claims) == len(ds.numbers)
    fresh = load_dataset(tmp_path)               # the next read no longer has it
    assert batch not in set(fresh.claims["batch_id"].astype(str))
    assert isinstance(fresh.claims, pd.DataFrame)
