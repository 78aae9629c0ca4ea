"""The 数据上传 page's batch history: every live batch, undo (bound to the batch its confirmation
names), and the undone batches, which an organiser may restore. Several people share one store:
a person's choice survives other people's commits, and a batch someone else undid meanwhile is
reported, never undone twice."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.imports import AlreadyImportedError, history, may_restore, may_undo, restore
from loaders.store import BatchExistsError, undo_batch

from .access import Access
from .markup import md
from .provenance import DEFAULT_DATA
from .state import current_signature


@st.cache_data(show_spinner=False, max_entries=16)
def _undoable(batch_ids: tuple, districts, signature: tuple) -> list[str]:
    return [b for b in batch_ids if may_undo(b, districts)]


def _batch_labels(table: pd.DataFrame) -> list[str]:
    return [f"{DEFAULT_DATA}（{n} 条）" if k == "默认数据" else f"{f}（{t}，{n} 条）"
            for f, t, n, k in zip(table["文件"], table["时间"], table["数据条数"], table["类型"])]


def _undo(batch: str, label: str, default: bool) -> None:
    """Callback of the undo button, bound to the batch its confirmation names (args are fixed
    when the button is drawn, next to that confirmation): undoes that batch only, and only when
    its own confirmations are ticked."""
    if not st.session_state.get(f"undo_confirm_{batch}"):
        return
    if default and not st.session_state.get(f"undo_default_{batch}"):
        return
    try:
        undo_batch(batch)
    except FileNotFoundError:
        st.session_state["undo_gone"] = label
        return
    st.session_state["last_undo"] = label


def history_step(access: Access) -> None:
    table = history()
    gone = st.session_state.pop("undo_gone", None)
    if gone:
        st.warning(f"“{gone}”已经被撤销了（可能是别人刚刚撤销的）。")
    if not len(table):
        st.info("还没有导入记录。")
        return
    st.dataframe(table.drop(columns=["批次"]), hide_index=True,
                 height=min(38 + 35 * len(table), 360))
    if not access.can_write:
        return
    undoable = _undoable(tuple(table["批次"]), access.districts, current_signature())
    if not undoable:
        st.caption("没有你可以撤销的批次（只能撤销只含你负责区县数据的批次）。")
        return
    labels = dict(zip(table["批次"], _batch_labels(table)))
    kinds = dict(zip(table["批次"], table["类型"]))
    # nothing is chosen until the person chooses; the choice (keyed by the batch id, Streamlit
    # keeps a keyed widget's value while its options change) survives other people's commits
    # and undos, and a choice someone else has undone meanwhile is dropped with a word
    chosen = st.session_state.get("undo_choice")
    if chosen is not None and chosen not in undoable:
        st.session_state["undo_choice"] = None
        st.warning(f"你选中的批次“{md(st.session_state.get('undo_label', chosen))}”已不在可撤销的"
                   "列表中（可能是别人刚刚撤销的），请重新选择。", icon=":material/info:")
    batch = st.selectbox("撤销哪一批", undoable, format_func=labels.get, index=None,
                         placeholder="选择要撤销的批次", key="undo_choice")
    if batch is None:
        return
    label, default = labels[batch], kinds[batch] == "默认数据"
    st.session_state["undo_label"] = label
    confirm = st.checkbox(f"确认撤销“{label}”：这一批的数据将从看板移除",
                          key=f"undo_confirm_{batch}")
    sure = True
    if default:
        sure = st.checkbox("这是看板自带的默认数据：撤销后总览等页面将没有这些数据。我确认要撤销默认数据",
                           key=f"undo_default_{batch}")
    st.button(f"撤销“{label}”", disabled=not (confirm and sure), icon=":material/undo:",
              key=f"undo_button_{batch}", on_click=_undo, args=(batch, label, default))


def undone_step(access: Access) -> None:
    """Undone batches are kept; an organiser may put one back."""
    table = history(undone=True)
    if not len(table):
        return
    with st.expander(f"已撤销的批次（{len(table)} 个，数据仍保存着，可以恢复）"):
        st.dataframe(table.drop(columns=["文件夹"]), hide_index=True,
                     height=min(38 + 35 * len(table), 300))
        if not access.can_write:
            return
        allowed = [f for f in table["文件夹"] if may_restore(f, access.districts)]
        if not allowed:
            st.caption("没有你可以恢复的批次。")
            return
        labels = dict(zip(table["文件夹"], _batch_labels(table)))
        folder = st.selectbox("恢复哪一批", allowed, format_func=labels.get, key="restore_choice")
        if st.button("恢复这一批", icon=":material/restore:", key="restore_button"):
            try:
                restore(folder)
            except AlreadyImportedError as err:
                st.warning(f"不能恢复：{md(err)}", icon=":material/content_copy:")
                return
            except (FileNotFoundError, BatchExistsError):
                st.warning("这一批已经恢复了（可能是别人刚刚恢复的）。")
                return
            st.session_state.pop("restore_choice", None)
            st.session_state["last_restore"] = labels[folder]
            st.rerun()


def undo_notice() -> None:
    label = st.session_state.pop("last_undo", None)
    if label:
        st.success(f"已撤销“{md(label)}”，看板已更新。撤销的数据仍保存着，可在下方“已撤销的批次”中恢复。",
                   icon=":material/undo:")
    label = st.session_state.pop("last_restore", None)
    if label:
        st.success(f"已恢复“{md(label)}”，看板已更新。", icon=":material/restore:")


__all__ = ["history_step", "undone_step", "undo_notice"]
