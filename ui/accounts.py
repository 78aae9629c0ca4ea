"""Who may write: organiser accounts from a config file (scrypt-hashed passwords, or an e-mail
signed in through Streamlit's OIDC `st.login`), each limited to the districts assigned to it.

No accounts file means local use: the upload page is open to whoever runs the app, and says so.
The file is $DASHBOARD_ACCOUNTS, else config/accounts.yaml (see config/accounts.example.yaml).

    python -m ui.accounts hash        # asks for a password, prints the line for the file
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from loaders.places import Gazetteer

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULT_FILE = APP_DIR / "config" / "accounts.yaml"
ROLES = {"organiser": "组织者", "admin": "管理员"}
ALL = "全部"
# scrypt at the cost OWASP lists for it (N=2^17 is the top; 2^15 keeps a sign-in near 0.1 s here)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1


class AccountsError(ValueError):
    """The accounts file is unreadable or wrong; the message says which entry and what to fix."""


@dataclass(frozen=True)
class Account:
    name: str                              # shown in the page and written as the batch's uploader
    role: str                              # organiser | admin
    districts: tuple[str, ...] | None      # None: every district (admins, or 全部)
    username: str | None = None
    email: str | None = None
    password: str | None = None            # scrypt hash (see hash_password)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, maxmem=2 ** 26, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), maxmem=2 ** 26, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def accounts_file() -> Path:
    return Path(os.environ.get("DASHBOARD_ACCOUNTS") or DEFAULT_FILE)


def load_accounts(path: str | os.PathLike | None = None) -> list[Account] | None:
    """The configured accounts, or None when there is no accounts file (open, local use)."""
    path = Path(path) if path else accounts_file()
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        # The parser's message quotes the offending line (a password hash, say), and this message
        # reaches the page: name the place only.
        mark = getattr(err, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        raise AccountsError(f"账号文件 {path.name} {where}格式不对（YAML），读不出来。请管理员"
                            "检查该处的引号、冒号和缩进（只能用空格）。") from None
    except (OSError, UnicodeDecodeError) as err:
        raise AccountsError(f"账号文件 {path.name} 读不出来（{type(err).__name__}）。请管理员检查"
                            "文件权限和编码（UTF-8）。") from None
    if not isinstance(data, dict):
        raise AccountsError(f"账号文件 {path.name} 的格式不对：最外层应是“users:”列表。"
                            "请按 config/accounts.example.yaml 填写。")
    known = set(Gazetteer.load().districts)
    out, seen = [], set()
    for i, entry in enumerate(data.get("users") or [], start=1):
        where = f"账号文件 {path} 第 {i} 个账号"
        if not isinstance(entry, dict):
            raise AccountsError(f"{where}格式不对：每个账号应是“username: …”等字段的一组。")
        username, email = entry.get("username"), entry.get("email")
        if not username and not email:
            raise AccountsError(f"{where}缺少 username（用户名密码登录）或 email（统一身份登录）。")
        key = username or email
        if key in seen:
            raise AccountsError(f"{where}：“{key}”重复出现，请只保留一个。")
        seen.add(key)
        role = entry.get("role", "organiser")
        if role not in ROLES:
            raise AccountsError(f"{where}（{key}）的 role 是“{role}”，只能是 organiser 或 admin。")
        if username and not str(entry.get("password", "")).startswith("scrypt$"):
            raise AccountsError(f"{where}（{key}）没有密码哈希：请运行 python -m ui.accounts hash "
                                "生成后填到 password，不要填明文密码。")
        raw = entry.get("districts")
        if role == "admin" or raw == ALL or raw == [ALL]:
            districts = None
        else:
            districts = tuple([raw] if isinstance(raw, str) else raw or ())
            if not districts:
                raise AccountsError(f"{where}（{key}）没有 districts：请写明负责的区（市）县，"
                                    f"或写“{ALL}”。")
            unknown = [d for d in districts if d not in known]
            if unknown:
                raise AccountsError(f"{where}（{key}）的区县“{'、'.join(unknown)}”不在地名表里，"
                                    "请写全称，如“成华区”“高新区”。")
        out.append(Account(name=str(entry.get("name") or key), role=role, districts=districts,
                           username=username, email=email, password=entry.get("password")))
    if not out:
        raise AccountsError(f"账号文件 {path} 里没有账号。不需要账号时请删除该文件。")
    return out


def sign_in(accounts: list[Account], username: str, password: str) -> Account | None:
    """The account for this username and password, or None. Always runs one scrypt, so a wrong
    username and a wrong password take the same time."""
    match = next((a for a in accounts if a.username and a.username == username.strip()), None)
    ok = verify_password(password, match.password if match else _DUMMY)
    return match if (match and ok) else None


class SignInThrottle:
    """Failed sign-ins counted per account and per client address, shared by every session of the
    server (a new browser session starts from the same count, not from zero). After `free`
    failures a key waits 2, 4, 8 … seconds (at most `longest`) after its last failure, during
    which no password is even checked; a key quiet for `forget` seconds starts again from zero. A
    sign-in resets its account's count only, so signing in to one's own account does not reset
    an address that guesses at others."""

    def __init__(self, free: int = 5, longest: float = 15 * 60, forget: float = 60 * 60):
        self.free, self.longest, self.forget = free, longest, forget
        self.clock = time.time
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    @staticmethod
    def keys(username: str, address: str | None) -> list[str]:
        return [f"account:{username.strip().lower()}"] + ([f"address:{address}"] if address else [])

    def wait(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self.clock() if now is None else now
        with self._lock:
            waits = [0.0]
            for key in keys:
                count, last = self._failures.get(key, (0, now))
                if count > self.free - 1 and now - last < self.forget:
                    delay = min(2.0 ** (count - self.free + 1), self.longest)
                    waits.append(max(0.0, last + delay - now))
            return max(waits)

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self._lock:
            for key in keys:
                count, last = self._failures.get(key, (0, now))
                self._failures[key] = ((0 if now - last >= self.forget else count) + 1, now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self.keys(username, None)[0], None)


def account_for_email(accounts: list[Account], email: str | None) -> Account | None:
    if not email:
        return None
    email = email.strip().lower()
    return next((a for a in accounts if a.email and a.email.strip().lower() == email), None)


def districts_label(account: Account) -> str:
    return "全部区（市）县" if account.districts is None else "、".join(account.districts)


_DUMMY = hash_password("not a password", salt=b"0" * 16)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import getpass

    p = argparse.ArgumentParser(prog="python -m ui.accounts",
                                description="为账号文件生成密码哈希（scrypt）")
    p.add_argument("command", choices=["hash"])
    p.parse_args(argv)
    first = getpass.getpass("新密码：")
    if len(first) < 8:
        print("密码至少 8 位。")
        return 1
    if getpass.getpass("再输一次：") != first:
        print("两次输入不一致。")
        return 1
    print(f'password: "{hash_password(first)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
