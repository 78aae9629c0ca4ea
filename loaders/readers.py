"""Read articles into plain text, exactly as stored: .txt, .docx, .pdf (its text layer; pages
without one are OCR'd), photos and scans (.png .jpg .jpeg .webp .tif .tiff, through loaders.ocr),
saved web pages (.html .htm .mhtml, through loaders.webpage), a link, or pasted text.

The text returned here is the reference string for every claim offset in the
claims table, so it is produced once, deterministically, and never cleaned up
beyond newline normalisation. Anything we cannot read faithfully is rejected
with a LoaderError whose Chinese message names the problem and the fix.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field

from loaders.errors import LoaderError
from loaders.layout import Layout
from loaders.ocr import IMAGE_SUFFIXES, Progress, ocr_pages, read_image, render_pdf_pages
from loaders.webpage import PAGE_SUFFIXES, read_page_file, read_url

ARTICLE_SUFFIXES = (".txt", ".docx", ".pdf") + IMAGE_SUFFIXES + PAGE_SUFFIXES
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# What a .docx may unpack to (the sizes its zip directory declares, which Python's zipfile never
# exceeds when reading): the same bound as for .xlsx (loaders.sheets.DEFAULT_MAX_UNPACKED); a
# 4 MB "zip bomb" otherwise inflates to gigabytes in memory.
DEFAULT_MAX_UNPACKED = 512 * 1024 * 1024

_MB = 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
# Leading bytes of formats people commonly save under the wrong extension.
_MAGIC = {b"%PDF-": "PDF", b"PK\x03\x04": "Word（.docx）", b"\xd0\xcf\x11\xe0": "旧版 Word（.doc）"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Above these shares the content is not what it claims to be (see _read_txt).
_MAX_CONTROL_SHARE = 0.01
_MAX_PUA_SHARE = 0.01


@dataclass(frozen=True)
class Document:
    name: str  # file name (basename) used as `doc` in the claims table
    text: str  # the full text as read; all claim offsets point into this string
    sha256: str  # of the raw file bytes
    encoding: str  # 'utf-8', 'utf-8-sig', 'gb18030', 'docx', 'pdf', 'pdf+ocr', 'ocr', 'html', 'url', 'paste'
    # where the article comes from: title, site, date, url (web pages), source (pasted text)
    meta: dict = field(default_factory=dict, compare=False)
    # OCR'd text: the page images and, for each character, the page and box it was read from
    layout: Layout | None = field(default=None, compare=False)


def read_limited(path: str | os.PathLike, max_bytes: int, label: str, what: str) -> bytes:
    """A file's bytes, its size checked first so a huge file is never loaded, and read with a cap
    (a file growing meanwhile is still refused); only a regular file: a device (/dev/zero never
    ends) or a FIFO (waits for a writer) is refused before it is read. Chinese errors for a
    missing file, a folder, no permission. `what` names the expected file (文章, 表格)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):    # stat, unlike open, never blocks
            if os.path.isdir(path):
                raise IsADirectoryError
            raise LoaderError(f"不是普通文件（是设备、管道或套接字），请选择保存在磁盘上的{what}文件。",
                              path=label)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
                raise LoaderError(f"不是普通文件，请选择保存在磁盘上的{what}文件。", path=label)
            _check_size(os.fstat(fd).st_size, max_bytes, label)
            data = f.read(max_bytes + 1)
        _check_size(len(data), max_bytes, label)
        return data
    except FileNotFoundError:
        raise LoaderError("文件不存在，请检查路径和文件名是否正确。", path=label) from None
    except IsADirectoryError:
        raise LoaderError(f"这是一个文件夹，不是文件，请选择具体的{what}文件。", path=label) from None
    except PermissionError:
        raise LoaderError("没有读取该文件的权限，请检查文件权限后重试。", path=label) from None
    except OSError as e:
        raise LoaderError(f"无法读取文件（{e.strerror}），请检查文件权限或是否被其他程序占用。",
                          path=label) from None


def read_document(
    path: str | os.PathLike, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked: int | None = None, progress: Progress | None = None,
) -> Document:
    """Read the article at `path`; `name` (default: its basename) becomes Document.name.
    `progress(done, total)` is called after each page that is OCR'd (it may raise to cancel)."""
    label = os.fspath(path)
    suffix = _check_suffix(label)
    data = read_limited(path, max_bytes, label, "文章")
    # The format comes from the path, not from `name`, which is only a display label.
    name = name if name is not None else os.path.basename(label)
    return _parse(data, suffix, name, label, max_bytes, progress, max_unpacked)


def read_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               progress: Progress | None = None, max_unpacked: int | None = None) -> Document:
    """Same as read_document, for uploaded bytes; the format is chosen by `name`'s extension."""
    return _parse(bytes(data), _check_suffix(name), name, name, max_bytes, progress, max_unpacked)


def read_pasted(text: str, title: str = "", source: str = "",
                max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Text pasted from a chat or a report, with an optional title and source (who said it,
    where). Its name is the title (or its first words) and its hash that of the text."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    title, source = (title or "").strip(), (source or "").strip()
    data = text.encode("utf-8")
    _check_size(len(data), max_bytes, "粘贴的文字")
    if not text.strip():
        raise LoaderError("没有粘贴任何文字：请把文章或段落粘贴到文本框中再识别。")
    meta = {k: v for k, v in (("title", title), ("source", source)) if v}
    name = f"粘贴：{_short(title or text.strip().splitlines()[0])}"
    return Document(name=name, text=text, sha256=hashlib.sha256(data).hexdigest(),
                    encoding="paste", meta=meta)


def read_link(url: str, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float | None = None) -> Document:
    """The article at a web address (needs network). The hash is that of the extracted text, so
    the same article fetched again is recognised even when the page around it changed."""
    text, meta, _ = read_url(url, max_bytes, timeout)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    name = f"网页：{_short(meta.get('title') or meta.get('site') or url)}"
    return Document(name=name, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    encoding="url", meta=meta)


def _short(s: str, n: int = 30) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n] + "…"


def _parse(data: bytes, suffix: str, name: str, label: str, max_bytes: int,
           progress: Progress | None = None, max_unpacked: int | None = None) -> Document:
    _check_size(len(data), max_bytes, label)
    if not data:
        raise LoaderError("文件是空的（0 字节），请确认保存了文章内容。", path=label)
    meta, layout = {}, None
    if suffix == ".txt":
        text, encoding = _read_txt(data, label)
    elif suffix == ".docx":
        text = _read_docx(data, label, DEFAULT_MAX_UNPACKED if max_unpacked is None else max_unpacked)
        encoding = "docx"
    elif suffix in IMAGE_SUFFIXES:
        (text, layout), encoding = read_image(data, label, progress), "ocr"
    elif suffix in PAGE_SUFFIXES:
        (text, meta), encoding = read_page_file(data, suffix, label), "html"
    else:
        text, layout = _read_pdf(data, label, progress)
        encoding = "pdf" if layout is None else "pdf+ocr"
    # Newlines are normalised for every format so offsets never depend on the source platform.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoaderError("文件中只有空白，没有文字内容，请确认保存了文章内容。", path=label)
    return Document(name=name, text=text, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                    meta=meta, layout=layout)


def _check_suffix(name: str) -> str:
    """The lower-cased extension of `name`, which must be one of ARTICLE_SUFFIXES."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix in ARTICLE_SUFFIXES:
        return suffix
    supported = "、".join(ARTICLE_SUFFIXES)
    hint = "请用 Word 或 WPS 另存为 .docx 后再上传。" if suffix == ".doc" else "请转换成其中一种格式后再上传。"
    raise LoaderError(f"不支持的文件类型“{suffix or '无扩展名'}”，只支持 {supported}；{hint}", path=name)


def _check_size(size: int, max_bytes: int, label: str) -> None:
    if size > max_bytes:
        raise LoaderError(
            f"文件太大（{_size(size)}），超过上限 {_size(max_bytes)}，请拆分文件或只保留文章正文。", path=label
        )


def _size(n: int) -> str:
    # Tiny limits (used in tests) would print as "0.0 MB", so show bytes for those.
    return f"{n / _MB:.1f} MB".replace(".0 MB", " MB") if n >= _MB // 10 else f"{n} 字节"


def _sniffed_format(data: bytes) -> str | None:
    return next((fmt for magic, fmt in _MAGIC.items() if data.startswith(magic)), None)


def _read_txt(data: bytes, label: str) -> tuple[str, str]:
    fmt = _sniffed_format(data)
    if fmt:
        raise LoaderError(f"扩展名是 .txt，但内容实际上是 {fmt} 文件，请改成正确的扩展名后再上传。", path=label)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoaderError("文件是 UTF-16 编码，暂不支持，请用记事本“另存为”UTF-8 编码后再上传。", path=label)
    if b"\x00" in data:
        raise LoaderError("文件包含二进制内容（NUL 字节），不是纯文本文件，请确认选对了文件。", path=label)

    bom = data.startswith(_UTF8_BOM)
    try:
        text, encoding = data.decode("utf-8-sig"), ("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError:
        # A UTF-8 BOM says the writer meant UTF-8, so a GB18030 guess would only produce garbage.
        text = None if bom else _try_decode(data, "gb18030")
        encoding = "gb18030"
    if text is None:
        raise LoaderError(
            "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK），请用记事本或 WPS“另存为”UTF-8 编码后再上传。",
            path=label,
        )
    # GB18030 accepts almost any byte sequence; private-use or replacement characters
    # are the sign that the bytes were in some other encoding (Big5, Shift-JIS, ...).
    if encoding == "gb18030" and _share(text, _is_pua_or_replacement) > _MAX_PUA_SHARE:
        raise LoaderError(
            "文件编码不正确（按 GB18030 解码后出现大量无法显示的字符），请用原来的软件“另存为”UTF-8 编码后再上传。",
            path=label,
        )
    if _share(text, _is_control) > _MAX_CONTROL_SHARE:
        raise LoaderError("文件包含大量控制字符，像是二进制文件而不是纯文本，请确认选对了文件。", path=label)
    return text, encoding


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _share(text: str, chars: re.Pattern) -> float:
    # A regex count runs in C: a per-character Python test was most of the read time.
    return len(chars.findall(text)) / len(text) if text else 0.0


# Unicode category Cc less the whitespace controls \t \n \v \f \r.
_is_control = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Category Co (private use, all three planes) and U+FFFD, the replacement character.
_is_pua_or_replacement = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd\ufffd]")


def check_unpacked(data: bytes, label: str, max_unpacked: int, hint: str) -> list | None:
    """The zip package's entries, after refusing one that declares more unpacked bytes than
    `max_unpacked` (a "zip bomb"); None when it is no readable zip at all."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # zipfile raises several types for a broken package
        return None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max_unpacked:
        raise LoaderError(f"文件解压后太大（{_size(unpacked)}），超过上限 {_size(max_unpacked)}，"
                          f"请{hint}。", path=label)
    return infos


def _read_docx(data: bytes, label: str, max_unpacked: int = DEFAULT_MAX_UNPACKED) -> str:
    import docx  # imported lazily: only needed for .docx

    if data.startswith(_OLE) and ("EncryptedPackage".encode("utf-16-le") in data
                                  or b"EncryptedPackage" in data):
        # an encrypted .docx is an OLE compound file holding the encrypted package
        raise LoaderError("Word 文档设置了打开密码（已加密），无法读取。请在 Word/WPS 中取消密码"
                          "（文件 → 信息 → 保护文档 → 用密码进行加密，清空密码）后另存再上传。",
                          path=label)
    if not data.startswith(b"PK\x03\x04"):
        fmt = _sniffed_format(data)
        hint = "请用 Word 或 WPS 另存为 .docx" if fmt == "旧版 Word（.doc）" else "请确认文件是用 Word/WPS 保存的 .docx"
        raise LoaderError(f"不是有效的 .docx 文件（内容是{fmt or '其他格式'}），{hint}后再上传。", path=label)
    check_unpacked(data, label, max_unpacked, "删去文档中不需要的图片、嵌入对象，或拆成几篇分别上传")
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_docx_paragraphs(document))
    except Exception:  # python-docx raises many types for broken packages; all mean the same to the user
        raise LoaderError("文件已损坏或不是有效的 .docx 文件，请用 Word 或 WPS 打开后重新“另存为”.docx。", path=label) from None


def _docx_paragraphs(container):
    """Paragraph texts in document order, descending into (nested) tables."""
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):
            # A merged cell is returned once per grid slot it covers (across columns and
            # rows); read it once. The set holds the elements themselves, not id()s, because
            # lxml proxies are recreated per access and their ids get reused.
            seen = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        yield from _docx_paragraphs(cell)
        else:
            yield block.text


def _read_pdf(data: bytes, label: str, progress: Progress | None = None
              ) -> tuple[str, Layout | None]:
    """The PDF's text layer, page by page; pages without one are rendered and OCR'd (then the
    layout of the OCR'd characters is returned too)."""
    from pypdf import PasswordType, PdfReader  # imported lazily: only needed for .pdf
    from pypdf.errors import DependencyError

    encrypted = LoaderError("PDF 有密码保护（已加密），无法读取文字，请先解除密码或另存为未加密的 PDF。", path=label)
    corrupt = LoaderError("文件已损坏或不是有效的 PDF 文件，请确认文件能用 PDF 阅读器打开后重新导出。", path=label)
    if b"%PDF-" not in data[:1024]:
        raise corrupt
    try:
        reader = PdfReader(io.BytesIO(data))
        # pypdf has already tried the empty user password; anything still locked needs one.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise encrypted
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoaderError:
        raise
    except DependencyError:  # AES-encrypted and no crypto library installed
        raise encrypted from None
    except Exception:  # pypdf raises many types for malformed files; all mean the same to the user
        raise corrupt from None
    if not pages:
        raise LoaderError("PDF 没有任何页面，请确认选对了文件。", path=label)
    scanned = [i for i, p in enumerate(pages) if not p.strip()]
    if not scanned:
        return "\n\n".join(pages), None
    images = render_pdf_pages(data, scanned, label)
    return ocr_pages([images.get(i, p) for i, p in enumerate(pages)], label, progress)
