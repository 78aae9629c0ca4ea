"""The dashboard on the server store: the same figures as on the folder store, every page
renders, and a batch committed or undone by another process shows on the next rerun (the app's
dataset is keyed by the database's signature)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.synth import write_fixture
from tests.pg import fresh_database
from tests.test_pages import APP, PAGE_FILES, expected_metrics, metrics
from ui.queries import Filters

ROOT = Path(__file__).resolve().parent.parent

OTHER = r"""
import sys
from loaders import store
from tests.test_store_backends import commit
url, what = sys.argv[1], sys.argv[2]
if what == "commit":
    commit(url, "other", "2025-04-01T09:00:00+08:00", n=4, district="锦江区")
else:
    store.undo_batch("other", url)
"""


def other_process(url: str, what: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", OTHER, url, what], cwd=ROOT, env=env, check=True,
                   timeout=120)


def open_app(url, monkeypatch, page=None) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", "/nonexistent")   # the database wins
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_on_the_database_shows_other_processes_batches(pg_database, tmp_path, monkeypatch):
    folder = tmp_path / "folder"
    write_fixture(folder)
    write_fixture(pg_database)
    at = open_app(pg_database, monkeypatch)
    assert metrics(at) == expected_metrics(folder, Filters())
    other_process(pg_database, "commit")
    at.run()
    shown = metrics(at)
    assert shown == expected_metrics(pg_database, Filters()) != expected_metrics(folder, Filters())
    assert shown["来源文件"] == "3"
    other_process(pg_database, "undo")
    at.run()
    assert metrics(at) == expected_metrics(folder, Filters())


@pytest.fixture(scope="module")
def fixture_database(pg_server):
    with fresh_database(pg_server) as url:
        write_fixture(url)
        yield url


@pytest.mark.parametrize("page,title", PAGE_FILES)
def test_every_page_renders_on_the_database(fixture_database, monkeypatch, page, title):
    at = open_app(fixture_database, monkeypatch, page)
    assert at.title[0].value == title and not at.error


def test_a_database_out_of_reach_is_a_clear_message(monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql+psycopg://u:pa55-xyz@127.0.0.1:1/none")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert "无法连接数据库" in at.error[0].value and "pa55-xyz" not in at.error[0].value
