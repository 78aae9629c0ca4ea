"""A person uploads a spreadsheet through the real page in headless chromium: the problems show,
the valid rows are committed, the batch appears in the history, and its figures are on the
overview. Screenshots of each step go to $SCREENSHOT_DIR."""
from __future__ import annotations

import asyncio
import json
import shutil
import urllib.parse

import pytest

from loaders.store import list_batches
from tests.browser.harness import (CHROMIUM_MISSING, ROOT, new_tab, running_chromium,
                                   running_dashboard, screenshot, settle, shoot, shot_dir)
from tests.test_upload_page import SHEET
from ui.queries import describe_batch

pytestmark = CHROMIUM_MISSING

CLICK = """(() => {
  const b = [...document.querySelectorAll('button')].find(b => b.innerText.includes(%s));
  if (!b) return false;
  b.click();
  return true;
})()"""


async def click(dt, label: str) -> None:
    res = await dt.call("Runtime.evaluate", expression=CLICK % json.dumps(label),
                        returnByValue=True)
    assert res["result"]["value"], f"no button labelled {label!r}"


async def upload_and_commit(devtools_port: int, base: str, sheet_path, out_dir) -> list[dict]:
    seen = []
    async with new_tab(devtools_port) as dt:
        await dt.call("Page.navigate", url=f"{base}/upload")
        seen.append(await settle(dt))
        doc = await dt.call("DOM.getDocument", depth=-1, pierce=True)
        node = await dt.call("DOM.querySelector", nodeId=doc["root"]["nodeId"],
                             selector='input[type="file"]')
        await dt.call("DOM.setFileInputFiles", files=[str(sheet_path)], nodeId=node["nodeId"])
        await asyncio.sleep(1.0)
        seen.append(await settle(dt))
        seen.append(await screenshot(dt, out_dir / "upload-checked.png"))
        await click(dt, "导入 2 行数据")
        await asyncio.sleep(1.0)
        seen.append(await settle(dt))
        seen.append(await screenshot(dt, out_dir / "upload-committed.png"))
    return seen


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "store"
    shutil.copytree(ROOT / "data" / "batches", root / "batches")
    return root


def test_upload_commit_history_overview(store, tmp_path):
    sheet = tmp_path / "三季度台账.xlsx"
    sheet.write_bytes(SHEET)
    out = shot_dir()
    with running_dashboard(store) as base, running_chromium(tmp_path / "profile") as port:
        opened, checked, _, committed, _ = asyncio.run(upload_and_commit(port, base, sheet, out))
        assert not any(s["exceptions"] for s in (opened, checked, committed))
        assert opened["title"] == "数据上传" and "没有配置账号" in opened["text"]
        assert "读到的行" in checked["text"] and "问题清单" in checked["text"]
        assert "有 1 行有错误" in checked["text"]    # the table itself is drawn on a canvas
        assert "已导入“三季度台账.xlsx”：数据 2 条" in committed["text"]
        assert "三季度台账.xlsx" in committed["text"]                       # the history
        batch = list_batches(store).iloc[-1]
        assert batch["file"] == "三季度台账.xlsx" and batch["rows"]["claims"] == 2
        query = urllib.parse.urlencode(
            {"batch": describe_batch(batch["file"], batch["uploader"], batch["time"])})
        info = shoot(port, f"{base}/overview?{query}", out / "upload-overview.png")
        assert not info["exceptions"]
        assert "4200余人次" in info["text"]                                 # 3000余 + 1,200
