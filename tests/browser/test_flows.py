"""The dashboard as a person uses it: real mouse clicks and key presses (DevTools Input events on
the element's place on screen), not prepared URLs. Each flow asserts what the page then shows
(rows, sidebar filters, presenting or not) and saves screenshots to $SCREENSHOT_DIR.

1. evidence links carry their filters, even when the sidebar widgets hold other session values
   (from the overview, a community profile and the upload page's link to the new batch);
2. 演示模式: 「开始演示」 presents, 退出演示 and Esc leave, also in a deck opened from a link;
3. undo can only hit the batch its confirmation names; the default data needs a second one;
4. /overview (the README's link form) opens the overview, without "Page not found".
"""
from __future__ import annotations

import asyncio
import json
import re
import shutil
from urllib.parse import quote, urlencode

import pytest

from loaders.store import list_batches
from tests.browser.harness import (CHROMIUM_MISSING, ROOT, choose_file, click, evaluate, new_tab,
                                   press, running_chromium, running_dashboard, screenshot, settle,
                                   shot_dir, sidebar_filter, type_text, url, visible_text)
from tests.test_upload_page import SHEET

pytestmark = CHROMIUM_MISSING
W, H = 1366, 900
ROWS = re.compile(r"共 (\d+) 条")
LINK = '[data-testid="stPageLink"] a'


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("flows-store")
    shutil.copytree(ROOT / "data" / "batches", root / "batches")
    return root


@pytest.fixture(scope="module")
def server(store):
    with running_dashboard(store) as base:
        yield base


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with running_chromium(tmp_path_factory.mktemp("chromium-flows")) as port:
        yield port


def rows_shown(info: dict) -> int:
    found = ROWS.search(info["text"])
    assert found, "the explorer does not say how many rows it shows"
    return int(found.group(1))


async def settled_after(dt, pause: float = 1.0) -> dict:
    await asyncio.sleep(pause)
    return await settle(dt)


async def choose_in_sidebar(dt, label: str, value: str) -> None:
    """Click the sidebar multiselect, type the value and press Enter, as a person does."""
    await click(dt, f'[data-testid="stSidebar"] input[aria-label="{label}"]')
    await type_text(dt, value)
    await asyncio.sleep(0.5)
    await press(dt, "Enter")
    await press(dt, "Escape")
    await settled_after(dt)
    assert await sidebar_filter(dt, label) == [value]


async def fresh_tab_rows(port: int, link: str) -> int:
    """What the same URL shows in a new tab (a new session): the reference for a link."""
    async with new_tab(port, W, H) as dt:
        await dt.call("Page.navigate", url=link)
        return rows_shown(await settle(dt))


# ---- 1. evidence links apply their filters ------------------------------------------------------

def test_evidence_link_from_the_overview_applies_its_filters(server, chromium):
    async def run():
        async with new_tab(chromium, W, H) as dt:
            await dt.call("Page.navigate", url=f"{server}/")
            await settle(dt)
            # a filter chosen in the sidebar first: the bound widgets now hold session values
            await choose_in_sidebar(dt, "区县", "彭州市")
            tile = await click(dt, LINK, "条依据")
            info = await settled_after(dt)
            await screenshot(dt, shot_dir() / "flow1-overview-evidence.png", width=W, height=H)
            return tile, info, await url(dt), {
                label: await sidebar_filter(dt, label) for label in ("区县", "指标", "状态")}

    tile, info, link, sidebar = asyncio.run(run())
    assert info["title"] == "数据明细" and not info["exceptions"]
    assert "/explorer?" in link and "indicator=" in link and "status=" in link
    assert sidebar["区县"] == ["彭州市"] and sidebar["状态"] == ["已实现"]
    assert len(sidebar["指标"]) == 1
    shown = rows_shown(info)
    assert shown == asyncio.run(fresh_tab_rows(chromium, link))
    assert shown <= int(re.search(r"(\d+) 条依据", tile["text"]).group(1)) * 3
    assert shown < 42                                  # the shipped data has 42 claims in all


def test_evidence_link_from_a_community_profile(server, chromium):
    async def run():
        async with new_tab(chromium, W, H) as dt:
            await dt.call("Page.navigate", url=f"{server}/explorer")
            await settle(dt)
            # searched before: the bound search box holds a session value the link must not keep
            await click(dt, 'input[aria-label="搜索"]')
            await type_text(dt, "志愿")
            await press(dt, "Enter")
            searched = rows_shown(await settled_after(dt))
            await click(dt, '[data-testid="stSidebarNav"] a', "社区档案")
            profile = await settled_after(dt)
            community = await evaluate(dt, "document.querySelector('h2').innerText")
            await click(dt, LINK, "条依据")
            info = await settled_after(dt)
            await screenshot(dt, shot_dir() / "flow1-community-evidence.png", width=W, height=H)
            search = await evaluate(dt, "document.querySelector('input[aria-label=\"搜索\"]').value")
            return searched, profile, community, info, await url(dt), search, {
                label: await sidebar_filter(dt, label) for label in ("社区（村）", "状态")}

    searched, profile, community, info, link, search, sidebar = asyncio.run(run())
    assert search == "" and "q=" not in link
    assert profile["title"] == "社区档案" and info["title"] == "数据明细"
    assert sidebar["社区（村）"] == [community] and sidebar["状态"] == ["已实现"]
    assert rows_shown(info) == asyncio.run(fresh_tab_rows(chromium, link))
    assert community in info["text"]


# ---- 2. 演示模式 ----------------------------------------------------------------------------------

PRESENTING = """(() => {
  const shown = sel => { const e = document.querySelector(sel);
    return !!e && getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0; };
  return JSON.stringify({sidebar: shown('[data-testid="stSidebar"]'),
    header: shown('[data-testid="stHeader"]'), setup: shown('.st-key-deck_setup'),
    title: (document.querySelector('.st-key-stage .slide-title') || {}).innerText || null,
    url: location.href});
})()"""


async def presenting(dt) -> dict:
    state = json.loads(await evaluate(dt, PRESENTING))
    state["presenting"] = not (state["sidebar"] or state["header"] or state["setup"])
    return state


def test_start_presenting_and_leave_by_button_and_by_escape(server, chromium):
    async def run():
        seen = []
        async with new_tab(chromium, 1920, 1080) as dt:
            await dt.call("Page.navigate", url=f"{server}/demo?district={quote('彭州市')}")
            await settle(dt)
            seen.append(await presenting(dt))
            await click(dt, ".st-key-deck_start button")             # 开始演示
            await settled_after(dt)
            seen.append(await presenting(dt))
            await screenshot(dt, shot_dir() / "flow2-presenting.png", full_page=False,
                             width=1920, height=1080)
            await press(dt, "ArrowRight")
            await settled_after(dt)
            seen.append(await presenting(dt))
            await press(dt, "Escape")                                 # Esc leaves
            await settled_after(dt)
            seen.append(await presenting(dt))
            await click(dt, ".st-key-deck_start button")
            await settled_after(dt)
            await click(dt, ".st-key-deck_exit button")               # 退出演示 leaves
            await settled_after(dt)
            seen.append(await presenting(dt))
            await screenshot(dt, shot_dir() / "flow2-left.png", full_page=False,
                             width=1920, height=1080)
        return seen

    before, started, stepped, escaped, exited = asyncio.run(run())
    assert not before["presenting"]
    assert started["presenting"] and "present=1" in started["url"]
    assert started["title"] == "彭州市社区治理工作交流"
    assert stepped["presenting"] and "slide=2" in stepped["url"]
    assert not escaped["presenting"] and "present=1" not in escaped["url"]
    assert escaped["title"] == stepped["title"]                     # still on slide 2
    assert not exited["presenting"] and "present=1" not in exited["url"]


@pytest.mark.parametrize("leave", ["button", "Escape"])
def test_a_presentation_opened_from_a_link_can_be_left(server, chromium, leave):
    query = urlencode({"district": "彭州市", "slide": 2, "present": 1})

    async def run():
        async with new_tab(chromium, 1366, 768) as dt:
            await dt.call("Page.navigate", url=f"{server}/demo?{query}")
            await settle(dt)
            opened = await presenting(dt)
            if leave == "button":
                await click(dt, ".st-key-deck_exit button")
            else:
                await click(dt, ".st-key-stage .slide-title")   # focus the page, as a viewer does
                await press(dt, "Escape")
            await settled_after(dt)
            await screenshot(dt, shot_dir() / f"flow2-link-left-{leave}.png", full_page=False,
                             width=1366, height=768)
            return opened, await presenting(dt)

    opened, left = asyncio.run(run())
    assert opened["presenting"]
    assert not left["presenting"] and "present=1" not in left["url"]


# ---- 1 (upload) and 3. the new batch on the overview, then undo --------------------------------

async def choose_option(dt, label: str, text: str) -> None:
    """Open a selectbox by a click and click the option containing `text`."""
    await click(dt, f'[data-testid="stSelectbox"] input[aria-label="{label}"]')
    await click(dt, '[role="option"]', text)
    await settled_after(dt)


def test_upload_link_then_undo_only_the_named_batch(server, chromium, store, tmp_path):
    sheet = tmp_path / "四季度台账.xlsx"
    sheet.write_bytes(SHEET)

    async def run():
        out = {}
        async with new_tab(chromium, W, H) as dt:
            await dt.call("Page.navigate", url=f"{server}/upload")
            await settle(dt)
            await choose_file(dt, sheet)
            out["checked"] = await settled_after(dt)
            await screenshot(dt, shot_dir() / "upload-checked.png", width=W, height=H)
            await click(dt, "button", "导入 2 行数据")
            out["committed"] = await settled_after(dt)
            out["history"] = (await visible_text(dt))["cells"]
            await click(dt, LINK, "在总览中查看这一批数据")
            out["overview"] = await settled_after(dt)
            out["overview_url"] = await url(dt)
            out["batch_filter"] = await sidebar_filter(dt, "导入批次")
            await screenshot(dt, shot_dir() / "flow1-upload-overview.png", width=W, height=H)

            await click(dt, '[data-testid="stSidebarNav"] a', "数据上传")
            await settled_after(dt)
            await choose_option(dt, "撤销哪一批", "四季度台账.xlsx")
            await click(dt, '[data-testid="stCheckbox"]', "确认撤销")
            out["confirmed"] = await settled_after(dt)
            # the person changes their mind and picks the default data: its button stays off
            # until both of its own confirmations are ticked
            await choose_option(dt, "撤销哪一批", "默认数据")
            out["default_buttons"] = await evaluate(dt, """JSON.stringify([...document.querySelectorAll(
              '[class*="st-key-undo_button"] button')].map(b => [b.innerText, b.disabled]))""")
            await click(dt, '[data-testid="stCheckbox"]', "确认撤销")
            out["default_one_tick"] = await evaluate(
                dt, "document.querySelector('[class*=\"st-key-undo_button\"] button').disabled")
            await screenshot(dt, shot_dir() / "flow3-undo-default.png", width=W, height=H)
            await choose_option(dt, "撤销哪一批", "四季度台账.xlsx")
            # its earlier tick went with the other choice: the button waits for a new one
            out["reconfirm"] = await evaluate(
                dt, "document.querySelector('[class*=\"st-key-undo_button\"] button').disabled")
            await click(dt, '[data-testid="stCheckbox"]', "确认撤销")
            await settled_after(dt)
            await click(dt, "button", "撤销“四季度台账.xlsx")
            out["undone"] = await settled_after(dt)
            await screenshot(dt, shot_dir() / "flow3-undone.png", width=W, height=H)
        return out

    before = set(list_batches(store)["batch_id"])
    out = asyncio.run(run())
    assert not any(v.get("exceptions") for v in out.values() if isinstance(v, dict))
    assert "读到的行" in out["checked"]["text"] and "问题清单" in out["checked"]["text"]
    assert "有 1 行有错误" in out["checked"]["text"]
    assert "已导入“四季度台账.xlsx”：数据 2 条" in out["committed"]["text"]
    assert "四季度台账.xlsx" in out["history"]                         # the history table
    # the link's batch filter is applied (the sidebar names the file, not the batch id)
    assert out["overview"]["title"] == "总览" and "batch=" in out["overview_url"]
    assert len(out["batch_filter"]) == 1 and "四季度台账.xlsx" in out["batch_filter"][0]
    assert "4200余人次" in out["overview"]["text"]       # this batch only: 3000余 + 1,200
    buttons = json.loads(out["default_buttons"])
    assert len(buttons) == 1 and "看板默认数据" in buttons[0][0]
    assert buttons[0][1] is True and out["default_one_tick"] is True and out["reconfirm"] is True
    assert "已撤销“四季度台账.xlsx" in out["undone"]["text"]
    after = set(list_batches(store)["batch_id"])
    assert after == before                                  # the default data is still there
    undone = list_batches(store, undone=True)
    assert list(undone["file"]) == ["四季度台账.xlsx"]


# ---- 4. a page opened by its path -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["overview", "district"])
def test_pages_open_by_their_path(server, chromium, path):
    async def run():
        async with new_tab(chromium, W, H) as dt:
            await dt.call("Page.navigate", url=f"{server}/{path}?district={quote('成华区')}")
            info = await settle(dt)
            await asyncio.sleep(1.5)       # Streamlit's dialog comes after the first render
            info = await settle(dt)
            await screenshot(dt, shot_dir() / f"flow4-{path}.png", full_page=False,
                             width=W, height=H)
            dialog = await evaluate(dt, "document.querySelector('[role=\"dialog\"]') ? "
                                        "document.querySelector('[role=\"dialog\"]').innerText : ''")
            return info, dialog, await sidebar_filter(dt, "区县"), await url(dt)

    info, dialog, district, where = asyncio.run(run())
    assert not dialog and "Page not found" not in info["text"]
    assert info["title"] == {"overview": "总览", "district": "区县"}[path]
    assert district == ["成华区"] and "district=" in where
