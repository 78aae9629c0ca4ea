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

Parts: cells (fields, levels, cell text), reading (files → rows), layout (where the table is),
mapping (header → field), checks (one cell's checks), validation (every row → claims + problems).
The private names below are re-exported for tests/reference_validate.py.
"""
from __future__ import annotations

from .cells import (_STATUS, ERROR, EXAMPLE_MARK, FIELD_LABELS, FIELDS, NOTE,
                    PROBLEM_COLUMNS, SKIP_SHEETS, _blank, _cell_text)
from .checks import _claim_id, _did_you_mean, _dup_key, _nearest, _period, _Places  # noqa: F401
from .mapping import HEADERS_FILE, guess_field, guess_mapping, header_unit
from .reading import (DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, DEFAULT_MAX_UNPACKED, SHEET_SUFFIXES,
                      Sheet, read_sheet)
from .validation import Validation, map_columns, problems_xlsx, sheet_tables, validate

__all__ = ["Sheet", "Validation", "read_sheet", "guess_mapping", "guess_field", "header_unit",
           "validate", "problems_xlsx", "sheet_tables", "FIELDS", "FIELD_LABELS", "SHEET_SUFFIXES",
           "EXAMPLE_MARK", "ERROR", "NOTE", "PROBLEM_COLUMNS", "map_columns", "HEADERS_FILE",
           "DEFAULT_MAX_BYTES", "DEFAULT_MAX_ROWS", "DEFAULT_MAX_UNPACKED", "SKIP_SHEETS"]
