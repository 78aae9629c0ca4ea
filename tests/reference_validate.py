"""The row-by-row `validate` of loaders/sheets.py as it was before it was made fast (commit
a7bf7ca), kept word for word as the slow reference: tests/test_sheets.py checks that the fast one
gives the same problems and claims on generated sheets (the header checks, unchanged, are shared:
loaders.sheets.map_columns). Not used by the app."""
from __future__ import annotations

import pandas as pd

from loaders.indicators import sheet_indicator

from loaders.programmes import classify_programme, programme_labels
from loaders.quantities import parse_quantity
from loaders.sheets import (_STATUS, ERROR, EXAMPLE_MARK, FIELDS, NOTE, _blank,
                            _cell_text, _claim_id, _did_you_mean, _dup_key, _nearest, _period,
                            _Places, header_unit)
from loaders.sheets import PROBLEM_COLUMNS, Validation, map_columns
from loaders.attribution import place_row
from loaders.schema import TABLES, conform, empty_frame


def _quantity(value: str, unit: str, obj: str):
    return parse_quantity(value, unit_hint=unit, object_hint=obj)


def reference_validate(sheet, mapping: dict[str, str], *, known: pd.DataFrame | None = None,
                       batch_id: str = ""):
    """Check every row of `sheet` under `mapping` (header → field; see guess_mapping).

    `known` is the stored claims (load_tables().claims) for the duplicate check and for name
    suggestions. A row with an 错误 is left out of `valid_claims`; a 提醒 row stays in."""
    problems: list[tuple] = []

    def problem(row, col, value, what, todo, level=ERROR):
        problems.append((row, col, value, what, todo, level))

    hr = sheet.header_row
    col, header_of = map_columns(sheet, mapping, problem)
    if any(level == ERROR and row == hr and c == "（表头）" for row, c, *_, level in problems):
        return _result(problems, [], sheet, mapping, 0)

    header_hint = header_unit(header_of["value"])
    places = _Places(known)
    labels = programme_labels()
    label_code = {v: k for k, v in labels.items()}
    codes_lower = {k.lower(): k for k in labels}
    stored = set()
    if known is not None and len(known):
        k = known[["community", "street", "value", "unit", "period", "object"]].astype(object)
        k = k.where(k.notna(), None)
        place = [c or s for c, s in zip(k["community"], k["street"])]
        stored = set(map(_dup_key, place, k["value"], k["unit"], k["period"], k["object"]))
    seen_in_file: dict[tuple, int] = {}
    get = {f: (lambda row, i=i: row[i]) for f, i in col.items()}
    none = lambda row: None  # noqa: E731
    cell = {f: get.get(f, none) for f in FIELDS}
    claims: list[dict] = []
    skipped = 0

    for r, row in zip(sheet.row_numbers, sheet.rows):
        n_before = len(problems)
        raw = {f: cell[f](row) for f in FIELDS}
        text = {f: _cell_text(v) for f, v in raw.items()}
        if text["evidence"].startswith(EXAMPLE_MARK):
            skipped += 1
            problem(r, header_of.get("evidence", ""), text["evidence"], "这是模板的示例行，已忽略",
                    "可以删除这一行。", NOTE)
            continue

        # Places
        district = street = community = None
        if text["district"]:
            district = places.district(text["district"])
            if district is None:
                problem(r, header_of["district"], text["district"], "不认识这个区县名称",
                        _did_you_mean(text["district"], places.district_names,
                                      "请填写成都市的区县全称，如“锦江区”“高新区”。"))
        if text["street"]:
            street = places.street(text["street"])
            if street is None:
                pool = [s for s, ds in places.streets.items() if district in ds] if district else places.streets
                problem(r, header_of["street"], text["street"], "不认识这个街道（镇）名称",
                        _did_you_mean(text["street"], pool or places.streets,
                                      "请填写街道或镇的全称，如“东湖街道”“三道堰镇”。"))
            else:
                owners = places.streets[street]
                if district and district not in owners:
                    problem(r, header_of["street"], text["street"],
                            f"{street}不属于{district}（它属于{'、'.join(owners)}）",
                            "请核对区县和街道是否填在了同一行、是否填错。")
                elif not district and text["district"] == "" and len(owners) == 1:
                    district = owners[0]
        if text["community"]:
            community = text["community"]
            if community not in places.communities:
                alt = next((community + s for s in ("社区", "村") if community + s in places.communities), None)
                if alt:
                    problem(r, header_of["community"], community, f"按已有数据理解为“{alt}”",
                            "如不是同一个社区，请填写社区全称。", NOTE)
                    community = alt
                else:
                    close = places.similar_communities(community, district, street)
                    if close:
                        problem(r, header_of["community"], community,
                                "已有数据中没有这个社区，但有名称相近的社区",
                                f"是否应为：{'、'.join(close)}？如确为新社区可忽略此提醒。", NOTE)
                    elif not community.endswith(("社区", "村", "小区", "居委会", "村委会")):
                        problem(r, header_of["community"], community, "社区名称不完整",
                                "请填写全称，以“社区”或“村”结尾，如“东林社区”。", NOTE)
            if community in places.communities and street:
                streets = {s for s in places.communities[community] if s}
                if streets and street not in streets:
                    problem(r, header_of["community"], community,
                            f"已有数据中{community}属于{'、'.join(sorted(streets))}，不是{street}",
                            "请核对街道是否填写正确；如是另一个同名社区可忽略此提醒。", NOTE)
        if not (district or street or community) and not (text["district"] or text["street"]):
            problem(r, "、".join(header_of[f] for f in ("district", "street", "community") if f in header_of),
                    "", "没有填写地点", "请至少填写区县、街道或社区之一。")

        # Value and unit
        q = None
        vh = header_of.get("value")
        unit_text = text["unit"] or header_hint
        if not text["value"]:
            problem(r, vh, "", "数量为空", "请填写数量，如 650、50万元、3000余人次；这一行如确实没有数据，可以删除。")
        else:
            q = _quantity(text["value"], unit_text, text["object"])
            if q is None:
                problem(r, vh, text["value"], "无法识别为数量",
                        "请只填一个数字，可带单位，如 650、650平方米、50万元、3000余人次、1,200。")
            elif q.unit is None:
                if text["unit"]:
                    problem(r, header_of["unit"], text["unit"], "无法识别这个单位",
                            "请填写常用单位，如 平方米、元、万元、人、人次、户、个、场、%。")
                else:
                    problem(r, vh, text["value"], "缺少单位",
                            "请在“单位”列填写单位（如 人次、户、平方米），或直接写在数量后面（如 650平方米）。")
                q = None
            elif text["unit"]:
                own = _quantity(text["value"], "", text["object"])
                hint = _quantity("1" + text["unit"], "", text["object"])
                if own is not None and own.unit is not None and hint is not None \
                        and hint.unit is not None and (own.unit, own.kind) != (hint.unit, hint.kind):
                    problem(r, header_of["unit"], text["unit"],
                            f"数量“{text['value']}”自带单位，与单位列“{text['unit']}”不一致",
                            "请只在一处填写单位，或改正其中一处。")
                    q = None

        # Programme, status, period
        programme = None
        if text["programme"]:
            p = text["programme"]
            programme = label_code.get(p) or codes_lower.get(p.lower())
            if programme is None:
                programme = next((c for lab, c in label_code.items() if p in lab or lab in p), None) \
                    if len(p) >= 2 else None
                if programme is None:
                    problem(r, header_of["programme"], p, "不认识这个项目类型",
                            _did_you_mean(p, labels.values(),
                                          "请从下拉列表中选择，如“" + "”“".join(list(labels.values())[:3]) + "”。"))
        status = "achieved"
        if text["status"]:
            status = _STATUS.get(text["status"]) or _STATUS.get(text["status"].lower())
            if status is None:
                problem(r, header_of["status"], text["status"], "不认识这个状态",
                        "请填写“已完成”或“计划”（也可写 achieved / planned）。")
        period, ok = _period(raw["period"])
        if not ok:
            problem(r, header_of["period"], text["period"], "无法识别年份",
                    "请填写四位年份，如 2024 或 2024年。")

        if len(problems) > n_before and any(p[5] == ERROR for p in problems[n_before:]):
            continue
        assert q is not None
        key = _dup_key(community or street, q.value, q.unit, period, text["object"] or None)
        if key in stored:
            problem(r, vh, text["value"], "与已导入的数据重复（同一地点、数量、单位、年份和指标）",
                    "如果已经导入过，请删除这一行；如是另一条数据，请在“指标”列写明区别。")
            continue
        if key in seen_in_file:
            problem(r, vh, text["value"], f"与本表第 {seen_in_file[key]} 行重复",
                    "请删除重复的行；如是另一条数据，请在“指标”列写明区别。")
            continue
        seen_in_file[key] = r
        obj = text["object"] or None
        own = _quantity(text["value"], "", text["object"])
        value_text = text["value"] if own is not None and own.unit is not None \
            else text["value"] + unit_text
        evidence = text["evidence"] or "；".join(
            f"{h}：{_cell_text(v)}" for h, v in zip(sheet.headers, row) if not _blank(v))
        if programme is None:
            programme = classify_programme(f"{obj or ''} {text['evidence']}", obj or "")
        placed = place_row(district, street, community)     # row by row: the reference way
        claims.append({
            "claim_id": _claim_id(sheet.sha256, sheet.sheet_name, r), "batch_id": batch_id,
            "source_type": "sheet", "doc": sheet.name, "start": None, "end": None, "row": r,
            "text": value_text, "value": q.value, "unit": q.unit, "kind": q.kind,
            "qualifier": q.qualifier, "object": obj, "district": placed.district,
            "street": placed.street, "community": placed.community, "programme": programme,
            "status": status, "period": period, "evidence": evidence, "evidence_start": None,
            "place_rule": placed.rule, "place_confidence": placed.confidence,
            "place_note": placed.note,
        })
    return _result(problems, claims, sheet, mapping, skipped)


def _result(problems, claims, sheet, mapping, skipped) -> Validation:
    if claims:   # the indicator, row by row, from the 指标 cell and the value column's header
        header = next((h for h, f in mapping.items() if f == "value"), None)
        for c in claims:
            c["indicator"], c["per"] = sheet_indicator(c["unit"], c["object"], header, c["evidence"])
    frame = (conform("claims", pd.DataFrame(claims, columns=[c.name for c in TABLES["claims"]]))
             if claims else empty_frame("claims"))
    table = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    table["行"] = table["行"].astype("int64")
    table = table.sort_values("行", kind="stable").reset_index(drop=True)
    return Validation(frame, table, len(sheet.rows), skipped, dict(mapping))
