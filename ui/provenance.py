"""Where rows come from, as a person knows it: batches by file, uploader and day, documents by
title (no Streamlit here)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import Dataset
from .labels import source_type_label

def batch_info(ds: Dataset, batch_id: str) -> dict:
    """The manifest of a batch (file, uploader, time, kind), or just its id if unknown."""
    b = ds.batches
    if len(b) and "batch_id" in b:
        row = b[b["batch_id"] == batch_id]
        if len(row):
            return {k: v for k, v in row.iloc[0].to_dict().items()
                    if not (isinstance(v, float) and np.isnan(v))}
    return {"batch_id": batch_id}


DEFAULT_DATA = "看板默认数据"


def describe_batch(file, uploader, time, kind=None, inline: bool = False) -> str:
    """A batch as a person knows it: the file, who imported it and when (never its id):
    "三季度台账.xlsx（张三，2026-12-01）", or inline "导入：三季度台账.xlsx，张三，2026-12-01"."""
    if kind == "default":
        return DEFAULT_DATA
    parts = [str(x) for x in (uploader, str(time or "")[:10]) if isinstance(x, str) and x]
    name = file if isinstance(file, str) and file else "导入的数据"
    if inline:
        return "导入：" + "，".join([name, *parts])
    return f"{name}（{'，'.join(parts)}）" if parts else name


def batch_labels(ds: Dataset, inline: bool = False) -> dict[str, str]:
    """batch id → describe_batch, distinct (two batches of one file the same day get their
    time of day)."""
    cache = ds.__dict__.setdefault("_label_cache", {})
    if ("batch", inline) not in cache:
        b = ds.batches
        labels: dict[str, str] = {}
        if len(b) and "batch_id" in b:
            for row in b.to_dict("records"):
                label = describe_batch(row.get("file"), row.get("uploader"), row.get("time"),
                                       row.get("kind"), inline)
                if label in labels.values():
                    label = f"{label} {str(row.get('time') or '')[11:19]}".rstrip()
                labels[row["batch_id"]] = label
        cache[("batch", inline)] = labels
    return cache[("batch", inline)]


def doc_labels(ds: Dataset) -> dict[str, str]:
    """document (file name in the store) → 《title》, numbered when two share a title; the file
    name itself when the document has no title (a spreadsheet)."""
    cache = ds.__dict__.setdefault("_label_cache", {})
    if "doc" not in cache:
        d = ds.documents
        titles = (d.drop_duplicates("doc").set_index("doc")["title"] if len(d)
                  else pd.Series(dtype=object))
        counts = titles.value_counts()
        seen: dict[str, int] = {}
        labels = {}
        for doc, title in sorted(titles.items(), key=lambda kv: str(kv[0])):
            if not isinstance(title, str) or not title:
                labels[doc] = str(doc)
                continue
            seen[title] = seen.get(title, 0) + 1
            labels[doc] = f"《{title}》" + (f"（{seen[title]}）" if counts[title] > 1 else "")
        cache["doc"] = labels
    return cache["doc"]


def document_info(ds: Dataset, doc: str) -> dict:
    d = ds.documents
    row = d[d["doc"] == doc]
    info = row.iloc[0].to_dict() if len(row) else {"doc": doc}
    if info.get("source_type") is not None and not pd.isna(info.get("source_type")):
        info["source_type_label"] = source_type_label(info["source_type"])
    return info

