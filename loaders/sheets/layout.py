"""Where the table is in a sheet's rows, as street offices lay them out: title lines above the
header (and the place, year and unit they state), a header of one row or of two rows with
merged group cells ("活动开展情况" over 活动名称 / 场次 / 参与人次), then the data rows.
Blank rows are dropped here; 合计 / 小计 rows and note lines are told apart by the validation,
which knows which column holds what."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from ..errors import LoaderError
from ..places import find_places
from ..quantities import parse_quantity
from ..textnorm import fold_chars
from .cells import _YEAR, HEADER_SCAN_ROWS, _blank, _col_letter
from .mapping import guess_field, is_quantity_header

# "单位：万元", "（计量单位：人次）" in a title line; not "填报单位：…" (an organisation).
_TITLE_UNIT = re.compile(r"(?<!填报)(?<!报送)(?<!制表)(?<!统计)(?<!责任)(?:计量)?单位[:：]\s*([^\s，,；;）)]+)")
# A community named in a title: not a collective ("各社区", "全街道社区").
_NOT_A_COMMUNITY = ("各", "全", "本", "所属", "辖区", "所有", "下辖")


class NoDataRows(LoaderError):
    """A sheet with a header and no data row under it."""


@dataclass
class Table:
    header_row: int
    headers: tuple[str, ...]
    rows: list[tuple]
    numbers: list[int]
    header_rows: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    titles: tuple[tuple[int, str], ...] = ()
    context: dict = field(default_factory=dict)
    named: int = 0          # header cells that name a known field or a quantity


def _too_many_rows(max_rows: int, label: str) -> LoaderError:
    return LoaderError(f"表格超过 {max_rows:,} 行数据的上限，请拆成几个文件分别上传。", path=label)


def _named(row) -> int:
    texts = [t for t in _header_texts(row) if not t.startswith("（第")]
    fields = {guess_field(t, exact_only=True) for t in texts} - {None, "value"}
    quantities = sum(1 for t in texts if guess_field(t, exact_only=True) == "value"
                     or is_quantity_header(t))
    return len(fields) + quantities


def _is_number(v) -> bool:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return True
    if isinstance(v, (datetime, date)):
        return True
    return isinstance(v, str) and bool(re.search(r"\d", fold_chars(v)))


def _table(rows, label: str, max_rows: int, *, merges=(), sheet: str | None = None) -> Table | None:
    """The table in an iterator of row tuples (row 1 first); None if the sheet is empty.

    The header is the first of the first rows that names at least two known fields or
    quantities (title lines may stand above it), else the first row with two filled cells.
    The row under it is a second header row when the header row has merged cells over it (or,
    in a .csv, when it holds only titles where the header row is blank)."""
    scanned: list[tuple[int, tuple]] = []
    header_at = None
    it = enumerate(rows, start=1)
    for number, row in it:
        if all(_blank(v) for v in row):
            continue
        scanned.append((number, tuple(row)))
        if _named(row) >= 2:
            header_at = len(scanned) - 1
            break
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    if not scanned:
        return None
    named = True
    if header_at is None:   # no row of known titles: the first row with two filled cells
        named = False
        header_at = next((i for i, (_, r) in enumerate(scanned)
                          if sum(not _blank(v) for v in r) >= 2), 0)
    header_row, raw_header = scanned[header_at]
    pending = scanned[header_at + 1:]        # rows scanned past the header are data
    if not pending:
        for number, row in it:
            if not all(_blank(v) for v in row):
                pending = [(number, tuple(row))]
                break
    raw_header = list(raw_header)
    header_rows = (header_row,)
    groups = [""] * len(raw_header)
    if pending and _sub_header(header_row, raw_header, pending[0], merges):
        sub_number, sub = pending.pop(0)
        raw_header, groups = _combine(header_row, raw_header, list(sub), merges)
        header_rows = (header_row, sub_number)
        header_row = sub_number
    headers = _header_texts(raw_header)
    width = len(headers)
    groups = (groups + [""] * width)[:width]
    out_rows, numbers = [], []

    def take(number, row):
        if len(out_rows) >= max_rows:
            raise _too_many_rows(max_rows, label)
        row = tuple(row)
        if len(row) > width:
            extra = row[width:]
            if any(not _blank(v) for v in extra):
                where = f"工作表“{sheet}”" if sheet else ""
                raise LoaderError(f"{where}第 {number} 行的数据超出了表头的列数（第 "
                                  f"{_col_letter(width)} 列起有数据的列没有标题），"
                                  "请给每一列填写标题后再上传。", path=label)
            row = row[:width]
        elif len(row) < width:
            row = row + (None,) * (width - len(row))
        out_rows.append(row)
        numbers.append(number)

    for number, row in pending:
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
    groups = groups[:len(headers)]
    if not out_rows:
        where = f"工作表“{sheet}”" if sheet else "表格"
        raise NoDataRows(f"{where}只有表头（第 {header_row} 行），没有数据行，请填写数据后再上传。",
                         path=label)
    titles = tuple((n, "".join(str(v).strip() for v in r if not _blank(v)))
                   for n, r in scanned[:header_at])
    return Table(header_row, tuple(headers), out_rows, numbers, header_rows, tuple(groups),
                 titles, title_context(" ".join(t for _, t in titles)),
                 _named(raw_header) if named else 0)


def _sub_header(header_row: int, top: list, candidate: tuple[int, tuple], merges) -> bool:
    """Whether the row under the header is its second row (sub-titles under merged groups)."""
    number, row = candidate
    if number != header_row + 1 or any(_is_number(v) for v in row if not _blank(v)):
        return False
    r0 = header_row - 1
    if any(a[0] == r0 and (b[1] > a[1] or b[0] > r0) for a, b in merges):
        return True
    width = max(len(top), len(row))
    top = top + [None] * (width - len(top))
    row = tuple(row) + (None,) * (width - len(row))
    under_blank = any(_blank(t) and not _blank(s) for t, s in zip(top, row))
    blank_under = any(not _blank(t) and _blank(s) for t, s in zip(top, row))
    known = sum(1 for s in row if not _blank(s) and
                (guess_field(str(s), exact_only=True) or is_quantity_header(str(s))))
    return under_blank and (blank_under or known >= 2)


def _combine(header_row: int, top: list, sub: list, merges) -> tuple[list, list]:
    """The column titles of a two-row header, and each column's group ("" if none)."""
    width = max(len(top), len(sub))
    top = top + [None] * (width - len(top))
    sub = sub + [None] * (width - len(sub))
    r0 = header_row - 1
    filled = list(top)
    for (a_r, a_c), (b_r, b_c) in merges:   # a group's text stands in its first cell only
        if a_r <= r0 <= b_r and a_c < width:
            for c in range(a_c, min(b_c, width - 1) + 1):
                filled[c] = top[a_c]
    last = None
    for c in range(width):                  # no merge information (.csv): fill to the right
        if not _blank(filled[c]):
            last = filled[c]
        elif not _blank(sub[c]) and last is not None and not merges:
            filled[c] = last
    headers, groups = [], []
    for t, s in zip(filled, sub):
        t = None if _blank(t) else str(t).strip()
        s = None if _blank(s) else str(s).strip()
        headers.append(s or t)
        groups.append(t if (s and t and t != s) else "")
    return headers, groups


def title_context(text: str) -> dict:
    """What a sheet's title lines state about all its rows: district, street (community), year
    and unit, e.g. "2025年天彭街道社区活动统计表" → 彭州市, 天彭街道, 2025."""
    out: dict = {}
    if not text.strip():
        return out
    text = fold_chars(text)
    places = find_places(text)
    districts = {p.district for p in places if p.district}
    streets = {p.street for p in places if p.street}
    communities = {p.community for p in places if p.community
                   and not p.community.startswith(_NOT_A_COMMUNITY) and len(p.community) >= 4}
    if len(districts) == 1:
        out["district"] = districts.pop()
    if len(streets) == 1:
        out["street"] = streets.pop()
        if len(communities) == 1:
            out["community"] = communities.pop()
    years = set(_YEAR.findall(text))
    if len(years) == 1:
        out["period"] = years.pop()
    m = _TITLE_UNIT.search(text)
    if m and parse_quantity("1" + m.group(1)) is not None \
            and parse_quantity("1" + m.group(1)).unit is not None:
        out["unit"] = m.group(1)
    return out


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
