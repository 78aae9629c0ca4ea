"""Cost that does not grow with history, on the Parquet store: the index of content hashes
(loaders/store/sha_index.py) and the compaction of small batches (loaders/store/packs.py).

Every read of a compacted store gives what it gave before (tables, filtered columns, the
dashboard's dataset, content hashes, districts), undo and restore of a packed batch behave as on
a store never compacted, and a compaction killed at any step loses nothing."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from loaders.store import (batch_districts, clean_stale, commit_batch, compact, find_sha256,
                           list_batches, load_tables, read_table, restore_batch, undo_batch)
from loaders.store import packs, sha_index
from loaders.synth import make_synthetic

REPO = Path(__file__).resolve().parent.parent
N_BATCHES, PER = 12, 30


def _small_batches(root: Path, n: int = N_BATCHES, start: int = 0) -> list[str]:
    t = make_synthetic(n * PER, seed=start + 1)
    ids = []
    for i in range(n):
        part = t["claims"].iloc[i * PER:(i + 1) * PER]
        docs = set(part["doc"])
        tables = {"claims": part, **{name: t[name][t[name]["doc"].isin(docs)]
                                     for name in ("documents", "communities", "initiatives")}}
        k = start + i
        tables["documents"] = tables["documents"].assign(
            sha256=[hashlib.sha256(f"{k}-{d}".encode()).hexdigest() for d in tables["documents"]["doc"]])
        batch_id = f"2025{k:04d}-small"
        manifest = {"kind": "sheet", "file": f"月报{k}.xlsx", "uploader": f"组织者{k % 3}",
                    "time": f"2025-01-01T00:{k // 60:02d}:{k % 60:02d}+08:00"}
        if k == 5:   # a batch that replaces a figure of an earlier one
            manifest["replaces"] = [t["claims"]["claim_id"].iloc[0]]
        commit_batch(batch_id, tables, manifest, root)
        ids.append(batch_id)
    return ids


@pytest.fixture()
def store(tmp_path):
    root = tmp_path / "store"
    shutil.copytree(REPO / "data" / "batches" / "default-seeds",
                    root / "batches" / "default-seeds")   # the shipped data: never packed
    _small_batches(root)
    return root


def _shas(root) -> list[str]:
    return sorted(set(load_tables(root).documents["sha256"].dropna()))


def snapshot(root: Path) -> dict:
    """Everything the app and the loaders read of a store."""
    from ui.dataset import load_dataset
    t = load_tables(root)
    ds = load_dataset(root)
    out = {f"tables.{n}": getattr(t, n) for n in ("claims", "communities", "initiatives",
                                                  "documents", "batches")}
    out["read.claims.coded"] = read_table("claims", ["claim_id", "district", "value"], root=root,
                                          dictionary=["district"]).to_pandas()
    out["read.claims.filtered"] = read_table(
        "claims", ["claim_id", "text"], root=root,
        filters=[("community", "==", None), ("unit", "in", ["event", "person_time"])]).to_pandas()
    out["dataset.numbers"] = ds.numbers
    out["dataset.claims"] = ds.claims
    out["dataset.facts"] = ds.facts
    out["undone"] = list_batches(root, undone=True)
    out["sha256"] = {s: find_sha256(s, root) for s in _shas(root)}
    out["districts"] = {b: batch_districts(b, root) for b in t.batches["batch_id"]}
    return out


def same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], pd.DataFrame):
            pd.testing.assert_frame_equal(a[k], b[k], obj=k)
        else:
            assert a[k] == b[k], k


def own_files(root: Path) -> set[str]:
    return {p.parent.name for p in (root / "batches").glob("*/claims.parquet")}


def test_compaction_packs_small_batches_and_every_read_stays_the_same(store):
    before = snapshot(store)
    assert compact(store) == N_BATCHES
    assert own_files(store) == {"default-seeds"}          # the shipped data stays as built
    assert len(list((store / packs.PACKS).iterdir())) == 1
    assert {p.name for p in (store / "batches").iterdir()} == set(before["tables.batches"]["batch_id"])
    same(snapshot(store), before)
    assert compact(store) == 0   # nothing left to pack


def test_few_small_batches_wait_for_more(tmp_path):
    _small_batches(tmp_path, n=packs.MIN_BATCHES - 1)
    assert compact(tmp_path) == 0 and len(own_files(tmp_path)) == packs.MIN_BATCHES - 1


@pytest.mark.parametrize("compacted", [False, True])
def test_undo_and_restore_of_a_packed_batch_behave_as_on_a_store_never_compacted(store, tmp_path,
                                                                                 compacted):
    twin = tmp_path / "twin"
    shutil.copytree(store, twin)
    if compacted:
        compact(store)
    victim = list_batches(store)["batch_id"].iloc[6]
    for root in (store, twin):
        undo_batch(victim, root)
    same(snapshot(store), snapshot(twin))
    folder = list_batches(store, undone=True)["folder"].iloc[0]
    assert batch_districts(folder, store, undone=True) == batch_districts(folder, twin, undone=True)
    if compacted:   # more commits and a compaction while the batch is undone
        for root in (store, twin):
            _small_batches(root, n=packs.MIN_BATCHES, start=100)
        compact(store)
    for root in (store, twin):
        restore_batch(folder, root)
    same(snapshot(store), snapshot(twin))


def test_a_batch_written_again_under_its_id_is_read_as_written(store):
    """Own files come before a pack: a batch rebuilt under its id (as `python -m loaders build`
    rebuilds the default batch) is read as it is now, and compaction does not remove its files."""
    compact(store)
    victim = list_batches(store)["batch_id"].iloc[3]
    manifest = list_batches(store).set_index("batch_id").loc[victim].dropna().to_dict()
    shutil.rmtree(store / "batches" / victim)
    t = make_synthetic(7, seed=42)
    commit_batch(victim, t, {k: manifest[k] for k in ("kind", "file", "time")}, store)
    claims = load_tables(store).claims
    assert list(claims.loc[claims["batch_id"] == victim, "claim_id"]) == list(t["claims"]["claim_id"])
    compact(store)
    assert victim in own_files(store)


KILL = {   # where the compacting process dies: (module, object, function it is about to call)
    # the pack is written and fsynced, about to be renamed into packs/
    "before the pack is in place": ("os", "os", "rename"),
    # the pack is in place; the packed batches' own files are about to go
    "after the pack, before the batches' files go": ("pathlib", "pathlib.Path", "unlink"),
}


@pytest.mark.parametrize("where", list(KILL))
def test_a_compaction_killed_at_any_step_loses_nothing(store, where):
    before = snapshot(store)
    module, owner, name = KILL[where]
    script = textwrap.dedent(f"""
        import os, signal, sys, {module}
        sys.path.insert(0, {str(REPO)!r})
        def dying(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        setattr({owner}, {name!r}, dying)
        from loaders.store import compact
        compact({str(store)!r})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    same(snapshot(store), before)                # nothing lost, nothing read twice
    clean_stale(store)                           # the killed process's temporary folder goes
    assert not list(store.glob(".tmp-*"))
    compact(store)                               # and a later compaction finishes the work
    assert own_files(store) == {"default-seeds"}
    same(snapshot(store), before)


# ---- the index of content hashes -------------------------------------------------------------

def test_the_index_answers_as_a_scan_of_every_batch_would(store):
    stored = load_tables(store)
    batches = stored.batches.set_index("batch_id")
    for sha, group in stored.documents.groupby("sha256"):
        first = group.iloc[0]
        hit = find_sha256(sha, store)
        assert hit == {"batch_id": first["batch_id"], "file": first["doc"],
                       "time": str(batches.loc[first["batch_id"], "time"]),
                       "uploader": str(batches.loc[first["batch_id"], "uploader"])}
    assert find_sha256("0" * 64, store) is None


def test_a_commit_reads_only_the_batches_new_to_the_index(store, monkeypatch):
    find_sha256("0" * 64, store)   # the index is built
    read = []
    real = sha_index._entries
    monkeypatch.setattr(sha_index, "_entries", lambda root, ids: read.append(ids) or real(root, ids))
    new = _small_batches(store, n=1, start=200)
    sha = load_tables(store).documents.query("batch_id == @new[0]")["sha256"].iloc[0]
    assert find_sha256(sha, store)["batch_id"] == new[0]
    assert find_sha256(sha, store)["batch_id"] == new[0]
    assert read == [new]


def test_the_index_follows_undo_and_restore_and_survives_damage(store):
    victim = list_batches(store)["batch_id"].iloc[2]
    sha = load_tables(store).documents.query("batch_id == @victim")["sha256"].iloc[0]
    assert find_sha256(sha, store)["batch_id"] == victim
    undo_batch(victim, store)
    assert find_sha256(sha, store) is None
    restore_batch(victim, store)
    assert find_sha256(sha, store)["batch_id"] == victim
    compact(store)
    for damage in (b"", b"{not json", b'{"batches": []}'):
        (store / sha_index.INDEX).write_bytes(damage)
        assert find_sha256(sha, store)["batch_id"] == victim
    os.remove(store / sha_index.INDEX)
    assert find_sha256(sha, store)["batch_id"] == victim
