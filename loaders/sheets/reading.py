"""Reading an uploaded spreadsheet's cells: .xlsx through python-calamine, .csv in UTF-8 or
GB18030; every refusal in Chinese with what to do."""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass

from ..errors import LoaderError
from ..readers import read_limited
from .cells import SKIP_SHEETS, _no_gc
from .layout import _table

SHEET_SUFFIXES = (".xlsx", ".csv")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# What an .xlsx may unpack to: 200 000 rows of 20 columns take about 250 MB of sheet XML.
DEFAULT_MAX_UNPACKED = 512 * 1024 * 1024
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
    header_row: int = 1
    sha256: str = ""
    sheet_name: str | None = None  # the worksheet read (.xlsx)
    encoding: str | None = None    # .csv: utf-8, utf-8-sig or gb18030


def read_sheet(source, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
               max_rows: int = DEFAULT_MAX_ROWS,
               max_unpacked: int = DEFAULT_MAX_UNPACKED) -> Sheet:
    """Read a .xlsx or .csv file (a path, or the uploaded bytes with their file `name`).

    Raises LoaderError, with a Chinese message saying what to do, for a file that is missing,
    empty, too big, has too many rows, is corrupt, password-protected or not what its extension
    says."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not name:
            raise ValueError("read_sheet(bytes) needs the file name")
        label, data = name, bytes(source)
        _check_size(len(data), max_bytes, label)
    else:
        label = os.fspath(source)
        name = name or os.path.basename(label)
        data = read_limited(label, max_bytes, label, "表格")
    suffix = _suffix(name, label)
    if not data:
        raise LoaderError("文件是空的（0 字节），请确认表格已保存了内容。", path=label)
    with _no_gc():
        if suffix == ".xlsx":
            sheet_name, header_row, headers, rows, numbers = _read_xlsx(data, label, max_rows,
                                                                        max_unpacked)
            encoding = None
        else:
            encoding, header_row, headers, rows, numbers = _read_csv(data, label, max_rows)
            sheet_name = None
    return Sheet(name, headers, rows, numbers, header_row, hashlib.sha256(data).hexdigest(),
                 sheet_name, encoding)


def _suffix(name: str, label: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in SHEET_SUFFIXES:
        return suffix
    if suffix == ".xls":
        hint = "这是旧版 Excel（.xls）格式，请用 Excel 或 WPS 打开后“另存为”.xlsx 再上传。"
    elif suffix in (".xlsm", ".xlsb", ".xltx", ".xltm"):
        hint = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再上传（宏不会被导入）。"
    elif suffix in (".et", ".ods", ".numbers"):
        hint = "请用表格软件“另存为”.xlsx 或 .csv 后再上传。"
    else:
        hint = "请转换成 .xlsx 或 .csv 后再上传。"
    raise LoaderError(f"不支持的文件类型“{suffix or '无扩展名'}”，表格只支持 .xlsx 和 .csv；{hint}",
                      path=label)


def _check_size(size: int, max_bytes: int, label: str) -> None:
    if size > max_bytes:
        raise LoaderError(f"文件太大（{_size(size)}），超过上限 {_size(max_bytes)}，"
                          "请把表格拆成几个文件分别上传，或删去不需要的工作表和图片。", path=label)


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB".replace(".0 MB", " MB") if n >= _MB // 10 else f"{n} 字节"


def _too_many_rows(max_rows: int, label: str) -> LoaderError:
    return LoaderError(f"表格超过 {max_rows:,} 行数据的上限，请拆成几个文件分别上传。", path=label)


def _read_xlsx(data: bytes, label: str, max_rows: int, max_unpacked: int):
    if data.startswith(_OLE):
        # An encrypted .xlsx is an OLE compound file holding "EncryptionInfo"/"EncryptedPackage".
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise LoaderError("表格设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码"
                              "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再上传。",
                              path=label)
        raise LoaderError("扩展名是 .xlsx，但内容是旧版 Excel（.xls）或其他 Office 文件，"
                          "请用 Excel 或 WPS 打开后“另存为”.xlsx 再上传。", path=label)
    if not data.startswith(b"PK\x03\x04"):
        what = ("PDF 文件" if data.startswith(b"%PDF") else
                "图片" if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) else
                "网页（HTML）" if data.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")) else
                "纯文本（可能是 CSV）" if _looks_like_text(data) else "其他格式")
        hint = ("请把扩展名改成 .csv 再上传" if what.startswith("纯文本") else
                "请上传表格文件本身，不要上传截图或照片" if what == "图片" else
                "请用 Excel 或 WPS 打开原表格后“另存为”.xlsx 再上传")
        raise LoaderError(f"扩展名是 .xlsx，但内容不是 Excel 表格（实际是{what}），{hint}。", path=label)
    from python_calamine import CalamineWorkbook, SheetTypeEnum  # only needed for .xlsx

    corrupt = LoaderError("文件已损坏或不是有效的 .xlsx 表格，请确认能用 Excel 或 WPS 打开，"
                          "然后重新“另存为”.xlsx 再上传。", path=label)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # zipfile raises several types for a broken package
        raise corrupt from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        hint = ("（这是 Word 文档）" if "word/document.xml" in names else
                "（这是 PowerPoint 文件）" if "ppt/presentation.xml" in names else "")
        raise LoaderError(f"扩展名是 .xlsx，但内容不是 Excel 表格{hint}，"
                          "请选择正确的表格文件，或用 Excel/WPS 另存为 .xlsx。", path=label)
    # The reader holds a whole sheet in memory: refuse a package that unpacks to far more than
    # any real table (a "zip bomb"), by the sizes its directory declares.
    unpacked = sum(i.file_size for i in infos if i.filename.startswith("xl/"))
    if unpacked > max_unpacked:
        raise LoaderError(f"表格解压后太大（{_size(unpacked)}），超过上限 {_size(max_unpacked)}，"
                          "请把表格拆成几个文件分别上传，或删去不需要的工作表和图片。", path=label)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except Exception:  # calamine raises CalamineError, ZipError, XmlError … for broken parts
        raise corrupt from None
    try:
        for title in sheets:
            if title.strip() in SKIP_SHEETS:
                continue
            try:
                # From A1, so that row numbers and column letters are Excel's own.
                cells = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            except Exception:
                raise corrupt from None
            found = _table(_xlsx_values(cells), label, max_rows)
            if found is not None:
                return (title, *found)
    finally:
        wb.close()
    raise LoaderError("表格里没有数据（工作表都是空的），请确认填写并保存了数据后再上传。", path=label)


def _xlsx_values(rows):
    """Calamine's cells as the rest of this module reads them: an empty cell is None (not ""),
    and a whole number is an int (Excel stores every number as a float: 2024 → 2024.0)."""
    for row in rows:
        yield tuple([None if v == "" else
                     int(v) if type(v) is float and v.is_integer() and -1e15 < v < 1e15 else v
                     for v in row])


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
    return (encoding, *found)


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
