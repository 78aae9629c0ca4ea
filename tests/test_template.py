"""The upload template: opens with openpyxl, has its drop-downs and instructions, and a filled-in
copy validates cleanly."""
from __future__ import annotations

import io

import openpyxl

from loaders.places import Gazetteer
from loaders.programmes import programme_labels
from loaders.sheets import NOTE, guess_mapping, read_sheet, validate
from loaders.template import COLUMNS, DATA_SHEET, HELP_SHEET, OPTIONS_SHEET, make_template


def _book():
    return openpyxl.load_workbook(io.BytesIO(make_template()))


def _column(ws, letter):
    return [c.value for c in ws[letter][1:] if c.value is not None]


def test_template_sheets_and_headers():
    wb = _book()
    assert wb.sheetnames[0] == DATA_SHEET and HELP_SHEET in wb.sheetnames
    assert wb.active.title == DATA_SHEET
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == [h for h, _, _ in COLUMNS]
    # every header is recognised by the upload's synonym mapping
    assert len(set(guess_mapping([h for h, _, _ in COLUMNS]).values())) == len(COLUMNS)


def test_template_dropdowns():
    wb = _book()
    ws = wb[DATA_SHEET]
    opts = wb[OPTIONS_SHEET]
    assert opts.sheet_state == "hidden"
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert {"A2", "G2", "H2"} <= validations.keys()
    for cell, letter, expected in (("A2", "A", list(Gazetteer.load().districts)),
                                   ("G2", "B", list(programme_labels().values())),
                                   ("H2", "C", ["已完成", "计划"])):
        dv = validations[cell]
        assert dv.type == "list" and f"${letter}$2" in dv.formula1 and OPTIONS_SHEET in dv.formula1
        assert _column(opts, letter) == expected


def test_template_instructions_sheet():
    ws = _book()[HELP_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "填写说明" in text and "示例行" in text
    for header, _, _ in COLUMNS:
        assert header in text


def test_template_example_row_is_skipped():
    sheet = read_sheet(make_template(), "模板.xlsx")
    v = validate(sheet, guess_mapping(sheet.headers))
    assert v.ok and v.valid_claims.empty and v.rows_skipped == 1
    assert list(v.problems["级别"]) == [NOTE]


def test_filled_in_template_validates_cleanly():
    wb = _book()
    ws = wb[DATA_SHEET]
    rows = [
        ["锦江区", "东湖街道", "东怡社区", "志愿服务人次", "3000余", "人次", "志愿服务", "已完成", 2024, "台账"],
        ["高新区", "芳草街街道", "玉林社区", "改造面积", "650", "平方米", "空间更新与老旧院落", "计划", 2025, None],
        ["彭州市", "天彭街道", "东林社区", "社区基金", "50万元", None, "慈善公益", "已完成", 2024, None],
    ]
    for r, row in enumerate(rows, start=3):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    sheet = read_sheet(buf.getvalue(), "填好的模板.xlsx")
    v = validate(sheet, guess_mapping(sheet.headers))
    assert v.ok, v.problems.to_string()
    assert list(v.problems["级别"]) == [NOTE]          # only the example-row note
    c = v.valid_claims
    assert list(c["row"]) == [3, 4, 5]
    assert list(c["value"]) == [3000, 650, 500_000]
    assert list(c["programme"]) == ["volunteering", "space_renewal", "charity"]
    assert list(c["status"]) == ["achieved", "planned", "achieved"]
