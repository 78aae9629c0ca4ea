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


def _numbered(arrow: pa.Table, name: str) -> pa.Table:
    """Claims as a source beside the Parquet files: every claims column in the declared types,
    the source's name and each row's number in it."""
    schema = arrow_schema("claims")
    arrow = arrow.select(list(CLAIM_COLUMNS)).cast(pa.schema([schema.field(n) for n in CLAIM_COLUMNS]))
    return arrow.append_column("_file", pa.array([name] * arrow.num_rows, pa.string())) \
        .append_column("_row", pa.array(range(arrow.num_rows), pa.int64()))


class Sources:
    """Where a query's claims are: the batches' own Parquet files (every row theirs), packs
    with the batches read from each, and Arrow tables (older files, rows in memory)."""

    def __init__(self, root, live: Live | None, claims: pa.Table | None = None):
        self.own: list[str] = []
        self.packs: dict[str, list[str]] = {}
        self.tables: dict[str, pa.Table] = {}
        self.order = {b: i for i, b in enumerate(live.ids)} if live is not None else {}
        if claims is not None:
            self.tables["_rows0"] = _numbered(claims, "_rows0")
            return
        from .parquet_read import _read_part
        root = store_folder(root)
        packs = PackReader(root)
        for packed, run in packs.runs(live.ids, "claims"):
            for b in run:
                path = str(packs.where[b][0] / "claims.parquet") if packed \
                    else f"{root}/batches/{b}/claims.parquet"
                if not packed and not os.path.exists(path):
                    continue   # undone since the list was made, or a batch without claims
                if not _current(path):
                    name = f"_rows{len(self.tables)}"
                    part = _read_part(root, b, "claims", list(CLAIM_COLUMNS), (), [], packs)
                    if part is not None:
                        self.tables[name] = _numbered(part, name)
                elif packed:
                    self.packs.setdefault(path, []).append(b)
                else:
                    self.own.append(path)

    @property
    def empty(self) -> bool:
        return not self.own and not self.packs and not self.tables


def _q(name: str) -> str:
    if name not in CLAIM_COLUMNS and name not in ("_file", "_row"):
        raise ValueError(f"claims: no column {name!r}")
    return f'"{name}"'


def _parquet(files: str) -> str:
    return (f"SELECT *, filename AS _file, file_row_number AS _row FROM read_parquet({files}, "
            "union_by_name = true, filename = true, file_row_number = true)")


class Statement:
    """One query's SQL text (column names and placeholders only) and its bound values, on a
    cursor of its own (the Arrow sources and id lists registered on it)."""

    def __init__(self, query: ClaimQuery, live: Live | None, sources: Sources, cur):
        self.params: dict[str, object] = {}
        self.query, self.sources, self.cur = query, sources, cur
        for name, table in sources.tables.items():
            cur.register(name, table)
        parts = [_parquet(self.bind(sources.own))] if sources.own else []
        for i, (path, ids) in enumerate(sources.packs.items()):   # a pack: its batches' rows only
            cur.register(f"_pack{i}", pa.table({"batch_id": pa.array(ids, pa.string())}))
            parts.append(f"{_parquet(self.bind(path))} WHERE batch_id IN (SELECT batch_id FROM _pack{i})")
        parts += [f"SELECT * FROM {name}" for name in sources.tables]
        where = self._filters(query) + self._search(query)
        if live is not None and live.replaced:
            cur.register("_replaced", pa.table({"claim_id": pa.array(live.replaced, pa.string())}))
            where.append('"claim_id" NOT IN (SELECT claim_id FROM _replaced)')
        cols = ", ".join([*(_q(n) for n in CLAIM_COLUMNS), "_file", "_row"])
        union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
        self.rows = f"SELECT {cols} FROM ({union}) WHERE {' AND '.join(where) or 'TRUE'}"

    def bind(self, value, params: dict | None = None) -> str:
        params = self.params if params is None else params
        name = f"p{len(params)}"
        params[name] = value
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

    def ordered(self, columns: str) -> str:
        """The rows' `columns` in the query's order: its keys (values bound now: only a
        statement that sorts has them), then the claim order (batch, row in the batch)."""
        self.cur.register("_batches", pa.table({
            "batch_id": pa.array(list(self.sources.order), pa.string()),
            "_ord": pa.array(list(self.sources.order.values()), pa.int64())}))
        ranked = dict(self.query.ranked)
        keys = []
        for column, ascending in self.query.order:
            if column in ranked:
                key = f"list_position({self.bind(list(ranked[column]))}::VARCHAR[], r.{_q(column)})"
            elif TYPES[column] == pa.float64():
                key = f"nullif(r.{_q(column)}, 'NaN'::DOUBLE)"   # NaN sorts as a null, as pandas does
            else:
                key = f"r.{_q(column)}"
            keys.append(f"{key} {'ASC' if ascending else 'DESC'} NULLS LAST")
        return (f"SELECT {columns} FROM ({self.rows}) r LEFT JOIN _batches b USING (batch_id) "
                f"ORDER BY {', '.join([*keys, 'b._ord', 'r._row'])}")

    def fetch(self, keys: pa.Table, names) -> pa.Table:
        """The rows named by (_file, _row) in `keys`, every one of `names`, in keys' order:
        each file that holds some read for those rows only (the filter on the row number lets
        DuckDB skip decoding the others' text)."""
        self.cur.register("_page", keys.append_column("_pos", pa.array(range(keys.num_rows), pa.int64())))
        rows: dict[str, list[int]] = {}
        for f, r in zip(keys.column("_file").to_pylist(), keys.column("_row").to_pylist()):
            rows.setdefault(f, []).append(r)
        params: dict[str, object] = {}
        parts = []
        for f, numbers in rows.items():
            wanted = self.bind(numbers, params)
            if f in self.sources.tables:
                parts.append(f"SELECT * FROM {f} WHERE list_contains({wanted}, _row)")
            else:
                parts.append(f"SELECT *, filename AS _file, file_row_number AS _row FROM read_parquet("
                             f"{self.bind(f, params)}, filename = true, file_row_number = true) "
                             f"WHERE list_contains({wanted}, file_row_number)")
        union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
        cols = ", ".join(f"c.{_q(n)}" for n in names)
        return self.cur.sql(f"SELECT {cols} FROM ({union}) c JOIN _page p "
                            "ON c._file = p._file AND c._row = p._row ORDER BY p._pos",
                            params=params).to_arrow_table()


TYPES = {c.name: c.type for c in TABLES["claims"]}


def _run(live: Live | None, root, claims, query: ClaimQuery, work):
    """work(statement) on a fresh cursor; once more from a fresh look at the folders if a file
    moved under it (compaction, undo)."""
    for attempt in (0, 1):
        cur = _connection()
        try:
            sources = Sources(root, live, claims)
            return None if sources.empty else work(Statement(query, live, sources, cur))
        except (duckdb.IOException, FileNotFoundError):
            if attempt or claims is not None:
                raise
        finally:
            cur.close()


def count(query: ClaimQuery, live: Live | None, root, claims=None) -> int:
    got = _run(live, root, claims, query,
               lambda st: st.cur.sql(f"SELECT count(*) FROM ({st.rows})", params=st.params).fetchall())
    return int(got[0][0]) if got else 0


def page(query: ClaimQuery, live: Live | None, root, names, offset: int, limit: int,
         claims=None) -> pa.Table | None:
    """Two steps: which rows (only the columns that filter and sort them are read), then those
    rows' columns from the files that hold them; a page never reads the other rows' text."""
    def work(st: Statement) -> pa.Table:
        sql = f"{st.ordered('r._file, r._row')} LIMIT {st.bind(limit)} OFFSET {st.bind(offset)}"
        keys = st.cur.sql(sql, params=st.params).to_arrow_table()
        return st.fetch(keys, names) if keys.num_rows else None
    return _run(live, root, claims, query, work)


def chunks(query: ClaimQuery, live: Live | None, root, names, size: int,
           claims=None) -> Iterator[pa.Table]:
    cur = _connection()
    try:
        sources = Sources(root, live, claims)
        if sources.empty:
            return
        st = Statement(query, live, sources, cur)
        sql = st.ordered(", ".join(f"r.{_q(n)}" for n in names))
        for batch in cur.sql(sql, params=st.params).to_arrow_reader(size):
            if batch.num_rows:
                yield pa.Table.from_batches([batch])
    finally:
        cur.close()
