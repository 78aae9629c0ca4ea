"""Compaction of the Parquet store: the files of many small batches packed into a few large ones,
every batch keeping its folder, manifest, id, undo, restore and provenance.

Years of monthly sheets make thousands of batches of a few dozen claims; reading a store of 1,000
such batches opens 4,000 small Parquet files (3.5 s against 0.08 s for the same claims in one
batch). A pack is one file per table holding many batches' rows back to back:

    packs/<pack_id>/pack.json          the packed batches, and each one's rows per table
                                       ({"batches": [{"batch_id", "rows": {table: [offset, n]}}]})
    packs/<pack_id>/<table>.parquet    their rows, batch after batch, as each batch stored them

A batch named in a pack is read from the pack, wherever its folder is (batches/ or, undone,
undone/); its folder keeps its manifest, so listing, undo (a move of the folder) and restore work
as before, and a reader leaves out the rows of batches that are not live exactly as it did. Packs
never change once in place and are never deleted.

Safety: a pack is written in a `.tmp-*` folder beside batches/ (swept like a killed commit's, see
parquet.clean_stale), fsynced and renamed into packs/ in one step; only then are the packed
batches' own table files removed. A process killed before the rename leaves the store as it was;
killed after it, the batches have both their files and the pack, which hold the same rows (the
pack is read), and the next compaction removes the files. Compaction holds the commit lock, so it
never races a commit or a restore; an undo during it moves a folder whose rows the pack holds.
Only batches whose files have the current schema are packed (an older batch is read as before).
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..schema import TABLES, arrow_schema
from .parquet import TMP_PREFIX, _fsync_dir, _host, list_batches, store_folder, store_lock

PACKS = "packs"
PACK_MANIFEST = "pack.json"
SMALL_ROWS = 20_000        # a batch with fewer claims is packed
PACK_ROWS = 1_000_000      # claims per pack at most (one batch over it makes a pack of its own)
MIN_BATCHES = 8            # compaction starts once this many small batches are unpacked

_meta_cache: dict[Path, dict] = {}     # pack folder → its pack.json (a pack never changes)
_cache_lock = threading.Lock()


def _meta(path: Path) -> dict | None:
    with _cache_lock:
        if path in _meta_cache:
            return _meta_cache[path]
    try:
        meta = json.loads((path / PACK_MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    with _cache_lock:
        _meta_cache[path] = meta
    return meta


def _listing(root) -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir(store_folder(root) / PACKS)))
    except FileNotFoundError:
        return ()


_map_cache: dict[tuple, dict] = {}


def packed(root=None, names: tuple[str, ...] | None = None) -> dict[str, tuple[Path, dict]]:
    """batch id → (its pack's folder, {table: (offset, rows)}) for every packed batch (the
    packs in `names`, default: those in place now). Remembered per set of packs: they never
    change. Callers must not change what it returns."""
    folder = store_folder(root) / PACKS
    names = _listing(root) if names is None else names
    key = (str(folder), names)
    with _cache_lock:
        if key in _map_cache:
            return _map_cache[key]
    out = {}
    for name in names:
        meta = _meta(folder / name)
        for entry in (meta or {}).get("batches", ()):
            out[entry["batch_id"]] = (folder / name, {t: tuple(r) for t, r in entry["rows"].items()})
    with _cache_lock:
        if len(_map_cache) > 16:
            _map_cache.clear()
        _map_cache[key] = out
    return out


def _own_values(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-coded slice with the values it holds only, in the order they first appear
    (as a batch's own file codes them), not the whole pack's dictionary."""
    chunks = []
    for chunk in column.chunks:
        used = pc.unique(chunk.indices.drop_null())
        indices = pc.index_in(chunk.indices, value_set=used)
        chunks.append(pa.DictionaryArray.from_arrays(indices.cast(chunk.indices.type),
                                                     chunk.dictionary.take(used)))
    return pa.chunked_array(chunks, type=column.type)


class PackReader:
    """Reads packed batches' tables for one read of the store (read_table, load_tables): each
    pack file once, with the columns asked for. A batch's own files come first: they exist
    until its pack is in place, and a batch rebuilt under the same id (`python -m loaders build`
    replaces the default batch) is read as it is now; its pack is read when they are gone."""

    def __init__(self, root=None):
        self.root = root
        self.names = _listing(root)
        self.where = packed(root, self.names)
        self._files: dict[tuple, pa.Table] = {}

    def _find(self, batch_id: str, table: str):
        hit = self.where.get(batch_id)
        if hit is None:   # packed since this reader began? (one directory listing to know)
            names = _listing(self.root)
            if names != self.names:
                self.names, self.where = names, packed(self.root, names)
                hit = self.where.get(batch_id)
        return hit if hit is not None and table in hit[1] else None

    def runs(self, batch_ids, table: str):
        """`batch_ids` in order, as (packed, ids): runs of consecutive batches that have no own
        file and whose rows lie back to back in one pack (read as one slice), and (False, [id])
        for each other batch."""
        root, exists = str(store_folder(self.root)), os.path.exists   # a stat per batch: no pathlib
        try:
            live = set(os.listdir(f"{root}/batches"))
        except FileNotFoundError:
            live = set()
        run, folder, end = [], None, None
        for b in batch_ids:
            hit = self.where.get(b)
            if hit is None or table not in hit[1] or exists(
                    f"{root}/{'batches' if b in live else 'undone'}/{b}/{table}.parquet"):
                if run:
                    yield True, run
                    run = []
                yield False, [b]
                continue
            offset, n = hit[1][table]
            if run and (hit[0] != folder or offset != end):
                yield True, run
                run = []
            run.append(b)
            folder, end = hit[0], offset + n
        if run:
            yield True, run

    def read_run(self, batch_ids, table: str, columns=None, dictionary=()) -> pa.Table | None:
        """The rows of `table` of batches lying back to back in one pack (see runs), with
        `columns` (default all), the `dictionary` columns coded from these rows' values only, as
        the batches' own files would give them; None when the first is not packed."""
        first = self._find(batch_ids[0], table)
        if first is None:
            return None
        folder, rows = first
        names = tuple(c.name for c in TABLES[table]) if columns is None else tuple(columns)
        coded = tuple(c for c in dictionary if c in names)
        key = (folder, table, names, coded)
        whole = self._files.pop(key, None)
        if whole is None:
            whole = pq.read_table(folder / f"{table}.parquet", columns=list(names),
                                  read_dictionary=list(coded) or None)
        # the two packs read last: batches come pack by pack (a restored old batch may sit
        # among an older pack's), and a pack's claims can be large
        self._files = {**dict(list(self._files.items())[-1:]), key: whole}
        offset = rows[table][0]
        last = self.where[batch_ids[-1]][1][table]
        part = whole.slice(offset, last[0] + last[1] - offset)
        if part.num_rows < whole.num_rows:
            for c in coded:
                part = part.set_column(names.index(c), c, _own_values(part.column(c)))
        return part

    def read(self, batch_id: str, table: str, columns=None, dictionary=()) -> pa.Table | None:
        """One batch's rows of `table` in its pack, or None when it is not packed."""
        return self.read_run([batch_id], table, columns, dictionary)

    def table(self, batch_id: str, table: str, path: Path, columns=None) -> pa.Table:
        """A batch's table: its own file at `path`, else its rows in its pack;
        FileNotFoundError when neither has it."""
        if not path.exists():
            part = self.read(batch_id, table, columns)
            if part is not None:
                return part
        try:
            return pq.read_table(path, columns=columns)
        except FileNotFoundError:   # packed (and its file removed) since it was looked at
            part = self.read(batch_id, table, columns)
            if part is None:
                raise
            return part


# ---- compaction -------------------------------------------------------------------------------

def _packable(folder: Path) -> tuple[str, ...] | None:
    """The tables of the batch to pack: every table file in its folder, each a table the schema
    declares and with the current schema (as a commit writes it), the batch tables all there;
    None when the batch is to stay as it is (an older or unknown layout)."""
    from .base import BATCH_TABLES
    tables = tuple(sorted(n[:-len(".parquet")] for n in os.listdir(folder) if n.endswith(".parquet")))
    if not set(BATCH_TABLES) <= set(tables) or not set(tables) <= set(TABLES):
        return None
    for table in tables:
        schema = pq.read_schema(folder / f"{table}.parquet").remove_metadata()
        if not schema.equals(arrow_schema(table).remove_metadata(), check_metadata=False):
            return None
    return tables


def _claims(manifest: dict) -> int:
    rows = manifest.get("rows")
    return int(rows.get("claims", 0)) if isinstance(rows, dict) else 0


def _candidates(root: Path, small_rows: int) -> list[tuple[str, int]]:
    """(batch id, claims) of the live, unpacked, small batches with the current schema, oldest first."""
    done = packed(root)
    out = []
    for m in list_batches(root).to_dict("records"):
        b = m["batch_id"]
        if b in done or m.get("kind") == "default" or _claims(m) >= small_rows:
            continue   # the shipped default data stays as `python -m loaders build` writes it
        try:
            if _packable(root / "batches" / b) is not None:
                out.append((b, _claims(m)))
        except FileNotFoundError:   # undone meanwhile
            continue
    return out


def _groups(candidates, pack_rows: int) -> list[list[str]]:
    groups, group, rows = [], [], 0
    for b, n in candidates:
        if group and rows + n > pack_rows:
            groups.append(group)
            group, rows = [], 0
        group.append(b)
        rows += n
    if group:
        groups.append(group)
    return [g for g in groups if len(g) > 1]


def _write_pack(root: Path, group: list[str]) -> list[str]:
    """Pack the batches of `group` (those still live when read); returns their pack entries."""
    tables: dict[str, list] = {}
    entries = []
    for b in group:
        folder = root / "batches" / b
        try:
            names = _packable(folder) or ()
            files = {t: _stamp(folder / f"{t}.parquet") for t in names}
            read = {t: pq.read_table(folder / f"{t}.parquet") for t in names}
        except FileNotFoundError:   # undone while compaction ran: it stays as it is
            continue
        if not read:
            continue
        entry = {"batch_id": b, "rows": {}, "files": files}
        for t, part in read.items():
            offset = sum(p.num_rows for p in tables.setdefault(t, []))
            entry["rows"][t] = [offset, part.num_rows]
            tables[t].append(part.cast(arrow_schema(t)))
        entries.append(entry)
    if len(entries) < 2:
        return []
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    pack_id = f"pack-{stamp}-{len(entries)}"
    packs = root / PACKS
    packs.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{pack_id}-p{os.getpid()}@{_host()}-",
                                dir=root))
    try:
        for t, parts in tables.items():
            arrow = pa.concat_tables(parts).replace_schema_metadata(None)
            pq.write_table(arrow, tmp / f"{t}.parquet", compression="zstd")
            with open(tmp / f"{t}.parquet", "rb+") as fh:
                os.fsync(fh.fileno())
        with open(tmp / PACK_MANIFEST, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"pack_id": pack_id, "batches": entries}, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, packs / pack_id)
        _fsync_dir(packs)
    except BaseException:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return entries


def _stamp(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def _drop_own_files(root: Path, entries) -> None:
    """Remove the table files that packs in place hold: only a file still as it was packed (a
    batch written again under its id, as `python -m loaders build` does, keeps its new files)."""
    for entry in entries:
        folder = root / "batches" / entry["batch_id"]
        removed = False
        for t, stamp in (entry.get("files") or {}).items():
            path = folder / f"{t}.parquet"
            try:
                if _stamp(path) == list(stamp):
                    path.unlink()
                    removed = True
            except FileNotFoundError:   # gone already, or the batch was undone meanwhile
                continue
        if removed:
            _fsync_dir(folder)


def _entries(root) -> list[dict]:
    folder = store_folder(root) / PACKS
    return [e for name in _listing(root) for e in (_meta(folder / name) or {}).get("batches", ())]


def unpacked_small(root=None, small_rows: int = SMALL_ROWS) -> int:
    """How many live batches wait to be packed (cheap: manifests and the packs' lists)."""
    done = packed(root)
    return sum(1 for m in list_batches(root).to_dict("records")
               if m["batch_id"] not in done and m.get("kind") != "default"
               and _claims(m) < small_rows)


def compact(root=None, small_rows: int = SMALL_ROWS, pack_rows: int = PACK_ROWS,
            min_batches: int = MIN_BATCHES) -> int:
    """Pack the live batches of fewer than `small_rows` claims that are not packed yet, once at
    least `min_batches` of them wait; returns how many batches were packed. Safe to run at any
    time, from any process (it holds the commit lock); readers see the same rows before, during
    and after."""
    root = store_folder(root)
    if not (root / "batches").is_dir() or (
            not (root / PACKS).is_dir() and unpacked_small(root, small_rows) < min_batches):
        return 0   # nothing to pack nor to finish: the store is not even locked
    with store_lock(root):
        # a compaction killed after its pack was in place left the packed batches' own files
        _drop_own_files(root, _entries(root))
        candidates = _candidates(root, small_rows)
        if len(candidates) < min_batches:
            return 0
        done = 0
        for group in _groups(candidates, pack_rows):
            entries = _write_pack(root, group)
            _drop_own_files(root, entries)
            done += len(entries)
        return done

