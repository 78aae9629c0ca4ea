"""Web pages and pasted text (loaders.webpage, loaders.readers): pages served from a local server on
127.0.0.1, saved .html and .mhtml files, WeChat articles, every failure of a fetch in Chinese,
pasted text, and `python -m loaders import` of a link and of standard input."""
import email.policy
import hashlib
import io
import socket
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loaders import netguard
from loaders.cli import main
from loaders.errors import LoaderError
from loaders.pipeline import extract_document, tables_of
from loaders.readers import read_bytes, read_link, read_pasted
from loaders.store import list_batches, load_tables
from tests.webpages import BODY, NEWS, WECHAT

NAV_ONLY = "<html><body><nav>" + "".join(f'<a href="/{i}">栏目{i}</a>' for i in range(30)) + "</nav></body></html>"
ROUTES = {
    # path: (status, content type, body, seconds to wait before answering)
    "/news": (200, "text/html; charset=utf-8", NEWS.encode(), 0),
    "/gbk": (200, "text/html; charset=gb18030", NEWS.replace("utf-8", "gb18030").encode("gb18030"), 0),
    "/wechat": (200, "text/html; charset=utf-8", WECHAT.encode(), 0),
    "/nav": (200, "text/html; charset=utf-8", NAV_ONLY.encode(), 0),
    "/missing": (404, "text/html", b"not found", 0),
    "/login": (403, "text/html", b"forbidden", 0),
    "/slow": (200, "text/html", NEWS.encode(), 3),
    "/big": (200, "text/html", b"<html><body>" + "<p>很长的网页</p>".encode() * 5000 + b"</body></html>", 0),
    "/report.pdf": (200, "application/pdf", b"%PDF-1.4\n", 0),
    "/moved": (302, "text/html", b"", 0),   # to an internal address (Handler)
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, kind, body, wait = ROUTES.get(self.path, (404, "text/html", b"", 0))
        time.sleep(wait)
        try:
            self.send_response(status)
            if self.path == "/moved":
                port = self.server.server_address[1]
                self.send_header("Location", f"http://127.0.0.2:{port}/news")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):   # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def local_server():
    """The pages, served on 127.0.0.1: an address links may not reach unless allowed."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(local_server, monkeypatch):
    """The local server, with local addresses allowed (as an administrator may for an intranet)."""
    monkeypatch.setenv(netguard.SETTING, "1")
    return local_server


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_main_text_and_its_source(server):
    doc = read_link(server + "/news")
    assert doc.text.splitlines()[1:] == BODY
    for noise in ("首页", "广告", "网友评论", "版权所有", "优惠券"):
        assert noise not in doc.text
    assert doc.meta == {"title": "锦绣社区：共享书屋开到家门口", "site": "成都社区新闻网",
                        "date": "2026-10-12", "url": server + "/news"}
    assert doc.name == "网页：锦绣社区：共享书屋开到家门口" and doc.encoding == "url"
    assert doc.sha256 == hashlib.sha256(doc.text.encode()).hexdigest()
    assert read_link(server + "/gbk").text == doc.text        # the page's own charset
    values = sorted(c["value"] for c in extract_document(doc).claims)
    assert values == [2, 3, 12, 300, 800, 2600, 450000]


def test_a_wechat_article(server):
    doc = read_link(server + "/wechat")
    assert doc.text.splitlines() == BODY
    assert doc.meta["site"] == "锦绣社区" and doc.meta["date"] == "2026-10-12"
    assert doc.meta["url"] == server + "/wechat"


FAILURES = [
    # (id, link, keywords for read_link, words the message must contain)
    ("no network", lambda s: f"http://127.0.0.1:{closed_port()}/a", {}, "没有联网"),
    ("not found", lambda s: s + "/missing", {}, "404"),
    ("needs a login", lambda s: s + "/login", {}, "拒绝访问"),
    ("too slow", lambda s: s + "/slow", {"timeout": 0.5}, "秒内没有响应"),
    ("too large", lambda s: s + "/big", {"max_bytes": 10_000}, "网页太大"),
    ("not a web page", lambda s: s + "/report.pdf", {}, "不是网页"),
    ("no article on the page", lambda s: s + "/nav", {}, "没有找到文章正文"),
    ("not a link", lambda s: "www.example.com/a", {}, "链接格式不对"),
    ("a local file", lambda s: "file:///etc/passwd", {}, "链接格式不对"),
]


@pytest.mark.parametrize("link, kw, fragment", [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_fetch_failures_are_explained(server, link, kw, fragment):
    with pytest.raises(LoaderError, match=fragment):
        read_link(link(server), **kw)


def test_fetch_timeout_is_configurable(server, monkeypatch):
    monkeypatch.setenv("DASHBOARD_FETCH_TIMEOUT", "0.5")
    with pytest.raises(LoaderError, match="0.5 秒内没有响应"):
        read_link(server + "/slow")


def mhtml(html: str, location: str) -> bytes:
    msg = EmailMessage()
    msg["Snapshot-Content-Location"] = location
    msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.add_header("Content-Location", location)
    msg.make_related()
    return msg.as_bytes(policy=email.policy.default)


@pytest.mark.parametrize("name, data", [
    ("文章.html", NEWS.encode()), ("文章.htm", NEWS.encode("gb18030").replace(b"utf-8", b"gb18030")),
    ("微信.mhtml", mhtml(WECHAT, "https://mp.weixin.qq.com/s/abc")),
])
def test_saved_pages(name, data):
    doc = read_bytes(data, name)
    assert doc.text.splitlines()[-3:] == BODY and doc.encoding == "html"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    if name.endswith(".mhtml"):
        assert doc.meta["url"] == "https://mp.weixin.qq.com/s/abc"


@pytest.mark.parametrize("name, data, fragment", [
    ("空.html", b"", "空的"), ("导航.html", NAV_ONLY.encode(), "没有找到文章正文"),
    ("假网页.html", b"%PDF-1.4\n0000", "实际上是 PDF"), ("坏的.mhtml", b"From: x\n\nhello", "没有网页内容"),
])
def test_bad_saved_pages(name, data, fragment):
    with pytest.raises(LoaderError, match=fragment):
        read_bytes(data, name)


def test_pasted_text():
    text = "青柳社区新建共享书屋3处，服务居民1200余人次。"
    doc = read_pasted(text, title="  青柳社区简报 ", source="锦江区社区工作群")
    assert doc.text == text and doc.encoding == "paste"
    assert doc.meta == {"title": "青柳社区简报", "source": "锦江区社区工作群"}
    assert doc.name == "粘贴：青柳社区简报"
    assert read_pasted(text * 2).name == "粘贴：" + (text * 2)[:30] + "…"
    assert tables_of([(doc, extract_document(doc))], "")["documents"]["title"][0] == "青柳社区简报"
    with pytest.raises(LoaderError, match="没有粘贴任何文字"):
        read_pasted(" \n\u3000")
    with pytest.raises(LoaderError, match="太大"):
        read_pasted(text, max_bytes=10)


def test_import_a_link_and_standard_input(server, tmp_path, monkeypatch, capsys):
    root = tmp_path / "store"
    assert main(["import", server + "/news", "--data", str(root)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("青柳社区新建共享书屋3处。"))
    assert main(["import", "-", "--title", "简报", "--source", "工作群", "--data", str(root)]) == 0
    manifests = list_batches(root).sort_values("time", kind="stable")
    sources = {m["file"]: m["source"] for m in manifests.to_dict("records")}
    assert sources["网页：锦绣社区：共享书屋开到家门口"]["site"] == "成都社区新闻网"
    assert sources["粘贴：简报"] == {"title": "简报", "source": "工作群"}
    docs = load_tables(root).documents
    assert set(docs["title"]) == {"锦绣社区：共享书屋开到家门口", "简报"}
    # the same article again is recognised; a link that fails writes nothing
    assert main(["import", server + "/news", "--data", str(root)]) == 0
    assert "已经导入过" in capsys.readouterr().err
    assert main(["import", server + "/missing", "--data", str(root)]) == 2
    assert len(list_batches(root)) == 2


INTERNAL = ["http://127.0.0.1:{port}/news", "http://localhost:{port}/news", "http://[::1]:{port}/",
            "http://10.0.0.8/admin", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]:{port}/news", "http://0.0.0.0:{port}/", "http://100.64.0.1/",
            "https://127.0.0.1:{port}/news"]


@pytest.mark.parametrize("link", INTERNAL)
def test_links_to_this_machine_or_the_local_network_are_refused(local_server, link, monkeypatch):
    monkeypatch.delenv(netguard.SETTING, raising=False)
    port = local_server.rsplit(":", 1)[1]
    with pytest.raises(LoaderError, match="本机或内部网络的地址.*DASHBOARD_FETCH_PRIVATE"):
        read_link(link.format(port=port), timeout=2)


def test_a_redirect_to_an_internal_address_is_refused(local_server, monkeypatch):
    """The first address passes (taken for public here), the one redirected to does not: every
    connection is checked, not only the link as typed."""
    monkeypatch.delenv(netguard.SETTING, raising=False)
    monkeypatch.setattr(netguard, "_public", lambda address: address == "127.0.0.1")
    assert read_link(local_server + "/news").meta["title"]       # the check lets it through
    with pytest.raises(LoaderError, match="127.0.0.2"):
        read_link(local_server + "/moved")


def test_through_a_proxy_the_link_is_checked_by_name(monkeypatch):
    """A proxy (itself on the local network, as offices have them) connects for us: the link's
    host is checked by name, and the proxy is reached."""
    monkeypatch.delenv(netguard.SETTING, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(LoaderError, match="内部网络的地址（10.0.0.8）"):
        read_link("http://10.0.0.8/admin", timeout=2)
    with pytest.raises(LoaderError, match="无法打开这个链接"):   # the proxy refused: not our check
        read_link("http://93.184.216.34/news", timeout=2)
