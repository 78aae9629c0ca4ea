"""Which addresses a pasted link may be fetched from (loaders/webpage.py).

A link typed into the upload page is fetched by the server, inside the office's or the city's
network: without a check, "http://127.0.0.1:5432/", "http://10.0.0.8/admin" or a cloud's
metadata address (169.254.169.254) would be opened from there, by anyone who can upload. So by
default only addresses on the public internet are connected to (`ipaddress`'s is_global: not
loopback, private, link-local, shared, reserved or multicast). The check is made where the
connection is made, on the very address connected to, for the first request and for every
redirect alike, so a name that resolves to a public address when checked and to a private one
when connected (DNS rebinding) cannot slip through. Through a proxy (http_proxy / https_proxy)
the proxy connects, so the link's host and each redirect's are checked by name before the
request instead.

An intranet's pages can be allowed by the administrator: DASHBOARD_FETCH_PRIVATE=1.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import urllib.parse
import urllib.request

from .errors import LoaderError

SETTING = "DASHBOARD_FETCH_PRIVATE"


def private_allowed() -> bool:
    return os.environ.get(SETTING, "").strip().lower() in ("1", "true", "yes")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])   # an IPv6 zone (fe80::1%eth0) apart
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global


def _refused(url_or_host: str, address: str) -> LoaderError:
    return LoaderError(f"这个链接指向本机或内部网络的地址（{address}），为安全起见不会打开。"
                       "内网网页请在浏览器中打开后“另存为”网页文件（.html 或 .mhtml）再上传；"
                       f"如确需直接读取内网链接，请管理员设置 {SETTING}=1。", path=url_or_host)


def _addresses(host: str, port: int | None) -> list[tuple]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def check_host(url: str) -> None:
    """Refuse a link whose host has an address that is not public (used when a proxy connects)."""
    if private_allowed():
        return
    parts = urllib.parse.urlsplit(url)
    try:
        found = _addresses(parts.hostname or "", parts.port)
    except OSError:
        return   # not resolvable here: the proxy says so
    for *_, sockaddr in found:
        if not _public(sockaddr[0]):
            raise _refused(url, sockaddr[0])


def _connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **_):
    """socket.create_connection, to public addresses only (every address checked before the
    connection to it; a name with only other addresses is refused)."""
    host, port = address
    found = _addresses(host, port)
    allowed = found if private_allowed() else [f for f in found if _public(f[4][0])]
    if not allowed:
        raise _refused(host, found[0][4][0] if found else host)
    error = None
    for family, kind, proto, _, sockaddr in allowed:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as err:
            error = err
            sock.close()
    raise error


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Through a proxy: each redirect's host checked by name, as the link's was."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_host(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _proxied(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return bool(urllib.request.getproxies().get(parts.scheme)) and \
        not urllib.request.proxy_bypass(parts.hostname or "")


def opener(url: str) -> urllib.request.OpenerDirector:
    """An opener for `url` that reaches only public addresses (see above)."""
    if _proxied(url):
        check_host(url)
        return urllib.request.build_opener(_CheckedRedirects)
    return urllib.request.build_opener(_HTTPHandler, _HTTPSHandler)
