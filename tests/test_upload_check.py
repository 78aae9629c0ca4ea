"""The upload check reads from the store only what a sheet can collide with (loaders/sheets/
stored.py) and gives exactly what checking against every stored claim gives: problems (the
repeats named with the stored figure's source, in their place among the row's problems), valid
rows, held repeats and the stored ids they repeat; also with claims a later batch replaced, with
street-wide figures, with a community's figure stored twice, and across batches."""
from __future__ import annotations

import pandas as pd
import pytest

from loaders.sheets import guess_mapping, read_sheet, sheet_tables, validate
from loaders.sheets.stored import StoredFacts, stored_facts, stored_places
from loaders.store import commit_batch, load_tables, store_signature
from tests.test_sheets import HEADERS, row_with, xlsx_bytes

# Stored figures, batch by batch: (batch, rows of HEADERS)
STORED = {
    "b1": [row_with(), row_with(数量="650", 单位="平方米"),
           row_with(社区名称="", 数量="12", 单位="场", 年份=2023),          # street-wide
           row_with(区县="成华区", 街道="府青路街道", 社区名称="培华东路社区", 数量="40", 单位="场")],
    "b2": [row_with(数量="650", 单位="平方米", 备注="又一次"),                # the same figure again
           row_with(区县="彭州市", 街道="天彭街道", 社区名称="天府中路社区", 数量="5", 单位="家")],
    "b3": [row_with(区县="成华区", 街道="府青路街道", 社区名称="培华东路社区", 数量="41", 单位="场")],
}
CASES = {
    "repeat of a community's figure": [row_with()],
    "figure stored twice: the first stored one is named": [row_with(数量="650", 单位="平方米")],
    "street-wide repeat, same year": [row_with(社区名称="", 数量="12", 单位="场", 年份=2023)],
    "street-wide figure of another year is new": [row_with(社区名称="", 数量="12", 单位="场", 年份=2024)],
    "same value, other unit is new": [row_with(数量="650", 单位="人次")],
    "replaced figure is not a repeat, its replacement is": [
        row_with(区县="成华区", 街道="府青路街道", 社区名称="培华东路社区", 数量="40", 单位="场"),
        row_with(区县="成华区", 街道="府青路街道", 社区名称="培华东路社区", 数量="41", 单位="场")],
    "short name read as a stored community, then a repeat": [row_with(社区名称="东怡", 备注="简称")],
    "new place, unknown everywhere": [row_with(社区名称="新建社区")],
    "several value columns, one repeats": None,   # made below: two 数量 columns
    "mixed rows with errors and repeats": [row_with(), row_with(数量="abc"), row_with(社区名称="",
                                           区县="", 街道=""), row_with(数量="650", 单位="平方米")],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    for i, (batch, rows) in enumerate(STORED.items()):
        sheet = read_sheet(xlsx_bytes([HEADERS, *rows]), f"{batch}.xlsx")
        result = validate(sheet, guess_mapping(sheet.headers))
        assert result.ok, result.problems
        manifest = {"kind": "sheet", "file": sheet.name, "time": f"2025-01-0{i + 1}T00:00:00+08:00"}
        if batch == "b3":   # b3 replaces b1's 40场 of 培华东路社区
            claims = load_tables(root).claims
            manifest["replaces"] = list(claims.loc[claims["value"] == 40, "claim_id"])
        commit_batch(batch, sheet_tables(sheet, result, batch), manifest, root)
    return root


def _sheet(case):
    rows = CASES[case]
    if rows is None:
        headers = HEADERS + ["场次"]
        return read_sheet(xlsx_bytes([headers, row_with(数量="650", 单位="平方米") + ["7"]]), "s.xlsx")
    return read_sheet(xlsx_bytes([HEADERS, *rows]), "s.xlsx")


def _same(a, b):
    pd.testing.assert_frame_equal(a.problems, b.problems)
    pd.testing.assert_frame_equal(a.valid_claims, b.valid_claims)
    pd.testing.assert_frame_equal(a.duplicates, b.duplicates)
    assert (a.held is None) == (b.held is None)
    if a.held is not None:
        pd.testing.assert_frame_equal(a.held, b.held)


@pytest.mark.parametrize("case", list(CASES))
def test_reading_only_what_can_collide_gives_what_reading_everything_gives(store, case):
    sheet = _sheet(case)
    mapping = guess_mapping(sheet.headers)
    everything = validate(sheet, mapping, known=load_tables(store).claims)
    _same(validate(sheet, mapping, known=stored_facts(store)), everything)


def test_the_cases_cover_repeats_and_non_repeats(store):
    """The differential test above means something only if its cases find repeats and miss them."""
    found = {case: len(validate(s := _sheet(case), guess_mapping(s.headers),
                                known=stored_facts(store)).duplicates) for case in CASES}
    assert found["repeat of a community's figure"] == 1
    assert found["street-wide repeat, same year"] == 1
    assert found["replaced figure is not a repeat, its replacement is"] == 1
    assert found["new place, unknown everywhere"] == 0
    assert found["street-wide figure of another year is new"] == 0
    stored = load_tables(store).claims
    result = validate(s := _sheet("figure stored twice: the first stored one is named"),
                      guess_mapping(s.headers), known=stored_facts(store))
    first = stored.loc[(stored["value"] == 650) & (stored["batch_id"] == "b1"), "claim_id"]
    assert list(result.duplicates["stored_id"]) == list(first)
    assert "与《b1.xlsx》中的 650平方米 重复" in set(result.problems["问题"])


def test_only_the_places_and_the_repeats_are_read(store, monkeypatch):
    """The check asks the store for the sheet's places and for the text of its repeats only."""
    import loaders.store as store_api
    asked = []
    real = store_api.read_table

    def spy(table, columns=None, batch_ids=None, filters=None, root=None, dictionary=()):
        asked.append((table, tuple(columns or ()), filters))
        return real(table, columns, batch_ids, filters, root, dictionary)

    monkeypatch.setattr(store_api, "read_table", spy)
    sheet = _sheet("repeat of a community's figure")
    validate(sheet, guess_mapping(sheet.headers), known=stored_facts(store))
    assert all(t == "claims" for t, _, _ in asked)
    texts = [f for _, cols, f in asked if "text" in cols]
    assert len(texts) == 1 and texts[0][0][0] == "claim_id" and len(texts[0][0][2]) == 1
    keyed = [f for _, cols, f in asked if f and "text" not in cols]
    assert keyed and all(("community", "in", ["东怡社区"]) in f or ("street", "in", ["东怡社区"]) in f
                         for f in keyed)


def test_places_are_read_once_per_store_version(store, tmp_path):
    first = stored_places(store)
    assert stored_places(store) is first
    assert {"东怡社区", "天府中路社区", "培华东路社区"} <= set(first["community"].dropna())
    assert store_signature(store)   # a commit changes the version, and the places are read again
    sheet = read_sheet(xlsx_bytes([HEADERS, row_with(社区名称="望平社区")]), "w.xlsx")
    result = validate(sheet, guess_mapping(sheet.headers))
    commit_batch("b4", sheet_tables(sheet, result, "b4"), {"kind": "sheet", "file": sheet.name},
                 store)
    try:
        assert "望平社区" in set(stored_places(store)["community"].dropna())
    finally:
        from loaders.store import undo_batch
        undo_batch("b4", store)


def test_an_empty_store_and_no_store_check_the_same():
    sheet = _sheet("repeat of a community's figure")
    mapping = guess_mapping(sheet.headers)
    _same(validate(sheet, mapping, known=StoredFacts.of(None)), validate(sheet, mapping))
