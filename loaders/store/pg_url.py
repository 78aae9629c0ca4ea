"""A database URL as the server store takes it (SQLAlchemy's form, `postgresql+psycopg://…`),
as libpq takes it (ADBC's reads) and as messages show it (no password). Plain string work on
RFC 3986 URLs, which both forms share, so that reading the store does not import SQLAlchemy
(half a second of a fresh app process's start)."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

DRIVER = "postgresql+psycopg"   # the driver this app ships
_PLAIN = ("postgres", "postgresql")


def _parts(url: str) -> tuple[str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"不是数据库地址：{url!r}（应形如 postgresql+psycopg://用户:密码@主机/数据库）")
    return scheme.lower(), rest


def normalise(url: str) -> str:
    """postgres://, postgresql:// → postgresql+psycopg://; another driver is left as given."""
    scheme, rest = _parts(url)
    return f"{DRIVER if scheme in _PLAIN else scheme}://{rest}"


def libpq(url: str) -> str:
    """The URL libpq (and so ADBC's PostgreSQL driver) reads: postgresql://…"""
    scheme, rest = _parts(url)
    return f"postgresql://{rest}"


def shown(url: str) -> str:
    """The URL without its password, for messages and for naming the store."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))
