"""The dataset of the current store version, read once per process and shared by sessions."""
from __future__ import annotations

import streamlit as st

from loaders.store import clean_stale, store_root, store_signature

from .dataset import Dataset, load_dataset


# cache_resource, not cache_data: cache_data would pickle and copy a million claims on every
# rerun (seconds), while the dataset is never mutated. The key is the store's signature, which
# changes when a batch is committed or undone, so an upload shows at the next rerun.
@st.cache_resource(show_spinner="正在读取数据……", max_entries=2)
def _dataset(root: str, signature: tuple) -> Dataset:
    return load_dataset(root)


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
