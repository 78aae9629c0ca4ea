"""A real browser opens every page of the running dashboard, screenshots it and fails if a page
shows a Streamlit exception, over an empty store; on the shipped default data,
every page at 1920×1080, 1366×768 and 414×896 must also show no Streamlit English (menus, table
toolbars, the upload button, "Page not found"), no `None`, and no store ids (batch ids such as
20261201T052940430328-f3f76846, document files such as 000_0d3f6010c51dfd59.txt).
Needs Debian's chromium (`apt-get install chromium fonts-noto-cjk`); skipped without it.
Screenshots go to $SCREENSHOT_DIR (default: a temporary folder, printed).
"""
from __future__ import annotations

import asyncio
import re
import shutil

import pytest

from tests.browser.harness import (CHROMIUM_MISSING, ROOT, evaluate, new_tab,
                                   running_chromium, running_dashboard, screenshot, settle, shoot,
                                   shot_dir, visible_text)
from ui.navigation import PAGES, page_exists

pytestmark = CHROMIUM_MISSING


@pytest.fixture(scope="module", params=["empty"])
def server(request, tmp_path_factory):
    """The dashboard over an empty store (the shipped data: below, at three screen sizes)."""
    store = tmp_path_factory.mktemp(f"store-{request.param}")
    with running_dashboard(store) as base:
        yield request.param, base


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with running_chromium(tmp_path_factory.mktemp("chromium-profile")) as port:
        yield port


@pytest.mark.parametrize("path,title,url_path",
                         [(p, t, u) for p, t, _, u in PAGES if page_exists(p)],
                         ids=[u for p, _, _, u in PAGES if page_exists(p)])
def test_page_renders_without_error(server, chromium, path, title, url_path):
    store, base = server
    out = shot_dir() / f"{store}-{url_path}.png"
    info = shoot(chromium, f"{base}/{url_path}", out)
    print(f"screenshot: {out}")
    assert not info["exceptions"], f"{title} shows an exception: {info['exceptions']}"
    assert info["state"] == "notRunning", f"{title} did not finish rendering: {info}"
    assert info["title"] == title, f"expected the page titled {title}, got {info['title']!r}"
    assert out.stat().st_size > 10_000


def test_a_copied_link_reopens_the_filtered_view(shipped, chromium):
    out = shot_dir() / "shipped-overview-pengzhou.png"
    info = shoot(chromium, f"{shipped}/?district=%E5%BD%AD%E5%B7%9E%E5%B8%82", out)
    assert not info["exceptions"]
    assert "3000余人次" in info["text"]          # 彭州市 only
    assert "3100余人次" not in info["text"]      # the city-wide total


# ---- the shipped data as a person reads it, at three screen sizes ------------------------------

VIEWPORTS = [(1920, 1080), (1366, 768), (414, 896)]
ENGLISH = re.compile(r"Page not found|Print|Record screen|Made with Streamlit|Download as CSV|"
                     r"\bSearch\b|\bUpload\b|Show/hide columns|Fullscreen|Running\.\.\.|"
                     r"Press Enter|Deploy|Clear cache|Rerun|\bSettings\b")
NONE = re.compile(r"\bNone\b|\bnan\b|\bNaN\b")
IDS = re.compile(r"\d{8}T\d{6,}-[0-9a-f]{8}|default-seeds|\b\d{3}_[0-9a-f]{16}\.(txt|docx|pdf)\b")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    store = tmp_path_factory.mktemp("store-shipped")
    shutil.copytree(ROOT / "data" / "batches", store / "batches")
    with running_dashboard(store) as base:
        yield base


async def _read_pages(port: int, base: str, width: int, height: int) -> list[tuple]:
    out = []
    async with new_tab(port, width, height) as dt:
        await dt.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                      deviceScaleFactor=1, mobile=width < 600)
        for _, title, _, url_path in PAGES:
            await dt.call("Page.navigate", url=f"{base}/{url_path}")
            await settle(dt)
            # the tables' cells reach the DOM (their accessible copy) a moment after drawing
            for _ in range(40):
                if await evaluate(dt, "document.querySelectorAll('[data-testid=\"stDataFrame\"]')"
                                      ".length == 0 || document.querySelectorAll("
                                      "'[data-testid=\"stDataFrame\"] table td').length > 0"):
                    break
                await asyncio.sleep(0.25)
            shot = shot_dir() / f"shipped-{url_path}-{width}x{height}.png"
            info = await screenshot(dt, shot, width=width, height=height)
            out.append((title, shot, info, await visible_text(dt)))
    return out


def test_shipped_pages_read_in_chinese_without_ids_or_none(shipped, chromium):
    async def all_sizes():   # one tab per screen size, side by side: most of the time is waiting
        return await asyncio.gather(*(_read_pages(chromium, shipped, w, h) for w, h in VIEWPORTS))

    for (width, height), pages in zip(VIEWPORTS, asyncio.run(all_sizes())):
        # the table cells must have been read somewhere, or the None/id checks saw no table
        tables = {title: bool(seen["cells"]) for title, _, _, seen in pages
                  if title in ("区县", "项目类型", "特色项目", "数据明细")}
        assert any(tables.values()), f"no table cells read at {width}×{height}: {tables}"
        for title, shot, info, seen in pages:
            print(f"screenshot: {shot}")
            assert not info["exceptions"], f"{title}: {info['exceptions']}"
            assert info["title"] == title, (title, info["title"])
            assert not seen["menu"], f"{title}: Streamlit's English main menu is shown"
            assert not seen["dialog"], f"{title}: a dialog is open: {seen['dialog']}"
            words = "\n".join([seen["text"], *seen["cells"]])
            hover = "\n".join(seen["labels"])   # tooltips: English counts; a file name is wanted
            for pattern, what, where in ((ENGLISH, "English", words + hover),
                                         (NONE, "None/nan", words), (IDS, "a store id", words)):
                found = sorted({m.group(0) for m in pattern.finditer(where)})
                assert not found, f"{title} at {width}×{height} shows {what}: {found}"
