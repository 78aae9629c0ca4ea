"""Reading an uploaded spreadsheet's cells: workbooks (.xlsx .xls .et .ods) through loaders.sheets.workbook,
.csv in UTF-8 (with or without BOM) or GB18030, comma, tab or semicolon; every refusal in Chinese
with what to do."""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass, field

from ..errors import LoaderError
from ..readers import read_limited
from .cells import _no_gc
from .layout import _table

SHEET_SUFFIXES = (".xlsx", ".xls", ".et", ".ods", ".csv")
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".et", ".ods")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# What an .xlsx may unpack to: 200 000 rows of 20 columns take about 250 MB of sheet XML.
DEFAULT_MAX_UNPACKED = 512 * 1024 * 1024
# A sheet's extent (rows × columns from A1 to its farthest cell) is what the reader allocates:
# 200 000 rows × 50 columns at most (~300 MB); one cell at XFD1048576 would ask for 549 GB.
DEFAULT_MAX_CELLS = 10_000_000
MAX_COLUMNS = 16_384           # Excel's own limit (column XFD)
MAX_LINE_CHARS = 1_000_000     # a CSV line longer than this is not a table row

_MB = 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    name: str                      # file name (becomes `doc` in the claims table)
    headers: tuple[str, ...]       # unique, non-empty column titles
    rows: list[tuple]              # cell values, each padded to len(headers); empty rows dropped
    row_numbers: list[int]         # the Excel row number of each row (1-based, as Excel shows)
    header_row: int = 1            # the (last) header row
    sha256: str = ""
    sheet_name: str | None = None  # the worksheet read (.xlsx, .xls, .ods)
    encoding: str | None = None    # .csv: utf-8, utf-8-sig or gb18030
    header_rows: tuple[int, ...] = ()   # all header rows (two for a header with merged groups)
    groups: tuple[str, ...] = ()   # per column: the merged group header above it, or ""
    titles: tuple[tuple[int, str], ...] = ()   # (row, text) of the title lines above the header
    context: dict = field(default_factory=dict)   # place, period, unit stated by the title


def read_sheet(source, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
               max_rows: int = DEFAULT_MAX_ROWS, max_unpacked: int = DEFAULT_MAX_UNPACKED,
               max_cells: int = DEFAULT_MAX_CELLS) -> Sheet:
    """Read a spreadsheet (a path, or the uploaded bytes with their file `name`): its first
    worksheet that holds a table. See read_sheets."""
    return read_sheets(source, name, max_bytes=max_bytes, max_rows=max_rows,
                       max_unpacked=max_unpacked, max_cells=max_cells)[0]


def read_sheets(source, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                max_rows: int = DEFAULT_MAX_ROWS, max_unpacked: int = DEFAULT_MAX_UNPACKED,
                max_cells: int = DEFAULT_MAX_CELLS) -> list[Sheet]:
    """Every worksheet holding a table, of a .xlsx, .xls, .et (WPS, read as .xls), .ods or .csv
    file (a path, or the uploaded bytes with their file `name`).

    Raises LoaderError, with a Chinese message saying what to do, for a file that is missing,
    empty, too big (bytes, unpacked size, rows, or a sheet's extent), corrupt,
    password-protected or not what its extension says."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not name:
            raise ValueError("read_sheets(bytes) needs the file name")
        label, data = name, bytes(source)
        _check_size(len(data), max_bytes, label)
    else:
        label = os.fspath(source)
        name = name or os.path.basename(label)
        data = read_limited(label, max_bytes, label, "表格")
    suffix = _suffix(name, label)
    if not data:
        raise LoaderError("文件是空的（0 字节），请确认表格已保存了内容。", path=label)
    sha = hashlib.sha256(data).hexdigest()
    with _no_gc():
        if suffix in WORKBOOK_SUFFIXES:
            from .workbook import read_workbook
            found = read_workbook(data, suffix, label, max_rows=max_rows,
                                  max_unpacked=max_unpacked, max_cells=max_cells)
            return [_sheet(name, sha, t, sheet_name=title) for title, t in found]
        encoding, t = _read_csv(data, label, max_rows)
        return [_sheet(name, sha, t, encoding=encoding)]


def _sheet(name, sha, t, sheet_name=None, encoding=None) -> Sheet:
    return Sheet(name, t.headers, t.rows, t.numbers, t.header_row, sha, sheet_name, encoding,
                 t.header_rows, t.groups, t.titles, t.context)


def _suffix(name: str, label: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in SHEET_SUFFIXES:
        return suffix
    if suffix in (".xlsm", ".xlsb", ".xltx", ".xltm"):
        hint = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再上传（宏不会被导入）。"
    elif suffix == ".numbers":
        hint = "请用 Numbers“导出为”Excel（.xlsx）或 CSV 后再上传。"
    else:
        hint = "请转换成 .xlsx 或 .csv 后再上传。"
    raise LoaderError(f"不支持的文件类型“{suffix or '无扩展名'}”，表格只支持 .xlsx、.xls、.et、.ods 和 .csv；{hint}",
                      path=label)


def _check_size(size: int, max_bytes: int, label: str) -> None:
    if size > max_bytes:
        raise LoaderError(f"文件太大（{_size(size)}），超过上限 {_size(max_bytes)}，"
                          "请把表格拆成几个文件分别上传，或删去不需要的工作表和图片。", path=label)


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB".replace(".0 MB", " MB") if n >= _MB // 10 else f"{n} 字节"


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as err:
            if err.start > len(head) - 4:   # cut in the middle of a character
                return True
    return False


def _read_csv(data: bytes, label: str, max_rows: int):
    if data.startswith(b"PK\x03\x04"):
        raise LoaderError("扩展名是 .csv，但内容是 Excel（.xlsx）或其他压缩文件，"
                          "请把扩展名改成 .xlsx 再上传。", path=label)
    if data.startswith(_OLE):
        raise LoaderError("扩展名是 .csv，但内容是旧版 Excel（.xls）或其他 Office 文件，"
                          "请用 Excel 或 WPS 打开后“另存为”.xlsx 或 .csv（UTF-8）再上传。", path=label)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoaderError("文件是 UTF-16 编码，暂不支持，请“另存为”CSV UTF-8（逗号分隔）后再上传。",
                          path=label)
    if b"\x00" in data[:65536]:
        raise LoaderError("文件包含二进制内容，不是 CSV 文本文件，请确认选对了文件。", path=label)
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "gb18030"   # a superset of GBK
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise LoaderError("无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030），"
                          "请用 Excel 或 WPS“另存为”CSV UTF-8（逗号分隔）后再上传。", path=label) from None
    if encoding == "gb18030" and len(re.findall("[\ue000-\uf8ff\ufffd]", text)) > len(text) / 100:
        raise LoaderError("文件编码不正确（按 GBK/GB18030 解码后出现大量乱码），"
                          "请用原来的软件“另存为”CSV UTF-8 后再上传。", path=label)
    if not text.strip():
        raise LoaderError("文件中只有空白，没有数据，请确认表格已保存了内容。", path=label)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    _check_lines(text, delimiter, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        found = _table(reader, label, max_rows)
    except csv.Error as err:
        if "field larger" in str(err):
            raise LoaderError(f"有一个单元格超过 {csv.field_size_limit():,} 个字符，不像是表格数据"
                              "（可能是引号没有配对）。请用 Excel 或 WPS 打开检查后重新另存为 CSV。",
                              path=label) from None
        raise LoaderError(f"CSV 格式有误（{err}），请用 Excel 或 WPS 打开后重新另存为 CSV。",
                          path=label) from None
    if found is None:
        raise LoaderError("表格里没有数据，请确认填写并保存了数据后再上传。", path=label)
    return encoding, found



def _check_lines(text: str, delimiter: str, label: str) -> None:
    """Refuse, before parsing, a line no table has: more columns than Excel allows, or longer
    than MAX_LINE_CHARS (a 19 MB file with no line break would otherwise be parsed for minutes)."""
    start, number, size = 0, 1, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end
        only = "（整个文件只有这一行）" if start == 0 and end >= size - 1 else ""
        if end - start > MAX_COLUMNS:   # a shorter line cannot hold that many cells
            cells = text.count(delimiter, start, end) + 1
            if cells > MAX_COLUMNS:
                raise LoaderError(f"第 {number} 行有 {cells:,} 列{only}，超过 Excel 的上限 "
                                  f"{MAX_COLUMNS:,} 列，不像是一张表。请确认每行一条数据、行与行之间"
                                  "有换行，用 Excel 或 WPS“另存为”CSV UTF-8 后再上传。", path=label)
        if end - start > MAX_LINE_CHARS:
            raise LoaderError(f"第 {number} 行长达 {end - start:,} 个字符{only}，不像是表格的一行。"
                              "请确认每行一条数据、行与行之间有换行，用 Excel 或 WPS“另存为”"
                              "CSV UTF-8 后再上传。", path=label)
        start, number = end + 1, number + 1
