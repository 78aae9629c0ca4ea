"""Spreadsheet uploads: reading (.xlsx/.csv), header synonyms, value cells, every validation rule,
and the corpus of bad files. All fixture files are generated here, in tmp_path or in memory."""
from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from loaders.errors import LoaderError
from loaders.schema import check_frame
from loaders.sheets import (ERROR, NOTE, PROBLEM_COLUMNS, Sheet, apply_duplicate_choices,
                            guess_mapping, header_unit,
                            problems_xlsx, read_sheet, sheet_tables, validate)
from loaders.store import commit_batch, load_tables
from tests.reference_validate import reference_validate

HEADERS = ["区县", "街道", "社区名称", "指标", "数量", "单位", "项目类型", "状态", "年份", "备注"]
GOOD = ["锦江区", "东湖街道", "东怡社区", "服务人次", "3000余", "人次", "志愿服务", "已完成", 2024, "台账"]
CJK = re.compile("[\u4e00-\u9fff]")


def xlsx_bytes(rows, *, title=None, sheet="数据") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def check(rows, *, headers=HEADERS, known=None):
    sheet = read_sheet(xlsx_bytes([headers, *rows]), "上报.xlsx")
    return sheet, validate(sheet, guess_mapping(sheet.headers), known=known)


def row_with(**changes):
    row = dict(zip(HEADERS, GOOD))
    row.update(changes)
    return [row[h] for h in HEADERS]


# --------------------------------------------------------------------------- header synonyms

@pytest.mark.parametrize("header, field", [
    ("社区名称", "community"), ("社区", "community"), ("村(社区)", "community"), ("村（社区）", "community"),
    ("所属社区", "community"), ("街道", "street"), ("镇(街道)", "street"), ("镇（街道）", "street"),
    ("所属街道", "street"), ("区县", "district"), ("区(市)县", "district"), ("区（市）县", "district"),
    ("数量", "value"), ("数值", "value"), ("数据", "value"), ("数量（人次）", "value"), (" 数 量 ", "value"),
    ("*数量", "value"), ("单位", "unit"), ("指标", "object"), ("事项", "object"), ("内容", "object"),
    ("对象", "object"), ("项目类型", "programme"), ("类别", "programme"), ("状态", "status"),
    ("时间", "period"), ("年份", "period"), ("备注", "evidence"), ("说明", "evidence"),
    ("数据来源", "evidence"), ("value", "value"), ("序号", None), ("联系电话", None),
])
def test_header_synonyms(header, field):
    assert guess_mapping([header]).get(header) == field


def test_mapping_takes_first_column_per_field_and_ignores_unknown():
    m = guess_mapping(["序号", "社区", "社区名称", "数量", "联系人"])
    assert m == {"社区": "community", "数量": "value"}


def test_unit_in_header_bracket_is_used():
    assert header_unit("数量（人次）") == "人次"
    assert header_unit("数量") == ""
    _, v = check([["锦江区", "东湖街道", "东怡社区", 1200]], headers=["区县", "街道", "社区", "数量（户）"])
    assert v.ok, v.problems
    assert v.valid_claims.loc[0, "unit"] == "household"


def test_title_line_above_header_and_excel_row_numbers():
    data = xlsx_bytes([HEADERS, GOOD, [None] * 10, row_with(数量="650", 单位="平方米")],
                      title="2024年三季度社区数据统计表")
    sheet = read_sheet(data, "x.xlsx")
    assert sheet.header_row == 2
    assert sheet.row_numbers == [3, 5]          # the empty row 4 is skipped silently
    v = validate(sheet, guess_mapping(sheet.headers))
    assert v.ok and list(v.valid_claims["row"]) == [3, 5]
    assert v.problems.empty


def test_user_corrected_mapping():
    headers = ["地点", "街", "社", "多少", "计量"]
    sheet = read_sheet(xlsx_bytes([headers, ["锦江区", "东湖街道", "东怡社区", "12", "场"]]), "x.xlsx")
    v = validate(sheet, guess_mapping(sheet.headers))
    assert not v.ok and "数量" in v.problems.loc[0, "问题"]
    mapping = {"地点": "district", "街": "street", "社": "community", "多少": "value", "计量": "unit"}
    v = validate(sheet, mapping)
    assert v.ok and v.valid_claims.loc[0, "unit"] == "event"


# --------------------------------------------------------------------------- value cells

@pytest.mark.parametrize("value, unit, expected, canonical, qualifier", [
    ("650㎡", None, 650, "m2", "exact"),
    ("650", "平方米", 650, "m2", "exact"),
    (650, "平方米", 650, "m2", "exact"),
    ("50万元", None, 500_000, "yuan", "exact"),
    (50, "万元", 500_000, "yuan", "exact"),
    ("3000余人次", None, 3000, "person_time", "at_least"),
    ("3000余", "人次", 3000, "person_time", "at_least"),
    ("1,200", "人", 1200, "person", "exact"),
    ("１２００", "户", 1200, "household", "exact"),
    (1200.0, "户", 1200, "household", "exact"),
    (2.5, "万元", 25_000, "yuan", "exact"),
    ("约200", "人", 200, "person", "approx"),
    ("35%", None, 35, "percent", "exact"),
])
def test_value_cells(value, unit, expected, canonical, qualifier):
    _, v = check([row_with(数量=value, 单位=unit)])
    assert v.ok, v.problems.to_string()
    c = v.valid_claims.iloc[0]
    assert (c["value"], c["unit"], c["qualifier"]) == (expected, canonical, qualifier)


def test_valid_claims_conform_to_schema():
    sheet, v = check([GOOD, row_with(数量="650", 单位="平方米", 状态="计划", 项目类型="elderly")])
    check_frame("claims", v.valid_claims)
    c = v.valid_claims
    assert set(c["source_type"]) == {"sheet"} and set(c["doc"]) == {"上报.xlsx"}
    assert list(c["status"]) == ["achieved", "planned"]
    assert list(c["programme"]) == ["volunteering", "elderly"]
    assert list(c["text"]) == ["3000余人次", "650平方米"]
    assert c["claim_id"].is_unique


def test_formulas_are_not_evaluated():
    # openpyxl writes no cached result: the cell reads as empty, never as the computed 2.
    _, v = check([row_with(数量="=1+1")])
    assert not v.ok and v.problems.loc[0, "问题"] == "数量为空"


# --------------------------------------------------------------------------- validation rules

@pytest.mark.parametrize("changes, column, problem, level", [
    ({"区县": "锦红区"}, "区县", "不认识这个区县名称", ERROR),
    ({"街道": "东湖街"}, "街道", "不认识这个街道（镇）名称", ERROR),
    ({"街道": "天彭街道"}, "街道", "天彭街道不属于锦江区（它属于彭州市）", ERROR),
    ({"数量": None}, "数量", "数量为空", ERROR),
    ({"数量": "很多"}, "数量", "无法识别为数量", ERROR),
    ({"数量": "1200", "单位": None}, "数量", "缺少单位", ERROR),
    ({"数量": "1200", "单位": "吨位"}, "单位", "无法识别这个单位", ERROR),
    ({"数量": "650㎡", "单位": "元"}, "单位", "数量“650㎡”自带单位，与单位列“元”不一致", ERROR),
    ({"项目类型": "养鸡"}, "项目类型", "不认识这个项目类型", ERROR),
    ({"状态": "也许"}, "状态", "不认识这个状态", ERROR),
    ({"年份": "去年"}, "年份", "无法识别年份", ERROR),
    ({"区县": None, "街道": None, "社区名称": None}, "区县、街道、社区名称", "没有填写地点", ERROR),
    ({"社区名称": "东怡"}, "社区名称", "社区名称不完整", NOTE),
])
def test_each_rule(changes, column, problem, level):
    _, v = check([GOOD, row_with(**changes)])
    p = v.problems
    assert list(p.columns) == list(PROBLEM_COLUMNS)
    assert len(p) == 1, p.to_string()
    got = p.iloc[0]
    assert (got["行"], got["列"], got["问题"], got["级别"]) == (3, column, problem, level)
    assert CJK.search(got["建议"])
    assert len(v.valid_claims) == (2 if level == NOTE else 1)


def test_nearest_matches_are_suggested():
    _, v = check([row_with(区县="锦红区"), row_with(街道="东湖接道")])
    assert "锦江区" in v.problems.loc[0, "建议"]
    assert "东湖街道" in v.problems.loc[1, "建议"]


@pytest.mark.parametrize("changes, district, street", [
    ({"区县": "锦江"}, "锦江区", "东湖街道"),
    ({"区县": "成都市锦江区"}, "锦江区", "东湖街道"),
    ({"街道": "东湖"}, "锦江区", "东湖街道"),
    ({"区县": None}, "锦江区", "东湖街道"),        # the district follows from the street
])
def test_place_forms_are_normalised(changes, district, street):
    _, v = check([row_with(**changes)])
    assert v.ok, v.problems.to_string()
    assert (v.valid_claims.loc[0, "district"], v.valid_claims.loc[0, "street"]) == (district, street)


@pytest.mark.parametrize("status, expected", [
    ("已完成", "achieved"), ("achieved", "achieved"), ("计划", "planned"), ("planned", "planned"),
    ("Planned", "planned"), (None, "achieved"),
])
def test_status_values(status, expected):
    _, v = check([row_with(状态=status)])
    assert v.ok and v.valid_claims.loc[0, "status"] == expected


@pytest.mark.parametrize("programme, code", [
    ("elderly", "elderly"), ("养老服务", "elderly"), ("ELDERLY", "elderly"), ("志愿服务", "volunteering"),
])
def test_programme_code_or_label(programme, code):
    _, v = check([row_with(项目类型=programme)])
    assert v.ok and v.valid_claims.loc[0, "programme"] == code


def test_programme_left_empty_is_classified():
    _, v = check([row_with(项目类型=None, 指标="助餐服务老人人次")])
    assert v.ok and v.valid_claims.loc[0, "programme"] == "elderly"


@pytest.mark.parametrize("period, expected", [
    (2024, "2024"), ("2024年", "2024"), ("2024年第三季度", "2024"), ("2024-09", "2024"), (None, None),
])
def test_period_values(period, expected):
    _, v = check([row_with(年份=period)])
    assert v.ok
    got = v.valid_claims.loc[0, "period"]
    assert (None if pd.isna(got) else got) == expected


def test_community_near_existing_data_is_a_note():
    _, first = check([GOOD])
    _, v = check([row_with(社区名称="东恰社区", 数量="5", 单位="场")], known=first.valid_claims)
    assert v.ok and v.problems.loc[0, "级别"] == NOTE and "东怡社区" in v.problems.loc[0, "建议"]


def test_community_suggestions_stay_in_the_rows_district_first():
    """培华路社区 in 成华区 is offered the close names of 成华区, not 天府中路社区 in 彭州市."""
    _, stored = check([row_with(区县="彭州市", 街道="天彭街道", 社区名称="天府中路社区"),
                       row_with(区县="成华区", 街道="府青路街道", 社区名称="培华东路社区")])
    _, v = check([row_with(区县="成华区", 街道="府青路街道", 社区名称="培华路社区")],
                 known=stored.valid_claims)
    assert v.problems.loc[0, "建议"].startswith("是否应为：培华东路社区？")
    assert "天府中路社区" not in v.problems.loc[0, "建议"]
    # with nothing close in its district, the whole city is searched
    _, v = check([row_with(区县="锦江区", 街道="东湖街道", 社区名称="天府中路")],
                 known=stored.valid_claims)
    assert "天府中路社区" in v.problems.loc[0, "问题"] + v.problems.loc[0, "建议"]


def test_two_columns_for_one_field_name_the_column_not_the_field_code():
    sheet = read_sheet(xlsx_bytes([HEADERS + ["所在社区"], GOOD + ["望平社区"]]), "t.xlsx")
    mapping = {**guess_mapping(sheet.headers), "所在社区": "community"}
    v = validate(sheet, mapping)
    note = v.problems[v.problems["问题"].str.contains("两列都对应")]
    assert list(note["值"]) == ["所在社区"]


def test_two_quantity_columns_both_become_claims():
    # every quantity column is read (issue 12): a second 数量 column is no conflict
    sheet = read_sheet(xlsx_bytes([HEADERS + ["件数"], GOOD + ["5"]]), "t.xlsx")
    v = validate(sheet, {**guess_mapping(sheet.headers), "件数": "value"})
    assert not v.problems["问题"].str.contains("两列都对应").any()
    assert len(v.valid_claims) == 2


def test_duplicates_within_the_file():
    _, v = check([GOOD, GOOD])
    assert len(v.valid_claims) == 1
    assert v.problems.loc[0, "问题"] == "与本表第 2 行重复" and v.problems.loc[0, "行"] == 3


def test_duplicates_of_stored_data(tmp_path):
    sheet, v = check([GOOD, row_with(数量="650", 单位="平方米")])
    commit_batch("b1", sheet_tables(sheet, v, "b1"), {"kind": "sheet", "file": sheet.name}, tmp_path)
    stored = load_tables(tmp_path)
    assert list(stored.claims["row"]) == [2, 3] and set(stored.documents["source_type"]) == {"sheet"}
    _, again = check([GOOD, row_with(数量="650", 单位="平方米"), row_with(数量="651", 单位="平方米")],
                     known=stored.claims)
    assert list(again.problems["行"]) == [2, 3]
    assert set(again.problems["级别"]) == {"重复"}
    assert list(again.problems["问题"]) == ["与《上报.xlsx》中的 3000余人次 重复",
                                          "与《上报.xlsx》中的 650平方米 重复"]
    assert list(again.valid_claims["value"]) == [651]          # repeats held back by default
    assert list(again.duplicates["stored_id"]) == list(stored.claims["claim_id"])
    ids = list(again.duplicates["claim_id"])
    kept = apply_duplicate_choices(again, {ids[0]: "keep", ids[1]: "replace"})
    assert list(kept.valid_claims["row"]) == [2, 3, 4]
    assert kept.replaces == [stored.claims["claim_id"].iloc[1]]
    assert list(apply_duplicate_choices(again, {ids[0]: "skip"}).valid_claims["row"]) == [4]


def test_missing_value_column_is_one_header_problem():
    _, v = check([["锦江区", "东湖街道", "东怡社区"]], headers=["区县", "街道", "社区名称"])
    assert len(v.problems) == 1 and v.problems.loc[0, "行"] == 1 and v.valid_claims.empty


def test_problem_table_downloads_as_xlsx():
    _, v = check([row_with(区县="锦红区")])
    wb = openpyxl.load_workbook(io.BytesIO(problems_xlsx(v.problems)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == PROBLEM_COLUMNS and rows[1][0] == 2


# --------------------------------------------------------------------------- csv

def csv_text(rows) -> str:
    return "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
])
def test_csv_encodings(tmp_path, encoding, expected):
    path = tmp_path / "上报.csv"
    path.write_bytes(csv_text([HEADERS, GOOD, [""] * 10, row_with(数量="650", 单位="平方米")]).encode(encoding))
    sheet = read_sheet(path)
    assert sheet.encoding == expected and sheet.headers == tuple(HEADERS)
    assert sheet.row_numbers == [2, 4]
    v = validate(sheet, guess_mapping(sheet.headers))
    assert v.ok and list(v.valid_claims["community"]) == ["东怡社区"] * 2


def test_csv_with_tabs_and_quoted_thousands():
    text = "社区\t数量\t单位\n东怡社区\t\"1,200\"\t人\n"
    sheet = read_sheet(text.encode(), "x.csv")
    v = validate(sheet, guess_mapping(sheet.headers))
    assert v.ok and v.valid_claims.loc[0, "value"] == 1200


# --------------------------------------------------------------------------- bad files

def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _bad_corpus():
    good = xlsx_bytes([HEADERS, GOOD])
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    return [
        ("empty.xlsx", b"", {}, "空的"),
        ("empty.csv", b"", {}, "空的"),
        ("blank.csv", b"  \n\n ", {}, "没有数据"),
        ("big.xlsx", good, {"max_bytes": 1000}, "太大"),
        ("rows.xlsx", xlsx_bytes([HEADERS] + [GOOD] * 6), {"max_rows": 5}, "上限"),
        ("rows.csv", csv_text([HEADERS] + [GOOD] * 6).encode(), {"max_rows": 5}, "上限"),
        ("truncated.xlsx", good[: len(good) // 2], {}, "损坏"),
        ("garbage-zip.xlsx", b"PK\x03\x04" + b"\x00\xff" * 300, {}, "损坏"),
        ("broken-parts.xlsx", _zip({"xl/workbook.xml": "<not xml", "[Content_Types].xml": "x"}), {}, "损坏"),
        ("locked.xlsx", ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100, {}, "密码"),
        ("old.xlsx", ole, {}, ".xls"),
        ("text.xlsx", csv_text([HEADERS, GOOD]).encode(), {}, "不是 Excel 表格"),
        ("paper.xlsx", b"%PDF-1.4\n" + b"x" * 100, {}, "PDF"),
        ("letter.xlsx", _zip({"word/document.xml": "<w/>", "[Content_Types].xml": "x"}), {}, "Word"),
        ("nothing.xlsx", xlsx_bytes([]), {}, "没有数据"),
        ("header-only.xlsx", xlsx_bytes([HEADERS]), {}, "只有表头"),
        ("book.csv", good, {}, ".xlsx"),
        ("wide.csv", "社区,数量\n东怡社区,5个,多余\n".encode(), {}, "超出了表头"),
        ("utf16.csv", "社区,数量\n".encode("utf-16"), {}, "UTF-16"),
        ("binary.csv", b"a,b\n\x00\x01\x02", {}, "二进制"),
        ("html.xls", b"<html><table><tr><td>1</td></tr></table></html>", {}, "网页"),
        ("broken.xls", ole + b"\x00" * 600, {}, "损坏"),
        ("text.ods", csv_text([HEADERS, GOOD]).encode(), {}, ".csv"),
        ("macro.xlsm", good, {}, "另存为"),
        ("notes.txt", b"abc", {}, "不支持"),
    ]


@pytest.mark.parametrize("name, data, limits, words", _bad_corpus(), ids=[c[0] for c in _bad_corpus()])
def test_bad_files_are_refused_with_a_chinese_message(name, data, limits, words):
    with pytest.raises(LoaderError) as err:
        read_sheet(data, name, **limits)
    message = str(err.value)
    assert words in message and CJK.search(message)
    assert "请" in message            # says what to do


def test_missing_and_oversized_paths(tmp_path):
    with pytest.raises(LoaderError, match="不存在"):
        read_sheet(tmp_path / "nope.xlsx")
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(LoaderError, match="太大"):
        read_sheet(path, max_bytes=1000)


def test_bad_files_leave_the_store_unchanged(tmp_path):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for name, data, limits, _ in _bad_corpus():
        with pytest.raises(LoaderError):
            read_sheet(data, name, **limits)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_macros_and_other_sheets_are_ignored():
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这里是说明"])
    ws = wb.create_sheet("数据")
    ws.append(HEADERS)
    ws.append(GOOD)
    buf = io.BytesIO()
    wb.save(buf)
    sheet = read_sheet(buf.getvalue(), "x.xlsx")
    assert sheet.sheet_name == "数据" and len(sheet.rows) == 1


# --------------------------------------------------------------------------- speed smoke test

def test_large_sheet_smoke(tmp_path):
    """Reads and validates 20 000 rows; the timing target is the benchmark's job, not asserted here."""
    n = 20_000
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(HEADERS)
    for i in range(n):
        ws.append(["锦江区", "东湖街道", f"社区{i % 50}社区", f"指标{i}", str(i + 1), "人次",
                   "志愿服务", "已完成", 2024, None])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    sheet = read_sheet(path)
    v = validate(sheet, guess_mapping(sheet.headers))
    assert len(v.valid_claims) == n and v.problems.empty


# --------------------------------------------------------------------------- fast = slow reference

# Candidate cells per column, bad ones included, so that random rows reach every rule and every
# cache of the fast validate (tests/reference_validate.py is the row-by-row original).
CELLS = {
    "区县": ["锦江区", "锦江", "成都市锦江区", "武侯区", "锦红区", "彭州市", None, "  ", 7],
    "街道": ["东湖街道", "东湖", "天彭街道", "玉林街道", "东湖接道", "书院街街道办事处", None],
    "社区名称": ["东怡社区", "东怡", "东恰社区", "玉林东路社区", "新村", "某某", None, "培华路社区"],
    "指标": ["服务人次", "活动", "项目", "企业", "助餐服务老人人次", "", None, "空间", "志愿服务队"],
    "数量": ["3000余", "650㎡", 650, 12.5, 2.0, "1,200", "约200", "35%", "很多", None, "5个", "3家",
             "50万元", "１２００", True, "3至5个", "近2.1万", 0.1],
    "单位": ["人次", "平方米", "元", "万元", "个", "家", "吨位", None, "户", "%"],
    "项目类型": ["志愿服务", "elderly", "ELDERLY", "养老", "养鸡", None, "文化服务", "x"],
    "状态": ["已完成", "计划", "Planned", "也许", None, "进行中"],
    "年份": [2024, 2024.0, "2024年", "2024-09", "去年", None, date(2023, 5, 1),
             datetime(2022, 1, 1), 1900, True, "2023至2024年"],
    "备注": [None, "台账", "示例行，导入时忽略", "", "来源：街道"],
}


def random_sheet(n: int, seed: int):
    rng = random.Random(seed)
    rows = [tuple(rng.choice(CELLS[h]) for h in HEADERS) for _ in range(n)]
    rows += rows[: n // 20]                      # exact repeats: duplicates within the file
    return Sheet("随机.xlsx", tuple(HEADERS), rows, list(range(3, len(rows) + 3)), 2,
                 f"{seed:064d}", "数据")


def _stored_claims():
    rows = [row_with(社区名称="玉林东路社区", 街道="玉林街道", 区县="武侯区"),
            row_with(社区名称="培华路社区", 街道="猛追湾街道", 区县="成华区", 数量="650"),
            row_with()]
    return check(rows)[1].valid_claims


@pytest.mark.parametrize("seed, known", [(1, False), (2, True), (3, True)])
def test_fast_validate_matches_the_slow_reference(seed, known):
    sheet = random_sheet(3000, seed)
    stored = _stored_claims() if known else None
    mapping = guess_mapping(sheet.headers)
    fast = validate(sheet, mapping, known=stored, batch_id="b")
    slow = reference_validate(sheet, mapping, known=stored, batch_id="b")
    assert set(fast.problems["问题"]) >= {"无法识别为数量", "缺少单位", "不认识这个区县名称",
                                          "这是模板的示例行，已忽略", "无法识别年份"}
    assert len(fast.valid_claims) > 50
    # The reference refused a repeat of a stored row (same place, value, unit, year and 指标) as
    # an error; now any repeat of a stored figure (place, value, unit, year) is held back for
    # the user's choice (级别 重复), the rest is unchanged.
    old_dup = slow.problems["问题"].str.startswith("与已导入的数据重复")
    dup_rows = set(slow.problems.loc[old_dup, "行"])
    assert dup_rows <= set(fast.duplicates["行"])
    pd.testing.assert_frame_equal(
        fast.problems[fast.problems["级别"] != "重复"].reset_index(drop=True),
        slow.problems[~old_dup].reset_index(drop=True))
    both = pd.concat([fast.valid_claims, fast.held], ignore_index=True) \
        if fast.held is not None else fast.valid_claims
    both = both[~both["row"].isin(dup_rows)].sort_values("row", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(both, slow.valid_claims)
    assert (fast.rows_read, fast.rows_skipped) == (slow.rows_read, slow.rows_skipped)


@pytest.mark.parametrize("obj, unit", [("活动", "event"), ("项目", "project"), ("企业", "organisation"),
                                       ("服务", "other")])
def test_generic_measure_word_follows_each_rows_object(obj, unit):
    # one 数量 cell "5个" in many rows: the cache must not hand one row's reading to another
    rows = [row_with(数量="5个", 单位=None, 指标=f"{o}{i}") for i, o in
            enumerate(["服务", "活动", "项目", "企业"] * 3)]
    _, v = check(rows)
    got = dict(zip(v.valid_claims["object"].str.rstrip("0123456789"), v.valid_claims["unit"]))
    assert got[obj] == unit
