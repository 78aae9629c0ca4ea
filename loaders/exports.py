"""The one writer of every file the app hands out (CSV, XLSX; the PPTX charts' embedded workbooks
take their text through `neutralise_cell`), so no cell can run as a formula and every download works.

A cell that starts with = + - @ tab or CR is a formula to Excel and LibreOffice ("=HYPERLINK(…)"
in an uploaded sheet would run on the reader's machine), so such cells get a leading apostrophe.
In a CSV a line break inside a value is a place where a careless reader starts a new row, so
every line of a text value is treated the same way, and such values are always quoted.
Numbers stay numbers: only text cells are touched, whatever the column's dtype (an object column
mixing floats, None and text is what the explorer's claims table holds).
"""
from __future__ import annotations

import io
import re
from typing import Iterable, Iterator

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_START = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t])")


def neutralise_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_text(value: str, lines: bool = False) -> str:
    """One text value made safe; with `lines`, every line of it (for CSV)."""
    if lines:
        value = _LINE_START.sub(r"\1'", value)
    return neutralise_cell(value)


def neutralise_formulas(frame: pd.DataFrame, lines: bool = False) -> pd.DataFrame:
    """The frame with every text cell neutralised (see the module doc); headers too."""
    out = frame.copy()
    out.columns = [neutralise_text(c, lines) if isinstance(c, str) else c for c in out.columns]
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)
                or isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        s = s.astype("object")
        text = s.map(lambda v: isinstance(v, str)).astype(bool)
        if not text.any():
            continue
        t = s[text].astype(str)
        if lines:
            t = t.str.replace(_LINE_START, lambda m: m.group(1) + "'", regex=True)
        risky = t.str.startswith(FORMULA_STARTS)
        t = t.where(~risky, "'" + t)
        out.isetitem(i, s.where(~text, t))
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Windows reads the Chinese correctly; CRLF rows
    (RFC 4180), so a value holding a CR or LF is always quoted."""
    return b"".join(csv_chunks([frame]))


def csv_chunks(frames: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """One CSV written from consecutive frames of the same columns (rows read a page at a time),
    chunk by chunk: the byte-order mark and the header once, then each frame's rows. Joined,
    the same bytes as to_csv_bytes of all the rows at once."""
    first = True
    for frame in frames:
        if not first and frame.empty:
            continue
        text = neutralise_formulas(frame, lines=True).to_csv(
            index=False, header=first, lineterminator="\r\n")
        yield text.encode("utf-8-sig" if first else "utf-8")
        first = False


def _xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralised, and without the control characters XLSX cannot hold (openpyxl refuses the
    whole file for one of them)."""
    out = neutralise_formulas(frame)
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if s.dtype == object:
            out.isetitem(i, s.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)
                                  if isinstance(v, str) else v))
    return out


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "数据明细") -> bytes:
    buffer = io.BytesIO()
    safe = _xlsx_safe(frame)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        sheet.freeze_panes = "A2"
        for column in sheet.iter_cols(max_row=min(sheet.max_row, 200)):
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.6))
    return buffer.getvalue()
