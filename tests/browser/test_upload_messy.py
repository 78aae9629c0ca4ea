"""Organisers' own sheets through the real page in headless chromium: a 4.7 KB .xlsx whose one
cell at XFD1048576 would make the reader abort is refused in Chinese while the server keeps
answering; then the two-row-header .xls (title naming the street, merged group over 活动名称 /
场次 / 参与人次) is uploaded with the guessed mapping, nothing chosen by hand; its repeat of a
shipped article's figure is held back; it is committed and its figures are on the overview. Screenshots go to $SCREENSHOT_DIR."""
from __future__ import annotations

import asyncio
import shutil
import urllib.parse
import urllib.request

import pytest

from loaders.store import list_batches
from tests.browser.harness import (CHROMIUM_MISSING, ROOT, choose_file, click, new_tab,
                                   running_chromium, running_dashboard, screenshot, settle, shoot,
                                   shot_dir)
from tests.messy_sheets import CASES, build
from tests.test_messy_sheets import _far

pytestmark = CHROMIUM_MISSING


async def _choose(dt, path) -> dict:
    await choose_file(dt, path)
    await asyncio.sleep(1.0)
    return await settle(dt)


async def _flow(port: int, base: str, far, sheet, out) -> list[dict]:
    seen = []
    async with new_tab(port) as dt:
        await dt.call("Page.navigate", url=f"{base}/upload")
        seen.append(await settle(dt))
        seen.append(await _choose(dt, far))
        await screenshot(dt, out / "upload-far-cell.png")
        # the server is still there: a fresh page load answers
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as r:
            seen.append({"health": r.read().decode()})
        await dt.call("Page.navigate", url=f"{base}/upload")
        await settle(dt)
        seen.append(await _choose(dt, sheet))
        await screenshot(dt, out / "upload-two-row-header.png")
        await click(dt, "button", "导入 3 行数据")      # a real mouse click on the button
        await asyncio.sleep(1.0)
        seen.append(await settle(dt))
    return seen


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "store"
    shutil.copytree(ROOT / "data" / "batches", root / "batches")
    return root


def test_far_cell_refused_server_answers_two_row_header_reaches_overview(store, tmp_path):
    far = tmp_path / "far.xlsx"
    far.write_bytes(_far("XFD1048576", dimension=False))
    assert far.stat().st_size < 6000
    sheet = tmp_path / "天彭街道活动统计.xls"
    sheet.write_bytes(build(next(c for c in CASES if c.name == "两行表头"), "xls"))
    out = shot_dir()
    with running_dashboard(store) as base, running_chromium(tmp_path / "profile") as port:
        opened, refused, health, checked, committed = asyncio.run(_flow(port, base, far, sheet, out))
        assert not any(s.get("exceptions") for s in (opened, refused, checked, committed))
        assert "没有导入“far.xlsx”" in refused["text"] and "内存上限" in refused["text"]
        assert health["health"] == "ok"
        assert "表头在第 2–3 行（两行表头）" in checked["text"]
        assert "表题“2025年天彭街道社区活动统计表”" in checked["text"]
        # the shipped data already has 天府中路社区's 3000余人次 (from an article): held back
        assert "重复的数据（1 条与看板中已有的数据相同" in checked["text"]   # tables are canvases
        assert "已导入“天彭街道活动统计.xls”：数据 3 条" in committed["text"]
        batch = list_batches(store).iloc[-1]
        assert batch["file"] == "天彭街道活动统计.xls" and batch["rows"]["claims"] == 3
        query = urllib.parse.urlencode({"batch": batch["batch_id"]})
        info = shoot(port, f"{base}/overview?{query}", out / "upload-two-row-header-overview.png")
        assert not info["exceptions"]
        assert "18场次" in info["text"] and "约500人次" in info["text"]    # 12 + 6 场次; 约500
