"""A real browser opens every page of the running dashboard, screenshots it and fails if a page
shows a Streamlit exception. Needs Debian's chromium (`apt-get install chromium fonts-noto-cjk`);
skipped without it. Screenshots go to $SCREENSHOT_DIR (default: a temporary folder, printed).

Chromium is driven over the DevTools protocol with the `websockets` client (installed with
Streamlit), because Streamlit renders after its websocket delivers the script's output, which
`chromium --screenshot` does not wait for.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from loaders.synth import write_fixture
from ui.navigation import PAGES, page_exists

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1400, 1000
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium is not installed (apt-get install chromium "
                                       "fonts-noto-cjk); CI installs it")

# What the page reports once rendered: Streamlit's run state, skeletons still waiting, exception
# texts, and plotly charts drawn versus present.
PROBE = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return JSON.stringify({
    state: app ? app.getAttribute('data-test-script-state') : null,
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText),
    charts: document.querySelectorAll('[data-testid="stPlotlyChart"]').length,
    drawn: document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg').length,
    title: (document.querySelector('h1') || {}).innerText || '',
    text: (document.querySelector('[data-testid="stMain"]') || document.body).innerText,
    height: main.scrollHeight,
  });
})()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        time.sleep(0.3)


@pytest.fixture(scope="module", params=["fixture", "empty", "shipped"])
def server(request, tmp_path_factory):
    """`streamlit run dashboard.py` on a free localhost port over a fixture store, an empty one,
    and the shipped default data (what a newcomer sees first)."""
    store = tmp_path_factory.mktemp(f"store-{request.param}")
    if request.param == "fixture":
        write_fixture(store)
    elif request.param == "shipped":
        shutil.copytree(ROOT / "data" / "batches", store / "batches")
    port = _free_port()
    env = {**os.environ, "DASHBOARD_DATA_DIR": str(store)}
    log = open(store / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60)
        yield request.param, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """A headless chromium with the DevTools protocol on a free port."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    port = _free_port()
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
         f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/json/version", 30)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


class DevTools:
    """The smallest DevTools client: send a command, wait for its answer."""

    def __init__(self, ws):
        self.ws, self.ids = ws, itertools.count(1)

    async def call(self, method: str, **params):
        msg_id = next(self.ids)
        await self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                return reply.get("result", {})

    async def probe(self) -> dict:
        result = await self.call("Runtime.evaluate", expression=PROBE, returnByValue=True)
        return json.loads(result["result"]["value"])


async def _shoot(devtools_port: int, url: str, out: Path) -> dict:
    from websockets.asyncio.client import connect

    req = urllib.request.Request(f"http://127.0.0.1:{devtools_port}/json/new?about:blank",
                                 method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        target = json.loads(r.read())
    async with connect(target["webSocketDebuggerUrl"], max_size=256 * 2 ** 20) as ws:
        dt = DevTools(ws)
        await dt.call("Page.enable")
        await dt.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                      deviceScaleFactor=1, mobile=False)
        await dt.call("Page.navigate", url=url)
        deadline, settled, info = time.monotonic() + 60, 0, {}
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            info = await dt.probe()
            ready = (info["state"] == "notRunning" and not info["skeletons"]
                     and info["drawn"] >= info["charts"])
            settled = settled + 1 if ready else 0
            if settled >= 3 or info["exceptions"]:  # stable for 1.5 s, or already failed
                break
        # make the window as tall as the page, so one screenshot holds all of it
        height = max(HEIGHT, min(int(info.get("height") or HEIGHT) + 120, 9000))
        await dt.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height,
                      deviceScaleFactor=1, mobile=False)
        await asyncio.sleep(1.0)
        info = await dt.probe()
        shot = await dt.call("Page.captureScreenshot", format="png")
        out.write_bytes(base64.b64decode(shot["data"]))
        return info


def _shot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "dashboard-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("path,title,url_path",
                         [(p, t, u) for p, t, _, u in PAGES if page_exists(p)],
                         ids=[u for p, _, _, u in PAGES if page_exists(p)])
def test_page_renders_without_error(server, chromium, path, title, url_path):
    store, base = server
    out = _shot_dir() / f"{store}-{url_path}.png"
    info = asyncio.run(_shoot(chromium, f"{base}/{url_path}", out))
    print(f"screenshot: {out}")
    assert not info["exceptions"], f"{title} shows an exception: {info['exceptions']}"
    assert info["state"] == "notRunning", f"{title} did not finish rendering: {info}"
    assert info["title"] == title, f"expected the page titled {title}, got {info['title']!r}"
    assert out.stat().st_size > 10_000


def test_a_copied_link_reopens_the_filtered_view(server, chromium):
    store, base = server
    if store != "fixture":
        pytest.skip("needs data")
    out = _shot_dir() / "fixture-overview-chenghua.png"
    info = asyncio.run(_shoot(chromium, f"{base}/overview?district=%E6%88%90%E5%8D%8E%E5%8C%BA", out))
    assert not info["exceptions"]
    assert "3200余人次" in info["text"]          # 成华区 only: 3000余 + 200
    assert "7400余人次" not in info["text"]      # the unfiltered total
