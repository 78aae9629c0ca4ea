"""The store under real concurrency and real kills: separate processes commit at the same moment, a
committing process is SIGKILLed at chosen points, a batch is undone while a reader loads it.
After each, the store must read whole: every batch complete and matching its manifest."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from loaders import store
from loaders.store import parquet

ROOT = Path(__file__).resolve().parent.parent

# A committing child process. argv: store, batch id, claims rows, the pause after a table file is
# written ("claims:60" after that table, "*:0.1" after each, "-" none), a folder for its progress
# marks, and the file whose appearance starts the commit ("-": start at once). It marks "ready" before waiting and "<table>" after
# writing each table, so that the parent can kill it at a known point. The pause is a test-only
# wrapper around loaders.store.parquet._write_table, made here, not a hook in the store.
CHILD = r"""
import sys, time
from pathlib import Path
from loaders import store
from loaders.store import parquet
from tests.test_store_safety import batch_tables

root, batch_id, n, pause, marks, go = sys.argv[1:7]
n, marks = int(n), Path(marks)
pause_after, _, seconds = pause.partition(":")
tables = batch_tables(batch_id, n)
write = parquet._write_table

def marked(frame, table, path):
    write(frame, table, path)
    (marks / table).touch()
    if pause_after in ("*", table):
        time.sleep(float(seconds))

parquet._write_table = marked
(marks / "ready").touch()
while go != "-" and not Path(go).exists():
    time.sleep(0.001)
try:
    store.commit_batch(batch_id, tables, {"kind": "sheet", "time": batch_id}, root)
except store.BatchExistsError:
    print("exists")
    sys.exit(3)
print("committed")
"""


def batch_tables(batch_id: str, n: int) -> dict[str, pd.DataFrame]:
    claims = pd.DataFrame({
        "claim_id": [f"{batch_id}-{i}" for i in range(n)], "batch_id": batch_id,
        "source_type": "sheet", "doc": f"{batch_id}.xlsx", "start": None, "end": None,
        "row": range(2, n + 2), "text": "20场", "value": 20.0, "unit": "event", "kind": "events",
        "qualifier": "exact", "indicator": "events", "per": None, "object": "活动",
        "district": "成华区", "street": "猛追湾街道",
        "community": "培华路社区", "programme": "culture", "status": "achieved", "period": "2025",
        "evidence": "开展活动20场。" * 4, "evidence_start": None})
    documents = pd.DataFrame([{"doc": f"{batch_id}.xlsx", "title": "数据", "sha256": "0" * 64,
                               "source_type": "sheet", "chars": None, "batch_id": batch_id}])
    return {"claims": claims, "documents": documents}


def start(root: Path, batch_id: str, n: int, marks: Path, *, pause: str = "-",
          go: str = "-") -> subprocess.Popen:
    marks.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root), batch_id, str(n), str(pause),
                             str(marks), go], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, limit: float = 120.0) -> None:
    """Until `path` exists; fails if the child died first (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child exited {proc.returncode}: {proc.stderr.read()}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.002)


def assert_consistent(root: Path) -> pd.DataFrame:
    """Every batch folder complete (manifest + four tables, row counts as in the manifest), and
    load_tables agreeing with the manifests. Returns list_batches()."""
    batches = store.list_batches(root)
    folders = sorted(p.name for p in (root / "batches").iterdir()) if (root / "batches").exists() else []
    assert sorted(batches.get("batch_id", [])) == folders
    for b in folders:
        manifest = json.loads((root / "batches" / b / store.MANIFEST).read_text(encoding="utf-8"))
        for table in store.BATCH_TABLES:
            rows = pq.read_metadata(root / "batches" / b / f"{table}.parquet").num_rows
            assert rows == manifest["rows"][table], (b, table)
    tables = store.load_tables(root)
    for table in store.BATCH_TABLES:
        counts = getattr(tables, table)["batch_id"].value_counts().to_dict()
        expected = {m["batch_id"]: m["rows"][table] for m in batches.to_dict("records")
                    if m["rows"][table]}
        assert counts == expected, table
    return batches


def commit_small(root: Path, batch_id: str, n: int = 3) -> None:
    store.commit_batch(batch_id, batch_tables(batch_id, n), {"kind": "sheet", "time": batch_id},
                       root)


# --------------------------------------------------------------------------- concurrent commits

def test_two_processes_commit_different_batches_at_the_same_moment(tmp_path):
    root, go = tmp_path / "store", tmp_path / "go"
    procs = {b: start(root, b, n, tmp_path / b, pause="*:0.1", go=str(go))
             for b, n in (("a", 1200), ("b", 700))}
    for b, proc in procs.items():
        wait_for(tmp_path / b / "ready", proc)
    go.touch()
    for proc in procs.values():
        assert proc.wait(120) == 0, proc.stderr.read()
    batches = assert_consistent(root)
    assert sorted(batches["batch_id"]) == ["a", "b"]
    claims = store.load_tables(root).claims
    assert claims["batch_id"].value_counts().to_dict() == {"a": 1200, "b": 700}
    assert not list(root.glob(store.TMP_PREFIX + "*"))


def test_two_processes_commit_the_same_batch_id_exactly_one_wins(tmp_path):
    root, go = tmp_path / "store", tmp_path / "go"
    # different sizes tell the winner; the pause keeps both inside commit_batch at once
    procs = {n: start(root, "same", n, tmp_path / f"p{n}", pause="*:0.2", go=str(go)) for n in (5, 7)}
    for n, proc in procs.items():
        wait_for(tmp_path / f"p{n}" / "ready", proc)
    go.touch()
    codes = {n: proc.wait(120) for n, proc in procs.items()}
    assert sorted(codes.values()) == [0, 3], {n: p.stderr.read() for n, p in procs.items()}
    winner = next(n for n, code in codes.items() if code == 0)
    batches = assert_consistent(root)
    assert list(batches["batch_id"]) == ["same"]
    assert len(store.load_tables(root).claims) == winner
    assert not list(root.glob(store.TMP_PREFIX + "*"))   # the loser cleaned up after itself


# --------------------------------------------------------------------------- a real kill

@pytest.mark.parametrize("killed_after", ["claims", "communities", "initiatives", "documents"])
def test_sigkill_mid_commit_leaves_no_partial_batch(tmp_path, killed_after):
    root = tmp_path / "store"
    commit_small(root, "before")
    proc = start(root, "big", 20_000, tmp_path / "marks", pause=f"{killed_after}:60")
    wait_for(tmp_path / "marks" / killed_after, proc)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(60) == -signal.SIGKILL
    batches = assert_consistent(root)
    assert list(batches["batch_id"]) == ["before"]
    leftover = list(root.glob(store.TMP_PREFIX + "big-*"))
    assert len(leftover) == 1 and (leftover[0] / f"{killed_after}.parquet").exists()
    assert list(store.load_tables(root).claims["batch_id"].unique()) == ["before"]
    # the same batch can be committed again; the dead commit's folder goes with it (its process
    # is gone, so it need not wait STALE_AFTER)
    commit_small(root, "big", 4)
    assert sorted(assert_consistent(root)["batch_id"]) == ["before", "big"]
    assert not list(root.glob(store.TMP_PREFIX + "*"))


def test_a_killed_commit_is_swept_when_the_dashboard_starts(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest
    root = tmp_path / "store"
    commit_small(root, "before")
    proc = start(root, "big", 2_000, tmp_path / "marks", pause="claims:60")
    wait_for(tmp_path / "marks" / "claims", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    assert len(list(root.glob(store.TMP_PREFIX + "big-*"))) == 1
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert not list(root.glob(store.TMP_PREFIX + "*"))


def test_a_live_commit_folder_is_left_alone(tmp_path):
    """A folder named for a running process (this one) is not swept, however its age."""
    live = tmp_path / f"{store.TMP_PREFIX}b-p{os.getpid()}@{parquet._host()}-abc123"
    other_host = tmp_path / f"{store.TMP_PREFIX}b-p999999@elsewhere-abc123"
    for folder in (live, other_host):
        folder.mkdir()
    assert store.clean_stale(tmp_path) == []
    assert live.exists() and other_host.exists()


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_sigkill_at_any_moment_of_a_large_commit(tmp_path, delay):
    """No pauses: the kill lands wherever the commit is (writing, fsync, rename, or done)."""
    root = tmp_path / "store"
    commit_small(root, "before")
    proc = start(root, "big", 300_000, tmp_path / "marks")
    wait_for(tmp_path / "marks" / "ready", proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    batches = assert_consistent(root)
    assert set(batches["batch_id"]) in ({"before"}, {"before", "big"})


def test_clean_stale_removes_only_old_temporary_folders(tmp_path):
    old, fresh = tmp_path / ".tmp-x-old", tmp_path / ".tmp-y-new"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "claims.parquet").write_bytes(b"half")
    past = time.time() - store.STALE_AFTER - 60
    os.utime(old, (past, past))
    commit_small(tmp_path, "b1")          # a commit sweeps what is stale
    assert not old.exists() and fresh.exists()
    assert_consistent(tmp_path)


# --------------------------------------------------------------------------- undo while reading

@pytest.mark.parametrize("during", store.BATCH_TABLES)
def test_batch_undone_while_loading_is_left_out_whole(tmp_path, monkeypatch, during):
    for b in ("b1", "b2", "b3"):
        commit_small(tmp_path, b)
    read = pq.read_table

    def undo_midway(path, *args, **kwargs):
        path = Path(path)
        if path.parent.name == "b2" and path.stem == during:
            store.undo_batch("b2", tmp_path)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(parquet.pq, "read_table", undo_midway)
    tables = store.load_tables(tmp_path)
    assert list(tables.batches["batch_id"]) == ["b1", "b3"]
    for table in ("claims", "documents"):
        assert set(getattr(tables, table)["batch_id"]) == {"b1", "b3"}
    assert (tmp_path / "undone" / "b2" / store.MANIFEST).exists()


UNDOER = r"""
import sys
from loaders import store
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    store.undo_batch(f"u{i}", root)
"""


def test_readers_survive_undo_in_another_process(tmp_path):
    n = 30
    for i in range(n):
        commit_small(tmp_path, f"u{i}", 2 + i % 5)
    commit_small(tmp_path, "kept")
    proc = subprocess.Popen([sys.executable, "-c", UNDOER, str(tmp_path), str(n)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE,
                            text=True)
    loads = 0
    while proc.poll() is None or loads < 3:
        tables = store.load_tables(tmp_path)   # must never raise
        manifests = {m["batch_id"]: m["rows"]["claims"] for m in tables.batches.to_dict("records")}
        assert tables.claims["batch_id"].value_counts().to_dict() == manifests
        assert "kept" in manifests
        store.store_signature(tmp_path)
        loads += 1
    assert proc.returncode == 0, proc.stderr.read()
    assert list(assert_consistent(tmp_path)["batch_id"]) == ["kept"]
