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

import contextlib
import errno
import json
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import arrow_schema, conform, empty_frame
from .base import BATCH_TABLES, DERIVED_TABLES, BatchExistsError, StoreFullError, batches_frame

try:
    import fcntl
except ImportError:   # Windows: commits stay atomic; only the same-file race check is lost
    fcntl = None

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "data"
LOCK = ".import.lock"
MANIFEST = "batch.json"
TMP_PREFIX = ".tmp-"
# A commit's temporary folder untouched this long belongs to a dead process: even a 200 000-row
# batch is written in seconds.
STALE_AFTER = 15 * 60
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_OWNER = re.compile(r"-p(\d+)@([A-Za-z0-9.]*)-[a-z0-9_]+$")   # …-p<pid>@<host>-<random>


def store_folder(root: str | os.PathLike | None = None) -> Path:
    """The store folder: the argument, else $DASHBOARD_DATA_DIR, else the repo's `data/`."""
    return Path(root or os.environ.get("DASHBOARD_DATA_DIR") or DEFAULT_ROOT)


@contextlib.contextmanager
def store_lock(root: str | os.PathLike | None = None):
    """One import at a time per store, held from the "already stored?" check to the commit, so
    the same file sent twice at the same moment is stored once. flock is released by the OS when
    the process dies, so a killed import never leaves the store locked."""
    root = store_folder(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


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
    root = store_folder(root)
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
    root = store_folder(root)
    batches = root / "batches"
    batches.mkdir(parents=True, exist_ok=True)
    final = batches / batch_id
    if final.exists():
        raise BatchExistsError(f"批次 {batch_id} 已存在")
    clean_stale(root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{batch_id}-p{os.getpid()}@{_host()}-", dir=root))
    try:
        counts = {}
        for table in (*BATCH_TABLES, *DERIVED_TABLES):
            frame = tables.get(table)
            frame = empty_frame(table) if frame is None else frame.assign(batch_id=batch_id)
            _write_table(frame, table, tmp / f"{table}.parquet")
            if table in BATCH_TABLES:
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
    _indexed(root)   # after the commit is whole: the index is only a cache of it
    return final


def _indexed(root: Path) -> None:
    """The index of content hashes brought up to date with the change just made, as part of it
    (loaders/store/sha_index.py), so that a later lookup only reads it."""
    from .sha_index import current
    current(root)


def undo_batch(batch_id: str, root: str | os.PathLike | None = None) -> Path:
    """Take a batch out of the store by moving it (atomically) to `undone/`; nothing is deleted."""
    root = store_folder(root)
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
    _indexed(root)
    return dst


def restore_batch(folder_name: str, root: str | os.PathLike | None = None) -> Path:
    """Put an undone batch back (one atomic rename from `undone/` to `batches/`)."""
    root = store_folder(root)
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
    _indexed(root)
    return dst


def batch_manifests(root: str | os.PathLike | None = None, undone: bool = False) -> list[dict]:
    """The manifests of the stored batches (or, with `undone`, of the undone ones, each with the
    `folder` it sits in under undone/), in folder order."""
    folder = store_folder(root) / ("undone" if undone else "batches")
    rows = []
    for name in _batch_names(folder):
        try:
            with open(f"{folder}/{name}/{MANIFEST}", encoding="utf-8") as fh:
                data = json.load(fh)
        except (FileNotFoundError, NotADirectoryError):   # undone (or restored) since listed
            continue
        if undone:
            data["folder"] = name
        rows.append(data)
    return rows


def list_batches(root: str | os.PathLike | None = None, undone: bool = False) -> pd.DataFrame:
    """The manifests of the stored (or undone) batches as a table, oldest first."""
    return batches_frame(batch_manifests(root, undone))


def store_signature(root: str | os.PathLike | None = None) -> tuple:
    """Changes whenever a batch is committed or undone: the cache key for readers."""
    folder = store_folder(root) / "batches"
    out = []
    for name in _batch_names(folder):   # one listing and a stat per batch: no glob matching
        try:
            out.append((name, os.stat(f"{folder}/{name}/{MANIFEST}").st_mtime_ns))
        except (FileNotFoundError, NotADirectoryError):   # undone since the folder was listed
            continue
    return tuple(out)


def _batch_names(folder: Path) -> list[str]:
    """The names of the folders in `folder` (as glob's "*": not those starting with "."),
    sorted; none if it does not exist."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
    except FileNotFoundError:
        return []


def batch_versions(root: str | os.PathLike | None = None) -> tuple[str, dict[str, int]]:
    """The store's identity (its folder) and each live batch's version: its manifest's time
    stamp (a batch committed again under its id after an undo is another version; undo and
    restore move the folder whole and keep it)."""
    folder = store_folder(root)
    return str(folder.resolve()), dict(store_signature(folder))
