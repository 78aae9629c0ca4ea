"""Reading the batches' rollups from the store (loaders.store.read_table, either store) and
summing them once per store version. No Streamlit here.

Every live batch's rollup (made at commit; made here for a batch stored without one, such as an
older store's) is summed over the batches a few at a time, and the sum is kept (ui/cube_cache.py,
for either store) so a fresh app process starts from it. A new sum goes on from the kept sum of
the store version nearest to it: after a commit or a restore the batches since are added; after
an undo the undone batches' rollups are subtracted (`_without`), and only the cells whose lowest
or highest figure, and the places whose chosen stock, came from an undone batch are summed again
from the other batches' rollups. The few batches whose facts reach across batches (two batches
holding one document, claims replaced by a later batch) are rolled up again together from their
claims, and a store holding such batches is summed whole.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.rollups import CURRENT, FLAGS, GRAINS, SOURCE_COLUMNS, cited_documents, rollup_rows

from .cube_cache import (_cache_path, _read_cache, _write_cache, cache_folder, kept_sums,
                         read_rows, read_view, table, write_rows, write_view)
from .cubes import (KEYS, SOURCE_KEYS, STOCK_PLACE, Cubes, View, _concat, _grouped, _num, collapse,
                    distinct_sources, fact_sources, pushed_filters, shared_batches)
from .groups import Keys

__all__ = ["load_cubes", "read_batch_rollups", "cache_folder", "_cache_path", "_earlier_sum",
           "_versions"]


# ---- reading ----------------------------------------------------------------------------------

def _claims(root, batch_ids: list[str], replaced: set[str]) -> tuple[pd.DataFrame, set]:
    """The claims (rollup columns) of some batches without the replaced ones, and the documents
    to name in their rollup (loaders.rollups.cited_documents)."""
    from loaders.store import read_table

    cols = [*SOURCE_COLUMNS, "claim_id"] if replaced else list(SOURCE_COLUMNS)
    frame = table(read_table("claims", cols, batch_ids=batch_ids, root=root, dictionary=[
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

    stored = table(read_table("rollups", batch_ids=batch_ids, root=root, dictionary=KEYS))
    have = set(stored.loc[(stored["cube"] == CURRENT).to_numpy(), "batch_id"].unique()) \
        if len(stored) else set()
    parts = [stored[stored["batch_id"].isin(have).to_numpy()]]
    for b in batch_ids:   # one at a time: a batch's claims, never the store's, in memory
        if b not in have:
            parts.append(rollup_rows(*_claims(root, [b], set())))
    return _concat(parts)


def load_cubes(root, batches: pd.DataFrame, replaced: set[str], versions=False) -> "Cubes":
    """The cubes of the live `batches` of the store at `root` (loaders.store); `versions`:
    their _versions when the caller has them."""
    from loaders.store import read_table

    ids = list(batches["batch_id"]) if "batch_id" in batches else []
    if versions is False:
        versions = _versions(root, ids)
    path = _cache_path(root, versions, replaced) if versions is not None else None
    view, together = read_view(path)
    if view is None:
        combined, together = _read_cache(path)
        if combined is None:
            combined, together = _sum(root, ids, replaced, path, versions)
            _write_cache(path, combined, {"ids": versions, "replaced": sorted(replaced),
                                          "together": sorted(together)})
        view = View.of(combined)
        write_view(path, view, together)

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
            parts.append(distinct_sources(table(read_table(
                "claims", list(SOURCE_KEYS), batch_ids=rest[i:i + CHUNK], root=root,
                filters=pushed_filters(filters), dictionary=SOURCE_KEYS))))
        joint = [b for b in chosen if b in together]
        if joint:   # Cubes.answers: all of them or none
            parts.append(fact_sources(_claims(root, joint, replaced)[0], filters))
        return distinct_sources(_concat_sources(parts))

    return Cubes(combined=view, batch_ids=ids, together=set(together), _batch_rows=batch_rows,
                 _read_sources=sources)


def _concat_sources(parts) -> pd.DataFrame:
    parts = [p.astype("object") for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({k: pd.Series(dtype=object) for k in SOURCE_KEYS})


CHUNK = 8   # batches summed at a time: memory stays that of a few batches' rollups
# the cubes whose rows add up over batches and keep a lowest and highest figure (cells and the
# like); the others: stocks (one chosen per place) and counts of mentions
SPREAD = tuple(c for c in GRAINS if c not in ("stocks", "places", "values", "docs"))


def _versions(root, ids: list[str]) -> list | None:
    """Each batch with its version (loaders.store.batch_versions: a batch id committed again
    after an undo is another version of the store); None when a batch went while the store was
    being read."""
    from loaders.store import batch_versions

    stamp = batch_versions(root)[1]
    versions = [[b, stamp.get(b)] for b in ids]
    return None if any(t is None for _, t in versions) else versions


def _sum(root, ids: list[str], replaced: set[str], path, versions) -> tuple[pd.DataFrame, set]:
    """The rollups of the batches `ids` summed, and the batches rolled up together. Starts from
    the kept sum of the nearest store version (_earlier_sum) when no batch is rolled up
    together: batches only taken out need no other check."""
    from loaders.store import read_table

    kept, kept_ids = _earlier_sum(path, versions, replaced)
    now = {b: v for b, v in versions or []}
    same = {b for b, v in kept_ids if now.get(b) == v}
    gone = [b for b, v in kept_ids if now.get(b) != v]
    if kept is not None and same == set(ids):   # batches only taken out (undo)
        return _canonical(_without(root, kept, gone, ids)), set()

    found = table(read_table("rollups", ["batch_id", "doc", "cube"], batch_ids=ids, root=root,
                             filters=[("cube", "in", ["docs", CURRENT])]))
    # a rollup made before the cube CURRENT was added is made again from the batch's claims
    have = set(found.loc[(found["cube"] == CURRENT).to_numpy(), "batch_id"])
    named = found[(found["cube"] == "docs").to_numpy() & found["batch_id"].isin(have).to_numpy()]
    with _Made(root, [b for b in ids if b not in have]) as made:
        # a document in two batches: its facts and its source may be in both
        docs = read_table("documents", ["doc", "batch_id"], batch_ids=ids, root=root).to_pandas()
        together = shared_batches(pd.concat([docs, named, *made.docs.values()]))
        if replaced:
            hit = read_table("claims", ["batch_id"], batch_ids=ids, root=root,
                             filters=[("claim_id", "in", sorted(replaced))])
            together |= set(hit.column("batch_id").to_pylist())
        combined, done = None, set()
        if kept is not None and not together:
            combined, done = kept, same
            if gone:
                combined = _without(root, kept, gone, [b for b in ids if b in same])
        rest = [b for b in ids if b not in together and b not in done]
        for i in range(0, len(rest), CHUNK):
            chunk = rest[i:i + CHUNK]
            stored = [b for b in chunk if b in have]
            parts = [combined, *([table(read_table("rollups", batch_ids=stored, root=root,
                                                   dictionary=KEYS))] if stored else []),
                     *(made.rows(b) for b in chunk if b in made.docs)]
            combined = collapse(_concat(parts), ids)
    if together:
        joint = rollup_rows(*_claims(root, [b for b in ids if b in together], replaced))
        combined = collapse(_concat([combined, joint]), ids)
    if combined is None:
        combined = collapse(rollup_rows(pd.DataFrame()), ids)
    return _canonical(combined), together


class _Made:
    """The rollups made from the claims of batches stored without a current one (an older
    store's, once after an upgrade), one batch at a time: with more than CHUNK of them each is
    put in a temporary file as made, and read back when its chunk is summed, so memory holds a
    few batches' rollups, not the store's. `docs`: each batch's docs cube rows."""

    def __init__(self, root, batch_ids: list[str]):
        self.root, self.batch_ids = root, batch_ids
        self.docs: dict[str, pd.DataFrame] = {}
        self._kept: dict[str, pd.DataFrame] = {}
        self._files: dict[str, Path] = {}
        self._dir = None

    def __enter__(self) -> "_Made":
        if len(self.batch_ids) > CHUNK:
            self._dir = tempfile.TemporaryDirectory(prefix="dashboard-rollups-")
        try:
            for b in self.batch_ids:
                rows = rollup_rows(*_claims(self.root, [b], set()))
                self.docs[b] = rows[(rows["cube"] == "docs").to_numpy()]
                if self._dir is None:
                    self._kept[b] = rows
                else:
                    self._files[b] = Path(self._dir.name) / f"{len(self._files)}.parquet"
                    write_rows(self._files[b], rows)
        except BaseException:
            self.__exit__()
            raise
        return self

    def rows(self, b: str) -> pd.DataFrame:
        return self._kept[b] if self._dir is None else read_rows(self._files[b])

    def __exit__(self, *exc) -> None:
        if self._dir is not None:
            self._dir.cleanup()


def _without(root, kept: pd.DataFrame, gone: list[str], rest: list[str]) -> pd.DataFrame:
    """The sum `kept` less the batches `gone` (none rolled up together with another batch), for
    the batches `rest` (in store order): mentions, facts, totals and qualifier counts
    subtracted, rows left with no mention dropped; a cell whose lowest or highest figure may
    have come from a gone batch, and a place whose chosen stock did, summed again from the
    rollups of `rest`."""
    removed = collapse(read_batch_rollups(root, gone), gone)
    both = _concat([kept, removed])
    minus = np.r_[np.zeros(len(kept), bool), np.ones(len(removed), bool)]
    parts, redo = [], {}
    for cube, names in (*((c, GRAINS[c]) for c in GRAINS if c != "stocks"),
                        ("stocks", STOCK_PLACE)):
        at = (both["cube"] == cube).to_numpy()
        rows, out = both[at].reset_index(drop=True), minus[at]
        keys, group, n = _grouped(rows, names)
        first = np.full(n, -1)
        first[group[~out]] = np.flatnonzero(~out)   # the kept sum's row of each group
        sign = np.where(out, -1.0, 1.0)

        def left(m: str) -> np.ndarray:
            return np.bincount(group, weights=sign * np.nan_to_num(_num(rows, m)), minlength=n)

        count = left("facts" if cube == "stocks" else "mentions")
        again = np.zeros(n, bool)
        if cube == "stocks":   # the place's stock was chosen from a gone batch
            again = np.isin(rows["batch_id"].astype("object").to_numpy()[first], gone)
        elif cube in SPREAD:
            low, high = np.full((2, n), np.nan), np.full((2, n), np.nan)
            np.fmin.at(low, (out.astype(int), group), _num(rows, "low"))
            np.fmax.at(high, (out.astype(int), group), _num(rows, "high"))
            again = (low[1] <= low[0]) | (high[1] >= high[0])
        keep = (count > 0) & ~again
        part = rows.iloc[first[keep]].reset_index(drop=True)
        for m in (("mentions", "facts", "value", *FLAGS) if cube in SPREAD else
                  ("facts",) if cube == "stocks" else ("mentions",)):
            values = left(m)[keep]
            part[m] = values if m == "value" else values.round().astype("int64")
        parts.append(part)
        if cube in (*SPREAD, "stocks"):
            redo[cube] = keys[(count > 0) & again]
    if any(len(k) for k in redo.values()):
        fresh = read_batch_rollups(root, rest)
        picked = [np.flatnonzero((fresh["cube"] == c).to_numpy())[_rows_in(
            fresh[(fresh["cube"] == c).to_numpy()], STOCK_PLACE if c == "stocks"
            else GRAINS[c], k)] for c, k in redo.items() if len(k)]
        parts.append(collapse(fresh.iloc[np.concatenate(picked)].reset_index(drop=True), rest))
    return _concat(parts)


def _rows_in(frame: pd.DataFrame, names, wanted: pd.DataFrame) -> np.ndarray:
    """Positions of the rows of `frame` whose `names` equal those of a row of `wanted` (a null
    equal to a null)."""
    keys = Keys.of(frame, list(names))
    key, _ = keys.key()
    want, valid = np.zeros(len(wanted), dtype="int64"), np.ones(len(wanted), bool)
    for name, values in zip(keys.names, keys.values):
        col = wanted[name].to_numpy(dtype=object)
        code = pd.Index(values, dtype=object).get_indexer(col)
        valid &= (code >= 0) | pd.isna(col)   # a value the frame lacks: no row of it
        want = want * (len(values) + 1) + code + 1
    return np.flatnonzero(np.isin(key, want[valid]))


def _canonical(rows: pd.DataFrame) -> pd.DataFrame:
    """Summed rows in one order (by cube, then key values) with their key columns' categories
    sorted, whatever order they were made in, so that a sum made in steps and one made at once
    prepare the same arrays (ui.cubes.View)."""
    rows = rows.copy()
    for c in KEYS:
        values = rows[c].astype("object")
        rows[c] = pd.Categorical(values.where(values.notna(), None))
    order = np.lexsort([rows[c].cat.codes.to_numpy() for c in reversed(KEYS)])
    return rows.iloc[order].reset_index(drop=True)


def _earlier_sum(path, ids: list | None, replaced: set[str]):
    """The kept sum of the store version nearest to `ids` (batch versions): the fewest batches
    to add or take out, fewer than summing them all; (rows, its batch versions), or (None, [])."""
    if ids is None:
        return None, []
    now = {tuple(v) for v in ids}
    best, best_ids, cost = None, [], len(ids)
    for other, meta in kept_sums(path):
        if meta["together"] or set(meta["replaced"]) != set(replaced):
            continue
        was = {tuple(v) for v in meta["ids"]}
        steps = len(now - was) + len(was - now)
        if steps < cost or (steps == cost == 0):
            best, best_ids, cost = other, meta["ids"], steps
    if best is None:
        return None, []
    rows, _ = _read_cache(best)
    return (rows, best_ids) if rows is not None else (None, [])


