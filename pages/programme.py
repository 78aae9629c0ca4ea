"""项目类型: compare programme types; for one type, its figures, where it happens, its leading
communities and its initiatives."""
import streamlit as st

from ui import charts, widgets
from ui.filters import clear_filters, set_filter
from ui.labels import programme_label
from ui.queries import (page_scope, programme_summary, scope_leading, scope_totals,
                        summary_by)

ds, filters = widgets.open_page(
    "项目类型", "按养老、儿童、志愿服务等项目类型比较。点选表格中的一行即查看该类型的详情。")
scope = page_scope(ds, filters)
programme = filters.single("programme")

if programme is None:
    summary = programme_summary(scope)
    if summary.empty:
        widgets.nothing_in_scope()
        st.stop()
    left, right = st.columns([3, 2])
    with left:
        st.subheader("各项目类型一览")
        widgets.pick_table(
            summary.assign(programme=summary["programme"].map(programme_label)).rename(columns={
                "programme": "项目类型", "facts": "数据条数", "achieved": "已实现",
                "planned": "计划目标", "communities": "涉及社区", "initiatives": "特色项目"}),
            list(summary["programme"]), key="pick_programme",
            on_pick=lambda v: set_filter("programme", [v]))
    right.plotly_chart(charts.programme_bars(
        summary.drop(columns="facts").melt(id_vars="programme", value_vars=["achieved", "planned"], var_name="status",
                     value_name="facts")), key="chart_programmes",
        config={"displayModeBar": False})
    st.stop()

label = programme_label(programme)
st.button("返回全部项目类型", on_click=clear_filters, args=("programme",),
          icon=":material/arrow_back:")
st.subheader(f"{label}：已实现的主要指标")
widgets.indicator_totals(scope_totals(scope, "achieved"), filters, "achieved")

st.plotly_chart(charts.unit_bars(summary_by(scope, "district"), "区（市）县", f"{label}："),
                key="chart_districts", config={"displayModeBar": False})

st.subheader(f"{label}：各指标领先的社区")
widgets.leading_tables(scope_leading(scope))

st.subheader(f"{label}：特色项目")
widgets.initiatives_block(scope.initiatives, "该类型暂无收录的特色项目。")
