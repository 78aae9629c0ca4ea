"""总览: headline figures per indicator (the user picks which, kept in the URL), counts, the
district tile map, district × programme, programme bars and achieved versus planned, for the
filters in the sidebar."""
import streamlit as st

from ui import widgets
from ui.labels import indicator_label
from ui.overview import cached_overview, pick_indicators

ds, filters = widgets.open_page(
    "总览", "成都市各区（市）县社区治理的主要数字。每个合计都可点开查看依据原文。")
view = cached_overview(ds, filters)
if view.counts.mentions == 0 and view.counts.communities == 0:
    widgets.nothing_in_scope()
    st.stop()

widgets.scope_metrics(view.counts)

st.subheader("已实现的主要指标")
shown = st.multiselect("显示哪些指标", widgets.indicator_choices(), key="show",
                       bind="query-params", format_func=indicator_label, placeholder="全部指标",
                       help="选择总览显示的指标，选择保存在网址中；不选则显示全部。")
st.caption("按指标分别合计：服务人次、志愿者人数、投入资金等不同指标从不相加；同一来源重复提及的数字只算一次；"
           "人口、户数、面积等规模指标同一地点只取一个数；日均、年均等频率和百分比不相加；计划目标单独列出。"
           "把鼠标移到指标名旁的问号上可看指标解释。")
widgets.indicator_totals(pick_indicators(view.achieved, shown), filters, "achieved")
planned = pick_indicators(view.planned, shown)
if len(planned):
    with st.expander(f"计划目标（{int(planned['facts'].sum())} 条，未计入上面的合计）"):
        widgets.indicator_totals(planned, filters, "planned")

left, right = st.columns([5, 7])
left.plotly_chart(view.figures["tiles"], key="chart_tiles", config={"displayModeBar": False})
with right:
    heat = st.selectbox("区县 × 项目类型显示", ["facts", *widgets.indicator_choices(total=True)],
                        key="heat", bind="query-params",
                        format_func=lambda c: "数据条数" if c == "facts" else f"{indicator_label(c)}（已实现合计）")
    figure = (view if heat == "facts" else cached_overview(ds, filters, heat)).figures["heatmap"]
    st.plotly_chart(figure, key="chart_heatmap", config={"displayModeBar": False})
left, right = st.columns(2)
left.plotly_chart(view.figures["programmes"], key="chart_programmes", config={"displayModeBar": False})
right.plotly_chart(view.figures["status"], key="chart_status", config={"displayModeBar": False})
