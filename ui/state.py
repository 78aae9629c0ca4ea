"""The dataset of the current store version, read once per process and shared by sessions."""
from __future__ import annotations

import logging
import threading

import streamlit as st

from loaders.store import clean_stale, compact, store_root, store_signature

from .dataset import Dataset, load_dataset


# cache_resource, not cache_data: cache_data would pickle and copy a million claims on every
# rerun (seconds), while the dataset is never mutated. The key is the store's signature, which
# changes when a batch is committed or undone, so an upload shows at the next rerun.
@st.cache_resource(show_spinner="正在读取数据……", max_entries=2)
def _dataset(root: str, signature: tuple) -> Dataset:
    _compact_in_background(root)
    return load_dataset(root)


_compacting = threading.Lock()


def _compact_in_background(root: str) -> None:
    """At start-up and after each commit (a new store version), small batches are packed into
    larger files by a thread of their own (loaders/store/packs.py): readers get the same rows
    before, during and after, so nobody waits for it; one compaction at a time per process."""
    if not _compacting.acquire(blocking=False):
        return

    def run():
        try:
            compact(root)
        except Exception:   # a full or read-only disk: the store stays as it was, and readable
            logging.getLogger(__name__).warning("compaction of %s failed", root, exc_info=True)
        finally:
            _compacting.release()

    threading.Thread(target=run, name="compact-store", daemon=True).start()


@st.cache_resource(show_spinner=False)
def _swept(root: str) -> list[str]:
    """Once per process and store: the temporary folders of commits killed before it started
    (their process is gone) go at once, so they never count against the disk for long."""
    return clean_stale(root)


def current_dataset() -> Dataset:
    root = store_root()
    _swept(str(root))
    return _dataset(str(root), store_signature(root))


def current_signature() -> tuple:
    return store_signature(store_root())
