"""Articles from web pages: a saved page (.html, .htm, .mhtml) or a link, fetched.

The main text (not the navigation, adverts or comments) and the title, site, date and address
are taken by trafilatura, a maintained extractor of article text; WeChat public-account pages
(mp.weixin.qq.com) keep the article in `#js_content`, which it finds as well. Fetching has a
timeout ($DASHBOARD_FETCH_TIMEOUT seconds, default 15) and a size limit (the upload limit),
reaches only public addresses (loaders/netguard.py: not this machine nor the local network,
unless the administrator allows it), and says in Chinese what went wrong (no network, no such
page, not a web page, too large, an internal address).
"""
from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

from . import netguard
from .errors import LoaderError

PAGE_SUFFIXES = (".html", ".htm", ".mhtml", ".mht")
_MIN_LINE = 12   # characters in the longest line of anything we take for an article
_PUNCT = re.compile(r"[，。！？；,.!?;]")   # ... and it is punctuated like running text
_USER_AGENT = "Mozilla/5.0 (compatible; community-dashboard article import)"


def fetch_timeout() -> float:
    return float(os.environ.get("DASHBOARD_FETCH_TIMEOUT") or 15)


def page_meta(found, url: str | None) -> dict:
    """The document's source: title, site, date (YYYY-MM-DD) and address, where known."""
    meta = {"title": found.title, "site": found.sitename or found.hostname, "date": found.date,
            "url": url or found.url}
    return {k: str(v).strip() for k, v in meta.items() if v and str(v).strip()}


def read_html(data: bytes | str, label: str, url: str | None = None) -> tuple[str, dict]:
    """(main text, metadata) of a web page's HTML."""
    import trafilatura

    wechat = _wechat(data, url)
    if wechat is not None:
        return wechat
    found = None
    # precision first (leaves out adverts and link lists); some pages only give text to recall
    for options in ({"favor_precision": True}, {"favor_recall": True}):
        found = trafilatura.bare_extraction(data, url=url, with_metadata=True,
                                            include_comments=False, include_tables=True, **options)
        if found is not None and (found.text or "").strip():
            break
    text = (found.text or "").strip() if found is not None else ""
    # a list of links (a menu, an index page) is no article: it has no line of running text
    if not any(len(line.strip()) >= _MIN_LINE and _PUNCT.search(line) for line in text.splitlines()):
        raise LoaderError("网页里没有找到文章正文（可能是目录页、需要登录的页面，或正文由脚本加载）；"
                          "请在浏览器中打开文章后复制正文，粘贴到“粘贴文字”框中。", path=label)
    return text, page_meta(found, url)


_BLOCKS = ".//*[self::p or self::section or self::h1 or self::h2 or self::h3 or self::h4 or self::li]"


def _wechat(data: bytes | str, url: str | None) -> tuple[str, dict] | None:
    """A WeChat public-account article: its text is the `#js_content` element (hidden until a
    script shows it, which general extractors may skip), paragraph by paragraph; the account
    name is the site, the publishing time the date."""
    import datetime
    import re

    from lxml import html as lxml_html

    raw = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    if 'id="js_content"' not in raw:
        return None
    tree = lxml_html.fromstring(raw)
    content = tree.xpath('//*[@id="js_content"]')
    if not content:
        return None
    paragraphs = []
    for block in content[0].xpath(_BLOCKS):
        if block.xpath(_BLOCKS):   # only the innermost blocks, so nothing is read twice
            continue
        line = " ".join(block.text_content().split())
        if line:
            paragraphs.append(line)
    text = "\n".join(paragraphs) or "\n".join(
        " ".join(t.split()) for t in content[0].itertext() if t.strip())
    if not text.strip():
        return None

    def first(*paths):
        for path in paths:
            for v in tree.xpath(path):
                v = " ".join(str(v).split())
                if v:
                    return v
        return None

    date = first('//*[@id="publish_time"]/text()')
    stamp = re.search(r'var\s+ct\s*=\s*"(\d{9,10})"', raw)
    if not date and stamp:
        date = datetime.date.fromtimestamp(int(stamp.group(1))).isoformat()
    meta = {"title": first('//meta[@property="og:title"]/@content', '//*[@id="activity-name"]//text()'),
            "site": first('//*[@id="js_name"]//text()', '//meta[@property="og:site_name"]/@content'),
            "date": date, "url": url or first('//meta[@property="og:url"]/@content')}
    return text, {k: v for k, v in meta.items() if v}


def html_of_mhtml(data: bytes, label: str) -> tuple[str, str | None]:
    """The HTML part of a saved .mhtml page (a MIME message) and the address it was saved from."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            try:
                html = part.get_content()
            except (LookupError, ValueError):   # unknown charset or broken encoding
                html = part.get_payload(decode=True).decode("utf-8", errors="replace")
            return html, part.get("Content-Location") or message.get("Snapshot-Content-Location")
    raise LoaderError("这个 .mhtml 文件里没有网页内容，请在浏览器中重新“另存为”网页后再上传。", path=label)


def read_page_file(data: bytes, suffix: str, label: str) -> tuple[str, dict]:
    if suffix in (".mhtml", ".mht"):
        html, url = html_of_mhtml(data, label)
        return read_html(html, label, url)
    if data.lstrip()[:5] == b"%PDF-":
        raise LoaderError("扩展名是网页，但内容实际上是 PDF 文件，请把扩展名改成 .pdf 后再上传。", path=label)
    return read_html(data, label)


def check_url(url: str) -> str:
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LoaderError("链接格式不对：请粘贴以 http:// 或 https:// 开头的完整网址"
                          "（在浏览器地址栏中复制）。", path=url or "（空）")
    return url


def fetch(url: str, max_bytes: int, timeout: float | None = None) -> tuple[bytes, str]:
    """The bytes of the page at `url` and the address it ended at (after redirects)."""
    url = check_url(url)
    timeout = fetch_timeout() if timeout is None else timeout
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with netguard.opener(url).open(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind not in ("text/html", "application/xhtml+xml", "text/plain"):
                raise LoaderError(f"这个链接不是网页（内容类型 {kind}），请把文件下载下来后直接上传。",
                                  path=url)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise LoaderError(_too_big(int(length), max_bytes), path=url)
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise LoaderError(_too_big(None, max_bytes), path=url)
            return data, response.geturl()
    except LoaderError:
        raise
    except urllib.error.HTTPError as err:
        hint = "网页不存在（404），请检查链接是否完整" if err.code == 404 else (
            "网站拒绝访问（需要登录或禁止程序访问），请在浏览器中打开后“另存为”网页文件再上传"
            if err.code in (401, 403) else f"网站返回错误 {err.code}，请稍后再试")
        raise LoaderError(f"{hint}。", path=url) from None
    except (TimeoutError, socket.timeout):
        raise LoaderError(f"网页在 {timeout:g} 秒内没有响应，已放弃；请稍后再试，或在浏览器中打开后"
                          "“另存为”网页文件再上传。", path=url) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise LoaderError(f"网页在 {timeout:g} 秒内没有响应，已放弃；请稍后再试，或在浏览器中"
                              "打开后“另存为”网页文件再上传。", path=url) from None
        raise LoaderError("无法打开这个链接：本机可能没有联网，或网址有误。请在能上网的电脑上用浏览器"
                          "打开文章，“另存为”网页（.html 或 .mhtml）后上传，或复制正文粘贴到"
                          "“粘贴文字”框中。", path=url) from None


def _too_big(size: int | None, max_bytes: int) -> str:
    mb = max_bytes / 2 ** 20
    shown = f"（{size / 2 ** 20:.1f} MB）" if size else ""
    return f"网页太大{shown}，超过上限 {mb:g} MB；请复制正文粘贴到“粘贴文字”框中。"


def read_url(url: str, max_bytes: int, timeout: float | None = None) -> tuple[str, dict, bytes]:
    """(main text, metadata, raw bytes) of the article at `url`."""
    data, final = fetch(url, max_bytes, timeout)
    text, meta = read_html(data, url, final)
    return text, meta, data
