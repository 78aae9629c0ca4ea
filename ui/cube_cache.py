"""Where the summed rollups of a store version are kept between app processes, and in which
form (ui/cube_store.py sums them). No Streamlit here.

One folder per store (`cache_folder`: $DASHBOARD_CACHE_DIR, else ~/.cache/dashboard; never inside
the store, and any file there may be deleted): for a folder store keyed by its path, for a
database by its server, name and oid. Each sum is kept twice under a key of its batches'
versions: `<key>.parquet`, the rows in the rollups table's form (a later sum goes on from them),
and `<key>.npz`, the overview's prepared arrays (ui.cubes.View), which a fresh process loads in
a few hundredths of a second instead of rebuilding them from the rows. Both are written to a
temporary file and renamed, so a reader sees a whole file or none.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.rollups import VERSION
from loaders.schema import arrow_schema, conform

from .cubes import KEYS, Cube, View

CACHE = "rollups-cache"
FORMAT = 2        # of the .npz files: a file of another format is not read
CUBES = ("cells", "stocks", "places", "values")
LATER = ("units", "programme_places")   # ui.cubes.View makes them on first use


def cache_folder(root) -> Path:
    """Where the sums of the store at `root` are kept, one folder per store."""
    from loaders.store import batch_versions, store_root

    target = store_root(root)
    identity = str(target.resolve()) if isinstance(target, Path) else batch_versions(target)[0]
    base = os.environ.get("DASHBOARD_CACHE_DIR") or Path.home() / ".cache" / "dashboard"
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(base) / CACHE / key


def _cache_path(root, ids, replaced) -> Path:
    """The file (.parquet; its .npz beside it) of the sum of the batch versions `ids`."""
    key = hashlib.sha256(json.dumps([VERSION, ids, sorted(replaced)]).encode()).hexdigest()[:24]
    return cache_folder(root) / f"{key}.parquet"


def table(rows) -> pd.DataFrame:
    return rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _read_cache(path: Path | None) -> tuple[pd.DataFrame | None, set]:
    if path is None:
        return None, set()
    try:
        rows = _read_arrow(path)
        meta = json.loads((rows.schema.metadata or {})[b"sum"])
        return table(rows), set(meta["together"])
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
        return None, set()


def _arrow_rows(rows: pd.DataFrame) -> pa.Table:
    """Rollup rows in the rollups table's form (as the store keeps them)."""
    return pa.Table.from_pandas(conform("rollups", rows), schema=arrow_schema("rollups"),
                                preserve_index=False)


def _read_arrow(path: Path) -> pa.Table:
    import pyarrow.parquet as pq
    return pq.read_table(path, read_dictionary=list(KEYS))


def write_rows(path: Path, rows: pd.DataFrame) -> None:
    """Rollup rows to a Parquet file, as the store keeps them."""
    import pyarrow.parquet as pq
    pq.write_table(_arrow_rows(rows), path)


def read_rows(path: Path) -> pd.DataFrame:
    """Rollup rows written by write_rows, as the store's are read (keys dictionary-encoded)."""
    return table(_read_arrow(path))


def kept_sums(path: Path | None):
    """(file, its metadata: ids, replaced, together) of every sum kept beside `path` of this
    rollup VERSION (loaders.rollups)."""
    import pyarrow.parquet as pq
    if path is None or not path.parent.is_dir():
        return
    for other in path.parent.glob("*.parquet"):
        try:
            meta = json.loads(pq.read_schema(other).metadata[b"sum"])
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowInvalid):
            continue
        if meta.get("version") == VERSION:
            yield other, meta


def _write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


KEEP = 3   # store versions kept: the newest, and those just before (a later sum goes on from them)


def _prune(folder: Path) -> None:
    """Remove the files of all but the KEEP store versions last written (a version's files
    share the stem before the first dot: its .parquet, .npz and kept tables)."""
    newest: dict[str, float] = {}
    for f in folder.iterdir():
        if f.name.startswith("."):
            continue
        key = f.name.split(".", 1)[0]
        try:
            newest[key] = max(newest.get(key, 0.0), f.stat().st_mtime)
        except OSError:
            continue
    for key in sorted(newest, key=newest.get)[:-KEEP]:
        for f in folder.glob(f"{key}.*"):
            f.unlink(missing_ok=True)


def _write_cache(path: Path | None, rows: pd.DataFrame, meta: dict) -> None:
    """Atomically; older sums go, but the one just before (the next sum may start from it)."""
    import pyarrow.parquet as pq
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrow = _arrow_rows(rows).replace_schema_metadata({"sum": json.dumps({**meta, "version": VERSION})})
        _write(path, lambda tmp: pq.write_table(arrow, tmp, compression="zstd"))
        _prune(path.parent)
    except OSError:
        pass


# ---- the prepared arrays of a sum (ui.cubes.View) ---------------------------------------------

def _strings(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Object values (None allowed) as a fixed-width unicode array and a mask of the Nones."""
    null = np.array([v is None for v in values], dtype=bool)
    return np.array(["" if v is None else v for v in values], dtype=str), null


def _objects(text: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
    out = text.astype(object)
    if null is not None and null.any():
        out[null] = None
    return out


def write_view(path: Path | None, view: View, together) -> None:
    if path is None:
        return
    arrays = {"meta": np.array(json.dumps({"format": FORMAT, "together": sorted(together)}))}
    for name in (*CUBES, *LATER):
        cube: Cube = getattr(view, name)
        arrays[f"{name}.n"] = np.array(cube.n)
        arrays[f"{name}.names"] = np.array([json.dumps([list(cube.codes), list(cube.m),
                                                        list(cube.extra)])])
        for k in cube.codes:
            arrays[f"{name}.codes.{k}"] = cube.codes[k]
            arrays[f"{name}.cats.{k}"] = _strings(cube.cats[k])[0]
        for m, values in cube.m.items():
            arrays[f"{name}.m.{m}"] = values
        for e, values in cube.extra.items():
            arrays[f"{name}.extra.{e}"], arrays[f"{name}.null.{e}"] = _strings(values)
    arrays["docs.doc"], arrays["docs.null"] = _strings(view.docs["doc"].to_numpy())
    arrays["docs.mentions"] = view.docs["mentions"].to_numpy()
    arrays["docs.named"] = view.docs["named"].to_numpy()
    names, flat, starts = view._cells
    arrays["cellnames"] = np.array([[s, d] for s, d in names] or np.empty((0, 2)), dtype=str)
    arrays["cells.flat"], arrays["cells.starts"] = flat, starts
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    try:
        _write(path.with_suffix(".npz"), write)
    except OSError:
        pass


def read_view(path: Path | None) -> tuple[View | None, set]:
    """The prepared arrays kept for the sum at `path`, or None (not kept, unreadable, or of
    another format)."""
    if path is None:
        return None, set()
    try:
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            if meta.get("format") != FORMAT:
                return None, set()
            cubes = {}
            for name in (*CUBES, *LATER):
                keys, measures, extras = json.loads(str(f[f"{name}.names"][0]))
                cube = Cube.__new__(Cube)
                cube.n = int(f[f"{name}.n"])
                cube.codes = {k: f[f"{name}.codes.{k}"] for k in keys}
                cube.cats = {k: _objects(f[f"{name}.cats.{k}"]) for k in keys}
                cube.m = {m: f[f"{name}.m.{m}"] for m in measures}
                cube.extra = {e: _objects(f[f"{name}.extra.{e}"], f[f"{name}.null.{e}"])
                              for e in extras}
                cubes[name] = cube
            docs = pd.DataFrame({"doc": _objects(f["docs.doc"], f["docs.null"]),
                                 "mentions": f["docs.mentions"], "named": f["docs.named"]})
            names = [tuple(pair) for pair in f["cellnames"].tolist()]
            view = View(**{c: cubes[c] for c in CUBES}, docs=docs,
                        _cells=(names, f["cells.flat"], f["cells.starts"]),
                        _later={c: cubes[c] for c in LATER})
            return view, set(meta["together"])
    except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError):
        return None, set()


# ---- the small tables of a store version (ui.dataset.load_dataset) -----------------------------

def _tables_path(path: Path, name: str) -> Path:
    return path.with_name(f"{path.stem}.{name}.arrow")


def read_tables(path: Path | None, names) -> dict[str, pa.Table] | None:
    """The tables `names` kept for the store version of `path` (Arrow IPC files, memory-mapped),
    or None if any is missing or unreadable."""
    import pyarrow.ipc as ipc
    if path is None:
        return None
    try:
        out = {}
        for name in names:
            with pa.memory_map(str(_tables_path(path, name))) as source:
                out[name] = ipc.open_file(source).read_all()
        return out
    except (OSError, pa.ArrowInvalid):
        return None


def write_tables(path: Path | None, tables: dict[str, pa.Table]) -> None:
    """Keep `tables` for the store version of `path`, each written whole and renamed."""
    import pyarrow.ipc as ipc
    if path is None:
        return

    def writer(arrow):
        def write(tmp: Path) -> None:
            with ipc.new_file(str(tmp), arrow.schema) as out:
                out.write_table(arrow)
        return write
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for name, arrow in tables.items():
            _write(_tables_path(path, name), writer(arrow))
        _prune(path.parent)
    except OSError:
        pass
