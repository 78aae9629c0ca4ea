"""Downloads: Excel reads the CSV's Chinese, and no cell can run as a formula."""
import io
import re

import openpyxl
import pandas as pd
import pytest

from loaders.exports import neutralise_cell, neutralise_formulas, to_csv_bytes, to_xlsx_bytes

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


# --------------------------------------------------------------------------- every export path

import csv as csvlib  # noqa: E402
from pathlib import Path  # noqa: E402

import plotly.graph_objects as go  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.util import Inches  # noqa: E402

from loaders.store import commit_batch  # noqa: E402
from loaders.synth import make_fixture_tables, write_fixture  # noqa: E402
from ui.dataset import load_dataset  # noqa: E402
from ui.claim_rows import claims_table  # noqa: E402

SHIPPED = Path(__file__).resolve().parent.parent / "data"
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "培华路\r=cmd|' /C calc'!A0",
           "东怡\n+1+1", "\x01控制符社区", "@SUM(A1)"]


def hostile_store(root: Path) -> Path:
    """The fixture's first batch with community, object and evidence set to hostile text."""
    tables = make_fixture_tables()["b1"]
    claims = tables["claims"].copy()
    for i, text in zip(range(len(claims)), HOSTILE * len(claims)):
        claims.loc[claims.index[i], ["community", "object", "evidence"]] = [text, text, text]
    commit_batch("hostile", {**tables, "claims": claims}, {"kind": "article", "file": "=x.txt",
                                                          "time": "2025-03-01"}, root)
    return root


def store_param(name: str, tmp_path: Path) -> Path:
    if name == "shipped":
        if not (SHIPPED / "batches").is_dir():
            pytest.skip("no shipped data")
        return SHIPPED
    root = tmp_path / name
    if name == "fixture":
        write_fixture(root)
    elif name == "one-community":
        commit_batch("b1", make_fixture_tables()["b1"], {"kind": "article", "time": "2025"}, root)
    else:
        hostile_store(root)
    return root


def explorer_frame(root: Path) -> pd.DataFrame:
    """Exactly what the 数据明细 page hands to the download buttons (pages/explorer.py)."""
    ds = load_dataset(root)
    return claims_table(ds.claim_rows(ds.numbers.index))


def assert_no_formula_text(cells) -> None:
    bad = [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not bad, bad[:5]


@pytest.mark.parametrize("name", ["shipped", "fixture", "one-community", "hostile"])
def test_explorer_downloads_work_on_every_store(tmp_path, name):
    frame = explorer_frame(store_param(name, tmp_path))
    assert len(frame)
    rows = list(csvlib.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert rows[0] == list(frame.columns) and len(rows) == len(frame) + 1
    for row in rows:   # also every line inside a cell, as a careless reader splits it
        assert_no_formula_text([line for cell in row for line in re.split("\r\n|\r|\n", cell)])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert book.active.max_row == len(frame) + 1
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert_no_formula_text([c.value for c in cells])


def test_a_cr_inside_a_csv_value_does_not_start_a_row():
    frame = pd.DataFrame({"社区": ["培华路\r=cmd|' /C calc'!A0", "东怡"], "数": [1.0, 2.0]})
    data = to_csv_bytes(frame).decode("utf-8-sig")
    # a reader splitting at every line break sees no line that starts a formula
    assert not [line for line in re.split("\r\n|\r|\n", data) if line.startswith("=")]
    assert list(csvlib.reader(io.StringIO(data, newline="")))[1] == ["培华路\r'=cmd|' /C calc'!A0", "1.0"]


def test_problem_list_xlsx_holds_no_live_formula():
    from loaders.sheets import PROBLEM_COLUMNS, problems_xlsx
    problems = pd.DataFrame([(2, "社区", "=HYPERLINK(\"http://evil.example\",\"点我\")", "不在地名表",
                              "@请改正", "错误")], columns=list(PROBLEM_COLUMNS))
    sheet = openpyxl.load_workbook(io.BytesIO(problems_xlsx(problems))).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sheet["C2"].value == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert sheet["E2"].value == "'@请改正"


def test_pptx_chart_workbook_holds_no_live_formula():
    from ui.deck import _chart
    fig = go.Figure(go.Bar(y=["=HYPERLINK(\"http://evil.example\")", "东怡社区"], x=[3, 4],
                           orientation="h", name="+人次"))
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    assert _chart(slide, fig, Inches(1), Inches(1), Inches(6), Inches(4))
    chart = next(s for s in slide.shapes if s.has_chart).chart
    blob = chart.part.chart_workbook.xlsx_part.blob
    sheet = openpyxl.load_workbook(io.BytesIO(blob)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], [c.value for c in cells]
    assert_no_formula_text([c.value for c in cells])
    assert "'=HYPERLINK(\"http://evil.example\")" in [c.value for c in cells]
