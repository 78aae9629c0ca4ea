"""The Parquet store: one folder per batch, committed and undone atomically, read as DataFrames.

Layout under the store root (default `data/`):
    batches/<batch_id>/batch.json         the manifest (file, sha256, uploader, time, row counts)
    batches/<batch_id>/<table>.parquet    one file per table of the batch
    undone/<batch_id>/...                 batches taken back by undo (kept, never deleted)
A batch is written into a temporary folder beside `batches/` and renamed into place in one step,
so a reader (or a process killed mid-commit) sees either the whole batch or none of it. A killed
commit leaves its `.tmp-*` folder behind: readers never look at it; the folder's name carries the
committing process's id and host, so the dashboard at start-up and every commit sweep it at once
when that process is gone, and any such folder once it is STALE_AFTER old. A batch undone while a reader loads it is left out whole.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import LoaderError
from .indicators import add_indicators
from .schema import TABLES, arrow_schema, conform, empty_frame

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data"
BATCH_TABLES = ("claims", "communities", "initiatives", "documents")
MANIFEST = "batch.json"
TMP_PREFIX = ".tmp-"
# A commit's temporary folder untouched this long belongs to a dead process: even a 200 000-row
# batch is written in seconds.
STALE_AFTER = 15 * 60
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_OWNER = re.compile(r"-p(\d+)@([A-Za-z0-9.]*)-[a-z0-9_]+$")   # …-p<pid>@<host>-<random>


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


class StoreFullError(LoaderError):
    """The disk (or the user's quota) is full: nothing was written, the temporary folder is gone."""

    def __init__(self, root: Path):
        super().__init__(f"磁盘空间不足，这次没有写入任何数据（已有的数据没有受影响）。请清理 {root} "
                         "所在磁盘的空间（或请管理员扩容）后重试。")


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


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40]


def _owner_gone(name: str) -> bool:
    """Whether the folder was made by a process of this host that no longer runs."""
    m = _OWNER.search(name)
    if not m or m.group(2) != _host():
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False


def clean_stale(root: str | os.PathLike | None = None, older_than: float = STALE_AFTER) -> list[str]:
    """Remove the temporary folders of commits that died (killed, power cut): those whose process
    (on this host) is gone, and any untouched for `older_than` seconds; return their names. A
    commit in progress keeps touching its folder."""
    root = store_root(root)
    removed = []
    limit = time.time() - older_than
    for tmp in root.glob(TMP_PREFIX + "*"):
        try:
            if tmp.is_dir() and (_owner_gone(tmp.name) or tmp.stat().st_mtime <= limit):
                shutil.rmtree(tmp)
                removed.append(tmp.name)
        except FileNotFoundError:   # another process swept it first
            continue
    return removed


def commit_batch(batch_id: str, tables: dict[str, pd.DataFrame], manifest: dict,
                 root: str | os.PathLike | None = None) -> Path:
    """Write a batch atomically; raise BatchExistsError if that batch id is already stored."""
    root = store_root(root)
    batches = root / "batches"
    batches.mkdir(parents=True, exist_ok=True)
    final = batches / batch_id
    if final.exists():
        raise BatchExistsError(f"批次 {batch_id} 已存在")
    clean_stale(root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{batch_id}-p{os.getpid()}@{_host()}-", dir=root))
    try:
        counts = {}
        for table in BATCH_TABLES:
            frame = tables.get(table)
            frame = empty_frame(table) if frame is None else frame.assign(batch_id=batch_id)
            _write_table(frame, table, tmp / f"{table}.parquet")
            counts[table] = int(len(frame))
        data = {**manifest, "batch_id": batch_id, "rows": counts}
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, final)  # atomic on one file system; fails if `final` appeared meanwhile
        _fsync_dir(batches)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists():
            raise BatchExistsError(f"批次 {batch_id} 已存在") from err
        if err.errno in _FULL:
            raise StoreFullError(root) from None
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


def restore_batch(folder_name: str, root: str | os.PathLike | None = None) -> Path:
    """Put an undone batch back (one atomic rename from `undone/` to `batches/`)."""
    root = store_root(root)
    src = root / "undone" / folder_name
    if not (src / MANIFEST).exists():
        raise FileNotFoundError(f"没有找到已撤销的批次 {folder_name}")
    batch_id = json.loads((src / MANIFEST).read_text(encoding="utf-8"))["batch_id"]
    dst = root / "batches" / batch_id
    if dst.exists():
        raise BatchExistsError(f"批次 {batch_id} 已在看板中")
    (root / "batches").mkdir(parents=True, exist_ok=True)
    os.rename(src, dst)
    _fsync_dir(root / "batches")
    return dst


def list_batches(root: str | os.PathLike | None = None, undone: bool = False) -> pd.DataFrame:
    """The manifests of the stored batches (or, with `undone`, of the undone ones, each with the
    `folder` it sits in under undone/), oldest first."""
    folder = store_root(root) / ("undone" if undone else "batches")
    rows = []
    for manifest in sorted(folder.glob(f"*/{MANIFEST}")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:   # undone (or restored) since the folder was listed
            continue
        if undone:
            data["folder"] = manifest.parent.name
        rows.append(data)
    frame = pd.DataFrame(rows)
    if len(frame) and "time" in frame:
        frame = frame.sort_values(["time", "batch_id"], kind="stable").reset_index(drop=True)
    return frame


def store_signature(root: str | os.PathLike | None = None) -> tuple:
    """Changes whenever a batch is committed or undone: the cache key for readers."""
    folder = store_root(root) / "batches"
    out = []
    for p in sorted(folder.glob(f"*/{MANIFEST}")):
        try:
            out.append((p.parent.name, p.stat().st_mtime_ns))
        except FileNotFoundError:   # undone since the folder was listed
            continue
    return tuple(out)


def _read_batch(folder: Path) -> dict[str, pd.DataFrame] | None:
    """One batch's tables; None if the batch was undone (moved away) while being read."""
    out = {}
    for table in BATCH_TABLES:
        try:
            out[table] = pq.read_table(folder / f"{table}.parquet").to_pandas()
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
    folder = store_root(root) / "batches"
    batches = list_batches(root)
    parts: dict[str, list] = {table: [] for table in BATCH_TABLES}
    gone = []
    for b in batches.get("batch_id", []):
        read = _read_batch(folder / b)
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
    return Tables(**out, batches=batches)


def load_claims(root: str | os.PathLike | None = None) -> pd.DataFrame:
    return load_tables(root).claims


__all__ = ["Tables", "commit_batch", "undo_batch", "restore_batch", "list_batches", "load_tables",
           "load_claims", "store_signature", "store_root", "clean_stale", "BatchExistsError", "StoreFullError", "TABLES"]
