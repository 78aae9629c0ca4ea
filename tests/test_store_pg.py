"""The server store on a real PostgreSQL (tests/pg.py starts one): the migrated schema is what
loaders.schema declares, several processes committing and undoing at once lose nothing, a commit
killed with SIGKILL leaves nothing behind, and two app processes see each other's batches on
their next read; the same batches read back equal from both stores, and `export --parquet`
writes a folder store equal to the database."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from loaders import store
from loaders.cli import main
from tests.test_store_backends import commit, tables

ROOT = Path(__file__).resolve().parent.parent


def run_children(code: str, args_list: list[list[str]]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in args_list]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def test_migrated_schema_is_the_declared_one(pg_database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from loaders.store import postgres
    from loaders.store.pg_schema import metadata

    with postgres.engine(pg_database).connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "dashboard_alembic_version"})
        assert compare_metadata(context, metadata) == []


def test_a_database_that_is_not_there_says_so():
    with pytest.raises(store.StoreUnavailableError, match="无法连接数据库"):
        store.list_batches("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


# Each worker commits its batches (some through the import path, one file shared by all of them,
# which must be stored once) and undoes every other one of its own, all at the same moment.
WORKER = r"""
import sys, time
from pathlib import Path
from loaders import store
from loaders.imports import AlreadyImportedError, commit_article
from tests.test_store_backends import commit, tables
url, me, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
while not go.exists():
    time.sleep(0.005)
for i in range(n):
    commit(url, f"{me}-{i}", f"2025-01-01T00:00:{i:02d}", n=3 + i)
    if i % 2:
        store.undo_batch(f"{me}-{i}", url)
try:
    t = tables("shared")
    commit_article("同一文件.txt", "s" * 64, {**t, "documents": t["documents"].assign(sha256="s" * 64)},
                   me, url)
    print("stored")
except AlreadyImportedError:
    print("refused")
"""


def test_concurrent_commits_and_undos_lose_nothing(pg_database, tmp_path):
    go = tmp_path / "go"
    workers, n = 4, 6
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, pg_database, f"w{w}", str(n), str(go)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for w in range(workers)]
    time.sleep(0.5)
    go.touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out.strip())
    assert sorted(outs) == ["refused"] * (workers - 1) + ["stored"]
    live = store.list_batches(pg_database)
    undone = store.list_batches(pg_database, undone=True)
    expect_live = {f"w{w}-{i}" for w in range(workers) for i in range(0, n, 2)}
    expect_undone = {f"w{w}-{i}" for w in range(workers) for i in range(1, n, 2)}
    shared = set(live["batch_id"]) - expect_live      # the one import of the shared file
    assert expect_live <= set(live["batch_id"]) and len(shared) == 1
    assert set(live.loc[live["batch_id"].isin(shared), "file"]) == {"同一文件.txt"}
    assert set(undone["batch_id"]) == expect_undone
    t = store.load_tables(pg_database)
    counts = t.claims.groupby("batch_id").size().to_dict()
    assert counts == {b: r["claims"] for b, r in zip(live["batch_id"], live["rows"])}
    for folder in undone["folder"]:   # every undone batch is kept whole
        assert store.read_table("claims", ["claim_id"], batch_ids=[folder],
                                root=pg_database).num_rows == 3 + int(folder.split("-")[1])


KILLED = r"""
import sys, time
from pathlib import Path
from loaders.store import postgres
from tests.test_store_backends import commit
url, mark = sys.argv[1], Path(sys.argv[2])
copy = postgres._copy_in

def slow(conn, table, seq, frame):
    copy(conn, table, seq, frame)
    mark.with_suffix(".tmp").write_text(table)
    mark.with_suffix(".tmp").replace(mark)   # whole, at once
    time.sleep(120)   # killed here, inside the commit's transaction

postgres._copy_in = slow
commit(url, "big", "2025-01-02", n=5000, sha="k" * 64)
"""


def test_commit_killed_midway_leaves_nothing(pg_database, tmp_path):
    commit(pg_database, "before", "2025-01-01")
    mark = tmp_path / "mark"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", KILLED, pg_database, str(mark)], cwd=ROOT,
                             env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, "the child never reached its commit"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert mark.read_text() == "claims"   # killed with the claims written, in the transaction
    deadline = time.monotonic() + 60      # the server notices the dead client and rolls back
    while True:
        assert list(store.list_batches(pg_database)["batch_id"]) == ["before"]
        assert store.list_batches(pg_database, undone=True).empty
        assert store.read_table("claims", ["batch_id"], root=pg_database).num_rows == 2
        try:   # the same id and content commit now: nothing and no lock was left behind
            commit(pg_database, "big", "2025-01-03", n=3, sha="k" * 64)
            break
        except store.BatchExistsError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert store.find_sha256("k" * 64, pg_database)["batch_id"] == "big"
    assert len(store.load_claims(pg_database)) == 5


# One "app process": commits and undoes its own batches while the other does, then (after both
# are done) reads the store as the dashboard does (its dataset, keyed by the store's signature).
APP = r"""
import json, sys, time
from pathlib import Path
from loaders import store
from tests.test_store_backends import commit
from ui.dataset import load_dataset
url, me, go, done = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
before = store.store_signature(url)
seen_before = sorted(load_dataset(url).batches["batch_id"])
(done.parent / f"ready-{me}").touch()
while not go.exists():
    time.sleep(0.005)
for i in range(4):
    commit(url, f"{me}-{i}", f"2025-02-01T00:00:0{i}")
store.undo_batch(f"{me}-0", url)
(done / me).touch()
while len(list(done.iterdir())) < 2:
    time.sleep(0.005)
after = store.store_signature(url)
ds = load_dataset(url)
print(json.dumps({"changed": before != after, "before": seen_before,
                  "batches": sorted(ds.batches["batch_id"]),
                  "claims": sorted(set(ds.claims["batch_id"].astype(str)))}))
"""


def test_two_app_processes_see_each_others_batches(pg_database, tmp_path):
    commit(pg_database, "shipped", "2025-01-01")
    go, done = tmp_path / "go", tmp_path / "done"
    done.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", APP, pg_database, me, str(go), str(done)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for me in ("a", "b")]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{me}").exists() for me in ("a", "b")):   # both have read
        assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    expect = sorted(["shipped"] + [f"{me}-{i}" for me in ("a", "b") for i in (1, 2, 3)])
    for r in results:
        assert r["before"] == ["shipped"] and r["changed"]
        assert r["batches"] == expect and r["claims"] == expect


def test_both_stores_give_equal_tables(pg_database, tmp_path):
    folder = tmp_path / "store"
    for root in (folder, pg_database):
        commit(root, "b1", "2025-01-01T08:00:00+08:00")
        commit(root, "b2", "2025-01-01T09:00:00+08:00", n=4, district=None, replaces=["b1-c1"])
        commit(root, "b0", "2025-01-01T09:00:00+08:00", n=1, district="锦江区")
        store.commit_batch("b3", {"claims": tables("b3")["claims"].assign(text="含\n换行、\"引号\"",
                                                                          object="")},
                           {"time": "2025-01-02", "kind": "sheet"}, root)
        store.undo_batch("b0", root)
    a, b = store.load_tables(folder), store.load_tables(pg_database)
    for table in ("claims", "communities", "initiatives", "documents"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    pd.testing.assert_frame_equal(a.batches, b.batches)
    pd.testing.assert_frame_equal(store.list_batches(folder, undone=True),
                                  store.list_batches(pg_database, undone=True))
    assert b.claims["object"].iloc[-1] == "" and b.claims["per"].isna().all()
    rollups = [store.read_table("rollups", root=r) for r in (folder, pg_database)]
    assert rollups[0].num_rows and rollups[0].equals(rollups[1])   # made at commit, stored alike
    assert store.store_signature(pg_database) == store.store_signature(pg_database)


def test_export_writes_the_folder_store(pg_database, tmp_path, capsys):
    commit(pg_database, "b1", "2025-01-01")
    commit(pg_database, "b2", "2025-01-02", n=3, district="锦江区")
    store.undo_batch("b2", pg_database)
    commit(pg_database, "b3", "2025-01-03", n=5)
    out = tmp_path / "export"
    assert main(["export", "--parquet", str(out), "--data", pg_database]) == 0
    a, b = store.load_tables(out), store.load_tables(pg_database)
    for table in ("claims", "communities", "initiatives", "documents", "batches"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert sorted(p.name for p in (out / "batches").iterdir()) == ["b1", "b3"]
    assert main(["export", "--parquet", str(out), "--data", pg_database]) == 2   # not over a store
    assert "已有数据" in capsys.readouterr().err


def test_a_folder_store_moves_into_a_database(pg_database, tmp_path):
    folder = tmp_path / "store"
    commit(folder, "b1", "2025-01-01")
    commit(folder, "b2", "2025-01-02", n=3, district="锦江区")
    assert main(["export", "--database", pg_database, "--data", str(folder)]) == 0
    a, b = store.load_tables(folder), store.load_tables(pg_database)
    for table in ("claims", "communities", "initiatives", "documents", "batches"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
