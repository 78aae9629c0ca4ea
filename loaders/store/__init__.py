"""The store's one API, over two stores: a Parquet folder (the embedded default: nothing to
install) or a PostgreSQL database (the server store, for several app processes and machines).

Which store: the `root` argument (a folder, or a database URL such as
`postgresql+psycopg://user:pass@host/db`), else $DASHBOARD_DATABASE_URL, else the
`[connections.dashboard]` section of `.streamlit/secrets.toml` (st.connection's conventions:
`url = …`, or `dialect`, `driver`, `username`, `password`, `host`, `port`, `database`), else
$DASHBOARD_DATA_DIR, else the repository's `data/`. Every function below behaves the same on
both stores; the rest of the code never opens a batch folder or a table itself.
"""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..schema import TABLES
from . import parquet, parquet_read
from .base import (BATCH_TABLES, BatchExistsError, ContentExistsError, StoreFullError,
                   StoreUnavailableError, Tables, superseded)
from .parquet import DEFAULT_ROOT, MANIFEST, STALE_AFTER, TMP_PREFIX

SECTION = "dashboard"   # [connections.dashboard] in secrets.toml, as st.connection("dashboard")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_REPO = Path(__file__).resolve().parent.parent.parent


def secrets_files() -> list[Path]:
    """Where Streamlit reads secrets.toml, in its order (a later file wins): the user's, the
    working folder's and the app's."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml",
            _REPO / ".streamlit" / "secrets.toml"]


def _secrets_url() -> str | None:
    url = None
    for path in dict.fromkeys(secrets_files()):
        try:
            with open(path, "rb") as fh:
                section = tomllib.load(fh).get("connections", {}).get(SECTION)
        except FileNotFoundError:
            continue
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{path} 不是有效的 TOML 文件：{err}") from None
        if section:
            url = connection_url(section)
    return url


def connection_url(section: dict) -> str:
    """A database URL from an st.connection section: its `url`, or made from its parts."""
    if section.get("url"):
        return str(section["url"])
    from sqlalchemy.engine import URL

    missing = [k for k in ("dialect", "host") if not section.get(k)]
    if missing:
        raise ValueError(f"secrets.toml [connections.{SECTION}] 缺少 {'、'.join(missing)}"
                         "（或写一行 url = \"postgresql+psycopg://用户:密码@主机/数据库\"）")
    driver = section["dialect"] + (f"+{section['driver']}" if section.get("driver") else "")
    return URL.create(driver, username=section.get("username"), password=section.get("password"),
                      host=section.get("host"), port=section.get("port"),
                      database=section.get("database"), query=section.get("query") or {}
                      ).render_as_string(hide_password=False)


def is_database(root) -> bool:
    return isinstance(root, str) and bool(_URL.match(root))


def store_root(root: str | os.PathLike | None = None) -> Path | str:
    """The store: a folder (Path) or a database URL (str), chosen as the module says."""
    if root is not None and str(root) != "":
        return str(root) if is_database(str(root)) else Path(root)
    url = os.environ.get("DASHBOARD_DATABASE_URL") or _secrets_url()
    if url:
        return url
    return parquet.store_folder(None)


def _backend(root):
    target = store_root(root)
    if isinstance(target, str):
        from . import postgres
        return postgres, target
    return None, target


def _reader(root):
    """Like _backend, for reads: the server store's reads (pg_read) need neither SQLAlchemy nor
    Alembic, which a fresh app process would otherwise import before its first figure."""
    target = store_root(root)
    if isinstance(target, str):
        from . import pg_read
        return pg_read, target
    return None, target


def commit_batch(batch_id: str, tables: dict[str, pd.DataFrame], manifest: dict,
                 root: str | os.PathLike | None = None, unique_sha256: str | None = None):
    """Store a batch whole or not at all; raise BatchExistsError if that batch id is stored.
    With `unique_sha256` (an uploaded file's content), raise ContentExistsError if a live batch
    holds that content already: the database decides it inside the commit's transaction (a
    unique index, and an advisory lock on the hash); the folder store checks it here, under the
    store_lock its caller holds."""
    from ..rollups import with_rollups   # the batch's figures rolled up once, here
    tables = with_rollups(batch_id, tables)
    pg, target = _backend(root)
    if pg:
        return pg.commit_batch(batch_id, tables, manifest, target, unique_sha256)
    if unique_sha256:
        found = parquet_read.find_sha256(unique_sha256, target)
        if found is not None:
            raise ContentExistsError(found)
    return parquet.commit_batch(batch_id, tables, manifest, target)


def undo_batch(batch_id: str, root: str | os.PathLike | None = None):
    """Take a batch out of the dashboard; it is kept (list_batches(undone=True)), never deleted."""
    pg, target = _backend(root)
    return (pg or parquet).undo_batch(batch_id, target)


def restore_batch(folder_name: str, root: str | os.PathLike | None = None):
    """Put an undone batch back (`folder_name`: its "folder" in list_batches(undone=True))."""
    pg, target = _backend(root)
    return (pg or parquet).restore_batch(folder_name, target)


def list_batches(root: str | os.PathLike | None = None, undone: bool = False) -> pd.DataFrame:
    """The manifests of the live batches (or, with `undone`, of the undone ones, each with the
    `folder` that names it for restore_batch), oldest first."""
    pg, target = _reader(root)
    return (pg or parquet).list_batches(target, undone=undone)


def batch_manifests(root: str | os.PathLike | None = None, undone: bool = False) -> list[dict]:
    """The live (or undone) batches' manifests as stored, one dict each (undone ones with their
    `folder`)."""
    pg, target = _reader(root)
    return (pg or parquet).batch_manifests(target, undone)


def store_signature(root: str | os.PathLike | None = None) -> tuple:
    """Changes whenever a batch is committed, undone or restored: the cache key for readers."""
    pg, target = _reader(root)
    return (pg or parquet).store_signature(target)


def batch_versions(root: str | os.PathLike | None = None) -> tuple[str, dict[str, int]]:
    """(who the store is, {live batch id: its version}): a batch's version changes only when
    that id is committed anew, so what is computed from some batches (ui/cube_store.py) is
    known to be current by comparing versions, whatever else was committed or undone."""
    pg, target = _reader(root)
    return (pg or parquet).batch_versions(target)


def clean_stale(root: str | os.PathLike | None = None, older_than: float = STALE_AFTER) -> list[str]:
    """Remove what killed commits left behind (the folder store's temporary folders; a database
    rolls a killed transaction back itself); return their names."""
    target = store_root(root)   # (not _backend: a database needs no module imported for this)
    return [] if isinstance(target, str) else parquet.clean_stale(target, older_than)


def load_tables(root: str | os.PathLike | None = None) -> Tables:
    """Every live batch's tables, concatenated and checked against the schema, without the
    claims later batches replace (superseded)."""
    pg, target = _reader(root)
    return (pg or parquet_read).load_tables(target)


def load_claims(root: str | os.PathLike | None = None) -> pd.DataFrame:
    return load_tables(root).claims


def read_table(table: str, columns=None, batch_ids=None, filters=None,
               root: str | os.PathLike | None = None, dictionary=()) -> pa.Table:
    """One table's `columns` (default all) from the given batches (default: every live batch,
    oldest first), in that order, keeping the rows that meet every filter: (column, "==", value)
    or (column, "in", values), a None matching nulls. Claims replaced by later batches are kept
    here (see superseded). The `dictionary` columns arrive dictionary-encoded."""
    pg, target = _reader(root)
    return (pg or parquet_read).read_table(table, columns, batch_ids, filters, target, dictionary)


def find_sha256(sha256: str, root: str | os.PathLike | None = None) -> dict | None:
    """The live batch holding a document with this content: {batch_id, file, time, uploader}."""
    pg, target = _backend(root)
    return (pg or parquet_read).find_sha256(sha256, target)


def batch_districts(batch_id: str, root: str | os.PathLike | None = None,
                    undone: bool = False) -> set[str]:
    """The districts a batch's claims, communities and initiatives name ("" for none); with
    `undone`, `batch_id` is an undone batch's folder."""
    pg, target = _backend(root)
    return (pg or parquet_read).batch_districts(batch_id, target, undone)


def compact(root: str | os.PathLike | None = None) -> int:
    """Pack the files of small batches into larger ones, keeping every batch's id, manifest,
    undo and restore (loaders/store/packs.py); returns how many batches were packed. A database
    has nothing to pack."""
    target = store_root(root)
    if isinstance(target, str):
        return 0
    from . import packs
    return packs.compact(target)


def store_lock(root: str | os.PathLike | None = None):
    """A context manager: one import at a time per store, from the "already stored?" check to
    the commit; released when the holder dies (flock on a folder, an advisory lock on a database)."""
    pg, target = _backend(root)
    return (pg or parquet).store_lock(target)


def copy_store(dst: str | os.PathLike, root: str | os.PathLike | None = None) -> list[str]:
    """Write the live batches of the store at `root` into the store `dst`, batch by batch and
    each whole: a folder gets the folder store's layout (batches/<id>/<table>.parquet +
    batch.json, what DuckDB, Spark or Trino read), a database URL the same batches as rows.
    `dst` must hold no live batch yet (FileExistsError). Returns the batch ids written."""
    if len(list_batches(dst)):
        raise FileExistsError(f"{store_root(dst)} 里已有数据")
    done = []
    for manifest in batch_manifests(root):
        b = manifest["batch_id"]
        frames = {t: read_table(t, batch_ids=[b], root=root).to_pandas(
                     types_mapper={pa.int64(): pd.Int64Dtype()}.get) for t in BATCH_TABLES}
        commit_batch(b, frames, {k: v for k, v in manifest.items() if k != "rows"}, dst)
        done.append(b)
    return done


__all__ = ["Tables", "commit_batch", "undo_batch", "restore_batch", "list_batches", "load_tables",
           "load_claims", "superseded", "store_signature", "store_root", "clean_stale",
           "BatchExistsError", "StoreFullError", "TABLES", "find_sha256", "batch_districts",
           "read_table", "store_lock", "compact", "is_database", "BATCH_TABLES", "DEFAULT_ROOT", "MANIFEST",
           "TMP_PREFIX", "STALE_AFTER", "ContentExistsError", "StoreUnavailableError",
           "batch_manifests", "copy_store", "batch_versions"]
