"""Real-browser plumbing shared by the browser tests: `streamlit run dashboard.py` over a given
store, a headless Debian chromium driven over the DevTools protocol (with the `websockets` client
that Streamlit installs), screenshots, and a probe of what the page shows.

Chromium is driven over DevTools rather than `chromium --screenshot`, because Streamlit renders
after its websocket delivers the script's output, which `--screenshot` does not wait for.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
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

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1400, 1000
CHROMIUM_MISSING = pytest.mark.skipif(not Path(CHROMIUM).exists(),
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


@contextlib.contextmanager
def running_dashboard(store: Path, env: dict | None = None):
    """`streamlit run dashboard.py` over the store on a free localhost port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DASHBOARD_DATA_DIR": str(store), **(env or {})}
    log = open(store / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:   # a loaded machine: stop it outright
            proc.kill()
            proc.wait(10)
        log.close()


@contextlib.contextmanager
def running_chromium(profile: Path):
    """A headless chromium with the DevTools protocol on a free port; yields that port."""
    port = _free_port()
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
         # tabs side by side all keep drawing (a background tab would stop its animation frames)
         "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
         "--disable-backgrounding-occluded-windows",
         f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/json/version", 30)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:   # a loaded machine: stop it outright
            proc.kill()
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
        if "value" not in result.get("result", {}):   # the page is between two documents
            return {"state": None, "skeletons": 0, "exceptions": [], "charts": 0, "drawn": 0,
                    "title": "", "text": "", "height": 0}
        return json.loads(result["result"]["value"])


@contextlib.asynccontextmanager
async def new_tab(devtools_port: int, width: int = WIDTH, height: int = HEIGHT):
    """A fresh tab of the running chromium, as a DevTools client."""
    from websockets.asyncio.client import connect

    req = urllib.request.Request(f"http://127.0.0.1:{devtools_port}/json/new?about:blank",
                                 method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        target = json.loads(r.read())
    async with connect(target["webSocketDebuggerUrl"], max_size=256 * 2 ** 20) as ws:
        dt = DevTools(ws)
        await dt.call("Page.enable")
        await dt.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                      deviceScaleFactor=1, mobile=False)
        yield dt


async def settle(dt: "DevTools", timeout: float = 60) -> dict:
    """Wait until Streamlit has finished the run and every chart is drawn (stable for 1 s), or
    an exception shows; return the probe."""
    deadline, settled, info = time.monotonic() + timeout, 0, {}
    while time.monotonic() < deadline:
        await asyncio.sleep(0.35)
        info = await dt.probe()
        ready = (info["state"] == "notRunning" and not info["skeletons"]
                 and info["drawn"] >= info["charts"])
        settled = settled + 1 if ready else 0
        if settled >= 3 or info["exceptions"]:
            break
    return info


async def screenshot(dt: "DevTools", out: Path, full_page: bool = True,
                     width: int = WIDTH, height: int = HEIGHT) -> dict:
    """Save a PNG of the tab (as tall as the page when full_page); return the probe."""
    info = await dt.probe()
    if full_page:   # as tall as the page, up to 4 screens (a taller PNG only costs time)
        height = max(height, min(int(info.get("height") or height) + 120, 4 * height, 6000))
        await dt.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                      deviceScaleFactor=1, mobile=width < 600)
        await asyncio.sleep(0.6)
        info = await dt.probe()
    shot = await dt.call("Page.captureScreenshot", format="png")
    out.write_bytes(base64.b64decode(shot["data"]))
    return info


async def _shoot(devtools_port: int, url: str, out: Path) -> dict:
    async with new_tab(devtools_port) as dt:
        await dt.call("Page.navigate", url=url)
        await settle(dt)
        return await screenshot(dt, out)


def shoot(devtools_port: int, url: str, out: Path) -> dict:
    """Open the URL in a new tab, wait for it to render, screenshot the whole page."""
    return asyncio.run(_shoot(devtools_port, url, out))


def shot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "dashboard-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder




# ---- a person's hands: real mouse clicks and key presses on what the page shows -----------------

# The centre of the first element matching a CSS selector whose text contains `text` (any text
# when empty), scrolled into view first; null when there is none or it is hidden.
_LOCATE = """((sel, text, nth) => {
  const hits = [...document.querySelectorAll(sel)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (!text || (e.innerText || e.textContent || '').includes(text));
  });
  const e = hits[nth];
  if (!e) return null;
  e.scrollIntoView({block: 'center', inline: 'center'});
  const r = e.getBoundingClientRect();
  return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2,
                         text: (e.innerText || '').slice(0, 200)});
})(%s, %s, %d)"""


async def evaluate(dt: "DevTools", expression: str):
    """The value of a JavaScript expression in the page."""
    result = await dt.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
    return result["result"].get("value")


async def locate(dt: "DevTools", selector: str, text: str = "", nth: int = 0,
                 timeout: float = 20) -> dict:
    """Where an element is on screen (waiting for it to appear); fails when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        found = await evaluate(dt, _LOCATE % (json.dumps(selector), json.dumps(text), nth))
        if found:
            await asyncio.sleep(0.2)   # let the scroll finish, then measure again
            return json.loads(await evaluate(
                dt, _LOCATE % (json.dumps(selector), json.dumps(text), nth)) or found)
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing on the page matches {selector!r} with {text!r}")
        await asyncio.sleep(0.3)


async def mouse_click(dt: "DevTools", x: float, y: float) -> None:
    """A left click at page coordinates, as the mouse sends it: move, press, release."""
    await dt.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    for kind in ("mousePressed", "mouseReleased"):
        await dt.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      buttons=1 if kind == "mousePressed" else 0, clickCount=1)


async def click(dt: "DevTools", selector: str, text: str = "", nth: int = 0) -> dict:
    """Click the element as a person does (scroll to it, press the mouse on its centre)."""
    where = await locate(dt, selector, text, nth)
    await mouse_click(dt, where["x"], where["y"])
    return where


KEYS = {"Escape": 27, "ArrowLeft": 37, "ArrowRight": 39, "Enter": 13, "ArrowDown": 40}


async def press(dt: "DevTools", key: str) -> None:
    """Press and release one key (focus stays where the page has it)."""
    code = KEYS[key]
    for kind in ("rawKeyDown", "keyUp"):
        await dt.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)


async def choose_file(dt: "DevTools", path, timeout: float = 60) -> None:
    """Put a file into the page's file picker, as a person choosing it in the dialog does
    (waiting for the picker: it is drawn late on a busy machine)."""
    deadline = time.monotonic() + timeout
    while True:
        doc = await dt.call("DOM.getDocument", depth=-1, pierce=True)
        node = await dt.call("DOM.querySelector", nodeId=doc["root"]["nodeId"],
                             selector='input[type="file"]')
        if node["nodeId"]:
            break
        if time.monotonic() > deadline:
            raise AssertionError("the page shows no file picker")
        await asyncio.sleep(0.5)
    await dt.call("DOM.setFileInputFiles", files=[str(path)], nodeId=node["nodeId"])


async def type_text(dt: "DevTools", text: str) -> None:
    await dt.call("Input.insertText", text=text)


async def sidebar_filter(dt: "DevTools", label: str) -> list[str]:
    """The values the sidebar multiselect labelled `label` shows (empty: it says 全部)."""
    return json.loads(await evaluate(dt, """((label) => {
      const box = [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')]
        .find(e => (e.querySelector('label') || {}).innerText === label);
      if (!box) return 'null';
      const shown = box.querySelector('.react-aria-ComboBox') || box;
      return JSON.stringify([...shown.querySelectorAll('[data-tag]')].map(t => t.innerText.trim()));
    })(%s)""" % json.dumps(label)))


async def url(dt: "DevTools") -> str:
    return await evaluate(dt, "location.href")


# What a person can read on the page: the text of the app (icons' ligature names left out), the
# cells of the tables (drawn on a canvas; their accessible copy is in the DOM), and the labels
# and tooltips of visible controls.
VISIBLE_TEXT = """(() => {
  const app = document.querySelector('[data-testid="stApp"]') || document.body;
  const copy = app.cloneNode(true);
  copy.querySelectorAll('[data-testid="stIconMaterial"], table, style, script').forEach(e => e.remove());
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const cells = [...app.querySelectorAll('[data-testid="stDataFrame"] table td, [data-testid="stDataFrame"] table th')]
    .map(c => c.textContent.trim());
  // tooltips: title attributes, and the table and chart toolbars' buttons (hover labels)
  const labels = [...app.querySelectorAll('[title], [data-testid="stElementToolbarButton"] button')]
    .filter(shown).map(e => e.getAttribute('title') || e.getAttribute('aria-label'));
  document.body.appendChild(copy); copy.style.position = 'absolute'; copy.style.left = '-99999px';
  const text = copy.innerText; copy.remove();
  return JSON.stringify({text: text, cells: cells, labels: labels.filter(Boolean),
                         menu: !!document.querySelector('[data-testid="stMainMenu"]'),
                         dialog: (document.querySelector('[role="dialog"]') || {}).innerText || ''});
})()"""


async def visible_text(dt: "DevTools") -> dict:
    return json.loads(await evaluate(dt, VISIBLE_TEXT))
