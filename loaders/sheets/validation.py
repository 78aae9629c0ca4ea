"""Every row of a sheet checked under a column mapping: the valid rows as claims, the rest as
a problem table (行 / 列 / 值 / 问题 / 建议 / 级别) in Chinese."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pandas as pd

from ..attribution import complete_places
from ..schema import conform, empty_frame
from .cells import (EXAMPLE_MARK, ERROR, FIELD_LABELS, FIELDS, NOTE, PROBLEM_COLUMNS, _blank,
                    _cell_text, _Memo, _no_gc)
from .checks import EMPTY_VALUE_ADVICE, _row_text, _RowRules
from .columns import value_columns
from .duplicates import DUPLICATE_COLUMNS, settle_repeats
from .stored import StoredFacts, as_stored
from .indicator_hook import CLAIM_FIELDS, indicator_columns
from .mapping import header_unit
from .reading import Sheet
from .totals import Totals, total_kind


@dataclass
class Validation:
    valid_claims: pd.DataFrame      # conforms to schema 'claims'
    problems: pd.DataFrame          # PROBLEM_COLUMNS, sorted by row
    rows_read: int = 0              # non-empty data rows in the sheet
    rows_skipped: int = 0           # template example rows and note lines left out
    mapping: dict = field(default_factory=dict)
    duplicates: pd.DataFrame | None = None   # DUPLICATE_COLUMNS: repeats of stored figures
    held: pd.DataFrame | None = None         # their claims, held back until the user chooses
    replaces: list = field(default_factory=list)   # stored claim ids this import supersedes

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["级别"] == ERROR]

    @property
    def ok(self) -> bool:
        return self.errors.empty


def validate(sheet: Sheet, mapping: dict[str, str], *,
             known: StoredFacts | pd.DataFrame | None = None,
             batch_id: str = "", overrides: dict | None = None) -> Validation:
    """Check every row of `sheet` under `mapping` (header → field; see guess_mapping; several
    columns may be 数量, each cell then a claim of its own).

    `known` is what is stored, for the duplicate check and for name suggestions:
    stored.stored_facts(root) (reads only what the sheet can collide with), or stored claims in
    memory (load_tables().claims); `overrides` the user's unit / object / indicator per 数量 column (see
    columns.value_columns). A row with an 错误 is left out of `valid_claims`; a 提醒 row stays
    in; a figure repeating a stored one (级别 重复) is held back, see apply_duplicate_choices.
    合计 / 小计 rows are left out and checked against the detail rows."""
    with _no_gc():
        return _validate(sheet, mapping, as_stored(known), batch_id, overrides)


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
        if f in col and f == "value":   # several quantity columns: see columns.value_columns
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


def _validate(sheet: Sheet, mapping: dict[str, str], known: StoredFacts, batch_id: str,
              overrides: dict | None) -> Validation:
    problems: list[tuple] = []

    def problem(row, col, value, what, todo, level=ERROR):
        problems.append((row, col, value, what, todo, level))

    hr = sheet.header_row
    ctx = sheet.context or {}
    col, header_of = map_columns(sheet, mapping, problem)
    if ctx.get("district") or ctx.get("street"):   # the title says where all rows belong
        problems = [p for p in problems if p[3] != "没有找到区县、街道或社区列"]
    if any(level == ERROR and row == hr and c == "（表头）" for row, c, *_, level in problems):
        return _result(problems, [], sheet, mapping, 0)

    rules = _RowRules(known.places, header_of)
    # Repeats of stored figures are settled after the loop, from the stored claims at the places
    # the rows name (read once): each possible one keeps its problem's slot and its claim's place.
    stored_keys = known.keys
    pending: list[tuple] = []
    seen_in_file: dict[tuple, int] = {}
    claims: list[tuple] = []
    headers_of_claims: list[str] = []
    held: list[tuple] = []
    duplicates: list[tuple] = []
    totals = Totals()
    id_prefix = hashlib.sha1(f"{sheet.sha256}|{sheet.sheet_name}|".encode())   # see _claim_id
    skipped = 0
    vcols = value_columns(sheet, mapping, overrides)
    multi = len(vcols) > 1
    mapped = {i for h, f in mapping.items() if f and h in sheet.headers
              for i in [sheet.headers.index(h)]}
    # Column by column first (one pass per mapped column), then row by row on the texts.
    n = len(sheet.rows)
    columns = list(zip(*sheet.rows)) if n else []

    def texts(i):   # _cell_text, with its commonest cases (text, empty, whole number) inline
        return [v.strip() if type(v) is str else "" if v is None else str(v) if type(v) is int
                else _cell_text(v) for v in columns[i]]

    raw_period = columns[col["period"]] if "period" in col else [None] * n
    text = {f: (texts(col[f]) if f in col else [""] * n) for f in FIELDS if f != "value"}
    # (column, header, unit, object, its header states the unit) and the column's texts
    values = [((vc, vc.header, vc.unit, vc.object, bool(header_unit(vc.header))), texts(vc.index))
              for vc in vcols]
    spec0, v0 = values[0] if values else (None, None)
    first = texts(0) if n and 0 not in mapped else [""] * n
    value_any = rules.value_any
    no_place = "、".join(header_of[f] for f in ("district", "street", "community") if f in header_of)
    title = "；".join(t for _, t in sheet.titles)
    ctx_district, ctx_street = ctx.get("district"), ctx.get("street")
    ctx_period = ctx.get("period")

    districts, streets, communities = rules.district, rules.street, rules.community
    community_streets, programmes, statuses = rules.community_street, rules.programme, rules.status
    periods = rules.period
    total_of = _Memo(total_kind)
    add_detail = totals.details.append
    for k, (r, row, td, ts, tc, tu, tobj, tp, tst, te, pv, tpe, t0) in enumerate(zip(
            sheet.row_numbers, sheet.rows, text["district"], text["street"], text["community"],
            text["unit"], text["object"], text["programme"], text["status"],
            text["evidence"], raw_period, text["period"], first)):
        if te.startswith(EXAMPLE_MARK):
            skipped += 1
            problem(r, header_of.get("evidence", ""), te, "这是模板的示例行，已忽略",
                    "可以删除这一行。", NOTE)
            continue
        kind = total_of[tc] or total_of[ts] or total_of[td] or total_of[t0]
        if kind:
            _total_row(r, kind, values, k, tu if not multi else "", tobj, rules, totals, problem)
            continue
        if multi:
            cells = [(spec, vt[k]) for spec, vt in values]
            empty = not any(tv for _, tv in cells)
        else:
            cells = ((spec0, v0[k]),) if values else ()
            empty = not (values and v0[k])
        if empty:
            said = _empty_row(r, row, sheet.headers, mapped, vcols, problem)
            if said:
                skipped += said == "note"
                continue
        n_before = len(problems)

        # Places (the title's where the row names none)
        district = street = community = None
        if td:
            district, found = districts[td]
            if found:
                problems += ((r, *p) for p in found)
        elif ctx_district and not ts:
            district = ctx_district
        if ts:
            street, district, found = streets[ts, district, td == ""]
            if found:
                problems += ((r, *p) for p in found)
        elif ctx_street and (district is None or district == ctx_district):
            street, district = ctx_street, district or ctx_district
        if tc:
            community, found = communities[tc, district, street]
            if found:
                problems += ((r, *p) for p in found)
            if street and (found := community_streets[community, street]):
                problems += ((r, *p) for p in found)
        if not (district or street or community) and not (td or ts):
            problem(r, no_place, "", "没有填写地点", "请至少填写区县、街道或社区之一。")

        # Quantities (one per 数量 column), then programme, status, period
        n_places = len(problems)
        readings = []
        for (vc, vh, vu, vo, own), tv in cells:
            if not tv and multi:
                continue
            # with several 数量 columns the 单位 column serves those whose header states no unit
            unit_cell = "" if multi and own else tu
            obj_text = tobj if vo is None else vo
            (q, value_text, found), by_object = value_any[tv, unit_cell, vu, vh]
            if by_object and obj_text:
                q, value_text, found = rules.value_for(tv, unit_cell, obj_text, vu, vh)
            if found:
                problems += ((r, *p) for p in found)
                if any(p[4] == ERROR for p in found):
                    q = None
            readings.append((vc, tv, q, value_text, obj_text))
        n_values = len(problems)
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
        elif period is None and not tpe:
            period = ctx_period
        if len(problems) > n_before:
            if any(p[5] == ERROR for p in problems[n_before:]) and _note_row(row):
                # "填表人：张三  审核人：李四" under the columns
                del problems[n_before:]
                note = "".join(str(v).strip() for v in row if not _blank(v))
                problem(r, no_place or sheet.headers[0], note[:40], "说明或备注行，没有数据，未导入",
                        "无需处理。", NOTE)
                skipped += 1
                continue
            if any(p[5] == ERROR for p in problems[n_before:n_places]) or \
                    any(p[5] == ERROR for p in problems[n_values:]):
                totals.bad_rows += 1
                continue

        # Each quantity cell a claim
        evidence = te or _row_text(sheet.headers, row)
        if title and (ctx_street or ctx_district) and not (ts or td):
            evidence = f"{evidence}（表题：{title}）"
        for vc, tv, q, value_text, obj_text in readings:
            if q is None:
                totals.bad_rows += 1
                continue
            key = (community or street or "", round(q.value, 2), q.unit or "", period or "",
                   obj_text)  # _dup_key
            if key in seen_in_file:
                problem(r, vc.header, tv, f"与本表第 {seen_in_file[key]} 行重复",
                        "请删除重复的行；如是另一条数据，请在“指标”列写明区别。")
                continue
            seen_in_file[key] = r
            add_detail((vc.header, q))
            obj = obj_text or None
            prog = programme if programme is not None else rules.classify[obj or "", te]
            digest = id_prefix.copy()
            digest.update((f"{r}|{vc.header}" if multi else str(r)).encode())
            claim = (
                digest.hexdigest()[:16], batch_id, "sheet", sheet.name, None, None,
                r, value_text, q.value, q.unit, q.kind, q.qualifier, obj, district, street,
                community, prog, status, period, evidence, None)
            if (community or street) in stored_keys:
                pending.append((len(problems), len(claims), r, vc.header, tv, value_text,
                                community or street, q.value, q.unit, period))
                problems.append(None)
            claims.append(claim)
            headers_of_claims.append(vc.header)
    if pending:
        problems, claims, headers_of_claims, held, duplicates = settle_repeats(
            known, pending, problems, claims, headers_of_claims)
    result = _result(problems, claims, sheet, mapping, skipped, headers_of_claims, vcols)
    result.duplicates = pd.DataFrame(duplicates, columns=list(DUPLICATE_COLUMNS))
    result.held = _frame([c for c, _ in held], [h for _, h in held], vcols) if held else None
    return result


def _total_row(r, kind, values, k, tu, tobj, rules, totals, problem) -> None:
    """A 合计/小计 row: not imported; each of its quantities checked against the details."""
    for (vc, *_), vt in values:
        tv = vt[k]
        if not tv:
            continue
        (q, value_text, found), _ = rules.value_any[tv, tu, vc.unit, vc.header]
        if q is None:
            problem(r, vc.header, tv, f"{kind}行，不作为数据导入", "看板会按明细行自动相加，无需处理。",
                    NOTE)
            continue
        problem(*totals.check(r, kind, vc.header, q, value_text))


_NOTE_START = ("注", "说明", "备注", "填表", "制表", "审核", "联系", "数据来源", "来源", "单位负责人",
               "负责人", "统计人", "报送")


def _empty_row(r, row, headers, mapped, vcols, problem) -> str | None:
    """A row with no figure in its 数量 column(s): "note" for a note line (skipped), "error"
    after saying what to do (the figure may sit in a column not chosen as 数量), None to let
    the single 数量 column's own check say 数量为空."""
    filled = [(i, v) for i, v in enumerate(row) if not _blank(v)]
    if filled and len(filled) <= 2 and any(_is_note(v, len(filled)) for _, v in filled):
        text = "".join(str(v).strip() for _, v in filled)
        problem(r, headers[filled[0][0]], text[:40], "说明或备注行，没有数据，未导入", "无需处理。", NOTE)
        return "note"
    where = "、".join(f"“{vc.header}”" for vc in vcols)
    elsewhere = [headers[i] for i, v in filled if i not in mapped and _has_digit(v)]
    if elsewhere:
        o = elsewhere[0]
        problem(r, vcols[0].header, "", f"{where}列是空的，但“{o}”列有数字",
                f"如果这一行的数量在“{o}”列，请在列的对应关系中把“{o}”选为“数量”；"
                f"否则请在{where}列填写数量。")
        return "error"
    if len(vcols) > 1:
        problem(r, vcols[0].header, "", f"{where}列都是空的", EMPTY_VALUE_ADVICE)
        return "error"
    return None


def _note_row(row) -> bool:
    """Only note texts ("注：…", "填表人：…"), in at most three cells."""
    filled = [v for v in row if not _blank(v)]
    return 0 < len(filled) <= 3 and all(_is_note(v, 0) for v in filled)


def _is_note(v, n_filled: int) -> bool:
    if not isinstance(v, str):
        return False
    t = v.strip()
    return bool(re.match(r"(?:%s)[^:：]{0,6}[:：]" % "|".join(_NOTE_START), t)) or (
        n_filled == 1 and len(t) >= 12)


def _has_digit(v) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, (int, float)) or any(ch.isdigit() for ch in str(v))


def _frame(claims, value_headers, vcols) -> pd.DataFrame:
    if not claims:
        return empty_frame("claims")
    # claims are row tuples of CLAIM_FIELDS; built column by column, which pandas does faster
    columns = dict(zip(CLAIM_FIELDS, map(list, zip(*claims))))
    frame = pd.DataFrame(indicator_columns(columns, value_headers, vcols))
    return conform("claims", complete_places(frame))   # place_rule etc. (loaders/attribution/)


def _result(problems, claims, sheet, mapping, skipped, value_headers=(), vcols=()) -> Validation:
    frame = _frame(claims, list(value_headers), vcols)
    table = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    table["行"] = table["行"].astype("int64")
    table = table.sort_values("行", kind="stable").reset_index(drop=True)
    return Validation(frame, table, len(sheet.rows), skipped, dict(mapping))


def apply_duplicate_choices(result: Validation, choices: dict[str, str]) -> Validation:
    """`result` with the held-back repeats settled: claim_id → "keep" (import it too), "skip"
    (the default) or "replace" (import it; the stored figure is superseded by this batch)."""
    if result.held is None or not len(result.held):
        return result
    take = [cid for cid in result.held["claim_id"] if choices.get(cid, "skip") in ("keep", "replace")]
    extra = result.held[result.held["claim_id"].isin(take)]
    dups = result.duplicates
    replaces = sorted(set(dups.loc[dups["claim_id"].isin(
        [c for c in take if choices.get(c) == "replace"]), "stored_id"].dropna()))
    claims = (pd.concat([result.valid_claims, extra], ignore_index=True)
              .sort_values("row", kind="stable").reset_index(drop=True)) if len(extra) \
        else result.valid_claims
    out = Validation(claims, result.problems, result.rows_read, result.rows_skipped,
                     result.mapping, result.duplicates, None, replaces)
    return out


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
