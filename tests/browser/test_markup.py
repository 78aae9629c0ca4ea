"""In a real browser, names from uploaded files that are markdown or HTML payloads render as text:
no image or link from them reaches the page (tests/test_markup.py checks the markdown source through
AppTest; this checks what Streamlit's frontend makes of it)."""
from __future__ import annotations

import asyncio
import json
import urllib.parse

import pytest

from loaders.store import commit_batch
from tests.browser.harness import (CHROMIUM_MISSING, new_tab, running_chromium,
                                   running_dashboard, settle)
from tests.test_markup import BOLD, IMAGE, LINK, TAG, hostile_tables
from ui.markup import JOINER

pytestmark = CHROMIUM_MISSING

# every <img> and <a> whose address is on the payloads' hosts (links to the app itself may carry a
# name in their query or anchor: that is text, not a fetch)
DOM = """(() => { const out = s => { try { return new URL(s).hostname.includes('evil'); }
                                    catch (e) { return false; } };
  return JSON.stringify({
  imgs: [...document.querySelectorAll('img')].map(e => e.src).filter(out),
  links: [...document.querySelectorAll('a')].map(e => e.href).filter(out),
  bold: [...document.querySelectorAll('[data-testid="stMain"] strong')].map(e => e.innerText)
        .filter(t => t === 'bold'),
  text: (document.querySelector('[data-testid="stMain"]') || document.body).innerText,
}); })()"""


async def page_dom(port: int, url: str) -> dict:
    async with new_tab(port) as dt:
        await dt.call("Page.navigate", url=url)
        info = await settle(dt)
        assert not info.get("exceptions"), info.get("exceptions")
        result = await dt.call("Runtime.evaluate", expression=DOM, returnByValue=True)
        return json.loads(result["result"]["value"])


def test_payload_names_render_as_text(tmp_path):
    store = tmp_path / "store"
    commit_batch("b1", hostile_tables(), {"kind": "article", "file": LINK, "uploader": BOLD,
                                          "time": "2025-03-01T09:00:00+08:00"}, store)
    profile = urllib.parse.quote(f"{IMAGE}（成华区猛追湾街道）")
    with running_dashboard(store) as base, running_chromium(tmp_path / "profile") as port:
        dom = asyncio.run(page_dom(port, f"{base}/community?profile={profile}"))
    assert not dom["imgs"] and not dom["links"] and not dom["bold"], dom
    text = dom["text"].replace(JOINER, "")
    for shown in (IMAGE, BOLD, TAG):     # shown literally, as typed
        assert shown in text, (shown, text[:2000])
