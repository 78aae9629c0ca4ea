"""Organisers' spreadsheets (.xlsx, .xls, .et, .ods, .csv) in: read safely, map the headers, validate every row.

    sheet = read_sheet("三季度.xlsx")                 # or read_sheet(data_bytes, "三季度.xlsx")
    mapping = guess_mapping(sheet.headers)            # {"社区名称": "community", "数量": "value", ...}
    result = validate(sheet, mapping, known=stored_facts(root))   # reads only what can collide
    result.valid_claims    # claims rows (schema 'claims', source_type 'sheet', row = Excel row)
    result.problems        # 行 / 列 / 值 / 问题 / 建议 (/ 级别), in Chinese

Nothing is written here: committing the valid rows is the caller's step (loaders.store).
Only cell values are read (python-calamine, about ten times faster than openpyxl): a formula is
never evaluated (its cached result, what Excel saved, is read; none or an error reads as empty),
macros and external links are ignored.

Parts: cells (fields, levels, cell text), reading (files → rows), layout (where the table is),
mapping (header → field), checks (one cell's checks), validation (every row → claims + problems),
stored (what of the store a sheet is checked against), duplicates (repeats of stored figures).
The private names below are re-exported for tests/reference_validate.py.
"""
from __future__ import annotations

import importlib

# Public (and, for tests/reference_validate.py, private) names → the part that defines them.
# Loaded on first use (PEP 562), so that reading a sheet in a child process
# (loaders/sheets/isolated.py) does not import pandas and the validation.
_PARTS = {
    "cells": ("_STATUS", "ERROR", "EXAMPLE_MARK", "FIELD_LABELS", "FIELDS", "NOTE",
              "PROBLEM_COLUMNS", "SKIP_SHEETS", "_blank", "_cell_text"),
    "checks": ("_claim_id", "_did_you_mean", "_dup_key", "_nearest", "_period", "_Places"),
    "mapping": ("HEADERS_FILE", "guess_field", "guess_mapping", "header_unit", "header_label"),
    "columns": ("ValueColumn", "value_columns"),
    "duplicates": ("CHOICES", "DUPLICATE", "DUPLICATE_COLUMNS"),
    "reading": ("DEFAULT_MAX_BYTES", "DEFAULT_MAX_CELLS", "DEFAULT_MAX_ROWS",
                "DEFAULT_MAX_UNPACKED", "SHEET_SUFFIXES", "Sheet", "read_sheet", "read_sheets"),
    "isolated": ("read_sheets_isolated",),
    "joined": ("combine", "SHEET_COLUMN"),
    "stored": ("StoredFacts", "stored_facts"),
    "validation": ("Validation", "apply_duplicate_choices", "map_columns", "problems_xlsx",
                   "sheet_tables", "validate"),
}
_WHERE = {name: part for part, names in _PARTS.items() for name in names}


def __getattr__(name: str):
    part = _WHERE.get(name)
    if part is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{part}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


__all__ = ["Sheet", "Validation", "read_sheet", "guess_mapping", "guess_field", "header_unit",
           "validate", "problems_xlsx", "sheet_tables", "FIELDS", "FIELD_LABELS", "SHEET_SUFFIXES",
           "EXAMPLE_MARK", "ERROR", "NOTE", "PROBLEM_COLUMNS", "map_columns", "HEADERS_FILE",
           "read_sheets", "value_columns", "ValueColumn", "apply_duplicate_choices", "DUPLICATE",
           "DUPLICATE_COLUMNS", "CHOICES", "read_sheets_isolated", "header_label", "combine", "DEFAULT_MAX_CELLS", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_ROWS", "DEFAULT_MAX_UNPACKED", "SKIP_SHEETS",
           "StoredFacts", "stored_facts"]
