"""数据上传, a sheet's steps 2–3: what the reader found (title, header rows, sheets), the column
mapping with each 数量 column's unit and what it counts (guessed, correctable), the check of
every sheet of the workbook, and the user's choice for figures that repeat stored ones."""
from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from loaders.imports import history, restrict_to_districts
from loaders.indicators import indicator_codes, indicator_name
from loaders.sheets import (CHOICES, FIELD_LABELS, FIELDS, apply_duplicate_choices, combine,
                            guess_mapping, header_label, header_unit, validate, value_columns)
from loaders.sheets.validation import Validation
from loaders.sheets.stored import stored_facts

from .access import Access
from .markup import md
from .state import current_dataset

NOT_IMPORTED = "（不导入）"
AUTO = "（自动）"


def _samples(sheet, column: int, n: int = 3) -> str:
    values = [str(r[column]) for r in sheet.rows[:50] if r[column] not in (None, "")]
    return "、".join(values[:n])


def describe(sheet) -> str:
    """One line on what was found: sheet, header rows, title and what it states."""
    rows = sheet.header_rows or (sheet.header_row,)
    where = (f"第 {rows[0]}–{rows[-1]} 行（两行表头）" if len(rows) > 1 else f"第 {rows[0]} 行")
    parts = [f"工作表“{md(sheet.sheet_name)}”" if sheet.sheet_name else f"编码 {sheet.encoding}",
             f"表头在{where}", f"共 {len(sheet.rows):,} 行数据"]
    ctx = sheet.context or {}
    if sheet.titles:
        said = [md(ctx[k]) for k in ("district", "street", "community") if ctx.get(k)]
        said += [f"{ctx['period']}年"] if ctx.get("period") else []
        said += [f"单位 {md(ctx['unit'])}"] if ctx.get("unit") else []
        title = md("；".join(t for _, t in sheet.titles))
        parts.append(f"表题“{title}”" + (f"（没有填写的行按：{'、'.join(said)}）" if said else ""))
    return "，".join(parts) + "。"


def _indicator_options() -> tuple[list[str], dict[str, str]]:
    names = {indicator_name(c): c for c in indicator_codes()}
    return [AUTO, *names], names


def mapping_step(sheet) -> tuple[dict[str, str], dict[str, dict]]:
    """(header → field, 数量 column → {unit, object[, indicator]}), guessed from the headers and
    correctable by the user in one table."""
    guessed = guess_mapping(sheet.headers)
    labels = [NOT_IMPORTED] + [FIELD_LABELS[f] for f in FIELDS]
    by_label = {FIELD_LABELS[f]: f for f in FIELDS}
    vcols = {vc.header: vc for vc in value_columns(sheet, guessed)}
    context_unit = (sheet.context or {}).get("unit", "")
    frame = pd.DataFrame({
        "表头": list(sheet.headers),
        "示例": [_samples(sheet, i) for i in range(len(sheet.headers))],
        "对应字段": [FIELD_LABELS.get(guessed.get(h), NOT_IMPORTED) for h in sheet.headers],
        "单位": [vcols[h].unit if h in vcols else header_unit(h) or context_unit
                 for h in sheet.headers],
        "统计内容": [(vcols[h].object or "") if h in vcols else header_label(h)
                     for h in sheet.headers],
    })
    if sheet.groups and any(sheet.groups):
        frame.insert(1, "上级表头", list(sheet.groups))
    config = {
        "对应字段": st.column_config.SelectboxColumn("对应字段", options=labels, required=True),
        "单位": st.column_config.TextColumn(
            "单位", help="数量列里只有数字时用这个单位（如 人次、万元、平方米）；格子里自带单位的以格子为准"),
        "统计内容": st.column_config.TextColumn(
            "统计内容", help="这一列数量统计的是什么（如 参与人次、投入资金）；留空则取“指标”列"),
    }
    options, names = _indicator_options()
    if names:
        frame["指标（目录）"] = AUTO
        config["指标（目录）"] = st.column_config.SelectboxColumn(
            "指标（目录）", options=options, required=True,
            help="这一列数量属于指标目录中的哪个指标；“自动”按单位和表头判断")
    st.caption("系统已按表头自动对应；不对的地方请在“对应字段”一列改选。每个“数量”列的每一格都会"
               "导入为一条数据，只有数字时使用“单位”一栏的单位。")
    edited = st.data_editor(
        frame, hide_index=True, disabled=["表头", "示例", "上级表头"],
        key=f"mapping_{sheet.sha256}_{sheet.sheet_name}", column_config=config)
    mapping = {h: by_label[label] for h, label in zip(edited["表头"], edited["对应字段"])
               if label in by_label}
    overrides = {}
    for _, row in edited.iterrows():
        if mapping.get(row["表头"]) != "value":
            continue
        o = {"unit": str(row["单位"] or ""), "object": str(row["统计内容"] or "")}
        if names and row.get("指标（目录）") in names:
            o["indicator"] = names[row["指标（目录）"]]
        overrides[row["表头"]] = o
    return mapping, overrides


def _validated(sheet, mapping: dict, overrides: dict, access: Access) -> Validation:
    """validate, remembered per sheet, mapping, store version and uploader's districts."""
    key = (sheet.sha256, sheet.sheet_name, tuple(sorted(mapping.items())),
           tuple(sorted((h, tuple(sorted(o.items()))) for h, o in overrides.items())),
           access.districts, tuple(history()["批次"]))
    slot = f"validation_{sheet.sheet_name}"
    cached = st.session_state.get(slot)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner("正在逐行检查……"):
        # only the stored facts the sheet can collide with are read (loaders/sheets/stored.py)
        result = validate(sheet, mapping, known=stored_facts(), overrides=overrides)
        if access.can_write:
            result = restrict_to_districts(result, access.districts, current_dataset().places)
    st.session_state[slot] = (key, result)
    return result


def check_sheets(sheets, access: Access) -> tuple[object, Validation]:
    """Every sheet's mapping (a tab each when the workbook has several) and check, as one
    result; and the sheet to record the batch under (its name lists the sheets read)."""
    results = []
    tabs = st.tabs([f"工作表“{md(s.sheet_name)}”" for s in sheets]) if len(sheets) > 1 else [None]
    for sheet, tab in zip(sheets, tabs):
        if tab is None:
            mapping, overrides = mapping_step(sheet)
        else:
            with tab:
                st.caption(describe(sheet))
                mapping, overrides = mapping_step(sheet)
        results.append(_validated(sheet, mapping, overrides, access))
    if len(sheets) == 1:
        return sheets[0], results[0]
    named = dataclasses.replace(sheets[0], sheet_name="、".join(s.sheet_name for s in sheets))
    return named, combine(sheets, results)


def duplicates_step(result: Validation) -> Validation:
    """The figures that repeat stored ones, each with the user's choice (default: skip)."""
    dups = result.duplicates
    if dups is None or not len(dups):
        return result
    st.markdown(f"**重复的数据**（{len(dups)} 条与看板中已有的数据相同：默认不导入，以免重复相加）")
    labels = list(CHOICES.values())
    code_of = {v: k for k, v in CHOICES.items()}
    view = dups.drop(columns=["claim_id", "stored_id"]).assign(处理=CHOICES["skip"])
    edited = st.data_editor(
        view, hide_index=True, key=f"duplicates_{'_'.join(dups['claim_id'].head(3))}_{len(dups)}",
        disabled=[c for c in view.columns if c != "处理"],
        column_config={"处理": st.column_config.SelectboxColumn("处理", options=labels,
                                                              required=True)})
    choices = {cid: code_of.get(choice, "skip")
               for cid, choice in zip(dups["claim_id"], edited["处理"])}
    return apply_duplicate_choices(result, choices)
