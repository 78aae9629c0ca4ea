"""Tests for loaders.readers: round trips per format and a Chinese error for every bad file.

All fixtures are generated in tmp_path by the tests themselves; no binary files are committed.
"""

import hashlib
import sys
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

# Make `loaders` importable however pytest is invoked (there is no conftest or package config).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loaders.errors import LoaderError  # noqa: E402
from loaders.readers import ARTICLE_SUFFIXES, Document, read_bytes, read_document  # noqa: E402

ARTICLE = "成都市武侯区玉林街道新增社区食堂12个，覆盖居民3.5万人。\n全年投入资金2000万元。\n"


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- .txt round trips


@pytest.mark.parametrize(
    "text, raw, encoding",
    [
        (ARTICLE, ARTICLE.encode("utf-8"), "utf-8"),
        (ARTICLE, b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"), "utf-8-sig"),
        (ARTICLE, ARTICLE.encode("gbk"), "gb18030"),
        # Characters outside GBK (CJK Ext. A/B, euro sign, emoji) need GB18030's 4-byte codes.
        (ARTICLE + "㐀𠀀€😀", (ARTICLE + "㐀𠀀€😀").encode("gb18030"), "gb18030"),
        ("ASCII only: 12 communities, 3.5%\n", b"ASCII only: 12 communities, 3.5%\n", "utf-8"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "ascii"],
)
def test_txt_round_trip(tmp_path, text, raw, encoding):
    path = tmp_path / "article.txt"
    path.write_bytes(raw)
    doc = read_document(path)
    assert doc == Document(name="article.txt", text=text, sha256=doc.sha256, encoding=encoding)
    assert doc.text[0] != "\ufeff"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"a\r\nb\r\nc", "a\nb\nc"),
        (b"a\rb\rc\r", "a\nb\nc\n"),
        (b"a\r\n\r\nb\n\rc", "a\n\nb\n\nc"),
        ("第一行\r\n第二行\r\n".encode("gbk"), "第一行\n第二行\n"),
    ],
    ids=["crlf", "cr", "mixed", "gbk-crlf"],
)
def test_newlines_are_normalised(tmp_path, raw, expected):
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    assert read_document(path).text == expected


def test_name_override_and_read_bytes_agree(tmp_path):
    raw = ARTICLE.encode("gbk")
    path = tmp_path / "some-long-path-name.TXT"  # extension check is case-insensitive
    path.write_bytes(raw)
    from_file = read_document(str(path), name="新闻.txt")
    assert from_file == read_bytes(raw, "新闻.txt")
    assert from_file.name == "新闻.txt"
    # The format comes from the path; `name` is only the label used in the claims table.
    assert read_document(path, name="新闻").text == ARTICLE
    assert ARTICLE_SUFFIXES[:3] == (".txt", ".docx", ".pdf") and ".jpg" in ARTICLE_SUFFIXES


# ---------------------------------------------------------------- .docx


def make_docx(path: Path, build) -> None:
    document = docx.Document()
    build(document)
    document.save(path)


def _docx_with_table(document):
    document.add_paragraph("成都市社区治理简报")
    document.add_paragraph("新增社区食堂12个。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "街道"
    table.cell(0, 1).text = "食堂数"
    table.cell(1, 0).text = "玉林"
    table.cell(1, 1).text = "5"
    document.add_paragraph("覆盖居民3.5万人。")


def _docx_merged_and_nested(document):
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "横向合并"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "纵向合并"
    table.cell(1, 1).text = "右中"
    table.cell(2, 1).text = "右下"
    inner = document.add_table(rows=1, cols=1).cell(0, 0)
    inner.text = "外层"
    inner.add_table(rows=1, cols=1).cell(0, 0).text = "嵌套表格"


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda d: [d.add_paragraph(p) for p in ARTICLE.splitlines()], ARTICLE.rstrip("\n")),
        # Tables are read in document order, between the paragraphs around them.
        (_docx_with_table, "成都市社区治理简报\n新增社区食堂12个。\n街道\n食堂数\n玉林\n5\n覆盖居民3.5万人。"),
        # A merged cell is read once; a nested table is read inside its cell (python-docx
        # puts an empty paragraph after it, since a cell must end with a paragraph).
        (_docx_merged_and_nested, "横向合并\n纵向合并\n右中\n右下\n外层\n嵌套表格\n"),
    ],
    ids=["paragraphs", "table-in-order", "merged-and-nested"],
)
def test_docx_round_trip(tmp_path, build, expected):
    path = tmp_path / "简报.docx"
    make_docx(path, build)
    doc = read_document(path)
    assert (doc.name, doc.text, doc.encoding) == ("简报.docx", expected, "docx")
    assert read_bytes(path.read_bytes(), "简报.docx") == doc


# ---------------------------------------------------------------- .pdf


def make_pdf(path: Path, pages: list[str]) -> None:
    """A PDF with a real text layer; CJK uses reportlab's built-in CID font (no font files)."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for page in pages:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(page.splitlines()):
            c.drawString(72, 750 - 18 * i, line)
        c.showPage()
    c.save()


def test_pdf_chinese_round_trip(tmp_path):
    pages = ["成都市武侯区新增社区食堂12个，覆盖居民3.5万人。", "第二页：全年投入资金2000万元。"]
    path = tmp_path / "report.pdf"
    make_pdf(path, pages)
    doc = read_document(path)
    assert doc.encoding == "pdf"
    # pypdf ends each page's text with "\n"; pages are then joined with "\n\n".
    assert doc.text == "\n\n".join(p + "\n" for p in pages)
    assert read_bytes(path.read_bytes(), "report.pdf") == doc


# ---------------------------------------------------------------- bad files


def _encrypted_pdf(path):
    make_pdf(path, ["加密文件"])
    writer = PdfWriter(clone_from=path)
    writer.encrypt("secret")
    writer.write(path)


def _scanned_pdf(path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a page with no text layer, like a scan
    writer.write(path)


def _truncated_pdf(path):
    make_pdf(path, ["半个文件"])
    path.write_bytes(path.read_bytes()[:300])


def _zip_not_docx(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "不是 Word 文件")


def _whitespace_docx(path):
    make_docx(path, lambda d: [d.add_paragraph("   "), d.add_paragraph("\u3000")])


BAD_FILES = [
    # (id, file name, how to make it, expected Chinese fragment)
    ("empty", "a.txt", lambda p: p.write_bytes(b""), "文件是空的"),
    ("whitespace-only", "a.txt", lambda p: p.write_bytes(" \r\n\t\u3000\n".encode("utf-8")), "只有空白"),
    ("bom-only", "a.txt", lambda p: p.write_bytes(b"\xef\xbb\xbf"), "只有空白"),
    ("binary-nul", "a.txt", lambda p: p.write_bytes(b"abc\x00\x01\x02def"), "二进制"),
    ("binary-control", "a.txt", lambda p: p.write_bytes(b"\x01\x02\x03\x04 text \x05\x06\x07"), "控制字符"),
    ("undecodable", "a.txt", lambda p: p.write_bytes("成都".encode("gbk") + b"\xff\xfe\xfd"), "无法识别文件编码"),
    ("bom-then-gbk", "a.txt", lambda p: p.write_bytes(b"\xef\xbb\xbf" + "成都".encode("gbk")), "无法识别文件编码"),
    ("utf16", "a.txt", lambda p: p.write_bytes("成都".encode("utf-16")), "UTF-16"),
    # Big5 bytes are valid GB18030 but decode to private-use characters.
    ("big5-as-gb18030", "a.txt", lambda p: p.write_bytes("台灣繁體中文測試".encode("big5")), "编码不正确"),
    ("pdf-named-txt", "a.txt", lambda p: p.write_bytes(b"%PDF-1.4\n..."), "实际上是 PDF"),
    ("txt-named-docx", "a.docx", lambda p: p.write_text(ARTICLE, encoding="utf-8"), "不是有效的 .docx"),
    ("doc-named-docx", "a.docx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 60), "另存为 .docx"),
    ("zip-not-docx", "a.docx", _zip_not_docx, "不是有效的 .docx"),
    ("whitespace-docx", "a.docx", _whitespace_docx, "只有空白"),
    ("txt-named-pdf", "a.pdf", lambda p: p.write_text(ARTICLE, encoding="utf-8"), "不是有效的 PDF"),
    ("truncated-pdf", "a.pdf", _truncated_pdf, "不是有效的 PDF"),
    ("encrypted-pdf", "a.pdf", _encrypted_pdf, "密码保护"),
    ("scanned-blank-pdf", "a.pdf", _scanned_pdf, "没有识别出文字"),   # OCR'd, finds nothing
    ("unsupported-doc", "a.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0"), "不支持的文件类型"),
    ("no-extension", "README", lambda p: p.write_text(ARTICLE, encoding="utf-8"), "不支持的文件类型"),
    ("missing", "missing.txt", lambda p: None, "文件不存在"),
    ("directory", "folder.txt", lambda p: p.mkdir(), "文件夹"),
]


@pytest.mark.parametrize("file_name, make, fragment", [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_files_raise_loader_error(tmp_path, file_name, make, fragment):
    path = tmp_path / file_name
    make(path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(LoaderError) as info:
        read_document(path)
    message = str(info.value)
    assert fragment in message
    assert message.startswith(f"{path}：")  # names the file
    assert sorted(tmp_path.rglob("*")) == before  # nothing written
    # Uploaded bytes give the same message, naming the upload.
    if path.is_file():
        with pytest.raises(LoaderError, match=fragment) as info:
            read_bytes(path.read_bytes(), file_name)
        assert str(info.value).startswith(f"{file_name}：")


def test_unsupported_extension_lists_supported_ones(tmp_path):
    with pytest.raises(LoaderError) as info:
        read_bytes(b"abc", "a.doc")
    assert all(s in str(info.value) for s in ARTICLE_SUFFIXES)
    assert "另存为 .docx" in str(info.value)


@pytest.mark.parametrize("reader", ["file", "bytes"])
def test_oversized_file(tmp_path, reader):
    path = tmp_path / "big.txt"
    path.write_bytes(ARTICLE.encode("utf-8"))
    with pytest.raises(LoaderError, match="文件太大.*超过上限 10 字节"):
        if reader == "file":
            read_document(path, max_bytes=10)
        else:
            read_bytes(path.read_bytes(), "big.txt", max_bytes=10)


def test_default_size_limit_is_20_mb():
    limit = 20 * 1024 * 1024
    assert read_bytes(b"a" * limit, "ok.txt").text == "a" * limit
    with pytest.raises(LoaderError, match="超过上限 20 MB"):
        read_bytes(b"a" * (limit + 1), "big.txt")


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text())
def test_any_utf8_text_round_trips_or_raises_loader_error(tmp_path, text):
    path = tmp_path / "prop.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        doc = read_document(path)
    except LoaderError:
        return
    # A leading U+FEFF is indistinguishable from a BOM, so it is read as one.
    assert doc.text == normalise(text.removeprefix("\ufeff"))
    assert doc.encoding in ("utf-8", "utf-8-sig")


@settings(max_examples=300, deadline=None)
@given(
    suffix=st.sampled_from(ARTICLE_SUFFIXES),
    prefix=st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf"]),
    data=st.binary(max_size=2000),
)
def test_arbitrary_bytes_never_raise_anything_but_loader_error(suffix, prefix, data):
    try:
        doc = read_bytes(prefix + data, "x" + suffix)
    except LoaderError:
        return
    assert isinstance(doc.text, str) and doc.text.strip()
    assert "\r" not in doc.text
