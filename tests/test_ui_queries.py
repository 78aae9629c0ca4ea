"""Queries behind the pages (ui.queries) on the hand-made fixture store."""
import pytest

from loaders.synth import write_fixture
from ui.dataset import load_dataset
from ui import evidence
from ui.claim_rows import claims_table
from ui.community_profile import community_choices, community_key_label, community_profile
from ui.initiative_rows import initiatives_table, search_initiatives
from ui.queries import (Filters, code_options, drill_level, place_options, programme_summary,
                        scope_counts, scope_of, summary_by)


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    write_fixture(root)
    return load_dataset(root)


def test_scope_counts(ds):
    c = scope_counts(scope_of(ds, Filters()))
    assert (c.communities, c.facts, c.mentions, c.sources, c.initiatives) == (2, 11, 12, 2, 2)


def test_a_filter_changes_the_counts(ds):
    c = scope_counts(scope_of(ds, Filters(district=("成华区",))))
    assert (c.communities, c.facts, c.mentions, c.sources) == (1, 6, 7, 1)
    # a claim-only filter counts communities through their claims only
    c = scope_counts(scope_of(ds, Filters(kind=("households",))))
    assert (c.communities, c.facts) == (1, 1)


def test_cascading_place_options(ds):
    assert place_options(ds, Filters(), "district") == ["成华区", "武侯区"]  # tile order
    assert place_options(ds, Filters(district=("武侯区",)), "street") == ["玉林街道"]
    assert place_options(ds, Filters(district=("武侯区",)), "community") == ["玉林东路社区"]


def test_code_options(ds):
    assert code_options(ds, "programme") == ["elderly", "volunteering", "community_economy",
                                             "culture"]
    assert code_options(ds, "kind")[:2] == ["people", "person_times"]
    assert code_options(ds, "batch") == ["b1", "b2"]
    assert code_options(ds, "period") == ["2025", "2024"]


def test_drill_down(ds):
    assert drill_level(Filters()) == "district"
    assert drill_level(Filters(district=("武侯区",))) == "street"
    assert drill_level(Filters(district=("武侯区",), street=("玉林街道",))) == "community"
    assert drill_level(Filters(district=("武侯区",), street=("玉林街道",),
                               community=("玉林东路社区",))) == "done"
    streets = summary_by(scope_of(ds, Filters(district=("武侯区",))), "street")
    assert streets.iloc[0].to_dict() == {"name": "玉林街道", "communities": 1, "facts": 5,
                                         "achieved": 5, "planned": 0, "initiatives": 1}
    comms = summary_by(scope_of(ds, Filters(district=("武侯区",))), "community")
    assert comms.iloc[0]["facts"] == 4  # the street-wide 20场 belongs to no community


def rows(ds, search=None, sort="source", filters=Filters()):
    query = evidence.claim_query(filters, search, sort)
    found = evidence.page_rows(ds, query, 1, 1000)
    assert evidence.count_rows(ds, query) == len(found)
    return found


def test_search_and_sort(ds):
    found = rows(ds, "退休教师")
    assert list(found["text"]) == ["60余名"]
    assert set(rows(ds, "养老")["programme"]) == {"elderly"}  # programme label
    assert len(rows(ds, "服务 3000余人次")) == 3
    ordered = rows(ds, sort="value_desc")
    assert ordered.iloc[0]["value"] == 21000  # people first (kind order), largest first
    assert list(rows(ds, sort="source")["doc"])[:7] == ["a.txt"] * 7
    assert len(rows(ds, "服务", filters=Filters(district=("武侯区",)))) == 5
    assert rows(ds, "不存在的词").empty


def test_claims_table_reads_in_chinese(ds):
    table = claims_table(ds.claims)
    first = table.iloc[0]
    assert first["数值"] == "3000余人次" and first["类别"] == "服务人次"
    assert first["项目类型"] == "文化服务" and first["状态"] == "已实现"
    assert first["标准值"] == 3000


def test_community_profile(ds):
    keys = community_choices(scope_of(ds, Filters()))
    assert [community_key_label(k) for k in keys] == ["培华路社区（成华区猛追湾街道）",
                                                       "玉林东路社区（武侯区玉林街道）"]
    p = community_profile(ds, keys[1])
    assert (p.community, p.street, p.district) == ("玉林东路社区", "玉林街道", "武侯区")
    assert (p.secretary, p.title) == ("王建国", "党委书记")
    assert len(p.claims) == 4 and p.programmes == ["elderly"]
    assert list(p.initiatives["name"]) == ["喘息计划"]
    assert list(p.documents["title"]) == ["玉林东路社区：让老人住得安心"]


def test_initiatives(ds):
    assert list(search_initiatives(ds.initiatives, "喘息")["name"]) == ["喘息计划"]
    assert list(search_initiatives(ds.initiatives, "文化服务")["name"]) == ["培华书院"]
    table = initiatives_table(ds.initiatives)
    assert list(table.columns[:4]) == ["项目名称", "社区", "街道", "区县"]


def test_programme_summary(ds):
    s = programme_summary(scope_of(ds, Filters())).set_index("programme")
    assert s.loc["culture", "facts"] == 5 and s.loc["culture", "planned"] == 1
    assert s.loc["elderly", "initiatives"] == 1
