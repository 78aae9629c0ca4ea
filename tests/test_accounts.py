"""Accounts: scrypt hashes, the accounts file's checks (each refusal names the entry and the fix),
sign-in by password and by the e-mail an identity provider vouches for."""
import pytest

from ui.accounts import (AccountsError, account_for_email, hash_password, load_accounts, sign_in,
                         verify_password)

PW = hash_password("正确的密码123")


def write(tmp_path, text):
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hash_roundtrip_and_salted():
    assert verify_password("正确的密码123", PW)
    assert not verify_password("错误的密码", PW)
    assert hash_password("x") != hash_password("x")          # a fresh salt each time
    assert not verify_password("x", "md5$abc") and not verify_password("x", "garbage")


def test_no_file_means_open_mode(tmp_path):
    assert load_accounts(tmp_path / "missing.yaml") is None


def test_accounts_are_read(tmp_path):
    path = write(tmp_path, f"""
users:
  - username: jinjiang
    name: 锦江区组织者
    districts: [锦江区]
    password: "{PW}"
  - username: boss
    role: admin
    password: "{PW}"
  - email: Someone@Example.org
    districts: 全部
""")
    accounts = load_accounts(path)
    assert [a.name for a in accounts] == ["锦江区组织者", "boss", "Someone@Example.org"]
    assert accounts[0].districts == ("锦江区",) and accounts[1].districts is None
    assert accounts[2].districts is None
    assert sign_in(accounts, "jinjiang", "正确的密码123") is accounts[0]
    assert sign_in(accounts, " jinjiang ", "正确的密码123") is accounts[0]
    assert sign_in(accounts, "jinjiang", "错误") is None
    assert sign_in(accounts, "nobody", "正确的密码123") is None
    assert account_for_email(accounts, "someone@example.org") is accounts[2]
    assert account_for_email(accounts, None) is None


@pytest.mark.parametrize("text, message", [
    ("users: [", "读不出来"),
    ("users: []", "没有账号"),
    ("users:\n  - name: 某人\n", "缺少 username"),
    ("users:\n  - username: a\n    password: '123456'\n    districts: [锦江区]\n", "不要填明文密码"),
    ("users:\n  - username: a\n    role: boss\n    password: '{PW}'\n", "只能是 organiser 或 admin"),
    ("users:\n  - username: a\n    password: '{PW}'\n", "没有 districts"),
    ("users:\n  - username: a\n    password: '{PW}'\n    districts: [锦江]\n", "不在地名表里"),
    ("users:\n  - username: a\n    password: '{PW}'\n    districts: [锦江区]\n"
     "  - username: a\n    password: '{PW}'\n    districts: [锦江区]\n", "重复"),
])
def test_bad_accounts_files(tmp_path, text, message):
    with pytest.raises(AccountsError, match=message):
        load_accounts(write(tmp_path, text.replace("{PW}", PW)))


def test_the_shipped_example_is_a_valid_accounts_file():
    from ui.accounts import APP_DIR
    accounts = load_accounts(APP_DIR / "config" / "accounts.example.yaml")
    assert {a.role for a in accounts} == {"organiser", "admin"}
    assert sign_in(accounts, "chenghua", "anything") is None     # a placeholder, not a password


# ---------------------------------------------------------------- sign-in slow-down

from ui.accounts import SignInThrottle  # noqa: E402


def test_throttle_waits_grow_per_key_and_reset_on_success():
    t = SignInThrottle(free=3, longest=60, forget=3600)
    me, other = t.keys("Jinjiang ", "203.0.113.9"), t.keys("chenghua", "198.51.100.7")
    for _ in range(2):
        t.failed(me, now=100)
    assert t.wait(me, now=100) == 0                  # two failures are free
    t.failed(me, now=100)
    assert t.wait(me, now=100) == 2 and t.wait(me, now=101) == 1 and t.wait(me, now=102) == 0
    t.failed(me, now=102)
    assert t.wait(me, now=102) == 4
    assert t.wait(other, now=102) == 0               # another account from another address
    # the same address trying another account waits too
    assert t.wait(t.keys("chenghua", "203.0.113.9"), now=102) == 4
    for _ in range(10):
        t.failed(me, now=102)
    assert t.wait(me, now=102) == 60                 # capped
    t.succeeded("jinjiang")
    assert t.wait(t.keys("jinjiang", None), now=102) == 0
    assert t.wait(t.keys("x", "203.0.113.9"), now=102) == 60   # the address is not forgiven
    assert t.wait(t.keys("x", "203.0.113.9"), now=102 + 3600) == 0


@pytest.mark.parametrize("text", [
    'users:\n  - username: a\n    password: "{PW}\n    districts: [锦江区]\n',       # unclosed quote
    "users:\n  - username: a\n    password: {PW}: x\n    districts: [锦江区]\n",      # stray colon
    "users:\n  - username: a\n\tpassword: '{PW}'\n",                                 # a tab
])
def test_a_yaml_error_names_the_line_but_shows_no_content(tmp_path, text):
    with pytest.raises(AccountsError) as err:
        load_accounts(write(tmp_path, text.replace("{PW}", PW)))
    message = str(err.value)
    assert "行" in message and "请" in message, message
    secret = PW.split("$")
    assert not any(part in message for part in secret[4:]), message
    assert "scrypt" not in message and "password" not in message, message
