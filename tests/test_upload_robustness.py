"""The 数据上传 page when the machine fails it: a full disk while committing is a Chinese message
on the page (no exception, the store unchanged, no temporary folder left)."""
from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import parquet as store_module
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


# --------------------------------------------------------------------------- sign-in

def accounts_file(tmp_path: Path) -> Path:
    from ui.accounts import hash_password
    path = tmp_path / "accounts.yaml"
    path.write_text(f"""
users:
  - username: wuhou
    name: 武侯区组织者
    districts: [武侯区]
    password: "{hash_password('wuhou-pass')}"
""", encoding="utf-8")
    return path


def upload_page(store: Path, accounts: Path, monkeypatch, address: str | None = None) -> AppTest:
    """A new browser session (its own session state) on the upload page."""
    import ui.access
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(accounts))
    monkeypatch.setattr(ui.access, "_client_address", lambda: address)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    return at


def try_sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def stopped_clock(tmp_path, monkeypatch):
    """The sign-in throttle of this accounts file, its clock stopped (no test waits on time)."""
    import ui.access
    path = accounts_file(tmp_path)
    throttle = ui.access._throttle(str(path))
    monkeypatch.setattr(throttle, "clock", lambda: 1_000_000.0)
    return path


def test_failures_count_per_account_across_sessions(tmp_path, monkeypatch, stopped_clock):
    store = tmp_path / "store"
    store.mkdir()
    for i in range(5):   # five sessions (as a script opening a new one each time would)
        at = try_sign_in(upload_page(store, stopped_clock, monkeypatch, f"198.51.100.{i}"),
                         "wuhou", f"guess-{i}")
        assert any("用户名或密码不对" in e.value for e in at.error)
    at = try_sign_in(upload_page(store, stopped_clock, monkeypatch, "198.51.100.99"),
                     "wuhou", "wuhou-pass")
    assert any("失败次数过多" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.file_uploader          # not signed in, however right the password


def test_failures_count_per_address_across_accounts(tmp_path, monkeypatch, stopped_clock):
    store = tmp_path / "store"
    store.mkdir()
    for i in range(5):
        try_sign_in(upload_page(store, stopped_clock, monkeypatch, "203.0.113.9"), f"user{i}", "x")
    at = try_sign_in(upload_page(store, stopped_clock, monkeypatch, "203.0.113.9"),
                     "wuhou", "wuhou-pass")
    assert any("失败次数过多" in e.value for e in at.error)
    at = try_sign_in(upload_page(store, stopped_clock, monkeypatch, "192.0.2.1"),
                     "wuhou", "wuhou-pass")
    assert at.file_uploader and not at.error      # another address is not held up
