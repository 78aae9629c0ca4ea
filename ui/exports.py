"""Downloads of the filtered claims: CSV that Excel opens in Chinese, and XLSX, both safe to open.

A cell that starts with = + - @ tab or CR is a formula to Excel and LibreOffice ("=HYPERLINK(…)"
in an uploaded sheet would run on the reader's machine), so such cells get a leading apostrophe.
Numbers stay numbers: only text cells are touched.
"""
from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col].astype("object")
            risky = s.str.startswith(FORMULA_STARTS, na=False)  # vectorised: fast on 10⁶ rows
            if risky.any():
                out[col] = s.where(~risky, "'" + s.astype(str))
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Windows reads the Chinese correctly."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "数据明细") -> bytes:
    buffer = io.BytesIO()
    safe = neutralise_formulas(frame)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        sheet.freeze_panes = "A2"
        for column in sheet.iter_cols(max_row=min(sheet.max_row, 200)):
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.6))
    return buffer.getvalue()
