"""The 数据上传 page with articles that are not plain files (AppTest): pasted text and a web link
reviewed and committed with their source, a link that fails, a photographed page reviewed
beside its page image, and a cancelled OCR that writes nothing."""
import hashlib
import io

from PIL import Image

from loaders.store import list_batches
from tests.test_ocr import SENTENCE, line_image
from tests.test_upload_page import open_upload, store, store_hash, texts, upload  # noqa: F401
from tests.test_webpage import closed_port, local_server, server  # noqa: F401
from ui.sources import CANCELLED, highlighted_page

PASTED = "青柳社区新建共享书屋3处，累计服务居民1200余人次。"


def test_pasted_text_is_reviewed_and_committed_with_its_source(store, monkeypatch):
    at = open_upload(store, monkeypatch)
    at.text_area(key="paste_text").set_value(PASTED)
    at.text_input(key="paste_title").set_value("青柳社区简报")
    at.text_input(key="paste_source").set_value("锦江区[社区]工作群")
    at.button(key="paste_read").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "识别出数据 2 条" in texts(at.markdown)
    assert "来源：锦江区\\[社区\\]工作群" in texts(at.caption)   # escaped for markdown
    at.button(key="commit_article").click().run()
    assert not at.exception
    assert "已导入“粘贴：青柳社区简报”" in texts(at.success)
    batch = list_batches(store).query("kind == 'article'").iloc[0]
    assert batch["source"] == {"title": "青柳社区简报", "source": "锦江区[社区]工作群"}
    assert batch["rows"]["claims"] == 2


def test_a_link_is_read_and_a_failing_link_writes_nothing(store, monkeypatch, server):  # noqa: F811
    at = open_upload(store, monkeypatch)
    before = store_hash(store)
    at.text_input(key="link_url").set_value(f"http://127.0.0.1:{closed_port()}/a")
    at.button(key="link_read").click().run()
    assert "没有联网" in texts(at.error) and store_hash(store) == before
    at.text_input(key="link_url").set_value(server + "/news")
    at.button(key="link_read").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "识别出数据 7 条" in texts(at.markdown)
    assert "成都社区新闻网 · 2026-10-12" in texts(at.caption)   # through ui.markup.md
    at.button(key="commit_article").click().run()
    assert "已导入“网页：锦绣社区：共享书屋开到家门口”" in texts(at.success)


def test_a_photo_is_reviewed_beside_its_page(store, monkeypatch):
    img, _ = line_image()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    at = upload(open_upload(store, monkeypatch), "照片.png", buf.getvalue(), "image/png")
    assert "识别出数据 2 条" in texts(at.markdown)
    assert "对照原页面" in texts(at.markdown)
    assert "第 1 页（共 1 页），红框处" in texts(at.caption)
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    assert at.selectbox(key=f"page_view_{sha}").options[0].startswith("3处")
    assert at.get("image")                                  # the page, the figure outlined
    doc = at.session_state["upload"].doc
    assert SENTENCE == doc.text
    at.button(key="commit_article").click().run()
    assert "已导入“照片.png”" in texts(at.success)


def test_a_cancelled_ocr_writes_nothing_and_is_not_read_again(store, monkeypatch):
    img, _ = line_image()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    at = open_upload(store, monkeypatch)
    before = store_hash(store)
    pages = []

    def cancel_pressed(image):
        """What the 取消识别 button does while a page is read: its callback marks the file, and
        Streamlit stops this run and starts the next."""
        import streamlit as st

        pages.append(image)
        st.session_state[CANCELLED] = st.session_state["upload_file_0"].file_id
        st.rerun()

    monkeypatch.setattr("loaders.ocr.recognise_upright", cancel_pressed)
    upload(at, "照片.png", buf.getvalue(), "image/png")
    assert len(pages) == 1                                  # the next run did not read it again
    assert "已取消识别" in texts(at.info) and store_hash(store) == before
    assert not [b for b in at.button if b.key == "commit_article"]
    assert at.button(key="ocr_again")


def test_the_figure_is_outlined_on_the_page():
    from loaders.layout import Layout, Line, PageImage

    page = Image.new("L", (200, 100), 255)
    buf = io.BytesIO()
    page.save(buf, format="PNG")
    doc = type("Doc", (), {"layout": Layout([PageImage(buf.getvalue(), 400, 200)],
                                            [Line(0, 0, "一二三四", ((0, 0), (400, 0), (400, 40), (0, 40)))])})
    shown = Image.open(io.BytesIO(highlighted_page(doc, 0, [(100, 20, 300, 60)]))).convert("RGB")
    assert shown.size == (200, 100)                      # boxes scaled to the shown image
    assert shown.getpixel((100, 20)) != (255, 255, 255)  # inside the box: shaded
    assert shown.getpixel((10, 80)) == (255, 255, 255)   # outside: untouched
