"""Extraction on short texts of the genre: claims, their places and status, and the offsets."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.extract import extract_text

# (text, expected claims as (surface, value, kind, qualifier, community, status))
CASES = [
    ("截至目前，社区已累计开展志愿服务活动120余场，服务居民5000余人次。",
     [("120余场", 120, "events", "at_least", None, "achieved"),
      ("5000余人次", 5000, "person_times", "at_least", None, "achieved")]),
    ("今年，社区计划新建2个社区食堂，预计服务老人300余名。",
     [("2个", 2, "facilities", "exact", None, "planned"),
      ("300余名", 300, "people", "at_least", None, "planned")]),
    ("该村共有村民1200户、4300余人，耕地面积3000亩。",
     [("1200户", 1200, "households", "exact", None, "achieved"),
      ("4300余人", 4300, "people", "at_least", None, "achieved"),
      ("3000亩", 2000010, "area", "exact", None, "achieved")]),
    # Traditional script: matched after conversion, reported as written.
    ("社區已累計服務居民三千餘人次，籌集資金二十萬元。",
     [("三千餘人次", 3000, "person_times", "at_least", None, "achieved"),
      ("二十萬元", 200000, "money", "exact", None, "achieved")]),
    ("2024年3月，70岁的张大爷在第三届社区文化节上，与近千名居民同台。",
     [("近千名", 1000, "people", "at_most", None, "achieved")]),
    ("下一步，社区将新建3处口袋公园。目前已建成2处。",
     [("3处", 3, "facilities", "exact", None, "planned"),
      ("2处", 2, "facilities", "exact", None, "achieved")]),
    # The disposal 将 (= 把) after a comma says nothing about the future.
    ("通过积分制，将居民参与行为量化为积分，累计吸引800余人次。",
     [("800余人次", 800, "person_times", "at_least", None, "achieved")]),
    # A numbered list continues the plan its paragraph opened.
    ("2026年，社区将聚焦养老服务。一是新建1个长者食堂；二是培育3支志愿服务队。",
     [("1个", 1, "facilities", "exact", None, "planned"),
      ("3支", 3, "teams", "exact", None, "planned")]),
    # Places: a speaker's line opens a section; a street-level sentence has no community.
    ("锦江区东湖街道东怡社区党委书记王明：“社区孵化出8支居民自治团队。”\n"
     "未来三年，东湖街道将建成5个创投空间。",
     [("8支", 8, "teams", "exact", "东怡社区", "achieved"),
      ("5个", 5, "facilities", "exact", None, "planned")]),
    # A short form resolves to the community introduced earlier in the same text.
    ("成华区万年场街道双福路社区党委书记何红\n双福社区开展活动24场，服务居民600余人。",
     [("24场", 24, "events", "exact", "双福路社区", "achieved"),
      ("600余人", 600, "people", "at_least", "双福路社区", "achieved")]),
    ("全年共举办各类活动300余场次，参与居民达1.5万人次。社区现有居民8600余户、2.3万人。",
     [("300余场次", 300, "events", "at_least", None, "achieved"),
      ("1.5万人次", 15000, "person_times", "exact", None, "achieved"),
      ("8600余户", 8600, "households", "at_least", None, "achieved"),
      ("2.3万人", 23000, "people", "exact", None, "achieved")]),
    # The counted noun may stand before the number: 中心1个 is a facility.
    ("建成党群服务中心1个、邻里中心3个，培育社区社会企业2家。",
     [("1个", 1, "facilities", "exact", None, "achieved"),
      ("3个", 3, "facilities", "exact", None, "achieved"),
      ("2家", 2, "organisations", "exact", None, "achieved")]),
    # Vague (数百, 二三十), ages, grades, ordinals and service hours are not claims.
    ("组织一百多名儿童参加，数百名家长陪同，近百名志愿者服务，二三十人报名。"
     "为60岁以上老人打造5A级景区、三级网格，选派第一书记，提供24小时服务。",
     [("一百多名", 100, "people", "at_least", None, "achieved"),
      ("近百名", 100, "people", "at_most", None, "achieved")]),
    ("居民參與率提升至85%，該項目總投資約2000萬元。",
     [("85%", 85, "percent", "exact", None, "achieved"),
      ("約2000萬元", 20_000_000, "money", "approx", None, "achieved")]),
    ("成都高新区西园街道芯瑞社区 产教融合新实践\n社区链接企业32家，解决就业岗位150个。",
     [("32家", 32, "organisations", "exact", "芯瑞社区", "achieved"),
      ("150个", 150, "other", "exact", "芯瑞社区", "achieved")]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_claims(text, expected):
    claims = extract_text("t.txt", text).claims
    got = [(c["text"], c["value"], c["kind"], c["qualifier"], c["community"], c["status"])
           for c in claims]
    assert got == [(t, pytest.approx(v), k, q, com, s) for t, v, k, q, com, s in expected]
    for c in claims:
        assert text[c["start"]:c["end"]] == c["text"]
        assert text[c["evidence_start"]:c["evidence_start"] + len(c["evidence"])] == c["evidence"]


def test_places_come_from_the_gazetteer():
    text = "天府新区华阳街道广福社区党总支书记钱坤：“社区组建12支学习团队。”"
    (c,) = extract_text("t.txt", text).claims
    assert (c["district"], c["street"], c["community"]) == ("天府新区", "华阳街道", "广福社区")


def test_street_alone_gets_its_district():
    (c,) = extract_text("t.txt", "天彭街道培育30家社会企业。").claims
    assert (c["district"], c["street"], c["community"]) == ("彭州市", "天彭街道", None)


def test_communities_and_initiatives():
    text = ("王怡春\n\n成华区猛追湾街道培华路社区党委书记\n\n"
            "2025年，培华路社区将实施“岁月华章”项目，深化“喘息\n\n计划”，开展活动20场。")
    ex = extract_text("t.txt", text)
    assert [(c["community"], c["street"], c["district"], c["secretary"], c["title"])
            for c in ex.communities] == [("培华路社区", "猛追湾街道", "成华区", "王怡春", "党委书记")]
    assert [i["name"] for i in ex.initiatives] == ["岁月华章", "喘息\n\n计划".replace("\n", "")]
    assert all(i["community"] == "培华路社区" and i["status"] == "planned" for i in ex.initiatives)
    (c,) = ex.claims
    assert (c["period"], c["status"]) == ("2025", "planned")


def test_ocr_broken_number_keeps_original_offsets():
    text = "社区通过入户动员、线上招募等多种方式，累计吸引居民3000\n\n余人次参与志愿服务活动。"
    (c,) = extract_text("t.txt", text).claims
    assert c["value"] == 3000 and c["qualifier"] == "at_least"
    assert text[c["start"]:c["end"]] == c["text"] == "3000\n\n余人次"


@given(st.lists(st.sampled_from([
    "社区开展活动20余场，", "惠及200余户家庭。", "\n\n", "2025年，", "“1+3+3+N”", "近2.1万名居民",
    "社區籌集資金十萬元", "天彭街道", "天府中路社区", "将", "x", "，", "。", "\n", "50万元", "第六届",
]), max_size=40))
@settings(max_examples=200, deadline=None)
def test_offsets_always_slice_the_original(parts):
    text = "".join(parts)
    ex = extract_text("t.txt", text)
    for c in ex.claims:
        assert text[c["start"]:c["end"]] == c["text"]
        assert c["evidence_start"] <= c["start"] and \
            c["end"] <= c["evidence_start"] + len(c["evidence"])


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_extract_never_raises(text):
    for c in extract_text("t.txt", text).claims:
        assert text[c["start"]:c["end"]] == c["text"]
