"""总览: headline figures per kind, counts, the district tile map, district × programme, programme
bars and achieved versus planned, for the filters in the sidebar."""
import streamlit as st

from ui import widgets
from ui.overview import cached_overview

ds, filters = widgets.open_page(
    "总览", "成都市各区（市）县社区治理的主要数字。每个合计都可点开查看依据原文。")
view = cached_overview(ds, filters)
if view.counts.mentions == 0 and view.counts.communities == 0:
    widgets.nothing_in_scope()
    st.stop()

widgets.scope_metrics(view.counts)

st.subheader("已实现的主要数字")
st.caption("按类别分别合计，人、人次、户等不同单位从不相加；同一来源重复提及的数字只算一次；"
           "计划目标单独列出，不计入已实现。")
widgets.kind_totals(view.achieved, filters, "achieved")
if len(view.planned):
    with st.expander(f"计划目标（{int(view.planned['facts'].sum())} 条，未计入上面的合计）"):
        widgets.kind_totals(view.planned, filters, "planned")

left, right = st.columns([5, 7])
left.plotly_chart(view.figures["tiles"], key="chart_tiles", config={"displayModeBar": False})
right.plotly_chart(view.figures["heatmap"], key="chart_heatmap", config={"displayModeBar": False})
left, right = st.columns(2)
left.plotly_chart(view.figures["programmes"], key="chart_programmes", config={"displayModeBar": False})
right.plotly_chart(view.figures["status"], key="chart_status", config={"displayModeBar": False})
