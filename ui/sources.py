"""Articles that are not plain files, on the 数据上传 page: photos and scans read page by page
with a progress bar and a cancel button, a web link, pasted text, and the page image beside the
text during review (the figure's box highlighted). Reading and extraction are loaders'
(readers, ocr, webpage, pipeline); nothing here writes to the store."""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from loaders.errors import LoaderError
from loaders.ocr import IMAGE_SUFFIXES
from loaders.readers import read_bytes, read_link, read_pasted

from .markup import md

# Prefixes of Upload.file_id for articles that did not come through the file chooser.
TYPED = ("paste:", "url:")
CANCELLED = "ocr_cancelled"


def source_caption(source) -> str:
    """A web page's or pasted text's source as one markdown-safe line, or "" when none."""
    if not isinstance(source, dict):
        return ""
    parts = [source.get(k) for k in ("site", "date", "source", "url")]
    return " · ".join(md(p) for p in parts if isinstance(p, str) and p)


def needs_ocr(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES + (".pdf",))


def _cancel(file_id: str) -> None:
    st.session_state[CANCELLED] = file_id


def cancelled(file_id: str, name: str) -> bool:
    """After a cancel: say that nothing was written and offer to read the file again."""
    if st.session_state.get(CANCELLED) != file_id:
        return False
    st.info(f"已取消识别“{md(name)}”，没有写入任何数据。可以换一个文件，或重新识别。",
            icon=":material/cancel:")
    if st.button("重新识别", key="ocr_again", icon=":material/refresh:"):
        st.session_state.pop(CANCELLED, None)
        st.rerun()
    return True


def read_with_progress(data: bytes, name: str, limit: int, file_id: str):
    """read_bytes with, for pages that are OCR'd, a progress bar per page and a cancel button.
    Pressing cancel stops this run (Streamlit stops a script when a widget is used) and the
    next run finds the file marked as cancelled: nothing is kept, nothing written."""
    box = st.empty()
    state = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in state:
            with box.container():
                state["bar"] = st.progress(0.0, text=f"正在识别“{name}”的文字（共 {total} 页）……")
                st.button("取消识别", key=f"ocr_cancel_{file_id}", on_click=_cancel,
                          args=(file_id,), icon=":material/stop_circle:")
        state["bar"].progress(done / max(total, 1),
                              text=f"正在识别“{name}”：第 {min(done + 1, total)} / {total} 页"
                              if done < total else f"“{name}”识别完成，正在找数字……")

    try:
        with st.spinner("正在读取文章……"):
            return read_bytes(data, name, max_bytes=limit,
                              progress=progress if needs_ocr(name) else None)
    finally:
        box.empty()


def text_or_link(limit: int):
    """The paste box and the link box. Returns a Document when one was just read, else None."""
    with st.expander("没有文件？粘贴文字或网页链接", icon=":material/edit_note:"):
        paste, link = st.tabs(["粘贴文字", "网页链接"])
        with paste:
            text = st.text_area("文章或段落（从微信、报告中复制）", key="paste_text", height=180,
                                placeholder="例如：青柳社区今年新建共享书屋3处，服务居民1200余人次。")
            cols = st.columns(2)
            title = cols[0].text_input("标题（可不填）", key="paste_title")
            source = cols[1].text_input("来源（可不填，如“锦江区某社区工作群”）", key="paste_source")
            if st.button("识别这段文字", key="paste_read", icon=":material/text_snippet:"):
                return _read(lambda: read_pasted(text, title, source, limit), "粘贴的文字")
        with link:
            url = st.text_input("网页链接（需要本机能上网）", key="link_url",
                                placeholder="https://mp.weixin.qq.com/s/…")
            st.caption("没有网络时，可以在能上网的电脑上把文章“另存为”网页（.html 或 .mhtml），"
                       "再用上面的文件选择上传。")
            if st.button("读取网页", key="link_read", icon=":material/link:"):
                with st.spinner("正在读取网页……"):
                    return _read(lambda: read_link(url, limit), "网页")
    return None


def _read(read, what: str):
    try:
        return read()
    except LoaderError as err:
        st.error(f"没有读取{what}：{md(str(err))}", icon=":material/error:")
        return None


# ---------------------------------------------------------------------------------------------
# The page beside the text

def highlighted_page(doc, page: int, boxes) -> bytes:
    """The page image (PNG) with the given boxes (in page pixels) outlined and shaded."""
    from PIL import Image, ImageDraw

    shown = doc.layout.pages[page]
    image = Image.open(io.BytesIO(shown.png)).convert("RGB")
    scale = image.width / shown.width
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        rect = [x0 * scale - 3, y0 * scale - 3, x1 * scale + 3, y1 * scale + 3]
        draw.rectangle(rect, fill=(255, 200, 0, 90), outline=(220, 40, 40, 255), width=3)
    out = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()


def _claim_label(row) -> str:
    evidence = str(row["evidence"]).replace("\n", "")
    return f"{str(row['text']).replace(chr(10), '')}　{evidence[:28]}{'…' if len(evidence) > 28 else ''}"


def page_view(doc, claims: pd.DataFrame, key: str) -> None:
    """For an OCR'd article: choose a figure, see it highlighted on the page and in its sentence."""
    if doc is None or doc.layout is None or not doc.layout.lines or not len(claims):
        return
    from .widgets import evidence_html

    st.markdown("**对照原页面**（选一个数字，看它在页面上的位置）")
    rows = claims.reset_index(drop=True)
    i = st.selectbox("数字", range(len(rows)), format_func=lambda i: _claim_label(rows.iloc[i]),
                     key=f"page_view_{key}")
    row = rows.iloc[i]
    pieces = doc.layout.boxes(int(row["start"]), int(row["end"]))
    left, right = st.columns([3, 2])
    with right:
        st.markdown(f'<div class="evidence">{evidence_html(row)}</div>', unsafe_allow_html=True)
        if pieces:
            st.caption(f"第 {pieces[0][0] + 1} 页（共 {len(doc.layout.pages)} 页），红框处。")
        else:
            st.caption("这个数字来自 PDF 的文字层，没有页面图像。")
    with left:
        if pieces:
            page = pieces[0][0]
            st.image(highlighted_page(doc, page, [b for p, b in pieces if p == page]),
                     width="stretch")


__all__ = ["read_with_progress", "text_or_link", "page_view", "cancelled", "source_caption",
           "highlighted_page", "needs_ocr", "TYPED"]
