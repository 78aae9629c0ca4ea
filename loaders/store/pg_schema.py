"""The database tables of the server store, made from loaders.schema's declarations: one table
per declared table (its columns, plus the batch it belongs to and its row number in the batch) and `batches` (one row per commit: its manifest and whether it is live or undone).
Alembic's migrations (loaders/migrations) create them; a test checks that the migrated database
is exactly this metadata, so a schema change without a migration fails."""
from __future__ import annotations

import pyarrow as pa
from sqlalchemy import (BigInteger, Column, Double, ForeignKey, Index, Integer, MetaData,
                        Sequence, Table, Text, text)
from sqlalchemy.dialects.postgresql import JSONB

from ..schema import TABLES
from .base import LIVE, UNDONE  # noqa: F401 (the batches table's statuses)
# every commit, undo and restore takes the next number: the store's signature only grows
CHANGES = "batch_changes"

TYPES = {pa.string(): Text, pa.int64(): BigInteger, pa.float64(): Double}

metadata = MetaData()
changes = Sequence(CHANGES, metadata=metadata)

batches = Table(
    "batches", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("batch_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("folder", Text),            # an undone batch's name for restore (as undone/<folder>)
    Column("time", Text),
    Column("content", Text),           # the uploaded file's sha256, for "already imported"
    Column("manifest", JSONB, nullable=False),
    Column("changed", BigInteger, nullable=False),
    Index("batches_live_id", "batch_id", unique=True, postgresql_where=text("status = 'live'")),
    Index("batches_folder", "folder", unique=True),
    Index("batches_live_content", "content", unique=True,
          postgresql_where=text("status = 'live' AND content IS NOT NULL")),
)


def data_table(name: str) -> Table:
    cols = [Column("batch_seq", BigInteger, ForeignKey("batches.seq"), primary_key=True),
            Column("row_no", Integer, primary_key=True)]
    cols += [Column(c.name, TYPES[c.type], nullable=c.nullable) for c in TABLES[name]]
    return Table(name, metadata, *cols)


# every table loaders.schema declares is a batch's table (the four of BATCH_TABLES, and those made
# from them at commit, such as a batch's rollup): one database table each, each row with its batch
tables = {name: data_table(name) for name in TABLES}
Index("documents_sha256", tables["documents"].c.sha256)
