"""The server store: the same batches in a PostgreSQL database, for several app processes on
several machines. SQLAlchemy Core over psycopg 3; the schema is created and migrated by Alembic
(loaders/migrations) on first use, under an advisory lock so that app processes starting
together migrate once.

A commit is one transaction (the batch row, then each table's rows by COPY): a reader sees the
whole batch or none of it, and a process killed mid-commit leaves nothing (the server rolls the
transaction back). Undo and restore only flip the batch's status: nothing is deleted. A file's
content is refused twice by a unique index (live batches' `content`) and, for content stored
inside another batch's documents, by an indexed look-up under a transaction-level advisory lock
on that hash. Reads of several tables share one snapshot."""
from __future__ import annotations

import contextlib
import io
import json
import threading
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..schema import TABLES, arrow_schema, conform, empty_frame
from .base import (BATCH_TABLES, BatchExistsError, ContentExistsError, StoreFullError,
                   StoreUnavailableError)
from .pg_schema import LIVE, UNDONE, batches, changes
from .pg_read import (batch_manifests, list_batches, load_tables, read_table,  # noqa: F401 (API)
                      store_signature)
from .pg_url import normalise, shown

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# advisory lock keys (two-int form): (app, what); a content lock uses (CONTENT, crc32(sha256))
APP, MIGRATE, IMPORT, CONTENT = 0x5348, 1, 2, 3
_engines: dict[str, object] = {}
_guard = threading.Lock()


def engine(url: str):
    """One engine (connection pool) per database per process, migrated on first use."""
    url = normalise(url)
    with _guard:
        if url not in _engines:
            eng = create_engine(url, pool_pre_ping=True)
            try:
                _migrate(eng)
            except OperationalError as err:
                eng.dispose()
                raise StoreUnavailableError(shown(url), err.orig) from None
            _engines[url] = eng
        return _engines[url]


def forget(url: str) -> None:
    """Close this process's connections to the database (tests drop their databases)."""
    from . import pg_read

    pg_read.forget(url)
    with _guard:
        eng = _engines.pop(normalise(url), None)
    if eng is not None:
        eng.dispose()


def _migrate(eng) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as conn:
        conn.execute(select(func.pg_advisory_xact_lock(APP, MIGRATE)))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextlib.contextmanager
def _transaction(url: str, snapshot: bool = False):
    """A connection in a transaction (REPEATABLE READ, read only, with `snapshot`)."""
    eng = engine(url)
    try:
        with eng.connect() as conn:
            if snapshot:
                conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                              postgresql_readonly=True)
            with conn.begin():
                yield conn
    except OperationalError as err:
        state = getattr(err.orig, "sqlstate", None) or ""
        if state == "53100":   # disk_full: the transaction is rolled back, nothing written
            raise StoreFullError(shown(url)) from None
        if not state or state.startswith(("08", "53", "57P")) or err.connection_invalidated:
            raise StoreUnavailableError(shown(url), err.orig) from None   # server gone or down
        raise


def _raw(conn):
    return conn.connection.driver_connection


# ---- writing ----------------------------------------------------------------------------------

def _copy_in(conn, table: str, seq: int, frame: pd.DataFrame) -> None:
    """The batch's rows of one table, in the batch's order, by COPY: Arrow writes them as CSV
    (strings quoted, so "" is an empty string and an unquoted empty field a null) a slice at a
    time, so no Python loop runs per row."""
    if not len(frame):
        return
    names = [c.name for c in TABLES[table]]
    arrow = pa.Table.from_pandas(frame[names], schema=arrow_schema(table), preserve_index=False)
    arrow = arrow.add_column(0, "batch_seq", pa.array(np.full(len(frame), seq), pa.int64()))
    arrow = arrow.add_column(1, "row_no", pa.array(np.arange(len(frame)), pa.int32()))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, arrow.column_names)))
    options = pacsv.WriteOptions(include_header=False)
    with _raw(conn).cursor() as cur, cur.copy(statement) as copy:
        for part in arrow.to_batches(max_chunksize=20_000):
            out = io.BytesIO()
            pacsv.write_csv(part, out, options)
            copy.write(out.getbuffer())


def _find(conn, sha256: str) -> dict | None:
    row = conn.execute(text(
        "SELECT b.batch_id, d.doc, coalesce(b.manifest->>'time', ''), "
        "coalesce(b.manifest->>'uploader', '') FROM documents d JOIN batches b "
        "ON b.seq = d.batch_seq WHERE d.sha256 = :s AND b.status = 'live' "
        "ORDER BY b.time COLLATE \"C\" NULLS LAST, b.batch_id COLLATE \"C\", d.row_no LIMIT 1"),
        {"s": sha256}).first()
    if row is None:
        row = conn.execute(text(
            "SELECT batch_id, coalesce(manifest->>'file', ''), coalesce(manifest->>'time', ''), "
            "coalesce(manifest->>'uploader', '') FROM batches WHERE content = :s "
            "AND status = 'live'"), {"s": sha256}).first()
    return None if row is None else dict(zip(("batch_id", "file", "time", "uploader"), row))


def _content_lock(conn, sha256: str) -> None:
    conn.execute(select(func.pg_advisory_xact_lock(CONTENT, zlib.crc32(sha256.encode()) - 2**31)))


def _integrity(err: IntegrityError, batch_id: str, conn_url: str, content: str | None):
    name = getattr(getattr(err.orig, "diag", None), "constraint_name", None)
    if name == "batches_live_id":
        return BatchExistsError(f"批次 {batch_id} 已存在")
    if name == "batches_live_content" and content:
        return ContentExistsError(find_sha256(content, conn_url) or {"batch_id": "", "file": "",
                                                                   "time": "", "uploader": ""})
    return err


def commit_batch(batch_id: str, tables: dict[str, pd.DataFrame], manifest: dict, url: str,
                 unique_sha256: str | None = None) -> str:
    """Store a batch in one transaction; raise BatchExistsError if a live batch has that id,
    ContentExistsError if `unique_sha256` is given and a live batch holds that content."""
    frames = {t: empty_frame(t) if tables.get(t) is None else
              conform(t, tables[t].assign(batch_id=batch_id)) for t in TABLES}
    data = json.loads(json.dumps({**manifest, "batch_id": batch_id,
                                  "rows": {t: int(len(frames[t])) for t in BATCH_TABLES}},
                                 ensure_ascii=False))
    time = data.get("time")
    try:
        with _transaction(url) as conn:
            if unique_sha256:
                _content_lock(conn, unique_sha256)
                hit = _find(conn, unique_sha256)
                if hit is not None:
                    raise ContentExistsError(hit)
            seq = conn.execute(insert(batches).values(
                batch_id=batch_id, status=LIVE, time=None if time is None else str(time),
                content=unique_sha256 or None, manifest=data, changed=changes.next_value()
            ).returning(batches.c.seq)).scalar_one()
            for table, frame in frames.items():
                _copy_in(conn, table, seq, frame)
    except IntegrityError as err:
        raise _integrity(err, batch_id, url, unique_sha256) from None
    return batch_id


def _free_folder(conn, batch_id: str) -> str:
    """The undone batch's name: its id, or id.N when an undone batch of that id is kept already
    (as the folder store names undone/<id>.N)."""
    taken = set(conn.execute(text("SELECT folder FROM batches WHERE starts_with(folder, :b)"),
                             {"b": batch_id}).scalars())
    if batch_id not in taken:
        return batch_id
    n = len(taken)
    while f"{batch_id}.{n}" in taken:
        n += 1
    return f"{batch_id}.{n}"


def undo_batch(batch_id: str, url: str) -> str:
    """Mark a live batch undone (kept whole); return the folder name it is restored by."""
    with _transaction(url) as conn:
        seq = conn.execute(select(batches.c.seq).where(
            batches.c.batch_id == batch_id, batches.c.status == LIVE).with_for_update()).scalar()
        if seq is None:
            raise FileNotFoundError(f"没有找到批次 {batch_id}")
        conn.execute(text("LOCK TABLE batches IN SHARE ROW EXCLUSIVE MODE"))  # folder names
        folder = _free_folder(conn, batch_id)
        conn.execute(update(batches).where(batches.c.seq == seq).values(
            status=UNDONE, folder=folder, changed=changes.next_value()))
    return folder


def restore_batch(folder: str, url: str) -> str:
    """Put an undone batch back; BatchExistsError if a live batch has its id meanwhile."""
    try:
        with _transaction(url) as conn:
            row = conn.execute(select(batches.c.seq, batches.c.batch_id, batches.c.content).where(
                batches.c.folder == folder, batches.c.status == UNDONE).with_for_update()).first()
            if row is None:
                raise FileNotFoundError(f"没有找到已撤销的批次 {folder}")
            conn.execute(update(batches).where(batches.c.seq == row.seq).values(
                status=LIVE, folder=None, changed=changes.next_value()))
    except IntegrityError as err:
        found = _integrity(err, row.batch_id, url, row.content)
        if isinstance(found, BatchExistsError):
            raise BatchExistsError(f"批次 {row.batch_id} 已在看板中") from None
        raise found from None
    return row.batch_id


@contextlib.contextmanager
def store_lock(url: str):
    """One import at a time per database: a transaction-level advisory lock held on its own
    connection for the block (the server releases it if this process dies)."""
    with _transaction(url) as conn:
        conn.execute(select(func.pg_advisory_xact_lock(APP, IMPORT)))
        yield


# ---- small reads (the tables themselves: pg_read) ---------------------------------------

def find_sha256(sha256: str, url: str) -> dict | None:
    with _transaction(url, snapshot=True) as conn:
        return _find(conn, sha256)


def batch_districts(batch_id: str, url: str, undone: bool = False) -> set[str]:
    key = "folder = :b AND status = 'undone'" if undone else "batch_id = :b AND status = 'live'"
    with _transaction(url, snapshot=True) as conn:
        seq = conn.execute(text(f"SELECT seq FROM batches WHERE {key}"), {"b": batch_id}).scalar()
        if seq is None:
            return set()
        rows = conn.execute(text(
            "SELECT coalesce(district, '') FROM claims WHERE batch_seq = :s UNION "
            "SELECT coalesce(district, '') FROM communities WHERE batch_seq = :s UNION "
            "SELECT coalesce(district, '') FROM initiatives WHERE batch_seq = :s"), {"s": seq})
        return set(rows.scalars())
