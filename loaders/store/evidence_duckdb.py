"""loaders/store/evidence.py on the folder store: DuckDB reads the live batches' claims.parquet
files (a compacted batch's rows in its pack, loaders/store/packs.py) with the filters, the search
and the sort in SQL, so only the columns and row groups a query needs are read, and a page never
materialises the other rows. User text only ever reaches DuckDB as a bound parameter.

The rows of each batch come from exactly one file: its own, else its pack (where they are joined
by batch id, since a pack holds other batches too, some of them undone). A file written before a
column existed, or before indicators (loaders.schema `added`, loaders.indicators), is read by
parquet_read as before and handed to DuckDB as an Arrow table; so are claims already in memory.
A file that compaction or an undo moves while a query runs is found again: the query is retried
once from a fresh look at the folders.
"""
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import TABLES, arrow_schema
from .evidence import CLAIM_COLUMNS, ClaimQuery, Live
from .packs import PackReader
from .parquet import store_folder

MEMORY_LIMIT = "1GB"   # a sort beyond it spills to a temporary folder instead of growing the app
_db: duckdb.DuckDBPyConnection | None = None
_db_lock = threading.Lock()
_schemas: dict[tuple, bool] = {}   # (path, mtime, size) → has every claims column


def _connection() -> duckdb.DuckDBPyConnection:
    """The process's one in-memory DuckDB; each query runs on a cursor of its own (a cursor is
    a connection to the same database, safe to use from its own thread)."""
    global _db
    with _db_lock:
        if _db is None:
            spill = Path(tempfile.gettempdir()) / f"dashboard-duckdb-{os.getpid()}"
            _db = duckdb.connect(config={"threads": max(1, min(4, os.cpu_count() or 1)),
                                         "memory_limit": MEMORY_LIMIT,
                                         "temp_directory": str(spill)})
        return _db.cursor()


def _current(path: str) -> bool:
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _schemas:
        if len(_schemas) > 10_000:
            _schemas.clear()
        _schemas[key] = set(CLAIM_COLUMNS) <= set(pq.read_schema(path).names)
    return _schemas[key]


def _numbered(arrow: pa.Table, ord_: int) -> pa.Table:
    """Claims as a source beside the Parquet files: every claims column in the declared types,
    the batch's place in the order and each row's."""
    schema = arrow_schema("claims")
    arrow = arrow.select(list(CLAIM_COLUMNS)).cast(pa.schema([schema.field(n) for n in CLAIM_COLUMNS]))
    return arrow.append_column("_ord", pa.array([ord_] * arrow.num_rows, pa.int64())) \
        .append_column("_row", pa.array(range(arrow.num_rows), pa.int64()))


class Sources:
    """Where a query's claims are: Parquet files with the (file, batch, order) of each batch
    they give, and Arrow tables (older files, rows in memory) already numbered."""

    def __init__(self, root, live: Live | None, claims: pa.Table | None = None):
        self.files: list[str] = []
        self.pairs: dict[str, list] = {"filename": [], "batch_id": [], "ord": []}
        self.tables: list[pa.Table] = []
        if claims is not None:
            self.tables.append(_numbered(claims, 0))
            return
        from .parquet_read import _read_part
        root = store_folder(root)
        packs = PackReader(root)
        order = {b: i for i, b in enumerate(live.ids)}
        for packed, run in packs.runs(live.ids, "claims"):
            for b in run:
                path = str(packs.where[b][0] / "claims.parquet") if packed \
                    else f"{root}/batches/{b}/claims.parquet"
                if not packed and not os.path.exists(path):
                    continue   # undone since the list was made, or a batch without claims
                ord_ = order[b]
                if _current(path):
                    if path not in self.files:
                        self.files.append(path)
                    for k, v in (("filename", path), ("batch_id", b), ("ord", ord_)):
                        self.pairs[k].append(v)
                else:
                    part = _read_part(root, b, "claims", list(CLAIM_COLUMNS), (), [], packs)
                    if part is not None:
                        self.tables.append(_numbered(part, ord_))

    @property
    def empty(self) -> bool:
        return not self.files and not self.tables

    def register(self, cur) -> str:
        """The claims of every source as one SQL relation (columns + _ord, _row)."""
        parts = []
        if self.files:
            cur.register("_batches", pa.table({"filename": pa.array(self.pairs["filename"], pa.string()),
                                               "batch_id": pa.array(self.pairs["batch_id"], pa.string()),
                                               "ord": pa.array(self.pairs["ord"], pa.int64())}))
            cols = ", ".join(f"c.{_q(n)}" for n in CLAIM_COLUMNS)
            parts.append(f"SELECT {cols}, b.ord AS _ord, c.file_row_number AS _row "
                         "FROM read_parquet($files, union_by_name = true, filename = true, "
                         "file_row_number = true) c JOIN _batches b "
                         "ON c.filename = b.filename AND c.batch_id = b.batch_id")
        for i, table in enumerate(self.tables):
            cur.register(f"_rows{i}", table)
            parts.append(f"SELECT * FROM _rows{i}")
        return " UNION ALL BY NAME ".join(f"({p})" for p in parts)


def _q(name: str) -> str:
    if name not in CLAIM_COLUMNS and name not in ("_ord", "_row"):
        raise ValueError(f"claims: no column {name!r}")
    return f'"{name}"'


class Statement:
    """One query's SQL text (column names and placeholders only) and its bound values."""

    def __init__(self, query: ClaimQuery, live: Live | None, sources: Sources, cur):
        self.params: dict[str, object] = {}
        if sources.files:
            self.params["files"] = sources.files
        where = self._filters(query) + self._search(query)
        if live is not None and live.replaced:
            cur.register("_replaced", pa.table({"claim_id": pa.array(live.replaced, pa.string())}))
            where.append('"claim_id" NOT IN (SELECT claim_id FROM _replaced)')
        self.rows = (f"SELECT * FROM ({sources.register(cur)}) "
                     f"WHERE {' AND '.join(where) or 'TRUE'}")
        self.query = query

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def _filters(self, query: ClaimQuery) -> list[str]:
        out = []
        for column, op, value in query.filters:
            values = [value] if op == "==" else list(value)
            wanted = [v for v in values if v is not None]
            terms = [f"{_q(column)} IN ({', '.join(self.bind(v) for v in wanted)})"] if wanted else []
            if len(wanted) < len(values):
                terms.append(f"{_q(column)} IS NULL")
            out.append(f"({' OR '.join(terms)})" if terms else "FALSE")
        return out

    def _search(self, query: ClaimQuery) -> list[str]:
        out = []
        for text, programmes in query.terms:
            t = self.bind(text)
            hits = [f"contains({_q(c)}, {t})" for c in query.search_columns]
            if programmes:
                hits.append(f'"programme" IN ({", ".join(self.bind(p) for p in programmes)})')
            out.append(f"({' OR '.join(hits) or 'FALSE'})")
        return out

    def order(self) -> str:
        """The ORDER BY keys (their values bound now: only a statement that sorts has them)."""
        ranked = dict(self.query.ranked)
        keys = []
        for column, ascending in self.query.order:
            if column in ranked:
                key = f"list_position({self.bind(list(ranked[column]))}::VARCHAR[], {_q(column)})"
            elif TYPES[column] == pa.float64():
                key = f"nullif({_q(column)}, 'NaN'::DOUBLE)"   # NaN sorts as a null, as pandas does
            else:
                key = _q(column)
            keys.append(f"{key} {'ASC' if ascending else 'DESC'} NULLS LAST")
        return ", ".join([*keys, "_ord", "_row"])


TYPES = {c.name: c.type for c in TABLES["claims"]}


def _run(live: Live | None, root, claims, make_sql, query: ClaimQuery, fetch):
    """Run a statement on a fresh cursor; once more from a fresh look at the folders if a file
    moved under it (compaction, undo)."""
    for attempt in (0, 1):
        cur = _connection()
        try:
            sources = Sources(root, live, claims)
            if sources.empty:
                return None
            st = Statement(query, live, sources, cur)
            return fetch(cur.sql(make_sql(st), params=st.params))
        except (duckdb.IOException, FileNotFoundError):
            if attempt or claims is not None:
                raise
        finally:
            cur.close()


def count(query: ClaimQuery, live: Live | None, root, claims=None) -> int:
    got = _run(live, root, claims, lambda st: f"SELECT count(*) FROM ({st.rows})", query,
               lambda rel: rel.fetchall()[0][0])
    return int(got or 0)


def page(query: ClaimQuery, live: Live | None, root, names, offset: int, limit: int,
         claims=None) -> pa.Table | None:
    def sql(st: Statement) -> str:
        return (f"SELECT {', '.join(_q(n) for n in names)} FROM ({st.rows}) ORDER BY {st.order()} "
                f"LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}")
    return _run(live, root, claims, sql, query, lambda rel: rel.to_arrow_table())


def chunks(query: ClaimQuery, live: Live | None, root, names, size: int,
           claims=None) -> Iterator[pa.Table]:
    cur = _connection()
    try:
        sources = Sources(root, live, claims)
        if sources.empty:
            return
        st = Statement(query, live, sources, cur)
        reader = cur.sql(f"SELECT {', '.join(_q(n) for n in names)} FROM ({st.rows}) "
                         f"ORDER BY {st.order()}", params=st.params).to_arrow_reader(size)
        for batch in reader:
            if batch.num_rows:
                yield pa.Table.from_batches([batch])
    finally:
        cur.close()
