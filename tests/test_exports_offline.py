"""The three exports of a deck on the fixture store: the PPTX reopens with python-pptx with the
chosen slides, native charts and sources; the HTML holds every chart and source and loads nothing
from outside the file (checked in the text and in headless chromium with the network off); each
PNG has the asked size, is not blank, and a missing browser or font is reported in Chinese."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import pickle
import re
import struct
import zipfile
import zlib

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from loaders.synth import write_fixture
from tests.browser.harness import CHROMIUM_MISSING, new_tab, running_chromium
from ui import images
from ui.dataset import load_dataset
from ui.deck import FOOTER_HEIGHT, INNER, deck_pptx, fits, footer_text, lines_needed
from ui.queries import Filters
from ui.report import report_html
from ui.slide_parts import Number, Slide, Source
from ui.slides import Deck, build_deck, deck_sources

DAY = dt.date(2026, 11, 21)
FIVE = Deck(kinds=("title", "headline", "district", "programme", "spotlight", "sources"),
            spotlights=("武侯区|玉林街道|玉林东路社区",))


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    root = tmp_path_factory.mktemp("export-store")
    write_fixture(root)
    return build_deck(load_dataset(root), Filters(), FIVE, DAY)


@pytest.fixture(scope="module")
def spotlight_peihua(tmp_path_factory):
    """培华路社区's spotlight, whose 50万元 sentence holds markup-like text (<年营收>)."""
    root = tmp_path_factory.mktemp("export-store-a")
    write_fixture(root)
    deck = Deck(kinds=("spotlight",), spotlights=("成华区|猛追湾街道|培华路社区",))
    return build_deck(load_dataset(root), Filters(), deck, DAY)


# ---- PPTX ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def presentation(slides):
    return Presentation(io.BytesIO(deck_pptx(slides)))


def _texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def test_pptx_has_the_chosen_slides_and_titles(slides, presentation):
    assert len(presentation.slides) == len(slides) == 6
    for ours, theirs in zip(slides, presentation.slides):
        assert ours.title in _texts(theirs)


@pytest.mark.parametrize("kind", ["district", "programme"])
def test_pptx_charts_are_native_with_the_same_numbers(slides, presentation, kind):
    i = [s.kind for s in slides].index(kind)
    charts = [s.chart for s in presentation.slides[i].shapes if s.shape_type == MSO_SHAPE_TYPE.CHART]
    assert len(charts) == 1
    native, fig = charts[0], slides[i].chart
    plot = native.plots[0]
    assert list(plot.categories) == [str(c) for c in fig.data[0].y]
    for series, trace in zip(plot.series, fig.data):
        assert series.name == trace.name
        assert list(series.values) == [float(v) for v in trace.x]


def test_pptx_from_slides_that_went_through_a_cache(slides):
    """Streamlit's cache pickles the slides, and plotly then keeps numbers as base64 arrays."""
    cached = pickle.loads(pickle.dumps(slides))
    again = Presentation(io.BytesIO(deck_pptx(cached)))
    i = [s.kind for s in slides].index("district")
    chart = [s.chart for s in again.slides[i].shapes if s.shape_type == MSO_SHAPE_TYPE.CHART][0]
    assert [list(s.values) for s in chart.plots[0].series] == [
        [float(v) for v in t.x] for t in slides[i].chart.data]


def test_pptx_headline_figures_are_text(slides, presentation):
    i = [s.kind for s in slides].index("headline")
    text = "\n".join(_texts(presentation.slides[i]))
    for n in slides[i].numbers:
        assert n.value in text and n.label in text
    assert "7400余人次" in text


def test_pptx_every_slide_carries_its_sources(slides, presentation):
    for ours, theirs in zip(slides, presentation.slides):
        notes = theirs.notes_slide.notes_text_frame.text
        for source in ours.sources:
            assert source.label() in notes
        if ours.kind != "sources":
            assert any(t.startswith("来源：") for t in _texts(theirs))


@pytest.fixture(scope="module")
def shipped_slides():
    """The default deck of the shipped data (data/batches), city-wide and for 彭州市."""
    ds = load_dataset()
    return [s for f in (Filters(), Filters(district=("彭州市",)))
            for s in build_deck(ds, f, Deck.default(), DAY)]


def test_pptx_footers_fit_their_boxes(slides, shipped_slides, presentation):
    long_titles = [Source(f"{i:03d}_{'a' * 16}.txt", "关于进一步加强和改进城乡社区治理工作的实施意见" * 2,
                          f"batch-{i}", f"uploads/{'长文件名' * 6}.xlsx") for i in range(5)]
    crowded = Slide("headline", "很多来源", sources=long_titles)
    for s in [*slides, *shipped_slides, crowded]:
        text, size = footer_text(s)
        assert text.startswith("来源：") or s.kind == "sources"
        assert fits([text], size, INNER, FOOTER_HEIGHT), (s.title, size, text)
    assert "等 5 份" in footer_text(crowded)[0]  # fewer named rather than spilling
    for ours, theirs in zip(slides, presentation.slides):
        assert footer_text(ours)[0] in _texts(theirs)


def test_pptx_figures_keep_to_one_line():
    numbers = [Number("服务人次", "3000余人次"), Number("资金金额", "1234.5万元"),
               Number("企业与组织", "6家", "2 条数据相加"), Number("服务人数", "约2.11万人")]
    deck = Presentation(io.BytesIO(deck_pptx([Slide("headline", "数字", numbers=numbers)])))
    for shape in deck.slides[0].shapes:
        if shape.has_text_frame and len(shape.text_frame.paragraphs) == 2:
            for p in shape.text_frame.paragraphs:
                size = p.runs[0].font.size.pt
                assert lines_needed(p.runs[0].text, size, shape.width) == 1, (p.runs[0].text, size)


def test_pptx_spotlight_keeps_the_sentences(slides, presentation):
    i = [s.kind for s in slides].index("spotlight")
    text = "\n".join(_texts(presentation.slides[i]))
    assert "玉林东路社区有居民近2.1万人，老年人占三成。" in text
    assert "喘息计划" in text


# ---- HTML ---------------------------------------------------------------------------------------

# what would make a browser fetch something: a script, stylesheet, frame, image, font or
# import with an address outside the file (the inlined plotly.js mentions URLs in its code, which
# is why a plain "no http" test would be wrong)
EXTERNAL_LOADS = [
    re.compile(r"<script[^>]*\bsrc\s*=", re.I),
    re.compile(r"<link[^>]*\bhref\s*=", re.I),
    re.compile(r"<(?:img|iframe|embed|object|source|video|audio)\b[^>]*\b(?:src|data)\s*=\s*['\"]?\s*(?:https?:)?//", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//", re.I),
]


@pytest.fixture(scope="module")
def report(slides):
    return report_html(slides, "全市社区治理工作交流", "全市全部数据")


def test_html_has_every_chart_and_slide(slides, report):
    charted = [i for i, s in enumerate(slides, 1) if s.chart is not None]
    assert len(charted) == 2
    assert len(re.findall(r'<div id="chart-\d+" class="plotly-graph-div"', report)) == len(charted)
    assert report.count('<section class="deck-slide') == len(slides)
    for s in slides:
        assert s.title in report
    assert "7400余人次" in report


def test_html_names_every_source(slides, report):
    for source in deck_sources(slides):
        assert source.label() in report


@pytest.mark.parametrize("pattern", EXTERNAL_LOADS, ids=lambda p: p.pattern[:24])
def test_html_loads_nothing_from_outside(report, pattern):
    assert not pattern.search(report)


def test_html_includes_plotly_once(report):
    assert report.count("<script") == 3  # plotly.js, then one newPlot per chart
    assert "cdn.plot.ly/plotly" not in report.split("</head>")[1]


def test_html_escapes_text_from_sources(spotlight_peihua):
    html = report_html(spotlight_peihua, "t", "s")
    assert "&lt;年营收&gt;" in html and "<年营收>" not in html
    assert "<mark>50万元</mark>" in html


# In chromium with the network switched off: every chart draws, and the page asked for nothing
# but itself (performance entries list every script, style, image, font and fetch it loaded).
OFFLINE_PROBE = """(() => JSON.stringify({
  charts: document.querySelectorAll('.plotly-graph-div').length,
  drawn: [...document.querySelectorAll('.plotly-graph-div')].filter(d => d.querySelector('.main-svg .bars, .main-svg .barlayer .point')).length,
  loaded: performance.getEntriesByType('resource').map(e => e.name),
  errors: window.__errors || [],
  ready: document.readyState,
}))()"""


@CHROMIUM_MISSING
def test_html_draws_its_charts_with_the_network_off(report, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(report, encoding="utf-8")

    async def run(port):
        async with new_tab(port) as dt_:
            await dt_.call("Network.enable")
            await dt_.call("Network.emulateNetworkConditions", offline=True, latency=0,
                           downloadThroughput=-1, uploadThroughput=-1)
            await dt_.call("Page.navigate", url=path.as_uri())
            for _ in range(120):   # up to 30 s on a busy machine; usually done in one or two
                await asyncio.sleep(0.25)
                result = await dt_.call("Runtime.evaluate", expression=OFFLINE_PROBE,
                                        returnByValue=True)
                info = json.loads(result["result"]["value"])
                # the page may still be parsing (the second chart not yet in it): wait for it
                if info["ready"] == "complete" and info["charts"] and info["drawn"] == info["charts"]:
                    break
            return info

    with running_chromium(tmp_path / "profile") as port:
        info = asyncio.run(run(port))
    assert info["charts"] == 2 and info["drawn"] == 2, info
    assert info["loaded"] == [], info["loaded"]


# ---- PNG ----------------------------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR comes first
    return width, height


def png_colours(data: bytes) -> int:
    """Distinct pixel values of an 8-bit RGB(A) PNG, decoded with zlib (no imaging library)."""
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    # rows start with a filter byte; sampling unfiltered bytes is enough to tell blank from drawn
    rows = [raw[1 + y * (stride + 1): (y + 1) * (stride + 1)] for y in range(0, height, 7)]
    return len({row[x:x + channels] for row in rows for x in range(0, stride, channels * 5)})


NO_IMAGES = pytest.mark.skipif(bool(images.missing_requirements()),
                               reason="PNG export needs chromium and a CJK font "
                                      "(apt-get install chromium fonts-noto-cjk)")


@NO_IMAGES
def test_png_of_each_chart_has_the_size_and_is_not_blank(slides):
    pictures = images.chart_images(slides, width=1200, height=675)
    assert [name for name, _ in pictures] == ["03_各区县对比.png", "04_成都市项目类型分布.png"]
    for name, data in pictures:
        assert png_size(data) == (1200, 675), name
        assert png_colours(data) > 20, f"{name} looks blank"


@NO_IMAGES
def test_png_zip_holds_every_chart(slides):
    with zipfile.ZipFile(io.BytesIO(images.images_zip(slides, 800, 450))) as z:
        assert len(z.namelist()) == 2
        assert all(png_size(z.read(n)) == (800, 450) for n in z.namelist())


def test_blank_png_is_told_apart():
    """The blankness check itself: a one-colour image has one colour."""
    width, height = 40, 20
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert png_size(png) == (40, 20) and png_colours(png) == 1


@pytest.mark.parametrize("browser,font,expected", [
    ("/nonexistent/chromium", True, "BROWSER_PATH 指向的浏览器不存在：/nonexistent/chromium"),
    (None, False, "未找到中文字体"),
])
def test_png_export_says_what_is_missing(slides, monkeypatch, browser, font, expected):
    if browser:
        monkeypatch.setenv("BROWSER_PATH", browser)
    monkeypatch.setattr(images, "has_cjk_font", lambda: font)
    with pytest.raises(images.ImageExportUnavailable) as err:
        images.chart_images(slides)
    assert expected in str(err.value)
    assert "apt-get install chromium fonts-noto-cjk" in str(err.value)
