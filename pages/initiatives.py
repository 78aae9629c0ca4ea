"""特色项目: the catalogue of named projects (喘息计划, 社区书院…), searchable, by district and
programme, each linked to its community and its source."""
import streamlit as st

from ui import charts, links, widgets
from ui.filters import filters_to_query
from ui.formatting import blank_missing, highlight_evidence
from ui.markup import md
from ui.navigation import COMMUNITY_PAGE
from ui.community_profile import community_key, community_key_label
from ui.initiative_rows import initiatives_table, search_initiatives
from ui.provenance import doc_labels
from ui.queries import page_scope

ds, filters = widgets.open_page(
    "特色项目", "各社区打造的特色项目与品牌，交流考察时最常被问到。点选一行查看出处并前往社区档案。")
scope = page_scope(ds, filters)
links.adopt("iq", None)
query = st.text_input("搜索项目", key="iq", bind="query-params",
                      placeholder="项目名称、社区、街道、项目类型……")
found = search_initiatives(scope.initiatives, query)
table = initiatives_table(found, doc_labels(ds))
if table.empty:
    widgets.nothing_in_scope("特色项目")
    st.stop()

by_district, by_programme = st.columns(2)
by_district.plotly_chart(charts.count_bars(table["区县"].fillna("未注明").value_counts(),
                                           "按区（市）县"), config={"displayModeBar": False},
                         key="chart_init_districts")
by_programme.plotly_chart(charts.count_bars(table["项目类型"].value_counts(), "按项目类型"),
                          config={"displayModeBar": False}, key="chart_init_programmes")

st.subheader(f"项目目录（{len(table)} 个）")
event = st.dataframe(blank_missing(table.drop(columns=["依据原句"])), key="initiative_table", on_select="rerun",
                     selection_mode="single-row", hide_index=True, width="stretch")
rows = event.selection.rows if event is not None else []
if not rows:
    st.caption("点选一行（行首的选择框）查看项目的原文出处和所在社区。")
else:
    r = table.iloc[rows[0]]
    with st.container(border=True):
        st.markdown(f"### {md(r['项目名称'])}")
        st.markdown(f'<div class="evidence">{highlight_evidence(r["依据原句"], r["项目名称"])}</div>',
                    unsafe_allow_html=True)
        st.caption(f"{md(r['项目类型'])} · {md(r['状态'])} · 来源：{md(r['来源'])}")
        if isinstance(r["社区"], str):
            key = community_key(r["区县"], r["街道"], r["社区"])
            st.page_link(COMMUNITY_PAGE, label=f"前往「{md(r['社区'])}」的社区档案",
                         icon=":material/badge:", query_params={**filters_to_query(filters),
                                       "profile": community_key_label(key)})
