"""The messy-sheet corpus (tests/messy_sheets.py): every layout a street office makes, in .xlsx,
.xls, .ods and GBK .csv, read with the guessed mapping (nothing chosen by hand) and compared
with the claims and problems it must give. Also: a sheet reaching XFD1048576 is refused, and
in a child process a reader that runs out of memory leaves the caller running."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from loaders.errors import LoaderError
from loaders.sheets import (ERROR, guess_mapping, read_sheet, read_sheets, read_sheets_isolated,
                            validate)
from tests.messy_sheets import CASES, build

PARAMS = [(c, f) for c in CASES for f in c.formats]


def _claims(result) -> list[tuple]:
    c = result.valid_claims[["row", "district", "street", "community", "value", "unit",
                             "qualifier", "period"]].astype(object)
    c = c.where(c.notna(), None)
    return [(int(r), d, s, m, round(float(v), 2), u, q, p) for r, d, s, m, v, u, q, p in
            c.itertuples(index=False)]


@pytest.mark.parametrize("case, fmt", PARAMS, ids=[f"{c.name}.{f}" for c, f in PARAMS])
def test_messy_sheet_imports_right(case, fmt):
    sheets = read_sheets(build(case, fmt), f"{case.name}.{fmt}")
    assert len(sheets) == len(case.sheets) if fmt != "csv" else len(sheets) == 1
    got, problems = [], []
    for sheet in sheets:
        result = validate(sheet, guess_mapping(sheet.headers))
        got += _claims(result)
        problems += [(int(r), q, lvl) for r, q, lvl in
                     zip(result.problems["行"], result.problems["问题"], result.problems["级别"])]
    want = [(r, d, s, c, float(v), u, q, p) for r, d, s, c, v, u, q, p in case.claims]
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for row, words, level in case.problems:
        assert any(r == row and words in q and lvl == level for r, q, lvl in problems), \
            (row, words, problems)
    expected_errors = {r for r, _, lvl in case.problems if lvl == ERROR}
    assert {r for r, _, lvl in problems if lvl == ERROR} == expected_errors, problems


def test_two_row_header_is_read_as_one_header_with_groups():
    case = next(c for c in CASES if c.name == "两行表头")
    sheet = read_sheet(build(case, "xlsx"), "活动.xlsx")
    assert sheet.header_rows == (2, 3) and sheet.row_numbers == [4, 5]
    assert sheet.headers == ("区县", "街道", "社区", "活动名称", "场次", "参与人次")
    assert sheet.groups[3:] == ("活动开展情况",) * 3
    assert sheet.context == {"district": "彭州市", "street": "天彭街道", "period": "2025"}
    assert guess_mapping(sheet.headers) == {"区县": "district", "街道": "street", "社区": "community",
                                            "场次": "value", "参与人次": "value"}


def test_title_place_is_named_in_the_evidence():
    case = next(c for c in CASES if c.name == "表题地点")
    sheet = read_sheet(build(case, "xlsx"), "社区.xlsx")
    result = validate(sheet, guess_mapping(sheet.headers))
    assert all("表题：2025年天彭街道社区活动统计表" in e for e in result.valid_claims["evidence"])


def test_user_overrides_unit_and_object_of_a_column():
    case = next(c for c in CASES if c.name == "表头单位")
    sheet = read_sheet(build(case, "xlsx"), "资金.xlsx")
    mapping = guess_mapping(sheet.headers)
    result = validate(sheet, mapping, overrides={"投入资金（万元）": {"unit": "元", "object": "社区基金"}})
    money = result.valid_claims[result.valid_claims["unit"] == "yuan"]
    assert list(money["value"]) == [50, 12.5] and set(money["object"]) == {"社区基金"}


# --------------------------------------------------------------------------- far cells

def _far(cell: str, dimension: bool = True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "社区"
    ws[cell] = 1
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if dimension:
        return data
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            part = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                part = re.sub(rb"<dimension[^>]*/>", b"", part)
            z.writestr(info, part)
    return out.getvalue()


@pytest.mark.parametrize("cell", ["XFD1048576", "ALL1048576", "Z1048576", "A300000"])
def test_sheet_reaching_far_cells_is_refused_before_loading(cell):
    data = _far(cell)
    assert len(data) < 6000
    with pytest.raises(LoaderError) as err:
        read_sheet(data, "far.xlsx")
    assert f"一直到 {cell}" in str(err.value) and "Ctrl+End" in str(err.value)


def test_reader_out_of_memory_in_child_leaves_the_caller_running():
    # no <dimension>: the extent is only known once python-calamine allocates it, which aborts a
    # process; in the child (1 GB limit) that is the child only, and the caller gets Chinese
    with pytest.raises(LoaderError) as err:
        read_sheets_isolated(_far("XFD1048576", dimension=False), "far.xlsx", max_mb=1024)
    assert "内存上限" in str(err.value) and "XFD1048576" in str(err.value)
    case = next(c for c in CASES if c.name == "两行表头")
    sheets = read_sheets_isolated(build(case, "xls"), "活动.xls")     # and the next file reads
    assert sheets[0].headers[-1] == "参与人次" and sheets[0].context["street"] == "天彭街道"


def test_refusal_in_child_keeps_its_message():
    with pytest.raises(LoaderError) as err:
        read_sheets_isolated(b"%PDF-1.4 xxxx", "表.xls")
    assert str(err.value).startswith("表.xls：扩展名是 .xls，但内容不是 Excel 表格（实际是PDF 文件）")


def test_sheet_row_repeating_an_articles_figure_names_the_article():
    from loaders.pipeline import extract_document, tables_of
    from loaders.readers import read_bytes
    text = "彭州市天彭街道天府中路社区今年开展邻里读书会12场，服务居民3000余人次。"
    doc = read_bytes(text.encode(), "天府中路社区简报.txt")
    known = tables_of([(doc, extract_document(doc))], "a1")["claims"]
    case = next(c for c in CASES if c.name == "合计行")
    sheet = read_sheet(build(case, "xlsx"), "服务.xlsx")
    result = validate(sheet, guess_mapping(sheet.headers), known=known)
    dup = result.problems[result.problems["级别"] == "重复"]
    assert list(dup["行"]) == [2]
    assert dup["问题"].iloc[0] == "与《天府中路社区简报.txt》中的 3000余人次 重复"
    assert list(result.valid_claims["row"]) == [3]          # the repeat is held back by default
    assert list(result.held["row"]) == [2]


def test_command_line_imports_every_sheet_of_a_workbook(tmp_path, capsys):
    from loaders.cli import main
    from loaders.store import load_tables
    case = next(c for c in CASES if c.name == "多个工作表")
    path = tmp_path / "两个街道.ods"
    path.write_bytes(build(case, "ods"))
    assert main(["import", str(path), "--data", str(tmp_path / "store")]) == 0
    claims = load_tables(tmp_path / "store").claims
    assert sorted(claims["community"]) == ["天府中路社区", "致和社区"]
    assert load_tables(tmp_path / "store").documents["title"].iloc[0] == "天彭街道、致和街道"


def test_workbook_with_a_notes_sheet_and_an_empty_sheet_reads_the_table():
    from tests.messy_sheets import write_xlsx
    data = write_xlsx([
        ("填表须知", [["说明", "各社区按月填报"], ["联系人", "张三"]], []),
        ("空表", [["街道", "社区", "参与人次"]], []),
        ("数据", [["街道", "社区", "参与人次"], ["天彭街道", "北街社区", 30]], []),
    ])
    sheets = read_sheets(data, "三张表.xlsx")
    assert [s.sheet_name for s in sheets] == ["数据"]
    with pytest.raises(LoaderError, match="只有表头"):
        read_sheets(write_xlsx([("空表", [["街道", "社区", "参与人次"]], [])]), "空.xlsx")
