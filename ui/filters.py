"""The sidebar filters shared by every page, kept in the URL so that a copied link reopens the
same view: each multiselect is bound to a query parameter of its key's name."""
from __future__ import annotations

import streamlit as st

from .dataset import Dataset
from .links import adopt
from .provenance import batch_labels, doc_labels
from .queries import Filters, code_options, option_label, place_options
from .state import current_dataset

# key (query parameter) → sidebar label; the order is the order in the sidebar
FILTER_LABELS = {
    "district": "区县", "street": "街道（镇）", "community": "社区（村）", "programme": "项目类型",
    "indicator": "指标", "kind": "数据类别", "status": "状态", "period": "年份", "doc": "来源文件", "batch": "导入批次",
}
PLACE_FILTERS = ("district", "street", "community")


def filter_label(name: str, value: str) -> str:
    """What the sidebar, the URL and the page headers show for a filter value: documents by
    title and batches by file, uploader and date, never by their ids."""
    if name in ("doc", "batch"):
        labels = st.session_state.get(_LABELS) or _remember_labels(current_dataset())
        return labels[name].get(value, value)
    return option_label(name, value)


_LABELS = "_filter_labels"


def _remember_labels(ds: Dataset) -> dict:
    """The dataset's document and batch labels, kept for this session's run (render_filters
    refreshes them each run), so a label costs a lookup, not a read of the store's state."""
    labels = {"doc": doc_labels(ds), "batch": batch_labels(ds)}
    st.session_state[_LABELS] = labels
    return labels


def current_filters() -> Filters:
    """The filters as the sidebar last set them (valid after render_filters ran this rerun)."""
    return Filters(**{k: tuple(st.session_state.get(k) or ()) for k in FILTER_LABELS})


def _options(ds: Dataset, name: str) -> list[str]:
    if name in PLACE_FILTERS:
        return place_options(ds, current_filters(), name)
    return code_options(ds, name)


def _keep_valid(name: str, options: list[str]) -> None:
    # a street chosen before its district was changed is no longer an option: drop it rather
    # than let the widget fail (allowed: the widget has not been created yet in this rerun)
    chosen = st.session_state.get(name)
    if chosen:
        valid = [v for v in chosen if v in options]
        if len(valid) != len(chosen):
            st.session_state[name] = valid


def clear_filters(*names: str) -> None:
    """Callback: empty the given filters (all when none given)."""
    for name in names or tuple(FILTER_LABELS):
        st.session_state[name] = []


def set_filter(name: str, values: list[str], clear_below: bool = True) -> None:
    """Callback: set one filter; a place filter clears the levels below it."""
    st.session_state[name] = list(values)
    if clear_below and name in PLACE_FILTERS:
        for lower in PLACE_FILTERS[PLACE_FILTERS.index(name) + 1:]:
            st.session_state[lower] = []


def render_filters(ds: Dataset) -> Filters:
    """Draw the filters in the sidebar and return them."""
    _remember_labels(ds)
    with st.sidebar:
        st.markdown("#### 筛选")
        for name, label in FILTER_LABELS.items():
            options = _options(ds, name)
            adopt(name, options, lambda v, n=name: filter_label(n, v), multi=True)
            _keep_valid(name, options)
            st.multiselect(label, options, key=name, bind="query-params",
                           format_func=lambda v, n=name: filter_label(n, v),
                           placeholder="全部", disabled=not options)
        filters = current_filters()
        st.button("清除全部筛选", on_click=clear_filters, disabled=not filters.active(),
                  width="stretch", icon=":material/filter_alt_off:")
        st.caption("筛选条件保存在网址中，复制链接即可分享当前视图。")
    return filters


def filters_to_query(filters: Filters, **override: list[str]) -> dict[str, list[str]]:
    """Query parameters that reopen `filters` (with overrides), for links to another page. The
    bound widgets read the labels they display, so labels are what the URL holds."""
    values = {**filters.active(), **{k: tuple(v) for k, v in override.items()}}
    return {k: [filter_label(k, v) for v in vs] for k, vs in values.items() if vs}


def describe_filters(filters: Filters) -> str:
    """One line naming the active filters, for the top of each page."""
    parts = []
    for name, values in filters.active().items():
        shown = "、".join(filter_label(name, v) for v in values[:3])
        more = f" 等 {len(values)} 项" if len(values) > 3 else ""
        parts.append(f"{FILTER_LABELS[name]}：{shown}{more}")
    return "；".join(parts)
