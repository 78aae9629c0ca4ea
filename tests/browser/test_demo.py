"""演示模式 in a real browser at projector size (1920×1080): a deck link for one district opens
straight into presenting, with Streamlit's menu, header and sidebar hidden, type large, the chart
drawn and no exception; → goes to the next slide and the URL follows. Screenshots go to
$SCREENSHOT_DIR (printed). Needs Debian's chromium; skipped without it.
"""
from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date
from urllib.parse import urlencode

import pytest
from pptx import Presentation

from tests.browser.harness import (CHROMIUM_MISSING, ROOT, new_tab, running_chromium,
                                   running_dashboard, screenshot, settle, shot_dir)

pytestmark = CHROMIUM_MISSING
W, H = 1920, 1080
DECK = {"district": "彭州市", "slides": ["封面", "核心数字", "区域对比", "项目类型", "资料来源"]}

# what presenting must hide or show, measured in the page
LAYOUT = """(() => {
  const shown = sel => { const e = document.querySelector(sel);
    return !!e && getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0; };
  const title = document.querySelector('.st-key-stage .slide-title');
  const stage = document.querySelector('.st-key-stage');
  return JSON.stringify({
    sidebar: shown('[data-testid="stSidebar"]'), header: shown('[data-testid="stHeader"]'),
    setup: shown('.st-key-deck_setup'), page_title: shown('h1'),
    title: title ? title.innerText : null,
    title_px: title ? parseFloat(getComputedStyle(title).fontSize) : 0,
    stage_bottom: stage ? stage.getBoundingClientRect().bottom : 0,
    controls_bottom: (document.querySelector('.st-key-deck_controls') || stage).getBoundingClientRect().bottom,
    page_height: document.querySelector('[data-testid="stMain"]').scrollHeight,
    url: location.href,
  });
})()"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("demo-shipped")
    shutil.copytree(ROOT / "data" / "batches", store / "batches")
    with running_dashboard(store) as base:
        yield base


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with running_chromium(tmp_path_factory.mktemp("chromium-demo")) as port:
        yield port


async def _layout(dt) -> dict:
    result = await dt.call("Runtime.evaluate", expression=LAYOUT, returnByValue=True)
    return json.loads(result["result"]["value"])


async def _press(dt, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        await dt.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)


async def _present(port: int, url: str, shots: list) -> list[tuple[dict, dict]]:
    out = []
    async with new_tab(port, W, H) as dt:
        await dt.call("Page.navigate", url=url)
        await settle(dt)
        await asyncio.sleep(1)
        info = await screenshot(dt, shots[0], full_page=False, width=W, height=H)
        out.append((info, await _layout(dt)))
        await _press(dt, "ArrowRight", 39)
        await asyncio.sleep(1)
        await settle(dt)
        info = await screenshot(dt, shots[1], full_page=False, width=W, height=H)
        out.append((info, await _layout(dt)))
    return out


def test_a_deck_link_presents_full_screen_and_steps_on(server, chromium):
    query = urlencode({**DECK, "slide": 3, "present": 1}, doseq=True)
    shots = [shot_dir() / "demo-present-3.png", shot_dir() / "demo-present-4.png"]
    (first, layout), (second, after) = asyncio.run(_present(chromium, f"{server}/demo?{query}", shots))
    print("screenshots:", *shots)
    assert not first["exceptions"] and not second["exceptions"], first["exceptions"] + second["exceptions"]
    # the chrome is hidden and only the slide shows
    assert not layout["sidebar"] and not layout["header"] and not layout["setup"]
    assert not layout["page_title"]
    # slide 3 of the five is the district comparison, drawn, in type readable across a room
    assert layout["title"] == "彭州市各街道（镇）对比"
    assert "3 / 5" in first["text"] and "来源：" in first["text"]
    assert first["charts"] == 1 and first["drawn"] >= 1
    assert layout["title_px"] >= 48
    assert layout["stage_bottom"] <= H, "the slide does not fit the screen"
    # → shows slide 4 and the URL keeps it, so a reload stays there
    assert after["title"] == "彭州市项目类型分布"
    assert "4 / 5" in second["text"]
    assert "slide=4" in after["url"] and "present=1" in after["url"]


def test_setup_view_lists_the_deck_and_downloads_its_files(server, chromium, tmp_path):
    out = shot_dir() / "demo-setup.png"
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    async def run():
        async with new_tab(chromium) as dt:
            await dt.call("Page.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
            await dt.call("Page.navigate", url=f"{server}/demo?{urlencode(DECK, doseq=True)}")
            await settle(dt)
            shot = await screenshot(dt, out), await _layout(dt)
            # one after the other: chromium holds back a second download started at once
            for n, key in enumerate(("export_html", "export_pptx"), 1):
                await dt.call("Runtime.evaluate",
                              expression=f"document.querySelector('.st-key-{key} button').click()")
                for _ in range(60):  # the server builds the file when its button is pressed
                    done = [p for p in downloads.iterdir() if not p.name.endswith(".crdownload")]
                    if len(done) == n:
                        break
                    await asyncio.sleep(0.5)
            return shot

    info, layout = asyncio.run(run())
    print("screenshot:", out)
    assert not info["exceptions"], info["exceptions"]
    assert layout["sidebar"] and layout["setup"]
    assert info["title"] == "演示模式"
    for text in ("HTML 报告", "PPT 幻灯片", "演示链接", "1 / 5", "彭州市社区治理工作交流"):
        assert text in info["text"], text
    today = date.today().isoformat()
    names = sorted(p.name for p in downloads.iterdir())
    assert names == [f"社区治理_彭州市_{today}.html", f"社区治理_彭州市_{today}.pptx"]
    html = (downloads / names[0]).read_text(encoding="utf-8")
    assert "彭州市各街道（镇）对比" in html and "来源：" in html
    deck = Presentation(str(downloads / names[1]))
    assert len(deck.slides) == 5


@pytest.mark.parametrize("width,height", [(1920, 1080), (1366, 768)])
def test_slides_use_the_screen_and_fit_it(server, chromium, width, height):
    """The controls sit at the foot of the screen under a short slide, and no slide of the
    default 彭州市 deck (including its 社区风采) needs scrolling."""
    async def run():
        out = []
        async with new_tab(chromium, width, height) as dt:
            for n in range(1, 7):
                query = urlencode({"district": "彭州市", "slide": n, "present": 1})
                await dt.call("Page.navigate", url=f"{server}/demo?{query}")
                await settle(dt)
                await asyncio.sleep(0.5)
                shot = shot_dir() / f"demo-present-{width}x{height}-{n}.png"
                info = await screenshot(dt, shot, full_page=False, width=width, height=height)
                out.append((info, await _layout(dt)))
        return out

    for n, (info, layout) in enumerate(asyncio.run(run()), 1):
        assert not info["exceptions"], info["exceptions"]
        assert f"{n} / 6" in info["text"]
        assert layout["page_height"] <= height, (n, layout)
        assert height - 40 <= layout["controls_bottom"] <= height, (n, layout)
