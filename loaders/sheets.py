"""Organisers' spreadsheets (.xlsx, .csv) in: read safely, map the headers, validate every row.

    sheet = read_sheet("三季度.xlsx")                 # or read_sheet(data_bytes, "三季度.xlsx")
    mapping = guess_mapping(sheet.headers)            # {"社区名称": "community", "数量": "value", ...}
    result = validate(sheet, mapping, known=load_tables().claims)
    result.valid_claims    # claims rows (schema 'claims', source_type 'sheet', row = Excel row)
    result.problems        # 行 / 列 / 值 / 问题 / 建议 (/ 级别), in Chinese

Nothing is written here: committing the valid rows is the caller's step (loaders.store).
Only cell values are read (python-calamine, about ten times faster than openpyxl): a formula is
never evaluated (its cached result, what Excel saved, is read; none or an error reads as empty),
macros and external links are ignored.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import gc
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .errors import LoaderError
from .places import Gazetteer
from .programmes import classify_programme, programme_labels
from .quantities import DATA as QUANTITY_DATA
from .quantities import Quantity, parse_quantity
from .readers import read_limited
from .schema import TABLES, conform, empty_frame
from .textnorm import fold_chars

HEADERS_FILE = Path(__file__).resolve().parent / "data" / "sheet_headers.yaml"
SHEET_SUFFIXES = (".xlsx", ".csv")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# What an .xlsx may unpack to: 200 000 rows of 20 columns take about 250 MB of sheet XML.
DEFAULT_MAX_UNPACKED = 512 * 1024 * 1024
FIELDS = ("community", "street", "district", "value", "unit", "object", "programme", "status",
          "period", "evidence")
FIELD_LABELS = {"community": "社区", "street": "街道", "district": "区县", "value": "数量",
                "unit": "单位", "object": "指标", "programme": "项目类型", "status": "状态",
                "period": "年份", "evidence": "备注"}
PROBLEM_COLUMNS = ("行", "列", "值", "问题", "建议", "级别")
ERROR, NOTE = "错误", "提醒"          # 错误: the row is not imported; 提醒: imported, worth a look
# Sheets of the template (loaders/template.py) that hold no data.
SKIP_SHEETS = ("说明", "填写说明", "选项")
# The template's example row carries this in its 备注 cell and is skipped on import.
EXAMPLE_MARK = "示例行"
HEADER_SCAN_ROWS = 10

_MB = 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_STATUS = {"achieved": "achieved", "已完成": "achieved", "完成": "achieved", "已实现": "achieved",
           "已": "achieved", "实际": "achieved", "已达成": "achieved",
           "planned": "planned", "计划": "planned", "计划中": "planned", "拟": "planned",
           "规划": "planned", "预计": "planned", "目标": "planned", "未完成": "planned",
           "进行中": "planned", "计划完成": "planned"}
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


# ---------------------------------------------------------------------------------------------
# Reading

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


@contextlib.contextmanager
def _no_gc():
    """Pause the cycle collector: building 100 000 row tuples sets it off again and again, each
    time walking every object alive (a fifth of the time of a large import), and no cycles are
    made here. It runs as usual again at the end."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        found = _table(reader, label, max_rows)
    except csv.Error as err:
        raise LoaderError(f"CSV 格式有误（{err}），请用 Excel 或 WPS 打开后重新另存为 CSV。",
                          path=label) from None
    if found is None:
        raise LoaderError("表格里没有数据，请确认填写并保存了数据后再上传。", path=label)
    return (encoding, *found)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _table(rows, label: str, max_rows: int):
    """(header_row, headers, rows, row_numbers) from an iterator of row tuples; None if empty.

    The header is the first of the first non-empty rows that names at least two known fields
    (a title line such as "2024年三季度统计表" may stand above it), else the first non-empty row."""
    scanned: list[tuple[int, tuple]] = []
    header_at = None
    it = enumerate(rows, start=1)
    for number, row in it:
        if all(_blank(v) for v in row):
            continue
        scanned.append((number, tuple(row)))
        named = {guess_field(h, exact_only=True) for h in _header_texts(row)} - {None}
        if len(named) >= 2:
            header_at = len(scanned) - 1
            break
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    if not scanned:
        return None
    if header_at is None:   # no row of known titles: the first row with two filled cells
        header_at = next((i for i, (_, r) in enumerate(scanned)
                          if sum(not _blank(v) for v in r) >= 2), 0)
        # rows scanned past the header are data
    header_row, raw_header = scanned[header_at]
    headers = _header_texts(raw_header)
    width = len(headers)
    out_rows, numbers = [], []

    def take(number, row):
        if len(out_rows) >= max_rows:
            raise _too_many_rows(max_rows, label)
        row = tuple(row)
        if len(row) > width:
            extra = row[width:]
            if any(not _blank(v) for v in extra):
                raise LoaderError(f"第 {number} 行的数据超出了表头的列数（有数据的列没有标题），"
                                  "请给每一列填写标题后再上传。", path=label)
            row = row[:width]
        elif len(row) < width:
            row = row + (None,) * (width - len(row))
        out_rows.append(row)
        numbers.append(number)

    for number, row in scanned[header_at + 1:]:
        take(number, row)
    for number, row in it:
        # The fast path: most rows are full; skip the all-empty ones silently.
        for v in row:
            if v is not None and (not isinstance(v, str) or v.strip()):
                take(number, row)
                break
    # Trailing header columns with no title and no data are dropped (Excel's used range).
    while headers and headers[-1].startswith("（第") and all(_blank(r[len(headers) - 1]) for r in out_rows):
        headers = headers[:-1]
        out_rows = [r[:len(headers)] for r in out_rows]
    if not out_rows:
        raise LoaderError(f"表格只有表头（第 {header_row} 行），没有数据行，请填写数据后再上传。",
                          path=label)
    return header_row, tuple(headers), out_rows, numbers


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _header_texts(row) -> list[str]:
    out, seen = [], {}
    for i, v in enumerate(row):
        text = "" if v is None else re.sub(r"\s+", "", str(v))
        if not text:
            text = f"（第{_col_letter(i)}列）"
        if text in seen:
            seen[text] += 1
            text = f"{text}_{seen[text]}"
        else:
            seen[text] = 1
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------------
# Header mapping

@lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, str], list[tuple[str, str]]]:
    data = yaml.safe_load(HEADERS_FILE.read_text(encoding="utf-8"))["fields"]
    exact: dict[str, str] = {}
    contains: list[tuple[int, int, str, str]] = []
    for order, (fld, words) in enumerate(data.items()):
        if fld not in FIELDS:
            raise ValueError(f"{HEADERS_FILE}: unknown field {fld!r}")
        for w in words:
            key = _norm_header(str(w))
            exact.setdefault(key, fld)
            if len(key) >= 2:
                contains.append((-len(key), order, key, fld))
    return exact, [(k, f) for _, _, k, f in sorted(contains)]


def _norm_header(text: str) -> str:
    s = fold_chars(str(text)).replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊:：]+", "", s).lower()


_BRACKET_TAIL = re.compile(r"^(?P<head>.+?)[(\[【](?P<tail>[^)\]】]*)[)\]】]$")


def header_unit(header: str) -> str:
    """The unit written in a header's bracketed tail: "数量（人次）" → "人次"; else ""."""
    m = _BRACKET_TAIL.match(_norm_header(header))
    return m.group("tail") if m and parse_quantity("1" + m.group("tail")) is not None else ""


def guess_field(header: str, *, exact_only: bool = False) -> str | None:
    """The field a header names (see data/sheet_headers.yaml for the matching steps)."""
    exact, contains = _synonyms()
    key = _norm_header(header)
    if not key:
        return None
    if key in exact:
        return exact[key]
    m = _BRACKET_TAIL.match(key)
    if m and m.group("head") in exact:
        return exact[m.group("head")]
    if exact_only:
        return None
    for word, fld in contains:
        if word in key:
            return fld
    return None


def guess_mapping(headers) -> dict[str, str]:
    """header → field for the headers that name a known field; each field is taken by the first
    header that names it. Unmapped headers are left out (their columns are ignored)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        fld = guess_field(h)
        if fld and fld not in taken:
            out[h] = fld
            taken.add(fld)
    return out


# ---------------------------------------------------------------------------------------------
# Validation

@dataclass
class Validation:
    valid_claims: pd.DataFrame      # conforms to schema 'claims'
    problems: pd.DataFrame          # PROBLEM_COLUMNS, sorted by row
    rows_read: int = 0              # non-empty data rows in the sheet
    rows_skipped: int = 0           # template example rows left in
    mapping: dict = field(default_factory=dict)

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["级别"] == ERROR]

    @property
    def ok(self) -> bool:
        return self.errors.empty


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:   # NaN
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(Decimal(repr(v)).normalize(), "f")
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


class _Places:
    """Name checks against the gazetteer plus the places already in the store."""

    def __init__(self, known: pd.DataFrame | None):
        g = Gazetteer.load()
        self.g = g
        self.district_of: dict[str, str] = dict(g.district_alias)
        for d in g.districts:   # "锦江" in a 区县 column is unambiguous there
            short = d[:-1] if d[-1] in "区县市" and len(d) > 2 else None
            if short and short not in self.district_of:
                self.district_of[short] = d
        self.district_names = sorted(set(g.districts) | set(self._col(known, "district")))
        self.streets = dict(g.street_districts)
        for street, district in self._pairs(known, "street", "district"):
            if street not in self.streets and district:
                self.streets[street] = (district,)
        self.communities: dict[str, set] = {}
        for community, street in self._pairs(known, "community", "street"):
            self.communities.setdefault(community, set()).add(street)
        # where each known community is: suggestions look in the row's street, then its district
        self.in_street: dict[str, set] = {}
        self.in_district: dict[str, set] = {}
        if known is not None and "community" in known and "district" in known:
            for c, st, d in known[["community", "street", "district"]].astype(object) \
                    .dropna(subset=["community"]).drop_duplicates().itertuples(index=False):
                if isinstance(st, str) and st:
                    self.in_street.setdefault(st, set()).add(c)
                if isinstance(d, str) and d:
                    self.in_district.setdefault(d, set()).add(c)

    def similar_communities(self, community: str, district, street) -> list[str]:
        """Known communities with a name like `community`: those of the row's street first, then
        of its district, then anywhere (培华路社区 in 成华区 is not offered one in 彭州市 while
        its own district has a close name)."""
        for pool in (self.in_street.get(street) if street else None,
                     self.in_district.get(district) if district else None, self.communities):
            close = _nearest(community, pool) if pool else []
            if close:
                return close
        return []

    @staticmethod
    def _col(frame, name):
        if frame is None or name not in frame:
            return []
        return [v for v in frame[name].dropna().unique() if str(v).strip()]

    @staticmethod
    def _pairs(frame, a, b):
        if frame is None or a not in frame:
            return []
        sub = frame[[a, b]].dropna(subset=[a]).drop_duplicates()
        return [(x, None if pd.isna(y) else y) for x, y in sub.itertuples(index=False)]

    def district(self, text: str) -> str | None:
        t = text.removeprefix("四川省").removeprefix("成都市")
        return self.district_of.get(t) or (t if t in self.district_names else None)

    def street(self, text: str) -> str | None:
        if text in self.streets:
            return text
        hits = [text + s for s in ("街道", "镇", "乡") if text + s in self.streets]
        if not hits and text.endswith("街道办事处"):
            hits = [text.removesuffix("办事处")] if text.removesuffix("办事处") in self.streets else []
        return hits[0] if len(hits) == 1 else None


def _nearest(word: str, names, n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(names), n=n, cutoff=0.5)


def _did_you_mean(word: str, names, fallback: str) -> str:
    close = _nearest(word, names)
    return f"是否应为：{'、'.join(close)}？" if close else fallback


@lru_cache(maxsize=1)
def _units_data() -> dict:
    return yaml.safe_load((QUANTITY_DATA / "units.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _generic_measures() -> frozenset[str]:
    """Measure words whose unit depends on the counted object (个, 项, 家 …; data/units.yaml)."""
    return frozenset(_units_data()["generic"])


@lru_cache(maxsize=65536)
def _object_rule(obj: str) -> int:
    """Which `objects` rule of data/units.yaml an object text falls under (the first whose word
    it contains; -1 for none): all a generic measure word's reading depends on."""
    for i, rule in enumerate(_units_data()["objects"]):
        if any(w in obj for w in rule["words"]):
            return i
    return -1


@lru_cache(maxsize=65536)
def _quantity_alone(value: str, unit: str) -> Quantity | None:
    return parse_quantity(value, unit_hint=unit)


@lru_cache(maxsize=65536)
def _quantity_for(value: str, unit: str, obj: str) -> Quantity | None:
    return parse_quantity(value, unit_hint=unit, object_hint=obj)


def _quantity(value: str, unit: str, obj: str) -> Quantity | None:
    """parse_quantity, cached. The object only matters after a generic measure word (5个 活动 vs
    5个 项目), so only then is it part of the key: an 指标 column of distinct texts stays cheap."""
    q = _quantity_alone(value, unit)
    if q is not None and obj and q.measure in _generic_measures():
        return _quantity_for(value, unit, obj)
    return q


def _period(v) -> tuple[str | None, bool]:
    """(year as text, ok)."""
    if _blank(v):
        return None, True
    if isinstance(v, (datetime, date)):
        return str(v.year), True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if float(v).is_integer() and 1980 <= v <= 2099:
            return str(int(v)), True
        return None, False
    years = _YEAR.findall(fold_chars(str(v)))
    if len(set(years)) == 1:
        return years[0], True
    return None, False


def _claim_id(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _row_text(headers, row) -> str:
    """A row as "表头：值；…" over its non-empty cells: the evidence of a row without 备注."""
    parts = []
    for h, v in zip(headers, row):
        if v is None:
            continue
        if type(v) is str:
            v = v.strip()
            if v:
                parts.append(f"{h}：{v}")
        elif type(v) is int:
            parts.append(f"{h}：{v}")
        else:
            parts.append(f"{h}：{_cell_text(v)}")
    return "；".join(parts)


def _dup_key(place, value, unit, period, obj) -> tuple:
    return (place or "", round(float(value), 2), unit or "", period or "", (obj or "").strip())


class _Memo(dict):
    """memo[key] is fn(key), computed once: a sheet repeats its names and labels."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        out = self[key] = self.fn(key)
        return out


def validate(sheet: Sheet, mapping: dict[str, str], *, known: pd.DataFrame | None = None,
             batch_id: str = "") -> Validation:
    """Check every row of `sheet` under `mapping` (header → field; see guess_mapping).

    `known` is the stored claims (load_tables().claims) for the duplicate check and for name
    suggestions. A row with an 错误 is left out of `valid_claims`; a 提醒 row stays in."""
    with _no_gc():
        return _validate(sheet, mapping, known, batch_id)


def map_columns(sheet: Sheet, mapping: dict[str, str], problem) -> tuple[dict, dict]:
    """field → column index and field → header under `mapping`, reporting through `problem`
    the header-row problems (unknown fields, missing columns, two columns for one field, no
    value column, no place column)."""
    hr = sheet.header_row
    bad = {h: f for h, f in mapping.items() if f is not None and f not in FIELDS}
    for h, f in bad.items():
        problem(hr, h, f, f"“{f}”不是可以导入的字段", "请为这一列重新选择对应的字段，或选“不导入”。")
    col: dict[str, int] = {}
    header_of: dict[str, str] = {}
    for h, f in mapping.items():
        if f is None or f in bad.values() or h not in sheet.headers:
            if f is not None and h not in sheet.headers:
                problem(hr, h, "", "表头里没有这一列", "请重新选择列的对应关系。")
            continue
        if f in col:
            problem(hr, h, h, f"“{header_of[f]}”和“{h}”两列都对应{FIELD_LABELS[f]}，只采用第一列",
                    "请只保留一列对应该字段。", NOTE)
            continue
        col[f] = sheet.headers.index(h)
        header_of[f] = h
    if "value" not in col:
        problem(hr, "（表头）", "、".join(sheet.headers), "没有找到“数量”列",
                "请把数量所在列的表头改为“数量”（或在对应关系中选择“数量”），再重新上传。")
    if not ({"district", "street", "community"} & col.keys()):
        problem(hr, "（表头）", "、".join(sheet.headers), "没有找到区县、街道或社区列",
                "请至少有一列“区县”“街道”或“社区名称”，说明数据属于哪里。")
    return col, header_of


def _validate(sheet: Sheet, mapping: dict[str, str], known, batch_id: str) -> Validation:
    problems: list[tuple] = []

    def problem(row, col, value, what, todo, level=ERROR):
        problems.append((row, col, value, what, todo, level))

    hr = sheet.header_row
    col, header_of = map_columns(sheet, mapping, problem)
    if any(level == ERROR and row == hr and c == "（表头）" for row, c, *_, level in problems):
        return _result(problems, [], sheet, mapping, 0)

    rules = _RowRules(known, header_of)
    stored = set()
    if known is not None and len(known):
        k = known[["community", "street", "value", "unit", "period", "object"]].astype(object)
        k = k.where(k.notna(), None)
        place = [c or s for c, s in zip(k["community"], k["street"])]
        stored = set(map(_dup_key, place, k["value"], k["unit"], k["period"], k["object"]))
    seen_in_file: dict[tuple, int] = {}
    claims: list[tuple] = []
    id_prefix = hashlib.sha1(f"{sheet.sha256}|{sheet.sheet_name}|".encode())   # see _claim_id
    skipped = 0
    # Column by column first (one pass per mapped column), then row by row on the texts.
    n = len(sheet.rows)
    columns = list(zip(*sheet.rows)) if n else []
    raw_period = columns[col["period"]] if "period" in col else [None] * n
    # _cell_text, with its commonest cases (text, empty, whole number) inline
    text = {f: ([v.strip() if type(v) is str else "" if v is None else str(v) if type(v) is int
                 else _cell_text(v) for v in columns[col[f]]] if f in col else [""] * n)
            for f in FIELDS}
    vh = header_of.get("value")
    value_any = rules.value_any
    no_place = "、".join(header_of[f] for f in ("district", "street", "community") if f in header_of)

    districts, streets, communities = rules.district, rules.street, rules.community
    community_streets, programmes, statuses = rules.community_street, rules.programme, rules.status
    periods = rules.period
    for r, row, td, ts, tc, tv, tu, tobj, tp, tst, te, pv, tpe in zip(
            sheet.row_numbers, sheet.rows, text["district"], text["street"], text["community"],
            text["value"], text["unit"], text["object"], text["programme"], text["status"],
            text["evidence"], raw_period, text["period"]):
        if te.startswith(EXAMPLE_MARK):
            skipped += 1
            problem(r, header_of.get("evidence", ""), te, "这是模板的示例行，已忽略",
                    "可以删除这一行。", NOTE)
            continue
        n_before = len(problems)

        # Places
        district = street = community = None
        if td:
            district, found = districts[td]
            if found:
                problems += ((r, *p) for p in found)
        if ts:
            street, district, found = streets[ts, district, td == ""]
            if found:
                problems += ((r, *p) for p in found)
        if tc:
            community, found = communities[tc, district, street]
            if found:
                problems += ((r, *p) for p in found)
            if street and (found := community_streets[community, street]):
                problems += ((r, *p) for p in found)
        if not (district or street or community) and not (td or ts):
            problem(r, no_place, "", "没有填写地点", "请至少填写区县、街道或社区之一。")

        # Value and unit
        (q, value_text, found), by_object = value_any[tv, tu]
        if by_object and tobj:
            q, value_text, found = rules.value_for(tv, tu, tobj)
        if found:
            problems += ((r, *p) for p in found)

        # Programme, status, period
        programme = None
        if tp:
            programme, found = programmes[tp]
            if found:
                problems += ((r, *p) for p in found)
        status = "achieved"
        if tst:
            status, found = statuses[tst]
            if found:
                problems += ((r, *p) for p in found)
        period, found = periods[type(pv), pv, tpe]
        if found:
            problems += ((r, *p) for p in found)

        if len(problems) > n_before and any(p[5] == ERROR for p in problems[n_before:]):
            continue
        assert q is not None
        key = (community or street or "", round(q.value, 2), q.unit or "", period or "", tobj)  # _dup_key
        if key in stored:
            problem(r, vh, tv, "与已导入的数据重复（同一地点、数量、单位、年份和指标）",
                    "如果已经导入过，请删除这一行；如是另一条数据，请在“指标”列写明区别。")
            continue
        if key in seen_in_file:
            problem(r, vh, tv, f"与本表第 {seen_in_file[key]} 行重复",
                    "请删除重复的行；如是另一条数据，请在“指标”列写明区别。")
            continue
        seen_in_file[key] = r
        obj = tobj or None
        evidence = te or _row_text(sheet.headers, row)
        if programme is None:
            programme = rules.classify[obj or "", te]
        digest = id_prefix.copy()
        digest.update(str(r).encode())
        claims.append((
            digest.hexdigest()[:16], batch_id, "sheet", sheet.name, None, None,
            r, value_text, q.value, q.unit, q.kind, q.qualifier, obj, district, street, community,
            programme, status, period, evidence, None))
    return _result(problems, claims, sheet, mapping, skipped)


class _RowRules:
    """The checks of one cell or a few cells, each a pure function of its inputs and so computed
    once per distinct input in a sheet: (result, problems as (列, 值, 问题, 建议, 级别))."""

    def __init__(self, known: pd.DataFrame | None, header_of: dict[str, str]):
        self.places = _Places(known)
        self.header_of = header_of
        self.labels = programme_labels()
        self.label_code = {v: k for k, v in self.labels.items()}
        self.codes_lower = {k.lower(): k for k in self.labels}
        self.header_hint = header_unit(header_of["value"])
        self._values_by_object: dict = {}
        for name in ("district", "street", "community", "community_street", "value_any",
                     "programme", "status", "period", "classify"):
            setattr(self, name, _Memo(getattr(self, "_" + name)))

    def _district(self, td):
        places = self.places
        district = places.district(td)
        if district is not None:
            return district, ()
        return None, ((self.header_of["district"], td, "不认识这个区县名称",
                       _did_you_mean(td, places.district_names,
                                     "请填写成都市的区县全称，如“锦江区”“高新区”。"), ERROR),)

    def _street(self, key):
        ts, district, no_district_text = key
        places, h = self.places, self.header_of["street"]
        street = places.street(ts)
        if street is None:
            pool = [s for s, ds in places.streets.items() if district in ds] if district else places.streets
            return None, district, ((h, ts, "不认识这个街道（镇）名称",
                                     _did_you_mean(ts, pool or places.streets,
                                                   "请填写街道或镇的全称，如“东湖街道”“三道堰镇”。"), ERROR),)
        owners = places.streets[street]
        if district and district not in owners:
            return street, district, ((h, ts, f"{street}不属于{district}（它属于{'、'.join(owners)}）",
                                       "请核对区县和街道是否填在了同一行、是否填错。", ERROR),)
        if not district and no_district_text and len(owners) == 1:
            district = owners[0]
        return street, district, ()

    def _community(self, key):
        community, district, street = key
        places, h = self.places, self.header_of["community"]
        found = []
        if community not in places.communities:
            alt = next((community + s for s in ("社区", "村") if community + s in places.communities), None)
            if alt:
                found.append((h, community, f"按已有数据理解为“{alt}”",
                              "如不是同一个社区，请填写社区全称。", NOTE))
                community = alt
            else:
                close = places.similar_communities(community, district, street)
                if close:
                    found.append((h, community, "已有数据中没有这个社区，但有名称相近的社区",
                                  f"是否应为：{'、'.join(close)}？如确为新社区可忽略此提醒。", NOTE))
                elif not community.endswith(("社区", "村", "小区", "居委会", "村委会")):
                    found.append((h, community, "社区名称不完整",
                                  "请填写全称，以“社区”或“村”结尾，如“东林社区”。", NOTE))
        return community, tuple(found)

    def _community_street(self, key):
        community, street = key
        if community not in self.places.communities:
            return ()
        streets = {s for s in self.places.communities[community] if s}
        if streets and street not in streets:
            return ((self.header_of["community"], community,
                     f"已有数据中{community}属于{'、'.join(sorted(streets))}，不是{street}",
                     "请核对街道是否填写正确；如是另一个同名社区可忽略此提醒。", NOTE),)
        return ()

    # The 数量 check, (quantity or None, the claim's text, problems), is kept by (数量, 单位) in
    # `value`, with a flag saying whether the 指标 matters too: only after a generic measure word
    # (5个, 3家), and then only its kind (_object_rule), so that a column of distinct 指标 does not
    # defeat the cache. Such cells are looked up in `value_for`.

    def _value_any(self, key):
        tv, tu = key
        out, parsed = self._value(tv, tu, "")
        return out, any(q is not None and q.measure in _generic_measures() for q in parsed)

    def value_for(self, tv, tu, tobj):
        key = (tv, tu, _object_rule(tobj))
        out = self._values_by_object.get(key)
        if out is None:
            out = self._values_by_object[key] = self._value(tv, tu, tobj)[0]
        return out

    def _value(self, tv, tu, tobj):
        """((quantity, text, problems), every quantity parsed on the way)."""
        h = self.header_of
        vh = h.get("value")
        unit_text = tu or self.header_hint
        if not tv:
            return (None, "", ((vh, "", "数量为空", "请填写数量，如 650、50万元、3000余人次；没有数据的行请删除。",
                                ERROR),)), ()
        q = _quantity(tv, unit_text, tobj)
        # a plain number has no unit of its own (the parser's pattern needs one): not parsed
        own = None if _PLAIN_NUMBER.fullmatch(tv) else _quantity(tv, "", tobj)
        text = tv if own is not None and own.unit is not None else tv + unit_text
        if q is None:
            return (None, text, ((vh, tv, "无法识别为数量",
                                  "请只填一个数字，可带单位，如 650、650平方米、50万元、3000余人次、1,200。",
                                  ERROR),)), (q, own)
        if q.unit is None:
            if tu:
                found = (h["unit"], tu, "无法识别这个单位",
                         "请填写常用单位，如 平方米、元、万元、人、人次、户、个、场、%。", ERROR)
            else:
                found = (vh, tv, "缺少单位",
                         "请在“单位”列填写单位（如 人次、户、平方米），或直接写在数量后面（如 650平方米）。", ERROR)
            return (None, text, (found,)), (q, own)
        if tu:
            hint = _quantity("1" + tu, "", tobj)
            if own is not None and own.unit is not None and hint is not None \
                    and hint.unit is not None and (own.unit, own.kind) != (hint.unit, hint.kind):
                return (None, text, ((h["unit"], tu, f"数量“{tv}”自带单位，与单位列“{tu}”不一致",
                                      "请只在一处填写单位，或改正其中一处。", ERROR),)), (q, own, hint)
            return (q, text, ()), (q, own, hint)
        return (q, text, ()), (q, own)

    def _programme(self, p):
        labels, label_code = self.labels, self.label_code
        programme = label_code.get(p) or self.codes_lower.get(p.lower())
        if programme is None:
            programme = next((c for lab, c in label_code.items() if p in lab or lab in p), None) \
                if len(p) >= 2 else None
            if programme is None:
                return None, ((self.header_of["programme"], p, "不认识这个项目类型",
                               _did_you_mean(p, labels.values(),
                                             "请从下拉列表中选择，如“" + "”“".join(list(labels.values())[:3]) + "”。"),
                               ERROR),)
        return programme, ()

    def _status(self, s):
        status = _STATUS.get(s) or _STATUS.get(s.lower())
        if status is None:
            return None, ((self.header_of["status"], s, "不认识这个状态",
                           "请填写“已完成”或“计划”（也可写 achieved / planned）。", ERROR),)
        return status, ()

    def _period(self, key):
        _, v, text = key   # keyed by the cell's type too: 2024 and 2024.0 and True differ
        period, ok = _period(v)
        if ok:
            return period, ()
        return period, ((self.header_of["period"], text, "无法识别年份",
                         "请填写四位年份，如 2024 或 2024年。", ERROR),)

    def _classify(self, key):
        obj, evidence = key
        return classify_programme(f"{obj} {evidence}", obj)


def _result(problems, claims, sheet, mapping, skipped) -> Validation:
    names = [c.name for c in TABLES["claims"]]
    # claims are row tuples in schema order; built column by column, which pandas does faster
    frame = (conform("claims", pd.DataFrame(dict(zip(names, map(list, zip(*claims))))))
             if claims else empty_frame("claims"))
    table = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    table["行"] = table["行"].astype("int64")
    table = table.sort_values("行", kind="stable").reset_index(drop=True)
    return Validation(frame, table, len(sheet.rows), skipped, dict(mapping))


def problems_xlsx(problems: pd.DataFrame) -> bytes:
    """The problem table as an .xlsx download."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        problems.to_excel(xw, sheet_name="问题", index=False)
    return buf.getvalue()


def sheet_tables(sheet: Sheet, result: Validation, batch_id: str) -> dict[str, pd.DataFrame]:
    """The batch tables for committing the valid rows with loaders.store.commit_batch."""
    documents = conform("documents", pd.DataFrame([{
        "doc": sheet.name, "title": sheet.sheet_name, "sha256": sheet.sha256, "source_type": "sheet",
        "chars": None, "batch_id": batch_id}]))
    return {"claims": result.valid_claims.assign(batch_id=batch_id), "documents": documents}


__all__ = ["Sheet", "Validation", "read_sheet", "guess_mapping", "guess_field", "header_unit",
           "validate", "problems_xlsx", "sheet_tables", "FIELDS", "FIELD_LABELS", "SHEET_SUFFIXES",
           "EXAMPLE_MARK"]
