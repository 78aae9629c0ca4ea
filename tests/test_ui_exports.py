"""Downloads: Excel reads the CSV's Chinese, and no cell can run as a formula."""
import io

import openpyxl
import pandas as pd
import pytest

from ui.exports import neutralise_cell, neutralise_formulas, to_csv_bytes, to_xlsx_bytes

RISKY = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("cell", RISKY)
def test_formula_cells_get_an_apostrophe(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["3000余人次", "培华路社区", "", "a=b", 42, -5.0, None])
def test_other_cells_are_untouched(cell):
    assert neutralise_cell(cell) == cell


FRAME = pd.DataFrame({"原文": ["=1+1", "3000余人次"], "对象": ["@居民", "居民"],
                      "标准值": [-3.0, 3000.0]})


def test_frame_neutralisation_keeps_numbers_numeric():
    out = neutralise_formulas(FRAME)
    assert list(out["原文"]) == ["'=1+1", "3000余人次"]
    assert list(out["对象"]) == ["'@居民", "居民"]
    assert list(out["标准值"]) == [-3.0, 3000.0]


def test_csv_has_a_bom_and_chinese():
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "原文,对象,标准值"
    assert "'=1+1" in text and "3000余人次" in text


def test_xlsx_holds_text_not_formulas():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(FRAME)))
    sheet = book.active
    assert sheet.title == "数据明细"
    assert [c.value for c in sheet[1]] == ["原文", "对象", "标准值"]
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["C2"].value == -3
