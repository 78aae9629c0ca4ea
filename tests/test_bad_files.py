"""The corpus of bad and awkward files, made here (never committed as binaries): each bad one is
refused by read_sheet and by `python -m loaders import` with a Chinese message saying what to do,
a non-zero exit code and the store's bytes unchanged; the awkward ones import as they should."""
from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from loaders.cli import main
from loaders.errors import LoaderError
from loaders.sheets import guess_mapping, read_sheet, validate
from loaders.store import list_batches, load_tables

HEADERS = ["区县", "街道", "社区名称", "指标", "数量", "单位", "项目类型", "状态", "年份", "备注"]
GOOD = ["锦江区", "东湖街道", "东怡社区", "服务人次", "3000余", "人次", "志愿服务", "已完成", 2024, "台账"]
CJK = re.compile("[\u4e00-\u9fff]")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "数据"
    for r in rows:
        wb.active.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv(rows, encoding="utf-8") -> bytes:
    return ("\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n") \
        .encode(encoding)


def repack(data: bytes, edit=None, extra: dict | None = None) -> bytes:
    """The same package with the first sheet's XML passed through `edit` and `extra` parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            body = zin.read(item)
            if edit and item.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode("utf-8")).encode("utf-8")
            z.writestr(item, body)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def cached(ref: str, value) -> callable:
    """An edit giving the formula in cell `ref` a cached result, as Excel saves it."""
    def edit(xml: str) -> str:
        new, n = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v\s*/>|(<c r="{ref}"[^>]*><f>[^<]*</f>)<v></v>',
                         lambda m: f"{m.group(1) or m.group(2)}<v>{value}</v>", xml)
        assert n == 1, xml[:2000]
        return new
    return edit


def word_document() -> bytes:
    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("锦江区东湖街道东怡社区服务居民3000余人次。")
    d.save(buf)
    return buf.getvalue()


def garbage(n: int = 4000) -> bytes:
    data = random.Random(20261121).randbytes(n)
    assert b"\x00" in data[:n]
    return data


# name, the file's bytes, limits (read_sheet keywords; the CLI gets the same as options), words
# the message must contain. All refused by read_sheet.
REFUSED = [
    ("truncated.xlsx", lambda: xlsx([HEADERS, GOOD])[:1500], {}, "损坏"),
    ("half-a-zip.xlsx", lambda: xlsx([HEADERS, GOOD] * 200)[:-300], {}, "损坏"),
    ("locked.xlsx", lambda: OLE + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 200,
     {}, "密码"),
    ("old-format.xlsx", lambda: OLE + b"\x00" * 1000, {}, ".xls"),
    ("really-a-csv.xlsx", lambda: csv([HEADERS, GOOD]), {}, ".csv"),
    ("really-a-png.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + garbage(500), {}, "截图"),
    ("really-a-docx.xlsx", word_document, {}, "Word"),
    ("really-a-page.xlsx", lambda: "<!DOCTYPE html><html><body>登录</body></html>".encode(), {}, "网页"),
    ("garbage.xlsx", garbage, {}, "不是 Excel"),
    ("empty.xlsx", lambda: b"", {}, "空的"),
    ("empty.csv", lambda: b"", {}, "空的"),
    ("blank.csv", lambda: b" \r\n\r\n  ", {}, "没有数据"),
    ("no-sheets-with-data.xlsx", lambda: xlsx([]), {}, "没有数据"),
    ("headers-only.xlsx", lambda: xlsx([HEADERS]), {}, "只有表头"),
    ("headers-only.csv", lambda: csv([HEADERS]), {}, "只有表头"),
    ("oversized.xlsx", lambda: xlsx([HEADERS] + [GOOD] * 50), {"max_bytes": 2000}, "太大"),
    ("oversized.csv", lambda: csv([HEADERS] + [GOOD] * 50), {"max_bytes": 2000}, "太大"),
    ("too-many-rows.xlsx", lambda: xlsx([HEADERS] + [GOOD] * 11), {"max_rows": 10}, "上限"),
    ("too-many-rows.csv", lambda: csv([HEADERS] + [GOOD] * 11), {"max_rows": 10}, "上限"),
    ("macros.xlsm", lambda: xlsx([HEADERS, GOOD]), {}, ".xlsx"),
    ("garbage.csv", garbage, {}, "二进制"),
    ("book.csv", lambda: xlsx([HEADERS, GOOD]), {}, ".xlsx"),
    ("utf16.csv", lambda: "\n".join(",".join(map(str, r)) for r in [HEADERS, GOOD]).encode("utf-16"),
     {}, "UTF-16"),
    ("wrong-encoding.csv", lambda: "社区,数量\n东怡社区,5\n".encode("utf-8")[:-4] + bytes(range(0x80, 0xa0)) * 20,
     {}, "编码"),
]
# Read, but every row refused by validate: the header names nothing we can import.
UNRECOGNISED = [
    ("no-known-columns.xlsx", lambda: xlsx([["序号", "联系人", "电话"], [1, "王芳", "13800000000"]])),
    ("no-known-columns.csv", lambda: csv([["序号", "联系人", "电话"], [1, "王芳", "13800000000"]])),
]


def store_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def store(tmp_path) -> Path:
    """A store with one batch already in it, imported the ordinary way."""
    root = tmp_path / "store"
    first = tmp_path / "first.xlsx"
    first.write_bytes(xlsx([HEADERS, GOOD]))
    assert main(["import", str(first), "--data", str(root)]) == 0
    assert len(list_batches(root)) == 1
    return root


def cli_limits(limits: dict) -> list[str]:
    return [a for k, v in limits.items() for a in (f"--{k.replace('_', '-')}", str(v))]


def assert_says_what_to_do(message: str, words: str) -> None:
    assert words in message, message
    assert CJK.search(message) and "请" in message, message


@pytest.mark.parametrize("name, make, limits, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_by_the_reader(name, make, limits, words):
    with pytest.raises(LoaderError) as err:
        read_sheet(make(), name, **limits)
    assert_says_what_to_do(str(err.value), words)


@pytest.mark.parametrize("name, make, limits, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_by_the_command_line_leaving_the_store_unchanged(store, tmp_path, capsys, name,
                                                                 make, limits, words):
    path = tmp_path / name
    path.write_bytes(make())
    before = store_hashes(store)
    code = main(["import", str(path), "--data", str(store), *cli_limits(limits)])
    err = capsys.readouterr().err
    assert code != 0
    assert_says_what_to_do(err, words)
    assert store_hashes(store) == before


@pytest.mark.parametrize("name, make", UNRECOGNISED, ids=[c[0] for c in UNRECOGNISED])
def test_sheet_without_known_columns_is_refused_by_validation(store, tmp_path, capsys, name, make):
    path = tmp_path / name
    path.write_bytes(make())
    sheet = read_sheet(path)
    problems = validate(sheet, guess_mapping(sheet.headers)).problems
    assert set(problems["问题"]) == {"没有找到“数量”列", "没有找到区县、街道或社区列"}
    assert all("请" in todo for todo in problems["建议"])
    before = store_hashes(store)
    code = main(["import", str(path), "--data", str(store)])
    err = capsys.readouterr().err
    assert code != 0 and "没有找到“数量”列" in err and "请" in err
    assert store_hashes(store) == before


def test_unpacking_to_far_more_than_a_table_is_refused():
    data = repack(xlsx([HEADERS, GOOD]), extra={"xl/media/padding.bin": b"\x00" * 3_000_000})
    assert len(data) < 100_000
    with pytest.raises(LoaderError) as err:
        read_sheet(data, "bomb.xlsx", max_unpacked=1_000_000)
    assert_says_what_to_do(str(err.value), "解压后太大")


# --------------------------------------------------------------------------- awkward but fine

def formulas() -> bytes:
    """数量 is a formula whose saved result (650) is not what it computes (2); 年份 has a formula
    that Excel never computed (no saved result)."""
    rows = [HEADERS, GOOD[:4] + ["=1+1", "平方米"] + GOOD[6:8] + ["=2020+4", "公式"]]
    return repack(xlsx(rows), cached("E2", 650))


def external_link() -> bytes:
    rows = [HEADERS, GOOD[:4] + ["='[预算.xlsx]Sheet1'!A1", "人次"] + GOOD[6:]]
    link = ('<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<externalBook><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook>'
            '</externalLink>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/externalLinkPath" Target="file:///C:/机密/预算.xlsx" TargetMode="External"/>'
            '</Relationships>')
    return repack(xlsx(rows), cached("E2", 300), {
        "xl/externalLinks/externalLink1.xml": link,
        "xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def macros() -> bytes:
    return repack(xlsx([HEADERS, GOOD]), extra={"xl/vbaProject.bin": OLE + b"Attribute VB_Name" * 50})


# name, bytes, the claims' (value, unit, period) it must import
ACCEPTED = [
    ("gbk.csv", lambda: csv([HEADERS, GOOD], "gbk"), [(3000, "person_time", "2024")]),
    ("gb18030.csv", lambda: csv([HEADERS, GOOD], "gb18030"), [(3000, "person_time", "2024")]),
    ("bom.csv", lambda: csv([HEADERS, GOOD], "utf-8-sig"), [(3000, "person_time", "2024")]),
    ("formulas.xlsx", formulas, [(650, "m2", None)]),
    ("external-link.xlsx", external_link, [(300, "person_time", "2024")]),
    ("macros.xlsx", macros, [(3000, "person_time", "2024")]),
]


@pytest.mark.parametrize("name, make, claims", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_awkward_files_import(tmp_path, name, make, claims):
    path, root = tmp_path / name, tmp_path / "store"
    path.write_bytes(make())
    sheet = read_sheet(path)
    # cell values only: no formula text, nothing computed, no macro or link content
    assert not any(isinstance(v, str) and v.startswith("=") for r in sheet.rows for v in r)
    assert main(["import", str(path), "--data", str(root)]) == 0
    got = load_tables(root).claims
    assert list(zip(got["value"], got["unit"], got["period"].astype(object).where(got["period"].notna(), None))) \
        == claims


# --------------------------------------------------------------------------- command-line edges

def import_in_a_child(path: Path, store: Path) -> subprocess.CompletedProcess:
    """`python -m loaders import` in its own process, with 2 GB of memory: a read that never ends
    (the bug) fails the test through the generous timeout or the memory limit instead of hanging
    the suite or the machine."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 ** 31, 2 ** 31))
    return subprocess.run([sys.executable, "-m", "loaders", "import", str(path), "--data", str(store)],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)


@pytest.mark.parametrize("name", ["zero.csv", "zero.txt", "zero", "pipe.csv",
                                  "pipe.txt"])
def test_a_device_or_fifo_is_refused_without_reading_it(store, tmp_path, name):
    """/dev/zero never ends and a FIFO waits for a writer: both are refused as not regular files."""
    path = tmp_path / name
    if name.startswith("pipe"):
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    before = store_hashes(store)
    done = import_in_a_child(path, store)
    assert done.returncode != 0
    assert_says_what_to_do(done.stderr, "不是普通文件")
    assert store_hashes(store) == before


def test_reads_stop_at_the_byte_cap(tmp_path):
    """A file that grows after its size was checked is still read only up to the cap."""
    from loaders.readers import read_limited
    path = tmp_path / "growing.csv"
    path.write_bytes(b"a" * 100)
    real_stat, real_fstat = os.stat, os.fstat

    def small(st):   # the size checked is smaller than what is there by the time it is read
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid,
                               st.st_gid, 10, st.st_atime, st.st_mtime, st.st_ctime))
    os.stat = lambda p, *a, **k: small(real_stat(p, *a, **k))
    os.fstat = lambda fd: small(real_fstat(fd))
    try:
        with pytest.raises(LoaderError) as err:
            read_limited(path, 50, str(path), "表格")
    finally:
        os.stat, os.fstat = real_stat, real_fstat
    assert_says_what_to_do(str(err.value), "太大")


@pytest.mark.parametrize("kind", ["sheet", "article"])
def test_a_full_disk_is_a_chinese_message_not_a_traceback(store, tmp_path, capsys, monkeypatch, kind):
    from loaders.store import parquet as store_module

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(store_module, "_write_table", full)
    path = tmp_path / ("new.csv" if kind == "sheet" else "new.txt")
    path.write_bytes(csv([HEADERS, ["成华区", "猛追湾街道", "望平社区", "服务人次", "50", "人次",
                                    "志愿服务", "已完成", 2024, ""]]) if kind == "sheet"
                     else "成华区猛追湾街道望平社区服务居民500余人次。".encode("utf-8"))
    before = store_hashes(store)
    code = main(["import", str(path), "--data", str(store)])
    err = capsys.readouterr().err
    assert code != 0
    assert_says_what_to_do(err, "磁盘空间不足")
    assert "Traceback" not in err and "OSError" not in err
    assert store_hashes(store) == before
    assert not list(store.glob(".tmp-*"))


def test_an_article_without_figures_is_not_committed(store, tmp_path, capsys):
    path = tmp_path / "no-figures.txt"
    path.write_text("社区召开了居民议事会，大家积极发言，气氛热烈。", encoding="utf-8")
    before = store_hashes(store)
    assert main(["import", str(path), "--data", str(store)]) != 0
    assert_says_what_to_do(capsys.readouterr().err, "没有识别出")
    assert store_hashes(store) == before
    # and so it does not block the same file later (nothing is recorded as imported)
    assert main(["import", str(path), "--data", str(store)]) != 0
    assert "已经导入过" not in capsys.readouterr().err


@pytest.mark.parametrize("body, words", [
    (lambda: ("区县,社区," + "1," * 9_500_000).encode(), "列"),          # 19 MB, one line of cells
    (lambda: b"x" * 19_000_000, "一行"),                                  # 19 MB, one cell
    (lambda: ("区县,社区\n成华区," + "x" * 200_000 + "\n").encode(), "字符"),  # one huge cell
])
def test_a_one_line_csv_is_refused_at_once_with_the_right_message(body, words):
    with pytest.raises(LoaderError) as err:
        read_sheet(body(), "one-line.csv")
    assert_says_what_to_do(str(err.value), words)
    assert "field larger" not in str(err.value) and "只有表头" not in str(err.value)


# --------------------------------------------------------------------------- articles (.docx)

def docx_repack(extra: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word_document())) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, zin.read(item))
        for name, body in extra.items():
            z.writestr(name, body)
    return out.getvalue()


def test_a_docx_unpacking_to_far_more_than_an_article_is_refused():
    from loaders.readers import read_bytes
    data = docx_repack({"word/media/padding.bin": b"\x00" * 3_000_000})
    assert len(data) < 100_000
    with pytest.raises(LoaderError) as err:
        read_bytes(data, "bomb.docx", max_unpacked=1_000_000)
    assert_says_what_to_do(str(err.value), "解压后太大")


def test_a_docx_bomb_is_refused_by_the_command_line_with_the_default_limit(store, tmp_path,
                                                                          capsys, monkeypatch):
    """The default limit applies to `python -m loaders import` (made small here, so the test
    does not build a file of hundreds of megabytes)."""
    from loaders import readers
    monkeypatch.setattr(readers, "DEFAULT_MAX_UNPACKED", 1_000_000)
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_repack({"word/document2.xml": b"<w/>" * 1_000_000}))
    before = store_hashes(store)
    assert main(["import", str(path), "--data", str(store)]) != 0
    assert_says_what_to_do(capsys.readouterr().err, "解压后太大")
    assert store_hashes(store) == before


def test_an_encrypted_docx_says_it_has_a_password(store, tmp_path, capsys):
    from loaders.readers import read_bytes
    data = OLE + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 200
    with pytest.raises(LoaderError) as err:
        read_bytes(data, "locked.docx")
    assert_says_what_to_do(str(err.value), "密码")
    assert "旧版" not in str(err.value)
    path = tmp_path / "locked.docx"
    path.write_bytes(data)
    assert main(["import", str(path), "--data", str(store)]) != 0
    assert "密码" in capsys.readouterr().err
