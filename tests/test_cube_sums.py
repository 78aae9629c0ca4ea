"""The kept sums of the rollups (ui/cube_store.py, ui/cube_cache.py) after undo and restore: a
sum made in steps (an undone batch's rollup subtracted, a restored one added) must equal the sum
of every live batch made again from nothing, row for row, and give the overview the claims give.
Small random stores (tests/test_cubes.py's): ties between stocks, crowded places."""
import numpy as np
import pandas as pd
import pytest

from loaders.schema import conform
from loaders.store import commit_batch, restore_batch, undo_batch
from tests.test_cubes import _random_tables, _same, _views
from ui import cube_store
from ui.cube_cache import read_view
from ui.cube_store import _cache_path, _read_cache, _sum, _versions, cache_folder
from ui.cubes import View
from ui.dataset import load_dataset
from ui.overview import overview_from_claims, overview_from_rollups
from ui.queries import Filters

TABLES = ("claims", "communities", "initiatives", "documents")


def _store(root, seed: int, shared: bool = False, extra=("b7", "b8", "b9")) -> list[str]:
    """Batches b1…bk of a random store (no document in two of them), then the `extra` batches of
    new documents; with `shared` the last of them holds a document of b1 too."""
    t = _random_tables(seed)
    ids = list(t["batches"]["batch_id"])[:-1]   # the last batch repeats documents of b1
    parts = [(b, {n: t[n][t[n]["batch_id"] == b] for n in TABLES}) for b in ids]
    for b in extra:
        more = _random_tables(seed + int(b[1:]))
        parts.append((b, {n: more[n][more[n]["batch_id"] == "b1"].assign(
            doc=lambda f, b=b: f"{b}-" + f["doc"]) for n in TABLES}))
    if shared:
        extra = parts[-1][1]
        extra["documents"] = pd.concat([extra["documents"], t["documents"].iloc[:1]])
    for i, (b, part) in enumerate(parts):
        commit_batch(b, part, {"kind": "test", "file": f"{b}.xlsx", "uploader": "测试",
                               "time": f"2025-01-0{i + 1}T09:00:00+08:00"}, root=root)
    return [b for b, _ in parts]


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """As kept (the rollups table's schema), key columns as plain values."""
    frame = conform("rollups", frame)
    return frame.astype({c: "object" for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def _check(root, steps: list) -> None:
    """The sum kept for the store as it is now equals the sum made from nothing, and the
    overview from it equals the one from the claims."""
    ds = load_dataset(root)
    ds.cubes                       # summed (in steps) and kept
    ids = list(ds.batches["batch_id"])
    path = _cache_path(root, _versions(root, ids), set())
    made, _ = _read_cache(path)
    whole, _ = _sum(root, ids, set(), None, None)
    pd.testing.assert_frame_equal(_rows(made), _rows(whole))
    kept, _ = read_view(path)      # what a fresh process starts from: the same arrays
    fresh = View.of(whole)
    for name in ("cells", "stocks", "places", "values"):
        a, b = getattr(kept, name), getattr(fresh, name)
        assert a.n == b.n and list(a.codes) == list(b.codes), (steps, name)
        for k in a.codes:
            assert np.array_equal(a.codes[k], b.codes[k]) and list(a.cats[k]) == list(b.cats[k])
        for m in a.m:
            assert np.array_equal(a.m[m], b.m[m], equal_nan=True), (steps, name, m)
    pd.testing.assert_frame_equal(kept.docs, fresh.docs)
    views = _views(ds)
    for filters, heat in (views[1], views[4]):
        _same(overview_from_claims(ds, filters, heat), overview_from_rollups(ds, filters, heat))


def test_sum_after_undo_and_restore_equals_a_full_sum(tmp_path, monkeypatch):
    ids = _store(tmp_path, 2)
    load_dataset(tmp_path).cubes   # every batch summed and kept
    calls = []
    real = cube_store._without
    monkeypatch.setattr(cube_store, "_without",
                        lambda root, kept, gone, rest: calls.append(gone) or real(
                            root, kept, gone, rest))
    steps = []
    for step in (("undo", ids[1]), ("undo", ids[0]), ("restore", ids[1]), ("undo", ids[-1])):
        (undo_batch if step[0] == "undo" else restore_batch)(step[1], root=tmp_path)
        steps.append(step)
        _check(tmp_path, steps)
    # each undo subtracted the batch from the sum before it instead of summing again
    assert [ids[1]] in calls and [ids[0]] in calls and [ids[-1]] in calls


def test_a_batch_sharing_a_document_is_summed_again_whole(tmp_path, monkeypatch):
    _store(tmp_path, 3, shared=True)
    assert load_dataset(tmp_path).cubes.together == {"b1", "b9"}
    monkeypatch.setattr(cube_store, "_without", lambda *a: pytest.fail("subtracted"))
    undo_batch("b9", root=tmp_path)   # the kept sum holds batches rolled up together
    _check(tmp_path, ["undo b9"])
    reference = overview_from_rollups(load_dataset(tmp_path), Filters())
    assert not load_dataset(tmp_path).cubes.together
    for kept in cache_folder(tmp_path).iterdir():   # damaged kept sums: made again
        kept.write_bytes(b"not a sum")
    _same(reference, overview_from_rollups(load_dataset(tmp_path), Filters()))


def test_an_upgrade_rolls_up_many_old_batches_a_few_at_a_time(tmp_path, monkeypatch):
    """Batches stored without the current rollup (an older store), more than CHUNK of them:
    each made from its claims, put aside in a temporary file and read back with its chunk (at
    most CHUNK held at once); the sum equals the one of the same batches with current rollups,
    and the temporary files are gone after."""
    from loaders.rollups import CURRENT

    extra = tuple(f"b{i}" for i in range(5, 5 + cube_store.CHUNK + 3))
    ids = _store(tmp_path / "current", 4, extra=extra)
    _store(tmp_path / "old", 4, extra=extra)
    for b in ids:   # rollups as written before the cube CURRENT existed
        path = tmp_path / "old" / "batches" / b / "rollups.parquet"
        rows = pd.read_parquet(path)
        rows[rows["cube"] != CURRENT].to_parquet(path, index=False)
    held, most, spilled = set(), [0], []
    real_rows, real_write = cube_store._Made.rows, cube_store.write_rows

    def rows(self, b):
        held.add(b)
        return real_rows(self, b)

    def write(path, frame):
        spilled.append(path)
        real_write(path, frame)

    real_collapse = cube_store.collapse

    def collapse(frame, order):   # each chunk: only its own made batches read back
        most[0] = max(most[0], len(held))
        held.clear()
        return real_collapse(frame, order)

    monkeypatch.setattr(cube_store._Made, "rows", rows)
    monkeypatch.setattr(cube_store, "write_rows", write)
    monkeypatch.setattr(cube_store, "collapse", collapse)
    old, _ = _sum(tmp_path / "old", ids, set(), None, None)
    monkeypatch.undo()
    current, _ = _sum(tmp_path / "current", ids, set(), None, None)
    pd.testing.assert_frame_equal(_rows(old), _rows(current))
    assert len(spilled) == len(ids) and 0 < most[0] <= cube_store.CHUNK
    assert not any(p.exists() for p in spilled) and not spilled[0].parent.exists()
