"""A city's deployment without Docker: two `streamlit run` app processes on two ports over one
PostgreSQL (the throwaway server of tests/pg.py), each used by a person in a browser tab.

Both people upload a sheet at the same moment, each on their own app; on the next rerun each app
shows the other's batch. Then each undoes the batch the *other* person committed, again at the
same moment; both apps then show neither, and the store holds both batches, undone, with nothing
lost (compose.yaml runs the same topology behind Caddy)."""
from __future__ import annotations

import asyncio
import json

import pytest

from loaders.cli import main as loaders_cli
from loaders.store import batch_districts, list_batches
from tests.browser.harness import (CHROMIUM_MISSING, ROOT, choose_file, click, evaluate, locate,
                                   new_tab, press, running_chromium, running_dashboard, screenshot,
                                   settle, shot_dir)
from tests.browser.test_flows import choose_option, settled_after
from tests.pg import fresh_database
from tests.test_sheets import HEADERS, row_with, xlsx_bytes

pytestmark = CHROMIUM_MISSING
W, H = 1366, 900
# one sheet per person: different places and figures, so neither is the other's re-upload
WANGPING = {"区县": "成华区", "街道": "猛追湾街道", "社区名称": "望平社区"}
SHEETS = {
    "a": ("锦江区四季度台账.xlsx", [row_with(数量="4321"), row_with(数量="65", 年份=2023)]),
    "b": ("成华区四季度台账.xlsx", [row_with(**WANGPING, 数量="1,234"),
                           row_with(**WANGPING, 数量="78", 年份=2023)]),
}


@pytest.fixture(scope="module")
def database(pg_server):
    """A database holding the shipped default data (moved in by `python -m loaders export`)."""
    with fresh_database(pg_server) as url:
        assert loaders_cli(["export", "--database", url, "--data", str(ROOT / "data")]) == 0
        yield url


@pytest.fixture(scope="module")
def servers(database, tmp_path_factory):
    """Two app processes over the one database, each with its own (unused) data folder."""
    env = {"DASHBOARD_DATABASE_URL": database}
    with running_dashboard(tmp_path_factory.mktemp("app-a"), env) as a, \
            running_dashboard(tmp_path_factory.mktemp("app-b"), env) as b:
        yield {"a": a, "b": b}


@pytest.fixture(scope="module")
def browsers(tmp_path_factory):
    """One browser per person (two people at two desks: an open list in one does not close
    when the other clicks)."""
    with running_chromium(tmp_path_factory.mktemp("chromium-a")) as a, \
            running_chromium(tmp_path_factory.mktemp("chromium-b")) as b:
        yield {"a": a, "b": b}


async def upload(dt, path) -> dict:
    """Choose the file in the upload page's file picker and press the import button."""
    await choose_file(dt, path)
    await settled_after(dt)
    await screenshot(dt, shot_dir() / f"two-servers-checked-{path.stem}.png", width=W, height=H)
    await click(dt, "button", "导入 2 行数据")
    return await settled_after(dt)


async def batch_options(dt) -> list[str]:
    """The choices the sidebar's 导入批次 filter offers, read by opening it as a person does."""
    await click(dt, '[data-testid="stSidebar"] input[aria-label="导入批次"]')
    await locate(dt, '[role="option"]')          # the list opens (slowly on a busy machine)
    shown = json.loads(await evaluate(dt, """JSON.stringify([...document.querySelectorAll(
      '[role="option"]')].map(o => o.innerText.trim()))"""))
    await press(dt, "Escape")
    return shown


async def go_to(dt, page: str) -> dict:
    """Click a page in the sidebar's navigation (a rerun of the app for this session)."""
    await click(dt, '[data-testid="stSidebarNav"] a', page)
    return await settled_after(dt)


async def undo(dt, file: str) -> dict:
    await choose_option(dt, "撤销哪一批", file)
    await click(dt, '[data-testid="stCheckbox"]', "确认撤销")
    await settled_after(dt)
    await click(dt, "button", f"撤销“{file}")
    return await settled_after(dt)


def test_two_app_processes_share_one_database(servers, browsers, database, tmp_path):
    files = {}
    for who, (name, rows) in SHEETS.items():
        files[who] = tmp_path / name
        files[who].write_bytes(xlsx_bytes([HEADERS, *rows]))
    other = {"a": "b", "b": "a"}
    names = {who: SHEETS[who][0] for who in SHEETS}

    async def person(who: str, started: asyncio.Barrier, committed: asyncio.Barrier) -> dict:
        out = {}
        async with new_tab(browsers[who], W, H) as dt:
            await dt.call("Page.navigate", url=f"{servers[who]}/upload")
            await settle(dt)
            await started.wait()                     # both press import at the same moment
            out["committed"] = await upload(dt, files[who])
            await committed.wait()
            out["overview"] = await go_to(dt, "总览")
            out["options"] = await batch_options(dt)
            await screenshot(dt, shot_dir() / f"two-servers-{who}-both.png", width=W, height=H)
            out["upload"] = await go_to(dt, "数据上传")
            await started.wait()                     # each undoes the other's batch at once
            out["undone"] = await undo(dt, names[other[who]])
            await committed.wait()
            out["after"] = await go_to(dt, "总览")
            out["options_after"] = await batch_options(dt)
            await screenshot(dt, shot_dir() / f"two-servers-{who}-undone.png", width=W, height=H)
        return out

    async def run():
        started, committed = asyncio.Barrier(2), asyncio.Barrier(2)
        return dict(zip(SHEETS, await asyncio.gather(
            *(person(who, started, committed) for who in SHEETS))))

    out = asyncio.run(run())
    for who, seen in out.items():
        assert not any(v.get("exceptions") for v in seen.values() if isinstance(v, dict)), who
        assert f"已导入“{names[who]}”：数据 2 条" in seen["committed"]["text"]
        # the next rerun shows both people's batches, whichever app committed them
        assert all(any(n in o for o in seen["options"]) for n in names.values()), seen["options"]
        assert f"已撤销“{names[other[who]]}" in seen["undone"]["text"]
        assert not any(n in o for o in seen["options_after"] for n in names.values()), \
            seen["options_after"]
    # nothing lost: the default data is live, both batches stored and undone, their claims kept
    live, undone = list_batches(database), list_batches(database, undone=True)
    assert set(undone["file"]) == set(names.values())
    assert not set(live["file"]) & set(names.values()) and len(live) >= 1
    districts = {"a": {"锦江区"}, "b": {"成华区"}}
    for _, row in undone.iterrows():
        who = next(w for w, n in names.items() if n == row["file"])
        assert batch_districts(row["folder"], database, undone=True) == districts[who]
