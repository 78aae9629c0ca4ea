"""Reading the server store's tables as Arrow: the manifests, a table's rows of chosen batches in
their order, filters in SQL. Through ADBC's PostgreSQL driver, which moves rows with binary COPY
into Arrow columns in C++ (psycopg's COPY hands Python one row at a time: 5× slower here). All
the queries of one call share one REPEATABLE READ snapshot, so the tables and the manifests
always agree."""
from __future__ import annotations

import atexit
import contextlib
import functools
import json
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from ..migrations import HEAD, VERSION_TABLE
from ..schema import TABLES, arrow_schema, conform
from .base import (BATCH_TABLES, LIVE, UNDONE, StoreUnavailableError, Tables, batches_frame,
                   check_filters, sorted_json, superseded)
from .pg_url import libpq, normalise, shown

ORDER = 'ORDER BY time COLLATE "C" NULLS LAST, batch_id COLLATE "C"'


_idle: dict[str, list] = {}   # per database, this process's open ADBC connections not in use
_guard = threading.Lock()
KEEP = 4


_current: set[str] = set()   # databases this process found at the newest schema


def _connect(url: str):
    """An ADBC connection to the database, its schema checked (once per process) with one query
    of Alembic's version table: a database at the newest migration (loaders.migrations.HEAD) is
    read without importing SQLAlchemy or Alembic; any other (new, older, or not reachable that
    way) goes through loaders.store.postgres.engine, which migrates it under the lock."""
    from adbc_driver_postgresql import dbapi

    key = normalise(url)
    with _guard:
        if _idle.get(key):
            return _idle[key].pop()
    try:
        conn = dbapi.connect(libpq(key))
    except dbapi.Error as err:
        raise StoreUnavailableError(shown(url), err) from None
    if key not in _current:
        if _schema_version(conn) != HEAD:
            from . import postgres
            try:
                postgres.engine(url)   # migrates; says so clearly when the server refuses us
            except BaseException:
                conn.close()
                raise
        _current.add(key)
    return conn


def _schema_version(conn) -> str | None:
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT version_num FROM {VERSION_TABLE}")
            rows = cur.fetchall()
        return rows[0][0] if len(rows) == 1 else None
    except Exception:   # noqa: BLE001 - no version table yet, or not readable: migrate
        return None
    finally:
        conn.rollback()


@contextlib.contextmanager
def snapshot(url: str):
    """An ADBC cursor in a read-only REPEATABLE READ transaction (the schema migrated first);
    the connection goes back to a small pool after, or is closed if anything failed."""
    conn = _connect(url)
    ok = False
    try:
        cur = conn.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield cur
        cur.close()
        conn.rollback()
        ok = True
    finally:
        with _guard:
            key = normalise(url)
            keep = ok and len(_idle.setdefault(key, [])) < KEEP
            if keep:
                _idle[key].append(conn)
        if not keep:
            with contextlib.suppress(Exception):
                conn.close()


@atexit.register
def _close_idle() -> None:
    """At exit, while the driver is still loaded (closing at interpreter teardown fails)."""
    for url in list(_idle):
        forget(url)


def forget(url: str) -> None:
    """Close this process's idle connections to the database."""
    with _guard:
        conns = _idle.pop(normalise(url), [])
        _current.discard(normalise(url))
    for conn in conns:
        with contextlib.suppress(Exception):
            conn.close()


def _query(cur, statement) -> pa.Table:
    cur.execute(statement if isinstance(statement, str) else statement.as_string(None))
    return cur.fetch_arrow_table()


def _manifests(cur, undone: bool) -> list[tuple[int, dict]]:
    key = "folder" if undone else "batch_id"
    rows = _query(cur, f"SELECT seq, manifest::text AS manifest, folder FROM batches WHERE status = "
                       f"'{UNDONE if undone else LIVE}' ORDER BY {key} COLLATE \"C\"").to_pylist()
    out = []
    for row in rows:
        data = sorted_json(json.loads(row["manifest"]))
        if undone:
            data["folder"] = row["folder"]
        out.append((row["seq"], data))
    return out


def batch_manifests(url: str, undone: bool = False) -> list[dict]:
    with snapshot(url) as cur:
        return [m for _, m in _manifests(cur, undone)]


def list_batches(url: str, undone: bool = False) -> pd.DataFrame:
    return batches_frame(batch_manifests(url, undone))


def store_signature(url: str) -> tuple:
    """(batches ever committed, sum of their change numbers): every commit, undo and restore
    raises the sum, so a signature never comes back."""
    with snapshot(url) as cur:
        row = _query(cur, "SELECT count(*) AS n, coalesce(sum(changed), 0)::bigint AS s "
                          "FROM batches").to_pylist()[0]
    return row["n"], row["s"]


def batch_versions(url: str) -> tuple[str, dict[str, int]]:
    """The database's identity (server, database and its oid: a database dropped and made again
    under the same name is another) and each live batch's version: its row's `seq`, new at
    every commit, kept by undo and restore."""
    with snapshot(url) as cur:
        oid = _query(cur, "SELECT oid::bigint AS oid FROM pg_database "
                          "WHERE datname = current_database()").column("oid")[0].as_py()
        rows = _query(cur, f"SELECT batch_id, seq FROM batches WHERE status = '{LIVE}'")
    return f"{_server_identity(url)}#{oid}", dict(zip(rows.column("batch_id").to_pylist(),
                                                      rows.column("seq").to_pylist()))


@functools.lru_cache(maxsize=64)
def _server_identity(url: str) -> str:
    """The server's own id (pg_control_system's system identifier, made at initdb and kept by a
    restart on another port or a connection through another address), so that the sums kept
    for a database (ui/cube_cache.py) are found however the app reaches it; the address shown
    for a server that does not say (a compatible database without pg_control_system)."""
    try:
        with snapshot(url) as cur:
            ident = _query(cur, "SELECT system_identifier::text AS id FROM pg_control_system()")
        return f"postgresql-system:{ident.column('id')[0].as_py()}"
    except Exception:   # noqa: BLE001 - any refusal: fall back to the address
        return shown(url)


def _where(filters) -> sql.Composable:
    parts = []
    for column, op, value in filters:
        col = sql.SQL("t.{}").format(sql.Identifier(column))
        values = [value] if op == "==" else value
        wanted = [v for v in values if v is not None]
        terms = [sql.SQL("{} = ANY({})").format(col, sql.Literal(wanted))] if wanted else []
        if len(wanted) < len(values):
            terms.append(sql.SQL("{} IS NULL").format(col))
        parts.append(sql.SQL("({})").format(sql.SQL(" OR ").join(terms)) if terms
                     else sql.SQL("FALSE"))
    return sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")


def _select(cur, table: str, names, seqs, filters, dictionary=()) -> pa.Table:
    """The rows of `table` in the batches `seqs` (in that order, each in its own row order)."""
    schema = arrow_schema(table)
    target = pa.schema([schema.field(n) for n in names])
    if not seqs or not names:
        return target.empty_table()
    # Sorted here, not by the server: its sort of wide rows spills to disk past work_mem, while
    # Arrow sorts the two integer keys in memory and takes the rows in that order.
    arrow = _query(cur, sql.SQL(
        "SELECT o.ord, t.row_no, {} FROM {} t JOIN unnest({}::bigint[]) WITH ORDINALITY "
        "o(seq, ord) ON t.batch_seq = o.seq WHERE {}").format(
        sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(n)) for n in names),
        sql.Identifier(table), sql.Literal(list(seqs)), _where(filters)))
    order = pc.sort_indices(arrow, sort_keys=[("ord", "ascending"), ("row_no", "ascending")])
    arrow = arrow.drop_columns(["ord", "row_no"]).take(order)
    arrow = arrow.rename_columns(list(names)).cast(target)
    if not dictionary:
        return arrow
    for i, name in enumerate(names):
        if name in dictionary:
            arrow = arrow.set_column(i, name, arrow.column(name).dictionary_encode())
    return arrow.unify_dictionaries()


def _seqs(cur, batch_ids) -> list[int]:
    """The batches by id, in that order: the live one, else the latest undone one."""
    if batch_ids is None:
        return _query(cur, f"SELECT seq FROM batches WHERE status = 'live' {ORDER}").column(
            "seq").to_pylist()
    ids = list(dict.fromkeys(batch_ids))
    if not ids:
        return []
    rows = _query(cur, sql.SQL(
        "SELECT DISTINCT ON (batch_id) batch_id, seq FROM batches WHERE batch_id = ANY({}) "
        "ORDER BY batch_id, (status = 'live') DESC, seq DESC").format(sql.Literal(ids)))
    found = dict(zip(rows.column("batch_id").to_pylist(), rows.column("seq").to_pylist()))
    return [found[b] for b in batch_ids if b in found]


def read_table(table: str, columns=None, batch_ids=None, filters=None, url: str = "",
               dictionary=()) -> pa.Table:
    filters = check_filters(table, columns, filters)
    names = [c.name for c in TABLES[table]] if columns is None else list(columns)
    with snapshot(url) as cur:
        return _select(cur, table, names, _seqs(cur, batch_ids), filters, dictionary)


def load_tables(url: str) -> Tables:
    with snapshot(url) as cur:
        listed = _manifests(cur, undone=False)
        frame = batches_frame([m for _, m in listed])
        order = {m["batch_id"]: seq for seq, m in listed}
        seqs = [order[b] for b in frame.get("batch_id", [])]
        out = {}
        for table in BATCH_TABLES:
            arrow = _select(cur, table, [c.name for c in TABLES[table]], seqs, [])
            out[table] = conform(table, arrow.to_pandas(
                types_mapper={pa.int64(): pd.Int64Dtype()}.get))
    replaced = superseded(frame)
    if replaced:
        claims = out["claims"]
        out["claims"] = claims[~claims["claim_id"].isin(replaced)].reset_index(drop=True)
    return Tables(**out, batches=frame)
