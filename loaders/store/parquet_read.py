"""Reading the Parquet store: whole tables, one table's columns with equality filters, a content
hash's batch and a batch's districts. A batch undone while it is read is left out whole (load_tables)
or, when named by id, read where undo moved it (read_table), so what a reader already holds of it
still lines up with what it reads next."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..indicators import add_indicators
from ..schema import TABLES, arrow_schema, conform, empty_frame
from .base import BATCH_TABLES, Tables, check_filters, superseded
from .packs import PackReader
from .parquet import MANIFEST, list_batches, store_folder


def _read_batch(folder: Path, packs: PackReader) -> dict[str, pd.DataFrame] | None:
    """One batch's tables (from its pack when compacted: loaders/store/packs.py); None if the
    batch was undone (moved away) while being read."""
    out = {}
    for table in BATCH_TABLES:
        try:
            out[table] = packs.table(folder.name, table, folder / f"{table}.parquet").to_pandas()
            if table == "claims":   # a batch of a version before indicators: read them now
                out[table] = add_indicators(out[table])
        except FileNotFoundError:
            if not (folder / MANIFEST).exists():
                return None
            # a batch written without this table (an older store): it has no such rows
    return out


def load_tables(root: str | os.PathLike | None = None) -> Tables:
    """Every stored batch's tables, concatenated and checked against the schema.

    A batch undone while this runs is left out of every table and of `batches` (undo moves the
    whole folder at once), so the tables always agree with each other and with the manifests."""
    folder = store_folder(root) / "batches"
    batches = list_batches(root)
    parts: dict[str, list] = {table: [] for table in BATCH_TABLES}
    gone = []
    packs = PackReader(root)
    for b in batches.get("batch_id", []):
        read = _read_batch(folder / b, packs)
        if read is None:
            gone.append(b)
            continue
        for table, frame in read.items():
            if len(frame):
                parts[table].append(frame)
    if gone:
        batches = batches[~batches["batch_id"].isin(gone)].reset_index(drop=True)
    out = {table: conform(table, pd.concat(p, ignore_index=True) if p else empty_frame(table))
           for table, p in parts.items()}
    replaced = superseded(batches)
    if replaced:
        claims = out["claims"]
        out["claims"] = claims[~claims["claim_id"].isin(replaced)].reset_index(drop=True)
    return Tables(**out, batches=batches)


def _mask(part: pa.Table, filters) -> pa.Array:
    """Rows of `part` meeting every (column, op, value) filter; a None value matches nulls."""
    mask = None
    for column, op, value in filters:
        col = part.column(column)
        values = [value] if op == "==" else value
        wanted = [v for v in values if v is not None]
        m = pc.is_in(col, value_set=pa.array(wanted, type=_plain(col.type))) \
            if wanted else pa.array([False] * part.num_rows)
        if len(wanted) < len(values):
            m = pc.or_(m, pc.is_null(col))
        m = pc.fill_null(m, False)
        mask = m if mask is None else pc.and_(mask, m)
    return mask


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _read_part(root: Path, batch_id: str, table: str, names, dictionary, filters,
               packs: PackReader):
    """A batch's table, also when the batch was undone after the read began: undo moves the
    folder whole to undone/. A compacted batch is read from its pack (loaders/store/packs.py),
    also when it was packed after this read began."""
    wanted = list(dict.fromkeys([*names, *(f[0] for f in filters)]))
    for folder in (root / "batches" / batch_id, root / "undone" / batch_id):
        path = folder / f"{table}.parquet"
        try:
            # one open for the footer and the rows, without pq.read_table's dataset set-up
            # (3× faster over the 40 files of a table of a 10M-claim store)
            with pa.OSFile(str(path)) as fh:
                meta = pq.read_metadata(fh)
                have = set(meta.schema.to_arrow_schema().names)
                part = pq.ParquetFile(fh, metadata=meta, read_dictionary=[
                    c for c in dictionary if c in wanted and c in have]).read(
                    columns=[n for n in wanted if n in have]) \
                    if table != "claims" or "indicator" in have else None
            if part is None:
                # a batch of a version before indicators: read whole, indicators added on read
                frame = add_indicators(pq.read_table(path).to_pandas())
                keep = [n for n in wanted if n in frame.columns]
                part = pa.Table.from_pandas(frame[keep], preserve_index=False)
                part = part.cast(pa.schema([arrow_schema(table).field(n) for n in keep]))
                for n in keep:   # the coded columns as the other batches give them
                    if n in dictionary:
                        part = part.set_column(part.schema.get_field_index(n), n,
                                               part.column(n).dictionary_encode())
                have = set(keep)
        except FileNotFoundError:
            continue
        # A batch written before a column was added (loaders.schema `added`) reads it as null.
        types = {c.name: c.type for c in TABLES[table]}
        for name in wanted:
            if name not in have:
                part = part.append_column(name, pa.nulls(part.num_rows, types[name]))
        return _filtered(part, filters, names)
    part = packs.read(batch_id, table, wanted, dictionary)
    if part is not None:   # compacted: its rows are in its pack
        return _filtered(part, filters, names)
    return None   # a batch written without this table: it has no such rows


def _filtered(part: pa.Table, filters, names) -> pa.Table:
    if filters:
        part = part.filter(_mask(part, filters))
    return part.select(list(names))


def read_table(table: str, columns=None, batch_ids=None, filters=None,
               root: str | os.PathLike | None = None, dictionary=()) -> pa.Table:
    """One table's `columns` (default all) from the given batches (default: every live batch), in
    that order, keeping the rows that meet every filter (column, "==" or "in", value). A batch
    named in `batch_ids` and undone since is read where undo moved it. Claims that a later batch
    replaces are not left out here (see superseded). The `dictionary` columns arrive
    dictionary-encoded, one dictionary per column."""
    filters = check_filters(table, columns, filters)
    root = store_folder(root)
    names = [c.name for c in TABLES[table]] if columns is None else list(columns)
    if batch_ids is None:
        batches = list_batches(root)
        batch_ids = list(batches["batch_id"]) if "batch_id" in batches else []
    parts = []
    packs = PackReader(root)
    wanted = list(dict.fromkeys([*names, *(f[0] for f in filters)]))
    for packed, ids in packs.runs(batch_ids, table):   # compacted batches: a slice of a pack
        part = _filtered(packs.read_run(ids, table, wanted, dictionary), filters, names) \
            if packed else _read_part(root, ids[0], table, names, dictionary, filters, packs)
        if part is not None and part.num_rows:
            parts.append(part)
    if not parts:
        schema = arrow_schema(table)
        return pa.schema([schema.field(n) for n in names]).empty_table()
    arrow = pa.concat_tables(parts, promote_options="permissive")
    return arrow.unify_dictionaries() if dictionary else arrow


def find_sha256(sha256: str, root: str | os.PathLike | None = None) -> dict | None:
    """The live batch that holds a document with this content (by sha256), if any: batch_id,
    file (the document), time, uploader. Looked up in the store's index of content hashes, which
    reads only the batches committed, undone or restored since it was last brought up to date
    (loaders/store/sha_index.py)."""
    from .sha_index import find_sha256 as find
    return find(sha256, root)


def batch_districts(batch_id: str, root: str | os.PathLike | None = None,
                    undone: bool = False) -> set[str]:
    """The districts a batch's claims, communities and initiatives name ("" for none); with
    `undone`, `batch_id` is the undone batch's folder (list_batches(undone=True) "folder")."""
    folder = store_folder(root) / ("undone" if undone else "batches") / batch_id
    try:   # an undone batch's folder may be named "<batch id>.<n>"
        batch_id = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["batch_id"]
    except FileNotFoundError:
        pass
    packs = PackReader(root)
    out: set[str] = set()
    for table in ("claims", "communities", "initiatives"):
        try:
            column = packs.table(batch_id, table, folder / f"{table}.parquet", ["district"])["district"]
        except FileNotFoundError:
            continue
        out |= {v if v is not None else "" for v in column.unique().to_pylist()}
    return out
