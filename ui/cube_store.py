"""Reading the batches' rollups from the store (loaders.store.read_table, either store) and
summing them once per store version. No Streamlit here.

Every live batch's rollup (made at commit; made here for a batch stored without one, such as an
older store's) is summed over the batches a few at a time, and the sum of a folder store is kept
(`cache_folder`; any file there may be deleted) so a fresh app process starts from it;
after a commit the next sum goes on from the one kept for the store before it. The few batches
whose facts reach across batches (two batches holding one document, claims replaced by a later
batch) are rolled up again together from their claims.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from loaders.rollups import CURRENT, SOURCE_COLUMNS, VERSION, cited_documents, rollup_rows
from loaders.schema import arrow_schema, conform

from .cubes import (KEYS, SOURCE_KEYS, Cubes, View, _concat, collapse, distinct_sources,
                    fact_sources, pushed_filters, shared_batches)

CACHE = "rollups-cache"


# ---- reading ----------------------------------------------------------------------------------

def _table(rows) -> pd.DataFrame:
    return rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _claims(root, batch_ids: list[str], replaced: set[str]) -> tuple[pd.DataFrame, set]:
    """The claims (rollup columns) of some batches without the replaced ones, and the documents
    to name in their rollup (loaders.rollups.cited_documents)."""
    from loaders.store import read_table

    cols = [*SOURCE_COLUMNS, "claim_id"] if replaced else list(SOURCE_COLUMNS)
    frame = _table(read_table("claims", cols, batch_ids=batch_ids, root=root, dictionary=[
        c for c in cols if c not in ("value", "evidence_start", "claim_id")]))
    if replaced:
        frame = frame[~frame["claim_id"].isin(replaced).to_numpy()].drop(columns="claim_id")
    tables = {t: read_table(t, ["doc"], batch_ids=batch_ids, root=root).to_pandas()
              for t in ("communities", "initiatives", "documents")}
    return frame.reset_index(drop=True), cited_documents({"claims": frame, **tables})


def read_batch_rollups(root, batch_ids: list[str]) -> pd.DataFrame:
    """The stored rollup rows of some batches; made from the claims for a batch without one (or
    with one made before the cube CURRENT was added)."""
    from loaders.store import read_table

    stored = _table(read_table("rollups", batch_ids=batch_ids, root=root, dictionary=KEYS))
    have = set(stored.loc[(stored["cube"] == CURRENT).to_numpy(), "batch_id"].unique()) \
        if len(stored) else set()
    parts = [stored[stored["batch_id"].isin(have).to_numpy()]]
    for b in batch_ids:   # one at a time: a batch's claims, never the store's, in memory
        if b not in have:
            parts.append(rollup_rows(*_claims(root, [b], set())))
    return _concat(parts)


def load_cubes(root, batches: pd.DataFrame, replaced: set[str]) -> "Cubes":
    """The cubes of the live `batches` of the store at `root` (loaders.store)."""
    from loaders.store import read_table

    ids = list(batches["batch_id"]) if "batch_id" in batches else []
    versions = _versions(root, ids)
    path = _cache_path(root, versions, replaced) if versions is not None else None
    combined, together = _read_cache(path)
    if combined is None:
        combined, together = _sum(root, ids, replaced, path, versions)
        _write_cache(path, combined, {"version": VERSION, "ids": versions,
                                      "replaced": sorted(replaced),
                                      "together": sorted(together)})

    def batch_rows(chosen: list[str]) -> pd.DataFrame:
        rest = [b for b in chosen if b not in together]
        parts = [read_batch_rollups(root, rest)] if rest else []
        joint = [b for b in chosen if b in together]
        if joint:   # Cubes.answers: all of them or none
            parts.append(rollup_rows(*_claims(root, joint, replaced)))
        return _concat(parts)

    def sources(filters) -> pd.DataFrame:
        chosen = [b for b in ids if not filters.batch or b in filters.batch]
        rest = [b for b in chosen if b not in together]
        parts = []
        for i in range(0, len(rest), CHUNK):   # a batch's mentions of a fact are its facts'
            parts.append(distinct_sources(_table(read_table(
                "claims", list(SOURCE_KEYS), batch_ids=rest[i:i + CHUNK], root=root,
                filters=pushed_filters(filters), dictionary=SOURCE_KEYS))))
        joint = [b for b in chosen if b in together]
        if joint:   # Cubes.answers: all of them or none
            parts.append(fact_sources(_claims(root, joint, replaced)[0], filters))
        return distinct_sources(_concat_sources(parts))

    return Cubes(combined=View.of(combined), batch_ids=ids, together=set(together),
                 _batch_rows=batch_rows, _read_sources=sources)


def _concat_sources(parts) -> pd.DataFrame:
    parts = [p.astype("object") for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({k: pd.Series(dtype=object) for k in SOURCE_KEYS})


CHUNK = 8   # batches summed at a time: memory stays that of a few batches' rollups


def _versions(root, ids: list[str]) -> list | None:
    """Each batch with its manifest's time stamp (a batch id committed again after an undo is
    another version of the store); None when a batch went while the store was being read."""
    from loaders.store import store_signature

    if cache_folder(root) is None:
        return None
    stamp = {name: time for name, time in store_signature(root)}
    versions = [[b, stamp.get(b)] for b in ids]
    return None if any(t is None for _, t in versions) else versions


def _sum(root, ids: list[str], replaced: set[str], path, versions) -> tuple[pd.DataFrame, set]:
    """The rollups of the batches `ids` summed, and the batches rolled up together. Starts from
    the kept sum of an earlier store version when the batches since were only added."""
    from loaders.store import read_table

    found = _table(read_table("rollups", ["batch_id", "doc", "cube"], batch_ids=ids, root=root,
                              filters=[("cube", "in", ["docs", CURRENT])]))
    # a rollup made before the cube CURRENT was added is made again from the batch's claims
    have = set(found.loc[(found["cube"] == CURRENT).to_numpy(), "batch_id"])
    named = found[(found["cube"] == "docs").to_numpy() & found["batch_id"].isin(have).to_numpy()]
    made = {b: rollup_rows(*_claims(root, [b], set())) for b in ids if b not in have}
    # a document in two batches: its facts and its source may be in both
    docs = read_table("documents", ["doc", "batch_id"], batch_ids=ids, root=root).to_pandas()
    together = shared_batches(pd.concat([docs, named, *(r[(r["cube"] == "docs").to_numpy()]
                                                        for r in made.values())]))
    if replaced:
        hit = read_table("claims", ["batch_id"], batch_ids=ids, root=root,
                         filters=[("claim_id", "in", sorted(replaced))])
        together |= set(hit.column("batch_id").to_pylist())
    combined, done = (None, []) if together else _earlier_sum(path, versions, replaced)
    done = {b for b, _ in done}
    rest = [b for b in ids if b not in together and b not in done]
    for i in range(0, len(rest), CHUNK):
        chunk = rest[i:i + CHUNK]
        stored = [b for b in chunk if b in have]
        parts = [combined, *([_table(read_table("rollups", batch_ids=stored, root=root,
                                                dictionary=KEYS))] if stored else []),
                 *(made[b] for b in chunk if b in made)]
        combined = collapse(_concat(parts), ids)
    if together:
        joint = rollup_rows(*_claims(root, [b for b in ids if b in together], replaced))
        combined = collapse(_concat([combined, joint]), ids)
    if combined is None:
        combined = collapse(rollup_rows(pd.DataFrame()), ids)
    return combined, together


def _earlier_sum(path: Path | None, ids: list | None, replaced: set[str]):
    """The kept sum of the longest earlier list of batch versions that `ids` (batch versions)
    only adds to: (rows, its batch versions)."""
    import pyarrow.parquet as pq
    if path is None or ids is None or not path.parent.is_dir():
        return None, []
    best, best_ids = None, []
    for other in path.parent.glob("*.parquet"):
        try:
            meta = json.loads(pq.read_schema(other).metadata[b"sum"])
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
            continue
        n = len(meta["ids"])
        if (meta["ids"] == ids[:n] and n > len(best_ids) and not meta["together"]
                and meta.get("version") == VERSION
                and set(meta["replaced"]) == set(replaced)):
            best, best_ids = other, meta["ids"]
    if best is None:
        return None, []
    rows, _ = _read_cache(best)
    return (rows, best_ids) if rows is not None else (None, [])


def cache_folder(root) -> Path | None:
    """Where the sums of a folder store are kept: $DASHBOARD_CACHE_DIR, else ~/.cache/dashboard,
    one folder per store (never inside the store: reading a store does not change it). None for
    a database store (summed in memory, once per app process)."""
    from loaders.store import store_root

    folder = store_root(root)
    if not isinstance(folder, Path):
        return None
    base = os.environ.get("DASHBOARD_CACHE_DIR") or Path.home() / ".cache" / "dashboard"
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return Path(base) / CACHE / key


def _cache_path(root, ids, replaced) -> Path | None:
    folder = cache_folder(root)
    if folder is None:
        return None
    key = hashlib.sha256(json.dumps([VERSION, ids, sorted(replaced)]).encode()).hexdigest()[:24]
    return folder / f"{key}.parquet"


def _read_cache(path: Path | None) -> tuple[pd.DataFrame | None, set]:
    import pyarrow.parquet as pq
    if path is None:
        return None, set()
    try:
        table = pq.read_table(path, read_dictionary=list(KEYS))
        meta = json.loads((table.schema.metadata or {})[b"sum"])
        return _table(table), set(meta["together"])
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
        return None, set()


def _write_cache(path: Path | None, rows: pd.DataFrame, meta: dict) -> None:
    """Atomically; older sums go, but the one just before (the next sum may start from it)."""
    import pyarrow.parquet as pq
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        table = pa.Table.from_pandas(conform("rollups", rows), schema=arrow_schema("rollups"),
                                     preserve_index=False)
        table = table.replace_schema_metadata({"sum": json.dumps(meta)})
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-2]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
