"""Streamlit pieces that several pages draw the same way: page frame, empty states, headline
figures, links to the evidence, evidence cards."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from .dataset import Dataset
from .filters import current_filters, describe_filters, filters_to_query
from .formatting import (blank_missing, format_count, format_quantity, format_total,
                         highlight_evidence)
from .labels import (confidence_label, indicator_help, indicator_label, qualifier_label,
                     source_type_label, status_label)
from .markup import md
from .navigation import EXPLORER_PAGE, UPLOAD_PAGE, ensure_entrypoint, page_exists
from .provenance import batch_info, batch_labels, doc_labels, document_info
from .queries import Filters, ScopeCounts
from .sources import source_caption
from .state import current_dataset

QUALIFIER_NOTES = {
    "exact": "各项均为确数。",
    "at_least": "其中有“余、以上”等下限数字，合计为至少值。",
    "at_most": "其中有“近、不足”等上限数字，合计为至多值。",
    "approx": "其中有“约”数，合计为约数。",
    "mixed": "其中既有“余”（下限）又有“近”或“约”，合计只能视为约数。",
}


def point_to_upload(message: str) -> None:
    st.info(message, icon=":material/inbox:")
    if page_exists(UPLOAD_PAGE):
        st.page_link(UPLOAD_PAGE, label="前往「数据上传」导入文章或表格", icon=":material/upload_file:")
    else:
        st.caption("可在「数据上传」页导入文章或表格；也可在命令行运行 `python -m loaders build` "
                   "生成默认数据。")


def open_page(title: str, intro: str) -> tuple[Dataset, Filters]:
    """Header of every page: the title, the active filters, and a stop with a pointer to the
    upload page when the store is empty."""
    ensure_entrypoint()
    ds = current_dataset()
    filters = current_filters()  # drawn by dashboard.py before the page runs
    st.title(title)
    st.caption(intro)
    if ds.empty:
        point_to_upload("还没有任何数据。导入社区文章或统计表后，这里会显示各项数据。")
        st.stop()
    active = describe_filters(filters)
    if active:
        st.markdown(f":material/filter_alt: **当前筛选** {md(active)}")
    return ds, filters


def nothing_in_scope(what: str = "数据") -> None:
    st.warning(f"当前筛选条件下没有{what}。可在左侧放宽或清除筛选。", icon=":material/search_off:")


def scope_metrics(counts: ScopeCounts) -> None:
    cols = st.columns(4)
    cols[0].metric("社区（村）", format_count(counts.communities))
    cols[1].metric("数据条数", format_count(counts.facts),
                   help=f"去重后的数据条数：同一来源中重复提及的同一数字只算一次"
                        f"（原始提及 {format_count(counts.mentions)} 次）。")
    cols[2].metric("来源文件", format_count(counts.sources))
    cols[3].metric("特色项目", format_count(counts.initiatives))


def claims_link(filters: Filters, label: str, key_suffix: str = "", **override) -> None:
    """A link to the claims explorer showing exactly the rows behind a figure."""
    st.page_link(EXPLORER_PAGE, label=label, icon=":material/format_quote:",
                 query_params=filters_to_query(filters, **override))


def indicator_choices(total: bool = False) -> list[str]:
    """Every catalogue indicator but 其他 (never totalled), or with `total` only those that add up
    (sum, stock), in catalogue order: a stable option list, so a link that names one stays valid
    whatever the filters."""
    from loaders.indicators import OTHER, aggregation_of, indicator_codes

    return [c for c in indicator_codes() if c != OTHER
            and (not total or aggregation_of(c) in ("sum", "stock"))]


def indicator_totals(totals: pd.DataFrame, filters: Filters, status: str, columns: int = 4) -> None:
    """One tile per indicator (ui.aggregate.totals_by_indicator): what it counts, the total with
    its honest qualifier (or the range of a rate or share), the definition and adding-up rule on
    hover, and a link to the facts behind it with their sentences."""
    if totals.empty:
        st.caption(f"所选范围内没有可合计的{status_label(status)}指标。")
        return
    rows = [totals.iloc[i:i + columns] for i in range(0, len(totals), columns)]
    for chunk in rows:
        cols = st.columns(columns)
        for col, r in zip(cols, chunk.itertuples()):
            per = r.per if isinstance(r.per, str) else None
            with col.container(border=True):
                if r.rule == "stock" and r.counted < r.facts:
                    how = f"{r.facts} 条数据，取 {r.counted} 个地点各自最新或最大的数相加。"
                elif r.rule in ("rate", "share"):
                    how = f"{r.facts} 条数据，不相加，显示最低到最高。"
                else:
                    how = f"{r.facts} 条数据相加，同一来源重复提及只算一次。"
                st.metric(indicator_label(r.indicator, per),
                          format_total(r.value, r.unit, r.qualifier, r.rule, r.low),
                          help=f"{indicator_help(r.indicator, per)}\n\n{how}"
                               + QUALIFIER_NOTES.get(r.qualifier, ""))
                claims_link(filters, f"{r.facts} 条依据", indicator=[r.indicator], status=[status])


def per_capita_block(frame: pd.DataFrame, columns: int = 4) -> None:
    """Per-capita figures (ui.aggregate.per_capita), in an expander that names their base: shown
    only where the base is known, never mixed with the totals."""
    if frame.empty:
        return
    bases = "、".join(dict.fromkeys(
        f"{indicator_label(b)} {format_quantity(v, 'household' if b == 'households' else 'person')}"
        for b, v in zip(frame["base"], frame["base_value"])))
    with st.expander("按人口折算（每千人、每百户）"):
        st.caption(f"以本社区已收录的{bases}为基数折算，仅供比较，不计入任何合计。")
        cols = st.columns(columns)
        for i, r in enumerate(frame.itertuples()):
            cols[i % columns].metric(f"{r.label}{indicator_label(r.indicator)}",
                                     format_quantity(r.value, r.unit, r.qualifier),
                                     help=f"{indicator_label(r.indicator)} ÷ {indicator_label(r.base)}"
                                          f" × {r.scale}。" + indicator_help(r.indicator))


def evidence_html(row) -> str:
    return highlight_evidence(row["evidence"], row["text"], row.get("start"), row.get("end"),
                              row.get("evidence_start"))


def evidence_card(ds: Dataset, row: pd.Series) -> None:
    """One claim with its sentence (the figure highlighted), its source and its batch."""
    doc = document_info(ds, row["doc"])
    st.markdown(f'<div class="evidence">{evidence_html(row)}</div>', unsafe_allow_html=True)
    place = " · ".join(str(x) for x in (row.get("district"), row.get("street"),
                                        row.get("community")) if isinstance(x, str)) or "全市"
    figure = format_quantity(row["value"], row["unit"], row["qualifier"])
    per = row.get("per") if isinstance(row.get("per"), str) else None
    st.markdown(f"**{md(figure)}**　{indicator_label(row['indicator'], per)} · "
                f"{qualifier_label(row['qualifier'])} · "
                f"{status_label(row['status'])} · {md(place)}")
    where = f"第 {int(row['row'])} 行" if pd.notna(row.get("row")) else (
        f"第 {int(row['start'])}–{int(row['end'])} 字" if pd.notna(row.get("start")) else "")
    # the document by its title, its file name on hover; the batch by file, uploader and date
    name = html.escape(md(doc_labels(ds).get(row["doc"], str(row["doc"]))))
    kind = doc.get("source_type_label") or source_type_label(str(row.get("source_type", "")))
    note = row.get("place_note")
    if isinstance(note, str) and note:
        st.caption(f"地点依据：{md(note)}（{confidence_label(str(row.get('place_confidence')))}）")
    st.caption(f'来源：<span title="{html.escape(md(str(row["doc"])))}">{name}</span>（{kind}，{where}）',
               unsafe_allow_html=True)
    if origin := source_caption(batch_info(ds, row["batch_id"]).get("source")):
        st.caption(f"原文出处：{origin}")
    st.caption(f"导入批次：{md(batch_labels(ds).get(row['batch_id'], '未知'))}")


def page_picker(total: int, size: int, key: str, scope) -> int:
    """Which page (from 1) of `total` rows, `size` a page, to show: a page number box when there
    is more than one page. A new `scope` (the rows' query: filters, search, sort) starts at the
    first page again."""
    pages = max(1, -(-total // size))
    if st.session_state.get(f"_{key}_scope") != scope:
        st.session_state[f"_{key}_scope"] = scope
        st.session_state[key] = 1
    if pages == 1:
        return 1
    st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1)), pages)
    return int(st.number_input(f"页码（共 {format_count(pages)} 页）", min_value=1, max_value=pages,
                               step=1, key=key))


def pick_table(frame: pd.DataFrame, values: list[str], key: str, on_pick, height="auto"):
    """A table whose row, when chosen, calls `on_pick(value)` before the next rerun (so it may
    set filters, which are widgets drawn earlier in the run)."""
    def _picked():
        rows = st.session_state[key].selection.rows
        if rows:
            on_pick(values[rows[0]])

    return st.dataframe(blank_missing(frame), key=key, on_select=_picked, selection_mode="single-row",
                        hide_index=True, height=height)


def leading_tables(top: pd.DataFrame, columns: int = 3) -> None:
    """For each indicator, its leading communities with their totals
    (ui.aggregate.leading_communities); the definition on hover."""
    if top.empty:
        st.caption("所选范围内没有社区层面的已实现数字。")
        return
    groups = list(dict.fromkeys(zip(top["indicator"], top["unit"])))
    for i in range(0, len(groups), columns):
        cols = st.columns(columns)
        for col, (indicator, unit) in zip(cols, groups[i:i + columns]):
            part = top[(top["indicator"] == indicator) & (top["unit"] == unit)]
            with col.container(border=True):
                st.markdown(f"**{indicator_label(indicator)}**",
                            help=indicator_help(indicator))
                # the total before the street: a narrow column (1366 px, three across) cuts
                # off the last column, and the total is what the table is for
                st.dataframe(pd.DataFrame({
                    "名次": part["rank"].astype(int), "社区": part["community"],
                    "合计": [format_quantity(v, unit, q)
                           for v, q in zip(part["value"], part["qualifier"])],
                    "街道": part["street"].astype(object).fillna("")}),
                    hide_index=True, width="stretch",
                    column_config={"名次": st.column_config.NumberColumn(width=40)})


def initiatives_block(initiatives: pd.DataFrame, empty_text: str) -> None:
    """The initiatives of a scope as a table (the evidence column stays on the 特色项目 page)."""
    from .initiative_rows import initiatives_table

    table = initiatives_table(initiatives, doc_labels(current_dataset()))
    if table.empty:
        st.caption(empty_text)
    else:
        st.dataframe(blank_missing(table.drop(columns=["依据原句"])), hide_index=True,
                     width="stretch")
