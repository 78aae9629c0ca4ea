"""The 数据上传 page when the machine fails it: a full disk while committing is a Chinese message
on the page (no exception, the store unchanged, no temporary folder left)."""
from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from loaders import store as store_module
from tests.test_sheets import GOOD, HEADERS, xlsx_bytes

APP = Path(__file__).resolve().parent.parent / "dashboard.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != ".import.lock":
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def test_a_full_disk_while_committing_is_a_message(tmp_path, monkeypatch):
    root = tmp_path / "store"
    root.mkdir()
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(root))
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(root / "no-accounts.yaml"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader[0].set_value(("三季度.xlsx", xlsx_bytes([HEADERS, GOOD]), XLSX)).run()
    assert not at.exception

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(store_module, "_write_table", full)
    before = tree_hash(root)
    at.button(key="commit_sheet").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("磁盘空间不足" in e.value and "请" in e.value for e in at.error)
    assert tree_hash(root) == before and not list(root.glob(".tmp-*"))
