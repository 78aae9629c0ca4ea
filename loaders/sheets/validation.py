"""Every row of a sheet checked under a column mapping: the valid rows as claims, the rest as
a problem table (行 / 列 / 值 / 问题 / 建议 / 级别) in Chinese."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from ..attribution import complete_places
from ..indicators import sheet_indicators
from ..schema import TABLES, conform, empty_frame
from .cells import (EXAMPLE_MARK, ERROR, FIELD_LABELS, FIELDS, NOTE, PROBLEM_COLUMNS, _cell_text,
                    _no_gc)
from .checks import _dup_key, _row_text, _RowRules
from .reading import Sheet


@dataclass
class Validation:
    valid_claims: pd.DataFrame      # conforms to schema 'claims'
    problems: pd.DataFrame          # PROBLEM_COLUMNS, sorted by row
    rows_read: int = 0              # non-empty data rows in the sheet
    rows_skipped: int = 0           # template example rows left in
    mapping: dict = field(default_factory=dict)

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["级别"] == ERROR]

    @property
    def ok(self) -> bool:
        return self.errors.empty


def validate(sheet: Sheet, mapping: dict[str, str], *, known: pd.DataFrame | None = None,
             batch_id: str = "") -> Validation:
    """Check every row of `sheet` under `mapping` (header → field; see guess_mapping).

    `known` is the stored claims (load_tables().claims) for the duplicate check and for name
    suggestions. A row with an 错误 is left out of `valid_claims`; a 提醒 row stays in."""
    with _no_gc():
        return _validate(sheet, mapping, known, batch_id)


def map_columns(sheet: Sheet, mapping: dict[str, str], problem) -> tuple[dict, dict]:
    """field → column index and field → header under `mapping`, reporting through `problem`
    the header-row problems (unknown fields, missing columns, two columns for one field, no
    value column, no place column)."""
    hr = sheet.header_row
    bad = {h: f for h, f in mapping.items() if f is not None and f not in FIELDS}
    for h, f in bad.items():
        problem(hr, h, f, f"“{f}”不是可以导入的字段", "请为这一列重新选择对应的字段，或选“不导入”。")
    col: dict[str, int] = {}
    header_of: dict[str, str] = {}
    for h, f in mapping.items():
        if f is None or f in bad.values() or h not in sheet.headers:
            if f is not None and h not in sheet.headers:
                problem(hr, h, "", "表头里没有这一列", "请重新选择列的对应关系。")
            continue
        if f in col:
            problem(hr, h, h, f"“{header_of[f]}”和“{h}”两列都对应{FIELD_LABELS[f]}，只采用第一列",
                    "请只保留一列对应该字段。", NOTE)
            continue
        col[f] = sheet.headers.index(h)
        header_of[f] = h
    if "value" not in col:
        problem(hr, "（表头）", "、".join(sheet.headers), "没有找到“数量”列",
                "请把数量所在列的表头改为“数量”（或在对应关系中选择“数量”），再重新上传。")
    if not ({"district", "street", "community"} & col.keys()):
        problem(hr, "（表头）", "、".join(sheet.headers), "没有找到区县、街道或社区列",
                "请至少有一列“区县”“街道”或“社区名称”，说明数据属于哪里。")
    return col, header_of


def _validate(sheet: Sheet, mapping: dict[str, str], known, batch_id: str) -> Validation:
    problems: list[tuple] = []

    def problem(row, col, value, what, todo, level=ERROR):
        problems.append((row, col, value, what, todo, level))

    hr = sheet.header_row
    col, header_of = map_columns(sheet, mapping, problem)
    if any(level == ERROR and row == hr and c == "（表头）" for row, c, *_, level in problems):
        return _result(problems, [], sheet, mapping, 0)

    rules = _RowRules(known, header_of)
    stored = set()
    if known is not None and len(known):
        k = known[["community", "street", "value", "unit", "period", "object"]].astype(object)
        k = k.where(k.notna(), None)
        place = [c or s for c, s in zip(k["community"], k["street"])]
        stored = set(map(_dup_key, place, k["value"], k["unit"], k["period"], k["object"]))
    seen_in_file: dict[tuple, int] = {}
    claims: list[tuple] = []
    id_prefix = hashlib.sha1(f"{sheet.sha256}|{sheet.sheet_name}|".encode())   # see _claim_id
    skipped = 0
    # Column by column first (one pass per mapped column), then row by row on the texts.
    n = len(sheet.rows)
    columns = list(zip(*sheet.rows)) if n else []
    raw_period = columns[col["period"]] if "period" in col else [None] * n
    # _cell_text, with its commonest cases (text, empty, whole number) inline
    text = {f: ([v.strip() if type(v) is str else "" if v is None else str(v) if type(v) is int
                 else _cell_text(v) for v in columns[col[f]]] if f in col else [""] * n)
            for f in FIELDS}
    vh = header_of.get("value")
    value_any = rules.value_any
    no_place = "、".join(header_of[f] for f in ("district", "street", "community") if f in header_of)

    districts, streets, communities = rules.district, rules.street, rules.community
    community_streets, programmes, statuses = rules.community_street, rules.programme, rules.status
    periods = rules.period
    for r, row, td, ts, tc, tv, tu, tobj, tp, tst, te, pv, tpe in zip(
            sheet.row_numbers, sheet.rows, text["district"], text["street"], text["community"],
            text["value"], text["unit"], text["object"], text["programme"], text["status"],
            text["evidence"], raw_period, text["period"]):
        if te.startswith(EXAMPLE_MARK):
            skipped += 1
            problem(r, header_of.get("evidence", ""), te, "这是模板的示例行，已忽略",
                    "可以删除这一行。", NOTE)
            continue
        n_before = len(problems)

        # Places
        district = street = community = None
        if td:
            district, found = districts[td]
            if found:
                problems += ((r, *p) for p in found)
        if ts:
            street, district, found = streets[ts, district, td == ""]
            if found:
                problems += ((r, *p) for p in found)
        if tc:
            community, found = communities[tc, district, street]
            if found:
                problems += ((r, *p) for p in found)
            if street and (found := community_streets[community, street]):
                problems += ((r, *p) for p in found)
        if not (district or street or community) and not (td or ts):
            problem(r, no_place, "", "没有填写地点", "请至少填写区县、街道或社区之一。")

        # Value and unit
        (q, value_text, found), by_object = value_any[tv, tu]
        if by_object and tobj:
            q, value_text, found = rules.value_for(tv, tu, tobj)
        if found:
            problems += ((r, *p) for p in found)

        # Programme, status, period
        programme = None
        if tp:
            programme, found = programmes[tp]
            if found:
                problems += ((r, *p) for p in found)
        status = "achieved"
        if tst:
            status, found = statuses[tst]
            if found:
                problems += ((r, *p) for p in found)
        period, found = periods[type(pv), pv, tpe]
        if found:
            problems += ((r, *p) for p in found)

        if len(problems) > n_before and any(p[5] == ERROR for p in problems[n_before:]):
            continue
        assert q is not None
        key = (community or street or "", round(q.value, 2), q.unit or "", period or "", tobj)  # _dup_key
        if key in stored:
            problem(r, vh, tv, "与已导入的数据重复（同一地点、数量、单位、年份和指标）",
                    "如果已经导入过，请删除这一行；如是另一条数据，请在“指标”列写明区别。")
            continue
        if key in seen_in_file:
            problem(r, vh, tv, f"与本表第 {seen_in_file[key]} 行重复",
                    "请删除重复的行；如是另一条数据，请在“指标”列写明区别。")
            continue
        seen_in_file[key] = r
        obj = tobj or None
        evidence = te or _row_text(sheet.headers, row)
        if programme is None:
            programme = rules.classify[obj or "", te]
        digest = id_prefix.copy()
        digest.update(str(r).encode())
        claims.append((
            digest.hexdigest()[:16], batch_id, "sheet", sheet.name, None, None,
            r, value_text, q.value, q.unit, q.kind, q.qualifier, obj, district, street, community,
            programme, status, period, evidence, None))
    return _result(problems, claims, sheet, mapping, skipped)


def _result(problems, claims, sheet, mapping, skipped) -> Validation:
    names = [c.name for c in TABLES["claims"] if c.name not in ("indicator", "per")]
    # claims are row tuples in schema order (without the indicator, read below from the 指标
    # cell and the value column's header); built column by column, which pandas does faster
    columns = dict(zip(names, map(list, zip(*claims))))
    if claims:
        value_header = next((h for h, f in mapping.items() if f == "value"), None)
        columns["indicator"], columns["per"] = sheet_indicators(
            columns["unit"], columns["object"], columns["evidence"], value_header)
    frame = (conform("claims", complete_places(pd.DataFrame(columns)))
             if claims else empty_frame("claims"))
    table = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    table["行"] = table["行"].astype("int64")
    table = table.sort_values("行", kind="stable").reset_index(drop=True)
    return Validation(frame, table, len(sheet.rows), skipped, dict(mapping))


def problems_xlsx(problems: pd.DataFrame) -> bytes:
    """The problem table as an .xlsx download, through the one neutralising writer (the 值 column
    holds what the user typed, "=HYPERLINK(…)" included)."""
    from ..exports import to_xlsx_bytes
    return to_xlsx_bytes(problems, sheet_name="问题")


def sheet_tables(sheet: Sheet, result: Validation, batch_id: str) -> dict[str, pd.DataFrame]:
    """The batch tables for committing the valid rows with loaders.store.commit_batch."""
    documents = conform("documents", pd.DataFrame([{
        "doc": sheet.name, "title": sheet.sheet_name, "sha256": sheet.sha256, "source_type": "sheet",
        "chars": None, "batch_id": batch_id}]))
    return {"claims": result.valid_claims.assign(batch_id=batch_id), "documents": documents}
