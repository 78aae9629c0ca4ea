"""What both stores share: the tables of a batch, the errors, and the rule for replaced figures."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from ..errors import LoaderError

LIVE, UNDONE = "live", "undone"   # a batch's status in the server store's batches table
BATCH_TABLES = ("claims", "communities", "initiatives", "documents")
# made from a batch's tables at commit (loaders/rollups.py), written and read like them
DERIVED_TABLES = ("rollups",)
# The equality filters read_table understands: (column, "==", value) and (column, "in", values);
# a None value (or a None among the values) matches the column's nulls.
FILTER_OPS = ("==", "in")


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

    def __init__(self, root: os.PathLike | str):
        super().__init__(f"磁盘空间不足，这次没有写入任何数据（已有的数据没有受影响）。请清理 {root} "
                         "所在磁盘的空间（或请管理员扩容）后重试。")


class ContentExistsError(FileExistsError):
    """A live batch already holds this content (commit_batch's `unique_sha256`); `found` says
    where: batch_id, file, time, uploader."""

    def __init__(self, found: dict):
        self.found = found
        super().__init__(f"同样内容的文件已经导入过（批次 {found.get('batch_id', '')}）")


class StoreUnavailableError(LoaderError):
    """The database cannot be reached (or refuses us): nothing was read or written."""

    def __init__(self, where: str, reason):
        super().__init__(f"无法连接数据库 {where}（{str(reason).strip()[:200]}）。请检查 "
                         "DASHBOARD_DATABASE_URL 或 .streamlit/secrets.toml 的 [connections.dashboard] "
                         "设置，并确认数据库在运行；已有的数据没有受影响。")


def sorted_json(value):
    """A manifest with its keys in order at every level, as the folder store writes batch.json."""
    if isinstance(value, dict):
        return {k: sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_json(v) for v in value]
    return value


def batches_frame(manifests: list[dict]) -> pd.DataFrame:
    """list_batches' table: one row per manifest, oldest first (by time, then batch id)."""
    frame = pd.DataFrame(manifests)
    if len(frame) and "time" in frame:
        frame = frame.sort_values(["time", "batch_id"], kind="stable").reset_index(drop=True)
    return frame


def superseded(batches: pd.DataFrame) -> set[str]:
    """The claim ids that live batches replace (manifest "replaces": the user chose "替换已有数据"
    for a repeated figure): they are left out of every read; undoing the replacing batch brings
    them back."""
    if "replaces" not in batches:
        return set()
    return {cid for ids in batches["replaces"] if isinstance(ids, list) for cid in ids}


def check_filters(table: str, columns, filters) -> list[tuple[str, str, object]]:
    """read_table's filters as a list of (column, op, value), refused when not understood."""
    from ..schema import TABLES

    names = {c.name for c in TABLES[table]}
    out = []
    for item in filters or ():
        column, op, value = item
        if column not in names or op not in FILTER_OPS:
            raise ValueError(f"{table}: unsupported filter {item!r} (columns of the table, "
                             f"ops {FILTER_OPS})")
        if op == "in":
            value = list(value)
        out.append((column, op, value))
    bad = [c for c in columns or () if c not in names]
    if bad:
        raise ValueError(f"{table}: no columns {bad}")
    return out
