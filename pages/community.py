"""社区档案: one community's secretary, place, programmes, every claim with its sentence,
initiatives and sources."""
from dataclasses import replace

import streamlit as st

from ui import links, widgets
from ui.aggregate import per_capita, totals_by_indicator
from ui.formatting import blank_missing, format_count
from ui.labels import programme_label
from ui.markup import html_text, md
from ui.claim_rows import claims_table
from ui.community_profile import community_choices, community_key_label, community_profile
from ui.initiative_rows import initiatives_table
from ui.provenance import doc_labels
from ui.queries import page_scope
from ui.slides import ranked_spotlights

CARDS = 60  # sentences shown as cards; the table below lists every claim

ds, filters = widgets.open_page(
    "社区档案", "一个社区的基本情况、全部数字及其原文、特色项目和来源。")
scope = page_scope(ds, filters)
choices = community_choices(scope)
if not choices:
    widgets.nothing_in_scope("社区")
    st.stop()

links.adopt("profile", choices, community_key_label)
# opens on the community the filters point at, else on the one with the most figures
pointed = next((k for k in choices if k.split("|")[2] == filters.single("community")), None)
if st.session_state.get("profile") not in choices or (
        pointed and st.session_state.get("profile") != pointed):
    st.session_state["profile"] = pointed or next(iter(ranked_spotlights(scope)), choices[0])
key = st.selectbox("选择社区", choices, key="profile", bind="query-params",
                   format_func=community_key_label,
                   help="列表随左侧的区县、街道等筛选缩小；可输入社区名称查找。")
profile = community_profile(ds, key, filters)

st.header(md(profile.community))
place = " · ".join(x for x in (profile.district, profile.street) if x)
secretary = (f"{md(profile.title or '书记')}：{md(profile.secretary)}" if profile.secretary
             else "书记：未收录")
st.markdown(f"{md(place) or '所属街道未收录'}　|　{secretary}")
if profile.programmes:
    tags = "".join(f'<span class="tag">{html_text(programme_label(p))}</span>'
                   for p in profile.programmes)
    st.markdown(tags, unsafe_allow_html=True)

st.subheader("已实现的主要指标")
# links from the totals open the explorer on exactly this community (with the other filters)
here = replace(filters, district=(profile.district,) if profile.district else (),
               street=(profile.street,) if profile.street else (), community=(profile.community,))
totals = totals_by_indicator(profile.claims, "achieved")
widgets.indicator_totals(totals, here, "achieved")
widgets.per_capita_block(per_capita(totals))

st.subheader(f"全部数字及原文（{format_count(len(profile.claims))} 条）")
if profile.claims.empty:
    st.caption("该社区暂无收录的数字。")
else:
    for _, row in profile.claims.head(CARDS).iterrows():
        with st.container(border=True):
            widgets.evidence_card(ds, row)
    if len(profile.claims) > CARDS:
        st.caption(f"以上为前 {CARDS} 条；全部 {format_count(len(profile.claims))} 条见下表。")
        st.dataframe(blank_missing(claims_table(profile.claims, doc_labels(ds))
                                   .drop(columns=["编号", "批次"])), hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader("特色项目")
    inits = initiatives_table(profile.initiatives, doc_labels(ds))
    if inits.empty:
        st.caption("暂无收录的特色项目。")
    for r in inits.itertuples():
        st.markdown(f"**{md(r.项目名称)}**　{md(r.项目类型)} · {md(r.状态)}")
        st.caption(f"{md(r.依据原句)}（来源：{md(r.来源)}）")
with right:
    st.subheader("来源")
    names = doc_labels(ds)
    for r in profile.documents.itertuples():   # the title; the file name on hover
        st.markdown(f'- <span title="{html_text(md(str(r.doc)))}">'
                    f"{html_text(md(names.get(r.doc, str(r.doc))))}</span>",
                    unsafe_allow_html=True)
