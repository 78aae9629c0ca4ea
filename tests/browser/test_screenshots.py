"""A real browser opens every page of the running dashboard, screenshots it and fails if a page
shows a Streamlit exception, over a fixture store, an empty one and the shipped default data.
Needs Debian's chromium (`apt-get install chromium fonts-noto-cjk`); skipped without it.
Screenshots go to $SCREENSHOT_DIR (default: a temporary folder, printed).
"""
from __future__ import annotations

import shutil

import pytest

from loaders.synth import write_fixture
from tests.browser.harness import (CHROMIUM_MISSING, ROOT, running_chromium, running_dashboard,
                                   shoot, shot_dir)
from ui.navigation import PAGES, page_exists

pytestmark = CHROMIUM_MISSING


@pytest.fixture(scope="module", params=["fixture", "empty", "shipped"])
def server(request, tmp_path_factory):
    """The dashboard over a fixture store, an empty one, and the shipped default data (what a
    newcomer sees first)."""
    store = tmp_path_factory.mktemp(f"store-{request.param}")
    if request.param == "fixture":
        write_fixture(store)
    elif request.param == "shipped":
        shutil.copytree(ROOT / "data" / "batches", store / "batches")
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


def test_a_copied_link_reopens_the_filtered_view(server, chromium):
    store, base = server
    if store != "fixture":
        pytest.skip("needs data")
    out = shot_dir() / "fixture-overview-chenghua.png"
    info = shoot(chromium, f"{base}/overview?district=%E6%88%90%E5%8D%8E%E5%8C%BA", out)
    assert not info["exceptions"]
    assert "3200余人次" in info["text"]          # 成华区 only: 3000余 + 200
    assert "7400余人次" not in info["text"]      # the unfiltered total
