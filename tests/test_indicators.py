"""Indicators (loaders/indicators.py, loaders/data/indicators.yaml): the catalogue, how article
sentences and sheet columns map to an indicator and a period, and the four cases of issue 10 on
the shipped data, with their expected figures."""
from pathlib import Path

import pytest

from loaders.extract import extract_text
from loaders.indicators import (AGGREGATIONS, OTHER, by_code, catalogue, indicator_codes,
                                sheet_indicator)
from loaders.schema import UNITS
from loaders.synth import make_synthetic, write_fixture
from ui.aggregate import totals_by_indicator
from ui.dataset import load_dataset
from ui.formatting import format_total
from ui.queries import Filters, scope_of

ROOT = Path(__file__).resolve().parent.parent


def test_catalogue_is_well_formed():
    inds = catalogue()
    assert 25 <= len(inds) - 1 <= 40
    assert inds[-1].code == OTHER and inds[-1].name == "其他"
    assert len(set(indicator_codes())) == len(inds)
    for i in inds[:-1]:
        assert i.name and len(i.definition) >= 10, i.code
        assert i.aggregation in AGGREGATIONS
        assert i.units and set(i.units) <= set(UNITS), i.code
    defaults = [u for i in inds if i.default for u in i.units]
    assert len(defaults) == len(set(defaults)), "at most one default indicator per unit"


def _claims(text):
    return [(c["text"], c["indicator"], c["per"]) for c in extract_text("t.txt", text).claims]


# Sentences written for the genre: the figure, its indicator and the period of a rate.
SENTENCES = [
    ("日均服务居民超100人次。", ("超100人次", "service_times", "day")),
    ("累计吸引3000余人次居民参与。", ("3000余人次", "service_times", None)),
    ("小院实现年营收50万元。", ("50万元", "revenue", "year")),
    ("链接资金10万元，改造废弃泳池。", ("10万元", "funds", None)),
    ("申请专项经费4万元。", ("4万元", "funds", None)),
    ("社区募集慈善捐款2万元。", ("2万元", "donations", None)),
    ("组建由60余名退休教师构成的“银龄志愿队”。", ("60余名", "volunteers", None)),
    ("吸纳200余名居民参与环境整治。", ("200余名", "participants", None)),
    ("论坛上，近20位社区书记分享了经验。", ("近20位", "attendees", None)),
    ("社区有常住人口8000余人。", ("8000余人", "population", None)),
    ("对管辖楼栋128户居民了如指掌。", ("128户", "households", None)),
    ("惠及200余户双职工家庭。", ("200余户", "households_served", None)),
    ("吸纳30余户家庭参与。", ("30余户", "households_participating", None)),
    ("支部党员人均结对帮扶3户困难家庭。", ("3户", "households_served", "person")),
    ("年均举办文化活动40余场。", ("40余场", "events", "year")),
    ("每月召开居民议事会2次。", ("2次", "consultations", "month")),
    ("解决停车纠纷等民生问题130余件。", ("130余件", "issues_resolved", None)),
    ("培育30家社会企业。", ("30家", "social_enterprises", None)),
    ("建成5个创投空间。", ("5个", "facilities", None)),
    ("打造占地650平方米的小院。", ("650平方米", "space_area", None)),
    ("改造提升闲置空间800平方米。", ("800平方米", "renovated_area", None)),
    ("居民满意度达到95%。", ("95%", "satisfaction", None)),
    ("入驻企业运营成本降低40%。", ("40%", "change", None)),
    ("建立12支学习团队。", ("12支", "teams", None)),
    ("日均服務居民超100人次。", ("超100人次", "service_times", "day")),   # traditional script
]


@pytest.mark.parametrize("sentence,expected", SENTENCES, ids=[s for s, _ in SENTENCES])
def test_sentence_maps_to_indicator(sentence, expected):
    assert expected in _claims(sentence)


def test_list_items_in_one_sentence_get_their_own_indicators():
    got = _claims("已培育5家企业、1个创业个体，引入1个社会组织。")
    assert got == [("5家", "enterprises", None), ("1个", "entrepreneurs", None),
                   ("1个", "social_organisations", None)]


@pytest.mark.parametrize("unit,obj,header,expected", [
    ("person_time", "", "参与人次", ("service_times", None)),
    ("person", "志愿者人数", "数量", ("volunteers", None)),
    ("person", "", "志愿者人数", ("volunteers", None)),
    ("person", "常住人口", "数量", ("population", None)),
    ("yuan", "年营收", "金额", ("revenue", "year")),
    ("yuan", "", "投入资金（元）", ("funds", None)),
    ("household", "惠及户数", "数量", ("households_served", None)),
    ("person", "", "数量", (OTHER, None)),
])
def test_sheet_column_maps_to_indicator(unit, obj, header, expected):
    assert sheet_indicator(unit, obj, header) == expected


def test_sheet_upload_reads_the_value_header():
    from tests.test_sheets import xlsx_bytes
    from loaders.sheets import guess_mapping, read_sheet, validate

    sheet = read_sheet(xlsx_bytes([["区县", "街道", "社区名称", "参与人次", "单位"],
                                   ["锦江区", "东湖街道", "东怡社区", "3000", "人次"]]), "上报.xlsx")
    mapping = guess_mapping(sheet.headers)
    mapping["参与人次"] = "value"
    result = validate(sheet, mapping)
    assert list(result.valid_claims["indicator"]) == ["service_times"]


# ---- the four cases of the issue on the shipped data ------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_dataset(ROOT / "data")


def _shown(ds, **filters):
    t = totals_by_indicator(scope_of(ds, Filters(**filters)).facts, "achieved")
    return {(r.indicator, r.per if isinstance(r.per, str) else None):
            format_total(r.value, r.unit, r.qualifier, r.rule, r.low) for r in t.itertuples()}


def test_case1_daily_rate_is_not_added_to_running_total(shipped):
    shown = _shown(shipped)
    assert shown[("service_times", None)] == "3000余人次"
    assert shown[("service_times", "day")] == "100余人次"


def test_case2_revenue_is_not_added_to_grants(shipped):
    shown = _shown(shipped)
    assert shown[("funds", None)] == "14万元"            # 链接资金10万元 + 专项经费4万元
    assert shown[("revenue", "year")] == "50万元"         # 年营收, a rate per year


def test_case3_people_are_not_mixed(shipped):
    shown = _shown(shipped)
    assert shown[("volunteers", None)] == "60余人"       # 60余名退休教师 (volunteers)
    assert shown[("participants", None)] == "200余人"    # 200余名居民参与
    assert ("beneficiaries", None) not in shown
    assert ("attendees", None) not in shown              # 近20位社区书记 at a forum: no total


def test_case4_two_different_ones_stay_apart(shipped):
    shown = _shown(shipped, community=("天府中路社区",))
    assert shown[("enterprises", None)] == "5家"
    assert shown[("entrepreneurs", None)] == "1家"
    assert shown[("social_organisations", None)] == "1家"


def test_shipped_and_synthetic_claims_mostly_map_to_an_indicator(shipped):
    shipped_share = (shipped.numbers["indicator"] != OTHER).mean()
    synthetic = make_synthetic(5000)["claims"]
    synthetic_share = (synthetic["indicator"] != OTHER).mean()
    assert shipped_share >= 0.9 and synthetic_share >= 0.9
    assert set(synthetic["indicator"]) <= set(by_code())


def test_a_batch_from_before_indicators_is_read_with_them(tmp_path):
    """A store written by an older version (claims without indicator/per) still opens: the
    indicators are read from the sentences, as the loaders give them today; nothing is rewritten."""
    import shutil

    import pyarrow.parquet as pq

    from loaders.store import load_tables

    src = ROOT / "data" / "batches" / "default-seeds"
    old = tmp_path / "batches" / "default-seeds"
    shutil.copytree(src, old)
    table = pq.read_table(old / "claims.parquet")
    pq.write_table(table.drop_columns(["indicator", "per"]), old / "claims.parquet")
    before = (old / "claims.parquet").read_bytes()
    shipped = load_tables(ROOT / "data").claims
    for claims in (load_tables(tmp_path).claims, load_dataset(tmp_path).claims):
        assert list(claims["indicator"].astype(object)) == list(shipped["indicator"])
        assert list(claims["per"].astype(object).fillna("")) == list(shipped["per"].fillna(""))
    assert (old / "claims.parquet").read_bytes() == before
    write_fixture(tmp_path)           # old and new batches side by side
    mixed = load_dataset(tmp_path)
    assert len(mixed.numbers) == len(shipped) + 12 and mixed.numbers["indicator"].notna().all()
