"""演示模式 through Streamlit's AppTest on the fixture store: a deck link reopens the deck (slides,
spotlights, slide number, presenting), next/previous move through it, downloads are named by
scope and date, and an empty choice says what to do."""
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from loaders.synth import write_fixture

APP = Path(__file__).resolve().parent.parent / "dashboard.py"
PAGE = "pages/demo.py"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-store")
    write_fixture(root)
    return root


def open_demo(store, monkeypatch, query=None) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stage_text(at) -> str:
    """The HTML of the slide on the stage (its head and body blocks)."""
    return "\n".join(h.proto.body for h in at.get("html") if "deck-slide" in h.proto.body
                     and "<style>" not in h.proto.body)


def test_deck_link_reopens_the_deck(store, monkeypatch):
    at = open_demo(store, monkeypatch, {
        "district": "武侯区", "slides": ["封面", "社区风采", "资料来源"],
        "spot": "玉林东路社区（武侯区玉林街道）", "slide": "2"})
    assert at.pills(key="slides").value == ["title", "spotlight", "sources"]
    assert at.multiselect(key="spot").value == ["武侯区|玉林街道|玉林东路社区"]
    html = stage_text(at)
    assert "2 / 3" in html and "社区风采：玉林东路社区" in html
    assert "<mark>近2.1万人</mark>" in html and "《玉林东路社区：让老人住得安心》" in html
    assert "b.txt" not in html              # the document by its title, not its file id


@pytest.mark.parametrize("slide,title", [("1", "成都市社区治理工作交流"), ("2", "成都市已实现的主要数字"),
                                         ("3", "各区县对比"), ("4", "成都市项目类型分布")])
def test_each_slide_of_the_default_deck(store, monkeypatch, slide, title):
    at = open_demo(store, monkeypatch, {"slide": slide})
    assert f'<div class="slide-title">{title}</div>' in stage_text(at)


def test_next_and_previous(store, monkeypatch):
    at = open_demo(store, monkeypatch, {"slides": ["封面", "核心数字", "资料来源"]})
    assert "1 / 3" in stage_text(at) and at.button(key="deck_prev").disabled
    at.button(key="deck_next").click().run()
    assert at.query_params["slide"] == "2"
    assert "已实现的主要数字" in stage_text(at) and "7400余人次" in stage_text(at)
    at.button(key="deck_next").click().run()
    assert "资料来源" in stage_text(at) and at.button(key="deck_next").disabled
    at.button(key="deck_prev").click().run()
    assert "2 / 3" in stage_text(at)


def test_presenting_hides_the_chrome_and_offers_a_way_out(store, monkeypatch):
    at = open_demo(store, monkeypatch, {"present": "1", "slides": ["区域对比"]})
    css = "\n".join(h.proto.body for h in at.get("html") if "<style>" in h.proto.body)
    assert 'data-testid="stSidebar"' in css and "display: none" in css
    assert at.button(key="deck_exit")
    assert len(at.get("plotly_chart")) == 1
    at.button(key="deck_exit").click().run()
    assert "present" not in at.query_params
    assert at.button(key="deck_start")


def test_exports_are_offered_and_built_only_on_click(store, monkeypatch):
    at = open_demo(store, monkeypatch, {"district": "成华区"})
    buttons = {b.key: b for b in at.get("download_button")}
    assert set(buttons) == {"export_html", "export_pptx"}
    for b in buttons.values():  # a deferred download: the file is made when the button is pressed
        assert b.proto.deferred_file_id and not b.proto.url
    assert at.button(key="make_png")  # pictures take seconds: made on request
    link = at.code[0].value
    assert "present=1" in link and "district=成华区" in link and "slides=封面" in link


def test_no_slides_chosen(store, monkeypatch):
    at = open_demo(store, monkeypatch)
    at.pills(key="slides").set_value([]).run()
    assert not at.exception
    assert any("至少选择一页" in w.value for w in at.warning)


def test_the_shown_link_is_readable_and_reopens_the_same_deck(store, monkeypatch):
    at = open_demo(store, monkeypatch, {
        "district": "武侯区", "slides": ["封面", "社区风采"], "spot": "玉林东路社区（武侯区玉林街道）"})
    link = at.code[0].value
    assert "%E" not in link and "spot=玉林东路社区（武侯区玉林街道）" in link
    params = parse_qs(urlsplit(link).query)   # what a browser sends when the link is opened
    again = open_demo(store, monkeypatch, params)
    assert again.query_params["present"] == "1"
    assert again.pills(key="slides").value == at.pills(key="slides").value == ["title", "spotlight"]
    assert again.multiselect(key="spot").value == ["武侯区|玉林街道|玉林东路社区"]
    assert "1 / 2" in stage_text(again) and "武侯区社区治理工作交流" in stage_text(again)
