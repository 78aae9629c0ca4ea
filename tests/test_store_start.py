"""What a fresh app process pays before its first figure, and that it is still right: the server
store's reads need neither SQLAlchemy nor Alembic for a database at the newest schema (one query
checks it) and still migrate an older one; the sums and small tables kept for a database are
found however the app reaches it; the small tables kept per store version are read instead of
the store, and never outlive the version they were read from."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from loaders import store
from loaders.store.pg_url import libpq, normalise, shown
from tests.pg import fresh_database
from tests.test_store_backends import BACKENDS, commit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=BACKENDS)
def root(request, tmp_path):
    if request.param == "parquet":
        return tmp_path / "store"
    return request.getfixturevalue("pg_database")


@pytest.mark.parametrize("url, normal, plain, hidden", [
    ("postgresql+psycopg://u@h:5432/db", "postgresql+psycopg://u@h:5432/db",
     "postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("postgres://u:p%40ss@h/db?sslmode=require", "postgresql+psycopg://u:p%40ss@h/db?sslmode=require",
     "postgresql://u:p%40ss@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require"),
    ("postgresql://u:pw@h:1/db", "postgresql+psycopg://u:pw@h:1/db", "postgresql://u:pw@h:1/db",
     "postgresql://u:***@h:1/db"),
    ("postgresql+psycopg://u:pw@[::1]:5432/d", "postgresql+psycopg://u:pw@[::1]:5432/d",
     "postgresql://u:pw@[::1]:5432/d", "postgresql+psycopg://u:***@[::1]:5432/d"),
    ("postgresql+asyncpg://u:pw@h/d", "postgresql+asyncpg://u:pw@h/d", "postgresql://u:pw@h/d",
     "postgresql+asyncpg://u:***@h/d"),
])
def test_database_urls_in_each_form(url, normal, plain, hidden):
    from sqlalchemy.engine import make_url

    assert normalise(url) == normal
    assert libpq(normal) == plain
    assert shown(url) == hidden
    # the same as SQLAlchemy makes of them, which the writes use
    assert shown(url) == make_url(url).render_as_string(hide_password=True)
    if "asyncpg" not in url:
        assert make_url(normal).drivername == "postgresql+psycopg"
        assert make_url(normal).render_as_string(hide_password=False) == normal


def test_a_url_without_a_scheme_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不是数据库地址"):
        normalise("localhost/db")


def test_head_is_alembics_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from loaders.migrations import HEAD
    from loaders.store.postgres import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD]


START = r"""
import json, sys
from ui.dataset import load_dataset
from ui.overview import build_overview
from ui.queries import Filters
from loaders import store
store.clean_stale(sys.argv[1]), store.compact(sys.argv[1])   # what the app does at start (ui/state.py)
ds = load_dataset(sys.argv[1])
view = build_overview(ds, Filters())
print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}
                                    & {"sqlalchemy", "alembic"}),
                  "signature": list(store.store_signature(sys.argv[1])),
                  "batches": list(ds.batches.get("batch_id", [])), "facts": int(view.counts.facts)}))
"""


def _start(url: str) -> dict:
    done = subprocess.run([sys.executable, "-c", START, url], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_fresh_process_reads_a_current_database_without_sqlalchemy(pg_database):
    commit(pg_database, "b1", "2025-01-01T00:00:00+08:00", n=3)
    out = _start(pg_database)
    assert out["modules"] == []
    assert out["batches"] == ["b1"] and out["facts"] == 3
    assert out["signature"] == list(store.store_signature(pg_database))


def test_an_older_database_is_migrated_by_the_first_read(pg_database):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, pool, text

    from loaders.migrations import HEAD, VERSION_TABLE
    from loaders.store.postgres import MIGRATIONS

    eng = create_engine(normalise(pg_database), poolclass=pool.NullPool)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with eng.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "0001"
    out = _start(pg_database)   # a read, in a process that never migrated this database
    assert out["modules"] == ["alembic", "sqlalchemy"]
    assert out["batches"] == []
    with eng.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == HEAD
    assert _start(pg_database)["modules"] == []   # and the next process reads it directly


def test_kept_sums_are_found_through_another_address(pg_server, pg_database):
    from ui.cube_cache import cache_folder

    commit(pg_database, "b1", "2025-01-01T00:00:00+08:00")
    name = pg_database.rsplit("/", 1)[1]
    by_socket = f"postgresql+psycopg://postgres@/{name}?host={pg_server.dir}&port={pg_server.port}"
    assert list(store.list_batches(by_socket)["batch_id"]) == ["b1"]
    assert cache_folder(by_socket) == cache_folder(pg_database)
    with fresh_database(pg_server) as other:   # another database of the same server
        assert cache_folder(other) != cache_folder(pg_database)


def _small(ds) -> dict[str, pd.DataFrame]:
    return {"communities": ds.communities, "initiatives": ds.initiatives,
            "documents": ds.documents}


def test_small_tables_are_kept_per_store_version(root, monkeypatch):
    import ui.dataset as dataset

    commit(root, "b1", "2025-01-01T00:00:00+08:00")
    first = _small(dataset.load_dataset(root))
    real = dataset.read_table

    def refuse(table, *args, **kwargs):
        if table in dataset.SMALL:
            raise AssertionError(f"{table} read from the store, not from the kept files")
        return real(table, *args, **kwargs)

    monkeypatch.setattr(dataset, "read_table", refuse)
    again = _small(dataset.load_dataset(root))   # the same store version: the kept files
    for name, frame in first.items():
        pd.testing.assert_frame_equal(again[name], frame)

    monkeypatch.setattr(dataset, "read_table", real)
    commit(root, "b2", "2025-01-02T00:00:00+08:00", district="武侯区")
    later = _small(dataset.load_dataset(root))   # a new version: read, never the old files
    assert sorted(later["documents"]["batch_id"].astype(str)) == ["b1", "b2"]
    assert set(later["communities"]["district"].astype(str)) == {"成华区", "武侯区"}
    store.undo_batch("b2", root)
    after_undo = _small(dataset.load_dataset(root))
    for name, frame in first.items():
        pd.testing.assert_frame_equal(after_undo[name], frame)


APP_START = r"""
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
assert not at.exception, [e.value for e in at.exception]
print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}
                                    & {"sqlalchemy", "alembic"}),
                  "metrics": {m.label: m.value for m in at.metric}}))
"""


def test_the_app_opens_on_a_current_database_without_sqlalchemy(pg_database):
    """The overview page as the app runs it (ui/state.py: the stale-commit sweep, compaction,
    the signature, the dataset), in a process of its own."""
    commit(pg_database, "b1", "2025-01-01T00:00:00+08:00", n=3)
    store.list_batches(pg_database)   # migrated (here), so the app's process finds it current
    done = subprocess.run([sys.executable, "-c", APP_START, str(ROOT / "dashboard.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "DASHBOARD_DATABASE_URL": pg_database})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["metrics"]["数据条数"] == "3"
    assert out["modules"] == []
