"""The shared import steps (loaders.imports): batch ids, re-upload recognition, an organiser's
districts, article review with corrections, the same file committed twice at once."""
import threading
from datetime import datetime, timezone

import pandas as pd
import pytest

from loaders.imports import (AlreadyImportedError, apply_claim_review, apply_keep,
                             claims_for_review, commit_article, commit_sheet, find_imported,
                             history, may_undo, new_batch_id, restrict_to_districts)
from loaders.pipeline import extract_document, tables_of
from loaders.readers import read_bytes
from loaders.sheets import guess_mapping, read_sheet, validate
from loaders.store import list_batches, load_tables
from tests.test_sheets import GOOD, HEADERS, row_with, xlsx_bytes

ARTICLE = ("锦江区东湖街道东怡社区今年开展志愿服务活动120场，服务居民3000余人次。"
           "社区还计划新建650平方米的邻里中心。").encode()


def article_tables(text: bytes = ARTICLE, name: str = "东怡社区.txt"):
    doc = read_bytes(text, name)
    return doc, tables_of([(doc, extract_document(doc))], "")


def checked_sheet(rows, name="上报.xlsx"):
    sheet = read_sheet(xlsx_bytes([HEADERS, *rows]), name)
    return sheet, validate(sheet, guess_mapping(sheet.headers))


def test_batch_ids_differ_within_a_second_and_carry_the_hash():
    t = datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=timezone.utc)
    a, _ = new_batch_id("ab" * 32, t)
    b, _ = new_batch_id("ab" * 32, t.replace(microsecond=2))
    assert a != b and a.endswith("-abababab")


def test_same_sheet_is_recognised_and_not_stored_twice(tmp_path):
    data = xlsx_bytes([HEADERS, GOOD])
    sheet = read_sheet(data, "上报.xlsx")
    result = validate(sheet, guess_mapping(sheet.headers))
    manifest = commit_sheet(sheet, result, "张三", tmp_path)
    assert manifest["rows"]["claims"] == 1 and manifest["uploader"] == "张三"
    again = read_sheet(data, "改了名字.xlsx")
    assert again.sha256 == sheet.sha256
    hit = find_imported(again.sha256, tmp_path)
    assert hit.batch_id == manifest["batch_id"] and hit.file == "上报.xlsx" and hit.uploader == "张三"
    with pytest.raises(AlreadyImportedError, match="张三"):
        commit_sheet(again, result, "李四", tmp_path)
    assert len(list_batches(tmp_path)) == 1


def test_same_file_committed_twice_at_once_lands_once(tmp_path):
    sheet, result = checked_sheet([GOOD])
    outcomes, start = [], threading.Barrier(2)

    def commit():
        start.wait()
        try:
            outcomes.append(commit_sheet(sheet, result, "x", tmp_path)["batch_id"])
        except AlreadyImportedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "refused" for o in outcomes) == [False, True]
    assert len(load_tables(tmp_path).claims) == 1


def test_rows_outside_the_organisers_districts_become_errors():
    sheet, result = checked_sheet([GOOD, row_with(区县="成华区", 街道="猛追湾街道", 社区名称="望平社区")])
    assert len(result.valid_claims) == 2
    mine = restrict_to_districts(result, ("锦江区",))
    assert list(mine.valid_claims["district"]) == ["锦江区"]
    err = mine.errors
    assert list(err["行"]) == [3] and list(err["列"]) == ["区县"]
    assert "不属于你负责" in err["问题"].iloc[0] and "锦江区" in err["建议"].iloc[0]
    assert restrict_to_districts(result, None) is result


def test_article_review_untick_and_correct(tmp_path):
    doc, tables = article_tables()
    claims = tables["claims"]
    review = claims_for_review(claims)
    assert list(review["reading"]) == ["120场", "3000余人次", "650平方米"]
    assert review["keep"].all()
    review.loc[0, "keep"] = False                      # not a claim worth keeping
    review.loc[1, "reading"] = "3500余人次"             # misread by OCR
    review.loc[2, "status"] = "achieved"                # already built
    kept, problems = apply_claim_review(claims, review)
    assert problems == []
    assert list(kept["value"]) == [3500.0, 650.0]
    assert list(kept["qualifier"]) == ["at_least", "exact"]
    assert list(kept["status"]) == ["achieved", "achieved"]
    assert list(kept["text"]) == ["3000余人次", "650平方米"]   # the source span, for the evidence
    manifest = commit_article(doc.name, doc.sha256, {**tables, "claims": kept}, "王五", tmp_path)
    stored = load_tables(tmp_path)
    assert manifest["rows"]["claims"] == 2 and len(stored.claims) == 2
    assert set(stored.claims["batch_id"]) == {manifest["batch_id"]}
    assert find_imported(doc.sha256, tmp_path).batch_id == manifest["batch_id"]


@pytest.mark.parametrize("change, message", [
    ({"reading": "很多人"}, "读不出数字和单位"),
    ({"reading": "3000"}, "读不出数字和单位"),           # a bare number: which unit?
    ({"district": "成华区"}, "不是你负责的"),
    ({"programme": None}, "没有项目类型"),
    ({"status": None}, "没有状态"),
])
def test_article_review_problems(change, message):
    _, tables = article_tables()
    review = claims_for_review(tables["claims"])
    for col, value in change.items():
        review[col] = review[col].astype("object")
        review.loc[1, col] = value
    _, problems = apply_claim_review(tables["claims"], review, ("锦江区",))
    assert len(problems) == 1 and message in problems[0] and problems[0].startswith("第 2 行")


def test_article_claims_outside_districts_start_unticked():
    _, tables = article_tables()
    assert not claims_for_review(tables["claims"], ("成华区",))["keep"].any()


def test_communities_review_keeps_ticked_and_checks_districts():
    _, tables = article_tables()
    comm = tables["communities"]
    review = comm.assign(keep=True)
    kept, problems = apply_keep(comm, review, ["community", "district"], "社区表", ("锦江区",))
    assert len(kept) == 1 and problems == []
    review["keep"] = False
    kept, _ = apply_keep(comm, review, ["community"], "社区表")
    assert kept.empty
    review = comm.assign(keep=True, district="成华区")
    _, problems = apply_keep(comm, review, ["district"], "社区表", ("锦江区",))
    assert problems and "社区表第 1 行" in problems[0]


def test_who_may_undo_and_the_history(tmp_path):
    sheet, result = checked_sheet([GOOD])
    jj = commit_sheet(sheet, result, "a", tmp_path)["batch_id"]
    sheet2, result2 = checked_sheet([GOOD, row_with(区县="成华区", 街道="猛追湾街道", 社区名称="望平社区")],
                                    "两区.xlsx")
    both = commit_sheet(sheet2, result2, "b", tmp_path)["batch_id"]
    assert may_undo(jj, ("锦江区",), tmp_path) and not may_undo(both, ("锦江区",), tmp_path)
    assert may_undo(both, None, tmp_path)
    h = history(tmp_path)
    assert list(h["批次"]) == [both, jj]                  # newest first
    assert list(h["数据条数"]) == [2, 1] and set(h["类型"]) == {"表格"}
    assert list(history(tmp_path / "nothing").columns) == list(h.columns)
    assert isinstance(h, pd.DataFrame)


def test_undo_then_restore_and_restore_refused_after_a_reimport(tmp_path):
    from loaders.imports import may_restore, restore
    from loaders.store import undo_batch

    data = xlsx_bytes([HEADERS, GOOD])
    sheet = read_sheet(data, "上报.xlsx")
    result = validate(sheet, guess_mapping(sheet.headers))
    first = commit_sheet(sheet, result, "a", tmp_path)["batch_id"]
    undo_batch(first, tmp_path)
    undone = history(tmp_path, undone=True)
    assert list(undone["批次"]) == [first] and list(undone["文件夹"]) == [first]
    assert may_restore(first, ("锦江区",), tmp_path) and not may_restore(first, ("成华区",), tmp_path)
    restore(first, tmp_path)
    assert list(list_batches(tmp_path)["batch_id"]) == [first]
    assert history(tmp_path, undone=True).empty

    undo_batch(first, tmp_path)
    second = commit_sheet(sheet, result, "b", tmp_path)["batch_id"]   # the same file again
    with pytest.raises(AlreadyImportedError, match=second):
        restore(first, tmp_path)
    assert list(list_batches(tmp_path)["batch_id"]) == [second]
    assert len(load_tables(tmp_path).claims) == 1


# ---------------------------------------------------------------- relabelling another district's place

OTHER = "成华区猛追湾街道望平社区今年服务居民500余人次。".encode()


@pytest.mark.parametrize("change, words", [
    ({"district": "锦江区"}, ["猛追湾街道", "成华区"]),                          # only the district
    ({"district": "锦江区", "street": None}, ["望平社区", "成华区"]),            # street dropped too
    ({"district": "锦江区", "street": "盐市口街道"}, ["望平社区", "成华区"]),      # own street, their community
])
def test_relabelling_another_districts_figure_is_refused(change, words):
    _, tables = article_tables(OTHER, "望平社区.txt")
    claims = tables["claims"]
    assert set(claims["district"]) == {"成华区"} and set(claims["community"]) == {"望平社区"}
    review = claims_for_review(claims, ("锦江区",))
    review["keep"] = True
    for col, value in change.items():
        review[col] = review[col].astype("object")
        review[col] = value
    kept, problems = apply_claim_review(claims, review, ("锦江区",))
    assert problems and all(w in problems[0] for w in words) and "不是你负责" in problems[0], problems


def test_a_community_known_elsewhere_in_the_store_is_refused_too():
    _, tables = article_tables(OTHER, "望平社区.txt")
    claims = tables["claims"]
    review = claims_for_review(claims, ("锦江区",)).astype({"street": "object"})
    review = review.assign(keep=True, district="锦江区", street=None, community="培华路社区")
    store = pd.DataFrame({"district": ["成华区"], "street": ["猛追湾街道"], "community": ["培华路社区"]})
    _, problems = apply_claim_review(claims, review, ("锦江区",), known=store)
    assert problems and "培华路社区" in problems[0] and "成华区" in problems[0]
    # without the store it is a new community of 锦江区; an organiser of 成华区 may place it
    assert apply_claim_review(claims, review, ("锦江区",))[1] == []
    assert apply_claim_review(claims, review.assign(district="成华区"), ("成华区",), known=store)[1] == []


def test_own_district_rows_and_new_communities_pass():
    _, tables = article_tables()
    review = claims_for_review(tables["claims"], ("锦江区",))
    review["community"] = "新建社区"
    _, problems = apply_claim_review(tables["claims"], review, ("锦江区",))
    assert problems == []


def test_relabelling_a_community_row_is_refused():
    _, tables = article_tables(OTHER, "望平社区.txt")
    comm = tables["communities"]
    review = comm.assign(keep=True, district="锦江区")
    _, problems = apply_keep(comm, review, ["district"], "社区表", ("锦江区",))
    assert problems and "社区表第 1 行" in problems[0] and "猛追湾街道" in problems[0]


def test_a_sheet_row_of_another_districts_community_is_an_error():
    sheet, result = checked_sheet([row_with(区县="锦江区", 街道="", 社区名称="云杉坪社区")])
    assert len(result.valid_claims) == 1
    store = pd.DataFrame({"district": ["成华区"], "street": ["猛追湾街道"], "community": ["云杉坪社区"]})
    mine = restrict_to_districts(result, ("锦江区",), known=store)
    assert mine.valid_claims.empty
    problem = mine.problems.iloc[-1]
    assert (problem["列"], problem["值"]) == ("社区", "云杉坪社区") and "成华区" in problem["问题"]
    assert len(restrict_to_districts(result, ("锦江区",)).valid_claims) == 1   # a new community


def test_article_review_shows_and_records_place_corrections():
    _, tables = article_tables()
    claims = tables["claims"]
    review = claims_for_review(claims)
    assert review["place_note"].notna().all()          # why each figure sits where it does
    review["community"] = review["community"].astype("object")
    review.loc[1, "community"] = "芯瑞社区"
    kept, problems = apply_claim_review(claims, review)
    assert problems == []
    assert kept.loc[1, "place_rule"] == "corrected" and kept.loc[1, "place_confidence"] == "high"
    assert "芯瑞社区" in kept.loc[1, "place_note"]
    assert kept.loc[0, "place_rule"] != "corrected"    # untouched rows keep their own rule
