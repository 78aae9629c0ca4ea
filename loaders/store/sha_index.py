"""The Parquet store's index of content hashes: which live batch holds a document with a given
sha256, without reading every batch (the re-upload check of each commit read all of them: the
1,000th commit of a store took 20 times the first).

    <store>/sha256-index.json   {"batches": {batch_id: {"time", "uploader", "docs": [[sha256, doc]]}}}

The index is a cache of what the batch folders say, checked against them on every use: the
names under batches/ (one directory listing) must be the index's batches. A batch committed,
undone or restored since (by this process or another, or by hand) is added or dropped by
reading only that batch's manifest and documents; a missing or unreadable index is rebuilt from
the batches. It is written whole to a temporary file and renamed over the old one, so a reader
never sees half of it and a process killed while writing it leaves the previous one. The commit
path uses it under the commit lock (loaders.imports).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .parquet import MANIFEST, store_folder

INDEX = "sha256-index.json"


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["batches"] if isinstance(data.get("batches"), dict) else {}
    except (FileNotFoundError, ValueError, KeyError, AttributeError):
        return {}   # missing or damaged: rebuilt from the batches


def _save(path: Path, batches: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".sha256-index-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"batches": batches}, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _entries(root: Path, batch_ids: list[str]) -> dict:
    """Index entries of these batches, read from their manifests and documents tables."""
    from .parquet_read import read_table
    out = {}
    for b in batch_ids:
        try:
            m = json.loads((root / "batches" / b / MANIFEST).read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):   # undone since the listing
            continue
        out[b] = {"time": m.get("time"), "uploader": m.get("uploader"), "docs": []}
    if out:
        docs = read_table("documents", ["batch_id", "doc", "sha256"], batch_ids=list(out),
                          root=root).to_pylist()
        for d in docs:
            if d["sha256"] and d["batch_id"] in out:
                out[d["batch_id"]]["docs"].append([d["sha256"], d["doc"]])
    return out


def current(root=None) -> dict:
    """The index, brought up to date with the batch folders (and saved when it changed)."""
    root = store_folder(root)
    try:
        live = set(os.listdir(root / "batches"))
    except FileNotFoundError:
        return {}
    path = root / INDEX
    index = _load(path)
    if set(index) == live:
        return index
    fresh = {b: e for b, e in index.items() if b in live}
    fresh.update(_entries(root, sorted(live - set(index))))
    try:
        _save(path, fresh)
    except OSError:   # a read-only or full disk: the index is only a cache
        pass
    return fresh


def find_sha256(sha256: str, root=None) -> dict | None:
    """The live batch that holds a document with this content (the oldest, as list_batches
    orders them): batch_id, file (the document), time, uploader; None if there is none."""
    index = current(root)
    hits = [(e.get("time") is None, e.get("time") or "", b, i, doc)
            for b, e in index.items() for i, (s, doc) in enumerate(e["docs"]) if s == sha256]
    if not hits:
        return None
    *_, batch_id, _, doc = min(hits)
    entry = index[batch_id]
    return {"batch_id": str(batch_id), "file": str(doc), "time": str(entry.get("time") or ""),
            "uploader": str(entry.get("uploader") or "")}
