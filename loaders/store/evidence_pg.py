"""loaders/store/evidence.py on PostgreSQL: one SQLAlchemy Core SELECT with the filters, the
search, the sort, LIMIT and OFFSET, so the server sends a page, not the claims. User text only
ever reaches the server as a bound parameter; the search uses strpos (a plain substring, no LIKE
pattern to escape). Text sorts in the "C" collation (code point order, as Python and DuckDB
compare strings), nulls last; ties fall back to the claim order (batch, row in the batch)."""
from __future__ import annotations

from typing import Iterator

import pyarrow as pa
from sqlalchemy import Double, Text, and_, any_, bindparam, false, func, literal, not_, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from ..schema import arrow_schema
from .evidence import ClaimQuery, Live
from .pg_schema import LIVE, batches, tables

CLAIMS = tables["claims"]


def _filters(query: ClaimQuery) -> list:
    out = []
    for column, op, value in query.filters:
        col = CLAIMS.c[column]
        values = [value] if op == "==" else list(value)
        wanted = [v for v in values if v is not None]
        terms = [col.in_(wanted)] if wanted else []
        if len(wanted) < len(values):
            terms.append(col.is_(None))
        out.append(or_(*terms) if terms else false())
    return out


def _search(query: ClaimQuery) -> list:
    out = []
    for text, programmes in query.terms:
        hits = [func.strpos(CLAIMS.c[c], literal(text, Text)) > 0 for c in query.search_columns]
        if programmes:
            hits.append(CLAIMS.c.programme.in_(list(programmes)))
        out.append(or_(*hits) if hits else false())
    return out


def _rows(query: ClaimQuery, live: Live, columns):
    """SELECT columns + the claim order (_ord, row_no) of the live batches' kept claims."""
    ids = bindparam("ids", list(live.ids), type_=ARRAY(Text))
    order = func.array_position(ids, batches.c.batch_id).label("_ord")
    where = [batches.c.status == LIVE, batches.c.batch_id == any_(ids),
             *_filters(query), *_search(query)]
    if live.replaced:
        where.append(not_(CLAIMS.c.claim_id == any_(
            bindparam("replaced", list(live.replaced), type_=ARRAY(Text)))))
    return (select(*columns, order, CLAIMS.c.row_no.label("_row"))
            .select_from(CLAIMS.join(batches, CLAIMS.c.batch_seq == batches.c.seq))
            .where(and_(true(), *where)))


def _ordered(query: ClaimQuery, live: Live, names):
    stmt = _rows(query, live, [CLAIMS.c[n] for n in names]).subquery()
    ranked = dict(query.ranked)
    keys = []
    for column, ascending in query.order:
        col = stmt.c[column] if column in names else None
        if col is None:
            raise ValueError(f"claims: sort by {column!r} needs it among the columns read")
        if column in ranked:
            key = func.array_position(literal(list(ranked[column]), ARRAY(Text)), col)
        elif isinstance(CLAIMS.c[column].type, Double):
            key = func.nullif(col, literal(float("nan"), Double))   # NaN sorts as a null
        elif isinstance(CLAIMS.c[column].type, Text):
            key = col.collate("C")
        else:
            key = col
        keys.append((key.asc() if ascending else key.desc()).nulls_last())
    return select(*[stmt.c[n] for n in names]).order_by(*keys, stmt.c._ord, stmt.c._row)


def _arrow(rows, names) -> pa.Table:
    schema = arrow_schema("claims")
    return pa.table({n: pa.array([r[i] for r in rows], schema.field(n).type)
                     for i, n in enumerate(names)})


def _sorted_names(query: ClaimQuery, names) -> list[str]:
    return list(dict.fromkeys([*names, *(c for c, _ in query.order)]))


def count(query: ClaimQuery, live: Live, url: str, claims=None) -> int:
    from .postgres import _transaction
    stmt = select(func.count()).select_from(_rows(query, live, [CLAIMS.c.claim_id]).subquery())
    with _transaction(url, snapshot=True) as conn:
        return int(conn.execute(stmt).scalar_one())


def page(query: ClaimQuery, live: Live, url: str, names, offset: int, limit: int,
         claims=None) -> pa.Table:
    from .postgres import _transaction
    read = _sorted_names(query, names)
    stmt = _ordered(query, live, read).limit(limit).offset(offset)
    with _transaction(url, snapshot=True) as conn:
        rows = conn.execute(stmt).all()
    return _arrow(rows, read)


def chunks(query: ClaimQuery, live: Live, url: str, names, size: int,
           claims=None) -> Iterator[pa.Table]:
    """Every row in order through a server-side cursor, `size` rows at a time."""
    from .postgres import _transaction
    read = _sorted_names(query, names)
    with _transaction(url, snapshot=True) as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=size).execute(
            _ordered(query, live, read))
        for part in result.partitions(size):
            yield _arrow(part, read)
