"""A corpus of organisers' own spreadsheets, laid out as street offices really make them, each
in .xlsx (openpyxl), .xls (xlwt), .ods (odfpy) and GBK .csv, with the claims it must give.

    .venv/bin/python -m tests.messy_sheets OUTDIR      # writes every case in every format

tests/test_messy_sheets.py builds the same files in a temporary folder, reads each through
loaders.sheets (guessed mapping, nothing chosen by hand) and compares with `claims` and
`problems` below. A case: sheets of (name, rows, merges), merges as (row0, col0, row1, col1)
0-based inclusive; expected claims as (row, district, street, community, value, unit,
qualifier, period); expected problems as (row, a few words of 问题, 级别)."""
from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("xlsx", "xls", "ods", "csv")


@dataclass
class Case:
    name: str
    sheets: list                    # [(sheet name, rows, merges)]
    claims: list                    # expected (row, district, street, community, value, unit, qualifier, period)
    problems: list = field(default_factory=list)   # expected (row, words in 问题, 级别)
    formats: tuple = FORMATS


TITLE = "2025年天彭街道社区活动统计表"
P, T = "彭州市", "天彭街道"

CASES = [
    Case("合计行", [("服务统计", [
        ["区县", "街道", "社区", "服务人次"],
        [P, T, "天府中路社区", "3000余人次"],
        [P, T, "北街社区", "1700人次"],
        ["合计", None, None, "4700余人次"],
    ], [])], [
        (2, P, T, "天府中路社区", 3000, "person_time", "at_least", None),
        (3, P, T, "北街社区", 1700, "person_time", "exact", None),
    ], [(4, "合计行，不作为数据导入（与明细行之和一致）", "提醒")]),

    Case("合计不符", [("服务统计", [
        ["区县", "街道", "社区", "服务人次"],
        [P, T, "天府中路社区", 3000],
        [P, T, "北街社区", 1700],
        [None, "合  计", None, 5000],
    ], [])], [
        (2, P, T, "天府中路社区", 3000, "person_time", "exact", None),
        (3, P, T, "北街社区", 1700, "person_time", "exact", None),
    ], [(4, "合计行与明细行之和不一致：合计 5000人次，明细相加为 4,700人次", "提醒")]),

    Case("小计与合计", [("分街道", [
        ["区县", "街道", "社区", "场次"],
        [P, T, "天府中路社区", 12],
        [P, T, "北街社区", 8],
        [None, "小计", None, 20],
        [P, "致和街道", "致和社区", 5],
        [None, "小计", None, 6],
        ["总计", None, None, 25],
    ], [])], [
        (2, P, T, "天府中路社区", 12, "event", "exact", None),
        (3, P, T, "北街社区", 8, "event", "exact", None),
        (5, P, "致和街道", "致和社区", 5, "event", "exact", None),
    ], [(4, "小计行，不作为数据导入", "提醒"), (6, "小计行与上一个小计以来的明细行之和不一致", "提醒"),
        (7, "合计行，不作为数据导入（与明细行之和一致）", "提醒")]),

    Case("两行表头", [("活动", [
        [TITLE, None, None, None, None, None],
        ["区县", "街道", "社区", "活动开展情况", None, None],
        [None, None, None, "活动名称", "场次", "参与人次"],
        [P, T, "天府中路社区", "邻里读书会", 12, "3000余"],
        [P, T, "北街社区", "长者课堂", 6, "约500"],
    ], [(0, 0, 0, 5), (1, 3, 1, 5), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 2, 2)])], [
        (4, P, T, "天府中路社区", 12, "event", "exact", "2025"),
        (4, P, T, "天府中路社区", 3000, "person_time", "at_least", "2025"),
        (5, P, T, "北街社区", 6, "event", "exact", "2025"),
        (5, P, T, "北街社区", 500, "person_time", "approx", "2025"),
    ]),

    Case("表头单位", [("资金", [
        ["街道", "社区", "志愿服务人次", "投入资金（万元）", "改造面积（㎡）"],
        [T, "天府中路社区", "１２００", 50, 650],
        [T, "北街社区", "约500", "12.5", None],
    ], [])], [
        (2, P, T, "天府中路社区", 1200, "person_time", "exact", None),
        (2, P, T, "天府中路社区", 500000, "yuan", "exact", None),
        (2, P, T, "天府中路社区", 650, "m2", "exact", None),
        (3, P, T, "北街社区", 500, "person_time", "approx", None),
        (3, P, T, "北街社区", 125000, "yuan", "exact", None),
    ]),

    Case("表题地点", [("社区", [
        [TITLE],
        ["社区", "服务人次", "投入资金（万元）"],
        ["天府中路社区", "3000余", 100],
        ["北街社区", 800, 50],
    ], [(0, 0, 0, 2)])], [
        (3, P, T, "天府中路社区", 3000, "person_time", "at_least", "2025"),
        (3, P, T, "天府中路社区", 1000000, "yuan", "exact", "2025"),
        (4, P, T, "北街社区", 800, "person_time", "exact", "2025"),
        (4, P, T, "北街社区", 500000, "yuan", "exact", "2025"),
    ]),

    Case("空行与说明", [("明细", [
        ["彭州市天彭街道2025年一季度服务情况（单位：人次）"],
        [],
        ["序号", "社区", "服务人次"],
        [1, "天府中路社区", 300],
        [],
        [2, "北街社区", 200],
        ["注：数据由各社区填报，截至2025年3月31日。"],
        ["填表人：张三", None, "审核人：李四"],
    ], [])], [
        (4, P, T, "天府中路社区", 300, "person_time", "exact", "2025"),
        (6, P, T, "北街社区", 200, "person_time", "exact", "2025"),
    ], [(7, "说明或备注行", "提醒"), (8, "说明或备注行", "提醒")]),

    Case("数量在别列", [("上报", [
        ["区县", "街道", "社区名称", "数量", "单位", "人数"],
        ["锦江区", "东湖街道", "东怡社区", "120", "人", None],
        ["锦江区", "东湖街道", "东怡社区", None, None, 30],
    ], [])], [
        (2, "锦江区", "东湖街道", "东怡社区", 120, "person", "exact", None),
        (3, "锦江区", "东湖街道", "东怡社区", 30, "person", "exact", None),
    ]),

    Case("数量在未选列", [("上报", [
        ["区县", "街道", "社区名称", "数量", "单位", "其他"],
        ["锦江区", "东湖街道", "东怡社区", "120", "人", None],
        ["锦江区", "东湖街道", "东怡社区", None, None, 45],
    ], [])], [
        (2, "锦江区", "东湖街道", "东怡社区", 120, "person", "exact", None),
    ], [(3, "“数量”列是空的，但“其他”列有数字", "错误")]),

    Case("多个工作表", [
        ("天彭街道", [["街道", "社区", "参与人次"], [T, "天府中路社区", 100]], []),
        ("致和街道", [["街道", "社区", "参与人次"], ["致和街道", "致和社区", 200]], []),
    ], [
        (2, P, T, "天府中路社区", 100, "person_time", "exact", None),
        (2, P, "致和街道", "致和社区", 200, "person_time", "exact", None),
    ], formats=("xlsx", "xls", "ods")),
]


# --------------------------------------------------------------------------- writers

def _covered(merges):
    out = set()
    for r0, c0, r1, c1 in merges:
        out |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    return out


def write_xlsx(sheets) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, merges in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        for r0, c0, r1, c1 in merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xls(sheets) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows, merges in sheets:
        ws = wb.add_sheet(name)
        starts = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        covered = _covered(merges)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in covered:
                    continue
                if (r, c) in starts:
                    r1, c1 = starts[r, c]
                    ws.write_merge(r, r1, c, c1, "" if v is None else v)
                elif v is not None:
                    ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_ods(sheets) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P as Para
    doc = OpenDocumentSpreadsheet()
    for name, rows, merges in sheets:
        table = Table(name=name)
        starts = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        covered = _covered(merges)
        width = max((len(r) for r in rows), default=0)
        for r, row in enumerate(rows):
            tr = TableRow()
            row = list(row) + [None] * (width - len(row))
            for c, v in enumerate(row):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                attrs = {}
                if (r, c) in starts:
                    r1, c1 = starts[r, c]
                    attrs = {"numberrowsspanned": r1 - r + 1, "numbercolumnsspanned": c1 - c + 1}
                if v is None:
                    cell = TableCell(**attrs)
                elif isinstance(v, (int, float)):
                    cell = TableCell(valuetype="float", value=v, **attrs)
                    cell.addElement(Para(text=str(v)))
                else:
                    cell = TableCell(valuetype="string", **attrs)
                    cell.addElement(Para(text=str(v)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def write_csv(sheets) -> bytes:
    """The first sheet as a GBK CSV, as Excel's “CSV（逗号分隔）” saves it on a Chinese Windows:
    merged cells keep their text in the first cell only."""
    name, rows, merges = sheets[0]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("gbk")


WRITERS = {"xlsx": write_xlsx, "xls": write_xls, "ods": write_ods, "csv": write_csv}


def build(case: Case, fmt: str) -> bytes:
    return WRITERS[fmt](case.sheets)


def main(argv=None) -> int:
    out = Path((argv or sys.argv[1:] or ["messy-sheets"])[0])
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        for fmt in case.formats:
            (out / f"{case.name}.{fmt}").write_bytes(build(case, fmt))
    print(f"{sum(len(c.formats) for c in CASES)} files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
