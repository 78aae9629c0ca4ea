"""Where the table is in a sheet's rows: the header row, the data rows under it."""
from __future__ import annotations

import re

from ..errors import LoaderError
from .cells import HEADER_SCAN_ROWS, _blank, _col_letter
from .mapping import guess_field


def _too_many_rows(max_rows: int, label: str) -> LoaderError:
    return LoaderError(f"表格超过 {max_rows:,} 行数据的上限，请拆成几个文件分别上传。", path=label)


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
