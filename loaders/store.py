"""The Parquet store: one folder per batch, committed and undone atomically, read as DataFrames.

Layout under the store root (default `data/`):
    batches/<batch_id>/batch.json         the manifest (file, sha256, uploader, time, row counts)
    batches/<batch_id>/<table>.parquet    one file per table of the batch
    undone/<batch_id>/...                 batches taken back by undo (kept, never deleted)
A batch is written into a temporary folder beside `batches/` and renamed into place in one step,
so a reader (or a process killed mid-commit) sees either the whole batch or none of it.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .schema import TABLES, arrow_schema, conform, empty_frame

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data"
BATCH_TABLES = ("claims", "communities", "initiatives", "documents")
MANIFEST = "batch.json"


def store_root(root: str | os.PathLike | None = None) -> Path:
    """The store folder: the argument, else $DASHBOARD_DATA_DIR, else the repo's `data/`."""
    return Path(root or os.environ.get("DASHBOARD_DATA_DIR") or DEFAULT_ROOT)


@dataclass
class Tables:
    claims: pd.DataFrame
    communities: pd.DataFrame
    initiatives: pd.DataFrame
    documents: pd.DataFrame
    batches: pd.DataFrame = field(default_factory=pd.DataFrame)


class BatchExistsError(FileExistsError):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_table(frame: pd.DataFrame, table: str, path: Path) -> None:
    arrow = pa.Table.from_pandas(conform(table, frame), schema=arrow_schema(table),
                                 preserve_index=False)
    # No pandas metadata and no statistics timestamps: the same rows give the same bytes.
    arrow = arrow.replace_schema_metadata(None)
    pq.write_table(arrow, path, compression="zstd")
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def commit_batch(batch_id: str, tables: dict[str, pd.DataFrame], manifest: dict,
                 root: str | os.PathLike | None = None) -> Path:
    """Write a batch atomically; raise BatchExistsError if that batch id is already stored."""
    root = store_root(root)
    batches = root / "batches"
    batches.mkdir(parents=True, exist_ok=True)
    final = batches / batch_id
    if final.exists():
        raise BatchExistsError(f"批次 {batch_id} 已存在")
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{batch_id}-", dir=root))
    try:
        counts = {}
        for table in BATCH_TABLES:
            frame = tables.get(table)
            frame = empty_frame(table) if frame is None else frame.assign(batch_id=batch_id)
            _write_table(frame, table, tmp / f"{table}.parquet")
            counts[table] = int(len(frame))
        data = {**manifest, "batch_id": batch_id, "rows": counts}
        (tmp / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True),
                                    encoding="utf-8")
        _fsync_dir(tmp)
        os.rename(tmp, final)  # atomic on one file system; fails if `final` appeared meanwhile
        _fsync_dir(batches)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists():
            raise BatchExistsError(f"批次 {batch_id} 已存在") from err
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def undo_batch(batch_id: str, root: str | os.PathLike | None = None) -> Path:
    """Take a batch out of the store by moving it (atomically) to `undone/`; nothing is deleted."""
    root = store_root(root)
    src = root / "batches" / batch_id
    if not (src / MANIFEST).exists():
        raise FileNotFoundError(f"没有找到批次 {batch_id}")
    undone = root / "undone"
    undone.mkdir(parents=True, exist_ok=True)
    dst = undone / batch_id
    if dst.exists():  # undone once before, committed again, undone again: keep both
        dst = undone / f"{batch_id}.{len(list(undone.glob(batch_id + '*')))}"
    os.rename(src, dst)
    _fsync_dir(undone)
    return dst


def list_batches(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The manifests of the stored batches, oldest first."""
    folder = store_root(root) / "batches"
    rows = []
    for manifest in sorted(folder.glob(f"*/{MANIFEST}")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        rows.append(data)
    frame = pd.DataFrame(rows)
    if len(frame) and "time" in frame:
        frame = frame.sort_values(["time", "batch_id"], kind="stable").reset_index(drop=True)
    return frame


def store_signature(root: str | os.PathLike | None = None) -> tuple:
    """Changes whenever a batch is committed or undone: the cache key for readers."""
    folder = store_root(root) / "batches"
    return tuple((p.parent.name, p.stat().st_mtime_ns) for p in sorted(folder.glob(f"*/{MANIFEST}")))


def load_tables(root: str | os.PathLike | None = None) -> Tables:
    """Every stored batch's tables, concatenated and checked against the schema."""
    folder = store_root(root) / "batches"
    batches = list_batches(root)
    out = {}
    for table in BATCH_TABLES:
        parts = [pq.read_table(folder / b / f"{table}.parquet").to_pandas()
                 for b in batches.get("batch_id", [])
                 if (folder / b / f"{table}.parquet").exists()]
        parts = [p for p in parts if len(p)]
        frame = pd.concat(parts, ignore_index=True) if parts else empty_frame(table)
        out[table] = conform(table, frame)
    return Tables(**out, batches=batches)


def load_claims(root: str | os.PathLike | None = None) -> pd.DataFrame:
    return load_tables(root).claims


__all__ = ["Tables", "commit_batch", "undo_batch", "list_batches", "load_tables", "load_claims",
           "store_signature", "store_root", "BatchExistsError", "TABLES"]
