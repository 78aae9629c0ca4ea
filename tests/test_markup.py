"""User text meets markdown only through ui.markup.md: every page, given names, sentences and file
names that are markdown or HTML payloads, shows them as text (AppTest); and md itself is exact."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import commit_batch
from loaders.synth import make_fixture_tables
from ui.markup import JOINER, html_text, md
from ui.navigation import PAGES, UPLOAD_PAGE, page_exists

APP = Path(__file__).resolve().parent.parent / "dashboard.py"
IMAGE = "![x](http://evil.example/a.png)"
BOLD = "**bold**"
TAG = "<img src=http://evil.example/b.png>"
LINK = "[点我](http://evil.example/c)"
PAYLOADS = [IMAGE, BOLD, TAG, LINK, "# 标题\n- 列表", ":red[红色]", "$x^2$", "a\\*b", "培华路社区",
            "1. 第一", "- 列表", "=== ", "  +1", "见 www.evil.example 或 a@evil.example"]
# what must never reach a markdown body unescaped
RAW = [IMAGE, BOLD, "<img", LINK, "](http", "evil.example/a.png)"]


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace(JOINER, "")


@pytest.mark.parametrize("text", PAYLOADS)
def test_md_is_literal_and_exact(text):
    out = md(text)
    assert unescape(out) == re.sub(r"\s*\n\s*", " ", text)
    # every markdown character is preceded by a backslash, so nothing is left to interpret
    assert not re.search(r"(?<!\\)[*_\[\]()!<>`|~$]", out.replace("\\\\", "")), out
    assert not re.match(r"\s*([#+\-=]|\d+[.)])", out), out
    assert not re.search(r"(?i)https?://|www\.|\w@", out.replace("\\", "")), out


def test_html_text_escapes_tags_quotes_and_markdown():
    assert html.unescape(html_text(TAG + '"\n' + IMAGE)).replace(JOINER, "") == TAG + '"\n' + IMAGE
    assert "<" not in html_text(TAG) and '"' not in html_text('"')
    assert not re.search(r"[!\[\]()*\n]", html_text(IMAGE + BOLD + "\n\n# x"))
    assert html_text(None) == "" and html_text(float("nan")) == ""


def hostile_tables() -> dict[str, pd.DataFrame]:
    """The fixture's first batch with its community, secretary, initiative, document and sentences
    replaced by payloads."""
    t = {k: v.copy() for k, v in make_fixture_tables()["b1"].items()}
    for frame in t.values():
        if "community" in frame:
            frame["community"] = frame["community"].where(frame["community"].isna(), IMAGE)
        if "doc" in frame:
            frame["doc"] = LINK + ".txt"
    t["communities"]["secretary"] = BOLD
    t["communities"]["title"] = TAG
    t["initiatives"]["name"] = TAG
    t["initiatives"]["evidence"] = f"{IMAGE}打造{TAG}。"
    t["documents"]["title"] = "# 标题 " + BOLD + " www.evil.example/d a@evil.example"
    t["claims"]["object"] = BOLD
    return t


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    commit_batch("b1", hostile_tables(), {"kind": "article", "file": LINK, "uploader": BOLD,
                                          "time": "2025-03-01T09:00:00+08:00"}, root)
    return root


def rendered_texts(node) -> list[tuple[str, str, bool]]:
    """(element type, text Streamlit renders as markdown, html allowed) for the whole page."""
    out = []
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if proto is not None:
        for field in ("body", "label"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                out.append((kind, value, bool(getattr(proto, "allow_html", False))))
    for child in getattr(node, "children", {}).values():
        out += rendered_texts(child)
    return out


VIEW_PAGES = [path for path, _, _, _ in PAGES if page_exists(path) and path != UPLOAD_PAGE]
QUERIES = {"pages/community.py": {"profile": f"成华区|猛追湾街道|{IMAGE}"},
           "pages/explorer.py": {"claim": "fx-00"},
           "pages/district.py": {"district": "成华区", "street": "猛追湾街道", "community": IMAGE},
}


SELECT = {"pages/initiatives.py": "initiative_table"}
SHOWN = {"pages/initiatives.py": (TAG,), "pages/community.py": (IMAGE, BOLD, TAG, LINK + ".txt"),
         "pages/explorer.py": (LINK + ".txt", BOLD),
         "pages/district.py": (IMAGE,)}


@pytest.mark.parametrize("page", VIEW_PAGES)
def test_every_page_shows_payloads_as_text(hostile_store, monkeypatch, page):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(hostile_store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(QUERIES.get(page, {}))
    at.run()
    at.switch_page(page).run()
    if page in SELECT:   # choose the first row, to show its detail card
        at.session_state[SELECT[page]] = {"selection": {"rows": [0], "columns": [], "cells": []}}
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = rendered_texts(at._tree)
    assert texts
    # st.html is not markdown (only tags matter there); markdown with HTML allowed is both
    leaks = [(kind, text) for kind, text, _ in texts for raw in RAW
             if re.search(r"(?<!\\)" + re.escape(raw), text) and (raw == "<img" or kind != "html")]
    assert not leaks, leaks
    # the escaped names are there: the payload was shown, not dropped
    shown = [md(x) for x in SHOWN.get(page, ())]
    assert all(any(x in text for _, text, _ in texts) for x in shown), (shown, texts)


# --------------------------------------------------------------------------- the upload page

def open_upload(store: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(store / "no-accounts.yaml"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(UPLOAD_PAGE).run()
    return at


def assert_no_leak(at) -> list:
    texts = rendered_texts(at._tree)
    leaks = [(kind, text) for kind, text, _ in texts for raw in RAW
             if re.search(r"(?<!\\)" + re.escape(raw), text) and (raw == "<img" or kind != "html")]
    assert not leaks, leaks
    return texts


@pytest.mark.parametrize("name", [IMAGE + ".csv", LINK + "<img src=x>.txt"])
def test_upload_page_shows_file_names_as_text(tmp_path, monkeypatch, name):
    from tests.test_sheets import GOOD, HEADERS
    store = tmp_path / "store"
    store.mkdir()
    at = open_upload(store, monkeypatch)
    body = ("\n".join(",".join(map(str, r)) for r in [HEADERS, GOOD]) if name.endswith(".csv")
            else "锦江区东湖街道东怡社区服务居民3000余人次。").encode("utf-8")
    at.file_uploader[0].set_value((name, body, "text/plain")).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = assert_no_leak(at)
    assert any(md(name) in text for _, text, _ in texts)


def test_upload_page_refusal_quotes_the_name_as_text(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    at = open_upload(store, monkeypatch)
    at.file_uploader[0].set_value((IMAGE + ".xlsx", b"", "application/octet-stream")).run()
    assert not at.exception
    texts = assert_no_leak(at)
    assert any(md(IMAGE) in text and "空的" in text for kind, text, _ in texts if kind == "error")
