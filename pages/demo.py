"""演示模式: a slide show of the filtered data for exchange meetings and award ceremonies. The
presenter picks slides and spotlight communities (kept in the URL, so a deck is a link), presents
full-screen with previous/next (← →) and an optional timed advance, and takes the same slides
away as an HTML report, a PowerPoint file or PNG pictures, all of which open without a network."""
import datetime as dt
import time

import streamlit as st

from ui import widgets
from ui.deck import deck_pptx
from ui.filters import describe_filters, filters_to_query
from ui.images import INSTALL_HINT, ImageExportUnavailable, images_zip, missing_requirements
from ui.community_profile import community_choices, community_key_label
from ui.queries import scope_of
from ui.report import CSS, report_html, slide_body_html, slide_head_html, slide_sources_html
from ui.slides import (PRESENT_PARAM, SLIDE_PARAM, Deck, build_deck, deck_title, deck_to_query,
                       export_name, limit, presenting, readable_query, scaled_figure,
                       slide_description, slide_from_query, slide_kinds, slide_label)
from ui.state import current_signature

# Presenting: Streamlit's chrome and everything but the slide hidden, type about 1.75× larger.
PRESENT_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding: 1.6rem 3.5rem .6rem !important; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]
  > :not(.st-key-stage):not(:has(.st-key-stage)) { display: none !important; }
.st-key-stage .deck-slide { --s: 1.75; }
/* a laptop or a 1366×768 projector: smaller type, so a slide still fits without scrolling */
@media (max-height: 960px), (max-width: 1600px) {
  .st-key-stage .deck-slide { --s: 1.25; }
  [data-testid="stMainBlockContainer"] { padding: 1rem 2.5rem .5rem !important; }
  .st-key-stage { min-height: calc(100vh - 1.5rem); }
  .st-key-stage .stButton button { font-size: 1rem; min-height: 2.4rem; } }
@media (max-height: 700px) { .st-key-stage .deck-slide { --s: 1.1; } }
.st-key-stage .kind-spotlight .evidence-list li { font-size: calc(var(--s) * .9rem); line-height: 1.5;
  padding: .15em .7em; margin: .25em 0; }
.st-key-stage .kind-spotlight ul.bullets { columns: 2; column-gap: 2.5rem; line-height: 1.45; }
.st-key-stage .stButton button { font-size: 1.2rem; min-height: 3rem; }
/* the slide fills the screen: the chart takes the room left, the controls sit at the bottom */
.st-key-stage { min-height: calc(100vh - 2.2rem); }
.st-key-stage > .st-key-stage_chart { flex: 1 1 0; min-height: 16rem; }
.st-key-stage > :has(> .st-key-deck_controls) { margin-top: auto; }
"""
PREVIEW_CSS = """
.st-key-stage { border: 1px solid #dfe5ee; border-radius: .6rem; padding: 1rem 1.4rem; }
"""
CHART_SIZE = {True: (22, 700), False: (14, 420)}   # presenting? → (font size, chart height)
AUTO_CHOICES = (0, 5, 10, 15, 20, 30, 60)

ds, filters = widgets.open_page(
    "演示模式", "为交流分享会、表彰会准备一套幻灯片：选择页面和社区，全屏放映，"
                "或下载离线可用的 HTML 报告、PPT 和图片。链接里保存了所选内容。")
present = presenting(st.query_params)
st.html(f"<style>{CSS}{PRESENT_CSS if present else PREVIEW_CSS}</style>")
today = dt.date.today()

# ---- ① the deck: which slides, which communities, how fast -------------------------------------
keys = community_choices(scope_of(ds, filters))
if st.session_state.get("spot"):  # a community left out by a changed filter is no longer an option
    st.session_state["spot"] = [k for k in st.session_state["spot"] if k in keys]
with st.container(key="deck_setup"):
    st.subheader("① 选择幻灯片")
    kinds = st.pills(
        "幻灯片（点选加入或去掉，按此顺序放映）", slide_kinds(), selection_mode="multi",
        default=list(Deck.default().kinds), format_func=slide_label, key="slides",
        bind="query-params",
        help="；".join(f"{slide_label(k)}：{slide_description(k)}" for k in slide_kinds())) or []
    mid, right = st.columns([4, 1])
    spots = mid.multiselect(
        "社区风采：展示哪些社区", keys, format_func=community_key_label, key="spot",
        bind="query-params", max_selections=8,
        placeholder=f"自动：数字最多的 {limit('default_spotlights')} 个社区",
        disabled="spotlight" not in kinds)
    auto = right.selectbox("自动翻页", AUTO_CHOICES, key="auto", bind="query-params",
                           format_func=lambda s: f"每 {s} 秒" if s else "不自动")
deck = Deck(kinds=tuple(k for k in slide_kinds() if k in kinds), spotlights=tuple(spots),
            auto=int(auto or 0))


@st.cache_data(max_entries=32, show_spinner="正在准备幻灯片……")
def deck_slides(signature: tuple, filters, deck: Deck, today: dt.date, _ds):
    return build_deck(_ds, filters, deck, today)


@st.cache_data(max_entries=8, show_spinner=False)
def deck_images(signature: tuple, _slides) -> bytes:
    """The chart pictures of a deck (a few seconds: a browser draws them), once per deck."""
    return images_zip(_slides)


slides = deck_slides(current_signature(), filters, deck, today, ds)
if not slides:
    if deck.kinds:  # only 社区风采, and no community in scope has a figure to show
        st.warning("所选范围内没有收录数字的社区，「社区风采」没有可放映的页面。"
                   "请在上面选择社区，或加入其他幻灯片。", icon=":material/slideshow:")
    else:
        st.warning("还没有选择任何幻灯片。请在上面的「幻灯片」中至少选择一页。",
                   icon=":material/slideshow:")
    st.stop()


# ---- ② the stage: one slide, previous / next, presenting ---------------------------------------

def go_to(number: int) -> None:
    st.query_params[SLIDE_PARAM] = str(number)


def advance_on_time(current: int, count: int, seconds: int) -> int:
    """The slide to show now: the next one (after the last, the first) once the current one has
    been up for `seconds`; the timer restarts whenever the slide changes."""
    now = time.monotonic()
    shown = st.session_state.get("deck_clock")
    if seconds and shown and shown[0] == current and now - shown[1] >= seconds - 0.5:
        current = current % count + 1
        go_to(current)
    if not shown or shown[0] != current:
        st.session_state["deck_clock"] = (current, now)
    return current


def set_presenting(on: bool) -> None:
    if on:
        st.query_params[PRESENT_PARAM] = "1"
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]


@st.fragment(run_every=deck.auto if present and deck.auto else None)
def stage() -> None:
    count = len(slides)
    current = advance_on_time(slide_from_query(st.query_params, count), count,
                              deck.auto if present else 0)
    slide = slides[current - 1]
    font, height = CHART_SIZE[present]
    with st.container(key="stage"):
        st.html(f'<div class="deck-slide kind-{slide.kind}">'
                f"{slide_head_html(slide, current, count)}</div>")
        if slide.chart is not None:
            tall = height - (150 if slide.numbers else 0) - (40 if slide.note else 0)
            st.plotly_chart(scaled_figure(slide.chart, font, tall, title=False),
                            config={"displayModeBar": False}, key="stage_chart",
                            height="stretch" if present else "content")
        st.html(f'<div class="deck-slide kind-{slide.kind}">{slide_body_html(slide)}'
                f"{slide_sources_html(slide)}</div>")
        controls = st.container(key="deck_controls")
        back, where, forward, mode = controls.columns([2, 1, 2, 2], vertical_alignment="center")
        back.button("上一页", icon=":material/arrow_back:", width="stretch", shortcut="Left",
                    disabled=current == 1, on_click=go_to, args=(current - 1,), key="deck_prev")
        where.markdown(f"**{current} / {count}**", text_alignment="center")
        forward.button("下一页", icon=":material/arrow_forward:", width="stretch",
                       shortcut="Right", disabled=current == count, on_click=go_to,
                       args=(current + 1,), key="deck_next")
        # not callbacks: a button in a fragment reruns only the fragment, and entering or leaving
        # the presentation redraws the whole page (menu, sidebar, setup), so rerun the app
        if present:
            leave = mode.button("退出演示", icon=":material/close_fullscreen:", width="stretch",
                                shortcut="Esc", key="deck_exit")
        else:
            leave = mode.button("开始演示", icon=":material/slideshow:", type="primary",
                                width="stretch", key="deck_start")
        if leave:
            set_presenting(not present)
            st.rerun(scope="app")


if not present:
    st.subheader("② 预览与放映")
    st.caption("「开始演示」后隐藏菜单和侧栏、放大字号；按 ← → 翻页，Esc 退出；"
               "浏览器全屏请按 F11。")
stage()

# ---- ③ take it away: the same slides as files that open without a network -----------------------

if not present:
    with st.container(key="deck_exports"):
        st.subheader("③ 演示链接与下载")
        query = {**filters_to_query(filters), **deck_to_query(deck, present=True)}
        base = (st.context.url or "").split("?")[0]
        st.markdown("**演示链接**（打开即按所选页面全屏放映）")
        st.code(f"{base}?{readable_query(query)}", language=None, wrap_lines=True)
        scope_text = describe_filters(filters) or "全市全部数据"
        signature = (current_signature(), filters, deck, today)

        def export_html() -> bytes:
            return report_html(slides, deck_title(filters), scope_text).encode("utf-8")

        def export_pptx() -> bytes:
            return deck_pptx(slides)

        cols = st.columns(3)
        cols[0].download_button(
            "HTML 报告（离线可看，图表可交互）", export_html, icon=":material/html:",
            file_name=export_name(filters, today, "html"), mime="text/html", on_click="ignore",
            width="stretch", key="export_html")
        cols[1].download_button(
            "PPT 幻灯片（图表可编辑）", export_pptx, icon=":material/co_present:",
            file_name=export_name(filters, today, "pptx"), on_click="ignore", width="stretch",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="export_pptx")
        problems = missing_requirements()
        if problems:
            cols[2].warning("无法导出图片：" + "；".join(problems) + "。" + INSTALL_HINT,
                            icon=":material/warning:")
        elif cols[2].button("生成图表图片（PNG）", icon=":material/image:", width="stretch",
                            key="make_png") or st.session_state.get("png_for") == signature:
            try:
                with st.spinner("正在用浏览器绘制图片……"):
                    pictures = deck_images(signature, _slides=slides)
                st.session_state["png_for"] = signature
                cols[2].download_button(
                    f"下载 {sum(s.chart is not None for s in slides)} 张图片（ZIP）", pictures, icon=":material/download:",
                    file_name=export_name(filters, today, "zip"), mime="application/zip",
                    on_click="ignore", width="stretch", key="export_png")
            except ImageExportUnavailable as exc:
                cols[2].error(str(exc), icon=":material/error:")
        st.caption("三种文件与上面的幻灯片内容相同，每张图都注明所依据的文章或导入批次；"
                   "文件名含筛选范围和日期。")
