"""区县: drill down district → street → community; the leading communities of each indicator and the
initiatives of the chosen area."""
import streamlit as st

from ui import charts, widgets
from ui.aggregate import leading_communities, totals_by_indicator
from ui.filters import clear_filters, filters_to_query, set_filter
from ui.formatting import format_count
from ui.markup import md
from ui.navigation import COMMUNITY_PAGE
from ui.community_profile import community_choices, community_key_label
from ui.queries import LEVEL_LABELS, above_level_facts, drill_level, scope_of, summary_by

ds, filters = widgets.open_page(
    "区县", "从区（市）县逐级查看到街道、社区：点选表格中的一行即进入下一级，筛选条件随之更新。")
scope = scope_of(ds, filters)
level = drill_level(filters)

# breadcrumb: 全市 › district › street › community, each a way back up
trail = [("全市", ("district", "street", "community"))]
for name, below in (("district", ("street", "community")), ("street", ("community",)),
                    ("community", ())):
    value = filters.single(name)
    if value is None:
        break
    trail.append((value, below))
crumbs = st.columns(len(trail) + 4)
for i, (label, below) in enumerate(trail):
    last = i == len(trail) - 1
    crumbs[i].button(md(label), key=f"crumb_{i}", disabled=last, on_click=clear_filters, args=below,
                     icon=":material/chevron_right:" if i else ":material/public:", width="stretch")
here = trail[-1][0] if len(trail) > 1 else "全市"

if level != "done":
    summary = summary_by(scope, level)
    st.subheader(f"{md(here)}各{LEVEL_LABELS[level]}")
    if summary.empty:
        widgets.nothing_in_scope(f"{LEVEL_LABELS[level]}数据")
    else:
        left, right = st.columns([3, 2])
        with left:
            widgets.pick_table(
                summary.rename(columns={"name": LEVEL_LABELS[level], "communities": "社区数",
                                        "facts": "数据条数", "achieved": "已实现",
                                        "planned": "计划目标", "initiatives": "特色项目"}),
                list(summary["name"]), key=f"drill_{level}",
                on_pick=lambda v, lv=level: set_filter(lv, [v]))
            above = above_level_facts(scope, level)
            if above:
                st.caption(f"另有 {format_count(above)} 条数据属于更上一级（街道、区县或全市层面），"
                           f"不在上表各行中。")
        right.plotly_chart(charts.unit_bars(summary, LEVEL_LABELS[level], here),
                           key="chart_units", config={"displayModeBar": False})
else:
    community = filters.single("community")
    st.success(f"已选定 {md(community)}。", icon=":material/home_work:")
    keys = community_choices(scope)
    if keys:
        st.page_link(COMMUNITY_PAGE, label=f"查看「{md(community)}」的社区档案", icon=":material/badge:",
                     query_params={**filters_to_query(filters),
                                   "profile": community_key_label(keys[0])})

st.subheader(f"{md(here)}已实现的主要指标")
widgets.indicator_totals(totals_by_indicator(scope.facts, "achieved"), filters, "achieved")

st.subheader("各指标领先的社区")
st.caption("按已实现数字的合计排名（去重后）；街道或全市层面的数字不计入任何社区。")
widgets.leading_tables(leading_communities(scope.facts, n=5))

st.subheader(f"{md(here)}的特色项目")
widgets.initiatives_block(scope.initiatives, "所选范围内暂无收录的特色项目。")
