"""数据明细: every claim in the filters, searchable and sortable; choosing one shows its sentence
with the figure highlighted, its source and its batch; the rows download as CSV or XLSX."""
import streamlit as st

from ui import evidence, links, widgets
from ui.claim_rows import SORTS, claims_table
from ui.formatting import blank_missing, format_count
from ui.provenance import doc_labels

XLSX_MAX_ROWS = 200_000  # beyond this an XLSX takes minutes to write; CSV has no such limit
TABLE_COLUMNS = ["原文", "数值", "类别", "对象", "社区", "街道", "区县", "地点可信度", "项目类型", "状态",
                 "年份", "来源"]

ds, filters = widgets.open_page(
    "数据明细", "每一条数字及其原文出处。点选一行即可查看原句（数字已标出）、来源文件和导入批次。")

links.adopt("q", None)          # a link to the evidence of a figure starts without a search
links.adopt("sort", SORTS, lambda k: SORTS[k][0], default=next(iter(SORTS)))
links.adopt("unsure", (False, True), lambda b: str(b).lower(), default=False)
left, right, unsure_col = st.columns([3, 2, 1.4], vertical_alignment="bottom")
query = left.text_input("搜索", key="q", bind="query-params",
                        placeholder="原文、对象、社区、街道、来源……多个词用空格分开")
how = right.selectbox("排序", list(SORTS), key="sort", bind="query-params",
                      format_func=lambda k: SORTS[k][0])

unsure = unsure_col.toggle("只看地点待核实", key="unsure", bind="query-params",
                          help="地点由重名社区、或文中找不到依据而未能确定的数字：请核对原句")
# read from the store a page at a time: filters, search and sort are done there (ui/evidence)
rows_query = evidence.claim_query(filters, query, how, unsure)
total = evidence.count_rows(ds, rows_query)
if not total:
    widgets.nothing_in_scope("符合条件的数据")
    st.stop()

page = widgets.page_picker(total, evidence.PAGE_ROWS, "page", rows_query)
shown = evidence.page_rows(ds, rows_query, page)
table = claims_table(shown, doc_labels(ds))
first = (page - 1) * evidence.PAGE_ROWS
st.caption(f"共 {format_count(total)} 条（未去重，每次提及一行）"
           + (f"，表格每页 {evidence.PAGE_ROWS} 条，当前第 {format_count(first + 1)}–"
              f"{format_count(first + len(shown))} 条，下载包含全部" if total > evidence.PAGE_ROWS else ""))

event = st.dataframe(
    blank_missing(table[TABLE_COLUMNS]), key="claims_table", on_select="rerun", selection_mode="single-row",
    hide_index=True, height=min(420, 52 + 35 * len(table)),   # room for the scroll bar
    column_config={"原文": st.column_config.TextColumn(width="small"),
                   "数值": st.column_config.TextColumn(width="small")})

selected = event.selection.rows if event is not None else []
if selected and selected[0] < len(shown):
    row = shown.iloc[selected[0]]
    st.query_params["claim"] = str(row["claim_id"])  # a copied link reopens this evidence
else:
    wanted = st.query_params.get("claim")
    match = shown[shown["claim_id"] == wanted] if wanted else shown.iloc[:0]
    row = match.iloc[0] if len(match) else evidence.find_claim(ds, rows_query, wanted)

st.subheader("依据原文")
if row is None:
    st.caption("在上表中点选一行（行首的选择框），这里显示它的原句、来源和导入批次。")
else:
    with st.container(border=True):
        widgets.evidence_card(ds, row)


st.subheader("下载")
c1, c2, c3 = st.columns([1, 1, 3])
c1.download_button("下载 CSV", data=lambda: evidence.export_csv(ds, rows_query),
                   file_name="社区数据明细.csv", mime="text/csv", on_click="ignore",
                   icon=":material/download:")
c2.download_button("下载 Excel", data=lambda: evidence.export_xlsx(ds, rows_query),
                   file_name="社区数据明细.xlsx", on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   disabled=total > XLSX_MAX_ROWS,
                   help=f"超过 {XLSX_MAX_ROWS:,} 行请下载 CSV" if total > XLSX_MAX_ROWS else None)
c3.caption("下载的是当前筛选和搜索下的全部行。CSV 为带 BOM 的 UTF-8，Excel 可直接打开；"
           "以 = + - @ 开头的单元格已加前缀 ' ，防止被当作公式执行。")
