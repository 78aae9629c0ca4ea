"""Workbooks (.xlsx, .xls, WPS .et, .ods) through python-calamine, which reads them all, after
the checks that keep a crafted file from exhausting memory: the package's unpacked size and,
before a sheet is loaded, its extent (python-calamine allocates every cell from A1 to the
farthest one: a single cell at XFD1048576 asks for 549 GB and aborts the process).
What the extent check cannot see beforehand (an .xls or .ods, or an .xlsx without a
<dimension>) is caught by running the read in a subprocess with a memory limit
(loaders/sheets/isolated.py)."""
from __future__ import annotations

import io
import re
import zipfile

from ..errors import LoaderError
from .cells import SKIP_SHEETS, _col_letter
from .layout import NoDataRows, _table

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$")
# How many rows beyond the data limit a sheet may extend (titles, notes, empty formatted rows).
_ROW_SLACK = 1000
_LABEL = {".xlsx": ".xlsx", ".xls": ".xls", ".et": ".et", ".ods": ".ods"}


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n / mb:.1f} MB".replace(".0 MB", " MB") if n >= mb // 10 else f"{n} 字节"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def extent_error(sheet: str, rows: int, cols: int, label: str, max_rows: int,
                 max_cells: int) -> LoaderError | None:
    """The refusal of a sheet reaching `rows` × `cols` from A1, or None if it is within limits."""
    if rows * cols <= max_cells and rows <= max_rows + _ROW_SLACK:
        return None
    far = f"{_col_letter(cols - 1)}{rows}"
    return LoaderError(
        f"工作表“{sheet}”的范围从 A1 一直到 {far}（{rows:,} 行 × {cols:,} 列），远超数据表的大小"
        f"（上限 {max_rows:,} 行、{max_cells:,} 个单元格），无法读取。通常是在很远的单元格里误填了"
        f"内容或设置了格式：请在 Excel/WPS 中按 Ctrl+End 找到 {far}，删除表格之外的多余行和列，"
        "保存后再上传。", path=label)


def _sniff(data: bytes, suffix: str, label: str) -> str:
    """What the bytes are: xlsx, ods or xls (whatever the extension says); else a refusal."""
    ext = _LABEL[suffix]
    if data.startswith(_OLE):
        # An encrypted .xlsx is an OLE compound file holding "EncryptionInfo"/"EncryptedPackage".
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise LoaderError("表格设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码"
                              "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再上传。",
                              path=label)
        if b"W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t" in data:
            raise LoaderError(f"扩展名是 {ext}，但内容是旧版 Word 文档（.doc），"
                              "请选择正确的表格文件。", path=label)
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype")[:80] if "mimetype" in names else b""
        except Exception:  # zipfile raises several types for a broken package
            raise _corrupt(suffix, label) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype or ("content.xml" in names and not mimetype):
            return "ods"
        hint = ("（这是 Word 文档）" if "word/document.xml" in names or b"opendocument.text" in mimetype
                else "（这是 PowerPoint 文件）" if "ppt/presentation.xml" in names else "")
        raise LoaderError(f"扩展名是 {ext}，但内容不是 Excel 表格{hint}，"
                          "请选择正确的表格文件，或用 Excel/WPS 另存为 .xlsx。", path=label)
    from .reading import _looks_like_text
    head = data.lstrip()[:200].lower()
    what = ("PDF 文件" if data.startswith(b"%PDF") else
            "图片" if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) else
            "网页（HTML）" if head.startswith((b"<!doctype", b"<html", b"<table", b"<?xml")) else
            "纯文本（可能是 CSV）" if _looks_like_text(data) else "其他格式")
    hint = ("请把扩展名改成 .csv 再上传" if what.startswith("纯文本") else
            "请上传表格文件本身，不要上传截图或照片" if what == "图片" else
            "这常见于从网上系统导出的“Excel”文件：请用 Excel 或 WPS 打开后“另存为”.xlsx 再上传"
            if what.startswith("网页") else
            "请用 Excel 或 WPS 打开原表格后“另存为”.xlsx 再上传")
    raise LoaderError(f"扩展名是 {ext}，但内容不是 Excel 表格（实际是{what}），{hint}。", path=label)


def _corrupt(suffix: str, label: str) -> LoaderError:
    return LoaderError(f"文件已损坏或不是有效的 {_LABEL[suffix]} 表格，请确认能用 Excel 或 WPS 打开，"
                       "然后重新“另存为”.xlsx 再上传。", path=label)


def _xlsx_checks(data: bytes, label: str, max_rows: int, max_unpacked: int, max_cells: int,
                 titles: dict[str, str]) -> None:
    """Unpacked size and each worksheet's declared extent (its <dimension>, at the head of the
    part: no need to unpack the rest), before python-calamine loads anything."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        # The reader holds a whole sheet in memory: refuse a package that unpacks to far more
        # than any real table (a "zip bomb"), by the sizes its directory declares.
        unpacked = sum(i.file_size for i in infos if i.filename.startswith("xl/"))
        if unpacked > max_unpacked:
            raise LoaderError(f"表格解压后太大（{_size(unpacked)}），超过上限 {_size(max_unpacked)}，"
                              "请把表格拆成几个文件分别上传，或删去不需要的工作表和图片。", path=label)
        for info in infos:
            if not _SHEET_PART.match(info.filename):
                continue
            with zf.open(info) as part:
                head = part.read(65536)
            m = _DIMENSION.search(head)
            if not m:
                continue
            c0, r0, c1, r1 = m.groups()
            col, row = (c1, r1) if c1 else (c0, r0)
            if not (col and row):
                continue
            sheet = titles.get(info.filename, info.filename.rsplit("/", 1)[-1])
            err = extent_error(sheet, int(row), _col_number(col.decode()), label, max_rows,
                               max_cells)
            if err is not None:
                raise err


def _sheet_parts(data: bytes) -> dict[str, str]:
    """worksheet part → sheet title, for naming a sheet in a refusal (best effort)."""
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return out
    targets = {m.group(1): m.group(2) for m in re.finditer(
        r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets |= {m.group(2): m.group(1) for m in re.finditer(
        r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    for m in re.finditer(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book):
        target = targets.get(m.group(2), "")
        out["xl/" + target.lstrip("/").removeprefix("xl/")] = m.group(1)
    return out


def read_workbook(data: bytes, suffix: str, label: str, *, max_rows: int, max_unpacked: int,
                  max_cells: int) -> list[tuple[str, object]]:
    """(sheet title, layout.Table) of every visible worksheet that holds a table; a refusal in
    Chinese if none does or the file cannot be read."""
    kind = _sniff(data, suffix, label)
    if kind == "xlsx":
        try:
            _xlsx_checks(data, label, max_rows, max_unpacked, max_cells, _sheet_parts(data))
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _corrupt(suffix, label) from None
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [m.name for m in wb.sheets_metadata
                  if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible]
    except Exception as err:  # calamine raises CalamineError, ZipError, XmlError … for broken parts
        if "password" in str(err).lower() or "encrypt" in str(err).lower():
            raise LoaderError("表格设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码后"
                              "另存再上传。", path=label) from None
        raise _corrupt(suffix, label) from None
    found, empty = [], []
    try:
        for title in sheets:
            if title.strip() in SKIP_SHEETS:
                continue
            try:
                sheet = wb.get_sheet_by_name(title)
            except Exception:
                raise _corrupt(suffix, label) from None
            # The range is loaded now; before it becomes Python objects (several times its size),
            # the same extent check as for the .xlsx <dimension>.
            rows, cols = sheet.end if sheet.end else (0, 0)
            err = extent_error(title, rows + 1, cols + 1, label, max_rows, max_cells)
            if err is not None:
                raise err
            try:
                # From A1, so that row numbers and column letters are Excel's own.
                cells = sheet.to_python(skip_empty_area=False)
                merges = sheet.merged_cell_ranges or ()
            except Exception:
                raise _corrupt(suffix, label) from None
            try:
                table = _table(_values(cells), label, max_rows, merges=merges, sheet=title)
            except NoDataRows as err:    # a header without rows: refused only if no sheet has data
                empty.append(err)
                continue
            if table is not None:
                found.append((title, table))
    finally:
        wb.close()
    if not found:
        if empty:
            raise empty[0]
        raise LoaderError("表格里没有数据（工作表都是空的），请确认填写并保存了数据后再上传。",
                          path=label)
    # Beside sheets whose header names known columns, a sheet of free text (说明, 填表须知) is
    # not a table.
    if any(t.named for _, t in found):
        found = [(title, t) for title, t in found if t.named]
    return found


def _values(rows):
    """Calamine's cells as the rest of this package reads them: an empty cell is None (not ""),
    and a whole number is an int (Excel stores every number as a float: 2024 → 2024.0)."""
    for row in rows:
        yield tuple([None if v == "" else
                     int(v) if type(v) is float and v.is_integer() and -1e15 < v < 1e15 else v
                     for v in row])
