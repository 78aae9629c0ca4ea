"""The upload page's sign-in: who is writing, and which districts they may write.

Three modes: no accounts file (open, local use: anyone may write, and the page says so); accounts
with passwords (a sign-in form; the session remembers the account); accounts with e-mails and an
identity provider configured for Streamlit's `st.login` ([auth] in .streamlit/secrets.toml).
Anyone not signed in as an organiser or admin is a viewer and sees no write controls."""
from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from .accounts import (Account, AccountsError, SignInThrottle, account_for_email, accounts_file,
                       districts_label, load_accounts, sign_in)
from .markup import md

SESSION_KEY = "signed_in_account"
MAX_FAILURES = 5          # per account and per address; then each further attempt waits longer
OPEN_UPLOADER = "本机用户"


@dataclass(frozen=True)
class Access:
    can_write: bool
    uploader: str                            # written into each batch's manifest
    districts: tuple[str, ...] | None        # None: every district
    open_mode: bool = False
    account: Account | None = None


VIEWER = Access(can_write=False, uploader="", districts=())


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:   # no secrets file at all: Streamlit raises rather than answer False
        return False


def current_access() -> Access:
    """Resolve who is at the page, drawing the sign-in (or sign-out) controls as needed."""
    try:
        accounts = load_accounts()
    except AccountsError as err:
        st.error(f"账号配置有误，暂时不能上传：{md(err)}", icon=":material/lock:")
        return VIEWER
    if accounts is None:
        st.warning("本看板没有配置账号（本机使用模式）：打开本页的任何人都可以导入和撤销数据。"
                   "多人共用时，请按 README 配置 config/accounts.yaml。", icon=":material/lock_open:")
        return Access(True, OPEN_UPLOADER, None, open_mode=True)
    account = _signed_in(accounts)
    if account is None:
        return VIEWER
    st.success(f"已登录：{md(account.name)}（可导入和撤销：{districts_label(account)}）",
               icon=":material/verified_user:")
    if st.button("退出登录", key="sign_out"):
        st.session_state.pop(SESSION_KEY, None)
        if st.user.get("is_logged_in"):
            st.logout()
        st.rerun()
    return Access(True, account.name, account.districts, account=account)


def _signed_in(accounts: list[Account]) -> Account | None:
    key = st.session_state.get(SESSION_KEY)
    account = next((a for a in accounts if key and key in (a.username, a.email)), None)
    if account:
        return account
    if _oidc_configured():
        if st.user.get("is_logged_in"):
            account = account_for_email(accounts, st.user.get("email"))
            if account:
                return account
            st.warning(f"{md(st.user.get('email'))} 没有组织者权限，只能查看。需要导入数据请联系管理员。")
        else:
            st.button("使用统一身份登录", on_click=st.login, icon=":material/login:")
    if any(a.username for a in accounts):
        _password_form(accounts)
    return None


@st.cache_resource(show_spinner=False)
def _throttle(accounts_path: str) -> SignInThrottle:
    """One count of failures per accounts file for the whole server, across sessions."""
    return SignInThrottle(free=MAX_FAILURES)


def _client_address() -> str | None:
    """The address of the browser's connection as the server sees it (None when unknown)."""
    try:
        return st.context.ip_address
    except Exception:   # no request behind this run (bare mode)
        return None


def _password_form(accounts: list[Account]) -> None:
    st.info("导入和撤销数据需要组织者登录；未登录只能查看导入记录。", icon=":material/lock:")
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    if not submitted:
        return
    throttle = _throttle(str(accounts_file()))
    keys = SignInThrottle.keys(username, _client_address())
    wait = throttle.wait(keys)
    if wait > 0:
        st.error(f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试。忘记密码请联系管理员重新生成。",
                 icon=":material/timer:")
        return
    account = sign_in(accounts, username, password)
    if account is None:
        throttle.failed(keys)
        st.error("用户名或密码不对，请重新输入。忘记密码请联系管理员重新生成。")
        return
    throttle.succeeded(username)
    st.session_state[SESSION_KEY] = account.username
    st.rerun()
