"""The deck model (ui/slides.py) on the hand-made fixture store: which slides a deck holds, their
figures, sentences and sources, the deck's place in the URL, and export file names."""
import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from loaders.synth import write_fixture
from ui.aggregate import totals_by_indicator
from ui.dataset import load_dataset
from ui.formatting import format_total
from ui.labels import indicator_label
from ui.community_profile import community_choices, community_profile
from ui.queries import Filters, scope_of
from ui.slides import (Deck, Evidence, Source, Slide, build_deck, deck_from_query, deck_sources,
                       deck_to_query, export_name, presenting, quotations, ranked_spotlights,
                       readable_query, scaled_figure, slide_from_query, slide_kinds, slide_label)

DAY = dt.date(2026, 11, 21)
SHIPPED = Path(__file__).resolve().parent.parent / "data"   # data/batches, as the app ships
PEIHUA = "成华区|猛追湾街道|培华路社区"
YULIN = "武侯区|玉林街道|玉林东路社区"


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("slides-store")
    write_fixture(root)
    return load_dataset(root)


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(SHIPPED)


# ---- the URL ------------------------------------------------------------------------------------

DECKS = [
    Deck.default(),
    Deck(kinds=("title", "district", "sources")),
    Deck(kinds=("spotlight",), spotlights=(YULIN, PEIHUA)),
    Deck(kinds=("title", "headline", "district", "programme", "sources"), auto=10),
]


@pytest.mark.parametrize("deck", DECKS, ids=lambda d: ",".join(d.kinds))
def test_a_deck_survives_the_url(deck):
    query = deck_to_query(deck, slide=3, present=True)
    back = deck_from_query(query, community_keys=[PEIHUA, YULIN])
    assert back == deck
    assert slide_from_query(query, 9) == 3 and presenting(query)


def test_a_readable_query_reads_as_written_and_parses_back():
    params = {"district": ["彭州市"], "spot": ["培华路社区（成华区猛追湾街道）"],
              "slides": ["封面", "社区风采"], "doc": ["a&b=c #1 50%+.txt"], "present": "1"}
    text = readable_query(params)
    assert "district=彭州市" in text and "spot=培华路社区（成华区猛追湾街道）" in text
    assert "&b" not in text and " " not in text       # what would end or split a value is encoded
    assert parse_qs(text) == {k: v if isinstance(v, list) else [v] for k, v in params.items()}


def test_the_url_holds_what_the_bound_widgets_show():
    query = deck_to_query(Deck(kinds=("title", "spotlight"), spotlights=(PEIHUA,)))
    assert query == {"slides": ["封面", "社区风采"], "spot": ["培华路社区（成华区猛追湾街道）"]}


@pytest.mark.parametrize("params,kinds", [
    ({}, Deck.default().kinds),                                     # no parameter: the default
    ({"slides": "title,district"}, ("title", "district")),          # codes, comma-separated
    ({"slides": ["区域对比", "封面"]}, ("title", "district")),        # labels: deck order wins
    ({"slides": ["封面", "不存在", "nonsense"]}, ("title",)),          # unknown names dropped
])
def test_slides_from_the_url(params, kinds):
    assert deck_from_query(params).kinds == kinds


def test_spotlights_from_the_url_keep_only_known_communities():
    deck = deck_from_query({"spot": ["玉林东路社区（武侯区玉林街道）", "不在库中社区", PEIHUA]},
                           community_keys=[PEIHUA, YULIN])
    assert deck.spotlights == (YULIN, PEIHUA)


@pytest.mark.parametrize("params,count,expected", [
    ({}, 5, 1), ({"slide": "3"}, 5, 3), ({"slide": "9"}, 5, 5), ({"slide": "0"}, 5, 1),
    ({"slide": "-2"}, 5, 1), ({"slide": "x"}, 5, 1), ({"slide": "2"}, 0, 1),
])
def test_slide_number_from_the_url_stays_in_the_deck(params, count, expected):
    assert slide_from_query(params, count) == expected


@pytest.mark.parametrize("params,expected", [
    ({}, False), ({"present": "1"}, True), ({"present": "0"}, False), ({"present": "false"}, False),
])
def test_presenting_flag(params, expected):
    assert presenting(params) is expected


@pytest.mark.parametrize("filters,expected", [
    (Filters(), "社区治理_成都市_2026-11-21.pptx"),
    (Filters(district=("成华区",)), "社区治理_成华区_2026-11-21.pptx"),
    (Filters(district=("成华区",), street=("猛追湾街道",)), "社区治理_猛追湾街道_2026-11-21.pptx"),
    (Filters(district=("成华区", "武侯区"), programme=("elderly",)),
     "社区治理_成华区、武侯区_养老服务_2026-11-21.pptx"),
    (Filters(doc=('a/b:c*"d".txt',)), "社区治理_成都市_a_b_c_d_.txt_2026-11-21.pptx"),
])
def test_export_names_carry_scope_and_date_and_are_safe(filters, expected):
    name = export_name(filters, DAY, "pptx")
    assert name == expected
    assert not set('/\\:*?"<>|') & set(name)


# ---- the slides ---------------------------------------------------------------------------------

def test_default_deck_for_a_district(ds):
    slides = build_deck(ds, Filters(district=("成华区",)), Deck.default(), DAY)
    assert [(s.kind, s.title) for s in slides] == [
        ("title", "成华区社区治理工作交流"),
        ("headline", "成华区已实现的主要数字"),
        ("district", "成华区各街道（镇）对比"),
        ("programme", "成华区项目类型分布"),
        ("spotlight", "社区风采：培华路社区"),
        ("sources", "资料来源"),
    ]
    assert "2026-11-21" in slides[0].subtitle and "成华区" in slides[0].subtitle


@pytest.mark.parametrize("filters", [Filters(), Filters(district=("武侯区",)),
                                     Filters(kind=("person_times",))])
def test_headline_figures_are_the_dashboards_totals(ds, filters):
    headline = build_deck(ds, filters, Deck(kinds=("headline",)), DAY)[0]
    totals = totals_by_indicator(scope_of(ds, filters).facts, "achieved")
    assert [(n.label, n.value) for n in headline.numbers] == [
        (indicator_label(r.indicator, r.per if isinstance(r.per, str) else None),
         format_total(r.value, r.unit, r.qualifier, r.rule, r.low)) for r in totals.itertuples()]


def test_fixture_headline_by_hand(ds):
    numbers = {n.label: n.value for n in build_deck(ds, Filters(), Deck(kinds=("headline",)), DAY)[0].numbers}
    assert numbers["服务人次"] == "7400余人次" and numbers["常住人口"] == "近2.1万人"
    assert numbers["志愿者人数"] == "60余人" and "服务人数" not in numbers


def test_district_chart_compares_the_districts(ds):
    slide = build_deck(ds, Filters(), Deck(kinds=("district",)), DAY)[0]
    bars = {t.name: dict(zip(t.y, t.x)) for t in slide.chart.data}
    assert bars["已实现"] == {"武侯区": 5, "成华区": 5}
    assert bars["计划目标"] == {"武侯区": 0, "成华区": 1}


def test_spotlight_shows_figures_with_their_sentences_and_initiatives(ds):
    deck = Deck(kinds=("spotlight",), spotlights=(YULIN,))
    slide = build_deck(ds, Filters(), deck, DAY)[0]
    assert slide.title == "社区风采：玉林东路社区"
    assert "王建国" in slide.subtitle and "玉林街道" in slide.subtitle
    # the same totals as the community profile: 1200 + 3000余人次 of the community
    assert [n.value for n in slide.numbers] == ["近2.1万人", "4200余人次", "200余户"]
    profile = community_profile(ds, YULIN, Filters())
    totals = totals_by_indicator(profile.claims, "achieved")
    assert [n.value for n in slide.numbers] == [
        format_total(r.value, r.unit, r.qualifier, r.rule, r.low) for r in totals.itertuples()]
    before, figure, after = slide.evidence[0].parts()
    assert (before, figure, after) == ("玉林东路社区有居民", "近2.1万人", "，老年人占三成。")
    assert all(e.figure in e.sentence for e in slide.evidence)
    assert slide.bullets == ["喘息计划（养老服务）"]
    assert [s.doc for s in slide.sources] == ["b.txt"]


def test_spotlights_default_to_the_communities_with_most_figures(ds):
    slides = build_deck(ds, Filters(), Deck(kinds=("spotlight",)), DAY)
    assert [s.title for s in slides] == ["社区风采：培华路社区", "社区风采：玉林东路社区"]


def test_default_spotlights_on_the_shipped_data_have_figures(shipped):
    # 彭州市 holds 天府中路社区 (many figures), 东林社区 (a bare planned count) and
    # 天府西路社区 (none): only the first has something to show
    slides = build_deck(shipped, Filters(district=("彭州市",)), Deck(kinds=("spotlight",)), DAY)
    assert [s.title for s in slides] == ["社区风采：天府中路社区"]
    assert slides[0].numbers and "暂无" not in slides[0].note


@pytest.mark.parametrize("filters", [Filters(), Filters(district=("彭州市",)),
                                     Filters(district=("武侯区",)), Filters(district=("锦江区",))],
                         ids=["city", "彭州市", "武侯区", "锦江区"])
def test_spotlights_rank_communities_by_achieved_figures(shipped, filters):
    scope = scope_of(shipped, filters)
    ranked = ranked_spotlights(scope)

    def achieved(key):
        facts = community_profile(shipped, key, filters).claims
        facts = facts[(facts["kind"] != "other").to_numpy()]
        return facts[(facts["status"] == "achieved").to_numpy()]["fact_key"].nunique()

    counts = [achieved(k) for k in ranked]
    assert counts == sorted(counts, reverse=True)
    for key in community_choices(scope):  # left out: exactly those a spotlight has nothing for
        slide = build_deck(shipped, filters, Deck(kinds=("spotlight",), spotlights=(key,)), DAY)[0]
        assert bool(slide.numbers) == (key in ranked), key
    for slide in build_deck(shipped, filters, Deck(kinds=("spotlight",)), DAY):
        assert slide.numbers, slide.title


def test_two_figures_of_one_sentence_are_quoted_once():
    sentence = "组建由60余名退休教师构成的志愿队，开展讲座200余次。"
    evidence = [Evidence("60余名", sentence, "a.txt", (3, 7)),
                Evidence("3000余人次", "累计3000余人次。", "a.txt", (2, 9)),
                Evidence("200余次", sentence, "a.txt", (22, 27))]
    assert quotations(evidence) == [
        ("a.txt", [("组建由", False), ("60余名", True), ("退休教师构成的志愿队，开展讲座", False),
                   ("200余次", True), ("。", False)]),
        ("a.txt", [("累计", False), ("3000余人次", True), ("。", False)])]


def test_a_footer_says_a_shared_batch_once_by_file_uploader_and_date():
    batch = "导入：三季度台账.xlsx，张三，2026-12-01"
    sources = [Source(f"{d}.txt", f"标题{d}", "20261201T052940430328-f3f76846", "三季度台账.xlsx",
                      batch) for d in "abcd"]
    assert Slide("headline", "t", sources=sources).footer() == \
        f"来源：《标题a》；《标题b》；《标题c》 等 4 份（{batch}）"
    assert Slide("headline", "t", sources=sources[:1]).footer() == f"来源：《标题a》（{batch}）"
    mixed = [sources[0], Source("e.txt", None, "b2", None, "看板默认数据")]
    assert Slide("headline", "t", sources=mixed).footer(named=1) == \
        f"来源：《标题a》（{batch}） 等 2 份"
    assert mixed[1].label() == "e.txt（看板默认数据）"
    assert "20261201T" not in Slide("headline", "t", sources=sources).footer()


def test_a_spotlight_outside_the_filters_falls_back(ds):
    deck = Deck(kinds=("spotlight",), spotlights=(YULIN,))
    slides = build_deck(ds, Filters(district=("成华区",)), deck, DAY)
    assert [s.title for s in slides] == ["社区风采：培华路社区"]


def test_every_slide_names_its_sources_and_the_last_lists_them_all(ds):
    slides = build_deck(ds, Filters(), Deck.default(), DAY)
    for slide in slides:
        assert slide.sources, slide.title
        assert slide.footer().startswith("来源：")
        assert all(s.batch_id in ("b1", "b2") and s.batch_file for s in slide.sources)
    closing = slides[-1]
    assert closing.kind == "sources"
    assert closing.bullets == [s.label() for s in deck_sources(slides[:-1])]
    assert closing.bullets == ["《培华路社区：文化润心 邻里同行》（导入：fixture-b1，测试，2025-03-01）",
                               "《玉林东路社区：让老人住得安心》（导入：fixture-b2，测试，2025-03-02）"]


def test_a_slide_rests_only_on_its_own_sources(ds):
    headline = build_deck(ds, Filters(district=("成华区",)), Deck(kinds=("headline",)), DAY)[0]
    assert [s.doc for s in headline.sources] == ["a.txt"]


def test_a_scope_without_data_still_builds(ds):
    slides = build_deck(ds, Filters(district=("锦江区",)), Deck.default(), DAY)
    assert [s.kind for s in slides] == ["title", "headline", "district", "programme", "sources"]
    assert slides[1].numbers == [] and "没有" in slides[1].note
    assert slides[0].numbers[0].value == "0"


def test_deck_order_is_fixed_whatever_the_pick_order(ds):
    deck = Deck(kinds=tuple(reversed(slide_kinds())))
    kinds = [s.kind for s in build_deck(ds, Filters(), deck, DAY)]
    assert kinds == sorted(kinds, key=list(slide_kinds()).index)
    assert all(slide_label(k) != k for k in slide_kinds())


def test_projector_figures_have_large_type_and_no_duplicate_title(ds):
    chart = build_deck(ds, Filters(), Deck(kinds=("programme",)), DAY)[0].chart
    big = scaled_figure(chart, font_size=22, height=700, title=False)
    assert big.layout.font.size == 22 and big.layout.height == 700
    assert big.layout.xaxis.tickfont.size == 22 and big.layout.yaxis.tickfont.size == 22
    assert not big.layout.title.text
    assert chart.layout.title.text and chart.layout.font.size == 13  # the original is untouched
    titled = scaled_figure(chart, font_size=20, height=900)
    assert titled.layout.title.text == chart.layout.title.text
    assert [list(t.x) for t in titled.data] == [list(t.x) for t in chart.data]
