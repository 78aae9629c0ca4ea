"""The aggregation rules (ui.aggregate) on the hand-made fixture store, whose figures are known
by hand (loaders.synth.make_fixture_tables), and on small frames built here."""
import pandas as pd
import pytest

from loaders.synth import write_fixture
from ui.aggregate import (achieved_vs_planned, combine_qualifiers, count_facts, distinct_facts,
                          district_programme_matrix, fact_keys, leading_communities, per_capita,
                          totals_by_indicator, totals_by_status)
from ui.dataset import load_dataset, prepare
from ui.queries import Filters, scope_of


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    write_fixture(root)
    return load_dataset(root)


def _totals(frame, status="achieved"):
    t = totals_by_indicator(frame, status)
    return {(i if not isinstance(p, str) else f"{i}/{p}"): (v, q, n)
            for i, p, v, q, n in zip(t["indicator"], t["per"], t["value"], t["qualifier"], t["facts"])}


def test_hand_computed_totals(ds):
    totals = _totals(ds.numbers)
    # 3000余 + 200 + 3000余 (b.txt, another source) + 1200; a.txt's second 3000余人次 is the
    # same fact said twice and counts once
    assert totals["service_times"] == (7400, "at_least", 4)
    # 60余 volunteers and 近2.1万 residents are different indicators: never added
    assert totals["volunteers"] == (60, "at_least", 1)
    assert totals["population"] == (21000, "at_most", 1)
    assert totals["households_served"] == (200, "at_least", 1)
    assert totals["events"] == (20, "exact", 1)
    assert totals["revenue/year"] == (500000, "exact", 1)   # 年营收: a rate, shown with its period


def test_indicators_are_never_added_together(ds):
    totals = totals_by_status(ds.numbers)
    assert not totals.duplicated(["status", "indicator", "per"]).any()
    assert (totals.groupby("indicator")["unit"].nunique() == 1).all()


def test_planned_never_added_to_achieved(ds):
    assert _totals(ds.numbers, "planned") == {"service_times": (500, "exact", 1)}
    both = achieved_vs_planned(ds.numbers)
    assert list(both["status"]) == ["achieved", "planned"]
    assert list(both["value"]) == [7400, 500]


def test_percentages_are_not_totalled(ds):
    t = totals_by_indicator(ds.numbers)
    assert list(t.loc[t["indicator"] == "satisfaction", "rule"]) == ["share"]
    assert "percent" in set(ds.numbers["kind"])


def test_same_fact_twice_in_one_source_counts_once(ds):
    facts = distinct_facts(ds.numbers)
    assert len(ds.numbers) == 12 and len(facts) == 11


def _frame(rows):
    """Claims from (indicator, per, value, unit, qualifier, status, community, period, doc,
    evidence_start) tuples."""
    cols = ["indicator", "per", "value", "unit", "qualifier", "status", "community", "period",
            "doc", "evidence_start"]
    f = pd.DataFrame(rows, columns=cols)
    return f.assign(district="彭州市", street="天彭街道", kind="other", programme="other",
                    evidence_start=pd.array(f["evidence_start"], dtype="Int64"))


# Every aggregation rule, with the indicator in it: rows in, the achieved totals out
# (indicator[/per] → (value, low, qualifier, facts, rule)).
RULES = [
    ("sum: figures of one indicator add up",
     [("service_times", None, 3000, "person_time", "at_least", "achieved", "甲社区", None, "a", 0),
      ("service_times", None, 200, "person_time", "exact", "achieved", "乙社区", None, "a", 50)],
     {"service_times": (3200, 3200, "at_least", 2, "sum")}),
    ("rate: 日均 is never added to 累计 (issue case 1)",
     [("service_times", None, 3000, "person_time", "at_least", "achieved", "天府中路社区", None, "a", 0),
      ("service_times", "day", 100, "person_time", "at_least", "achieved", "半边街社区", None, "a", 90)],
     {"service_times": (3000, 3000, "at_least", 1, "sum"),
      "service_times/day": (100, 100, "at_least", 1, "rate")}),
    ("rates are never summed: the range is shown",
     [("events", "year", 40, "event", "exact", "achieved", "甲社区", None, "a", 0),
      ("events", "year", 12, "event", "exact", "achieved", "乙社区", None, "b", 0)],
     {"events/year": (40, 12, "exact", 2, "rate")}),
    ("money: 年营收 is not added to 链接资金 and 专项经费 (issue case 2)",
     [("revenue", "year", 500000, "yuan", "exact", "achieved", "天府中路社区", None, "a", 0),
      ("funds", None, 100000, "yuan", "exact", "achieved", "半边街社区", None, "a", 60),
      ("funds", None, 40000, "yuan", "exact", "achieved", "半边街社区", None, "a", 120)],
     {"revenue/year": (500000, 500000, "exact", 1, "rate"),
      "funds": (140000, 140000, "exact", 2, "sum")}),
    ("people: volunteers, participants and speakers stay apart (issue case 3)",
     [("volunteers", None, 60, "person", "at_least", "achieved", "天府中路社区", None, "a", 0),
      ("participants", None, 200, "person", "at_least", "achieved", "半边街社区", None, "a", 70),
      ("attendees", None, 20, "person", "at_most", "achieved", None, None, "b", 0)],
     {"volunteers": (60, 60, "at_least", 1, "stock"),
      "participants": (200, 200, "at_least", 1, "sum")}),
    ("same sentence, same value, different indicators: two facts (issue case 4)",
     [("enterprises", None, 5, "organisation", "exact", "achieved", "天府中路社区", None, "a", 7),
      ("entrepreneurs", None, 1, "organisation", "exact", "achieved", "天府中路社区", None, "a", 7),
      ("social_organisations", None, 1, "organisation", "exact", "achieved", "天府中路社区", None, "a", 7)],
     {"enterprises": (5, 5, "exact", 1, "sum"), "entrepreneurs": (1, 1, "exact", 1, "sum"),
      "social_organisations": (1, 1, "exact", 1, "sum")}),
    ("same sentence, same value, same indicator: still two facts",
     [("social_organisations", None, 1, "organisation", "exact", "achieved", "甲社区", None, "a", 7),
      ("social_organisations", None, 1, "organisation", "exact", "achieved", "甲社区", None, "a", 7)],
     {"social_organisations": (2, 2, "exact", 2, "sum")}),
    ("a fact repeated in another sentence of the source counts once",
     [("space_area", None, 650, "m2", "exact", "achieved", "甲社区", None, "a", 0),
      ("space_area", None, 650, "m2", "exact", "achieved", "甲社区", None, "a", 400)],
     {"space_area": (650, 650, "exact", 1, "stock")}),
    ("stock: never summed over years, the latest year counts",
     [("population", None, 8000, "person", "exact", "achieved", "甲社区", "2023", "a", 0),
      ("population", None, 8500, "person", "exact", "achieved", "甲社区", "2024", "b", 0),
      ("population", None, 3000, "person", "exact", "achieved", "乙社区", "2024", "b", 50)],
     {"population": (11500, 11500, "exact", 3, "stock")}),
    ("stock: never summed over sources, the largest counts without a year",
     [("households", None, 128, "household", "exact", "achieved", "甲社区", None, "a", 0),
      ("households", None, 130, "household", "at_least", "achieved", "甲社区", None, "b", 0)],
     {"households": (130, 130, "at_least", 2, "stock")}),
    ("share: percentages are never added",
     [("change", None, 30, "percent", "exact", "achieved", "甲社区", None, "a", 0),
      ("change", None, 40, "percent", "exact", "achieved", "甲社区", None, "a", 50)],
     {"change": (40, 30, "exact", 2, "share")}),
    ("none and 其他 are never totalled",
     [("other", None, 4, "other", "exact", "achieved", "甲社区", None, "a", 0),
      ("duration", None, 3, "day", "exact", "achieved", "甲社区", None, "a", 50)],
     {}),
    ("planned is never added to achieved",
     [("social_enterprises", None, 30, "organisation", "exact", "planned", None, None, "a", 0),
      ("social_enterprises", None, 2, "organisation", "exact", "achieved", "甲社区", None, "a", 50)],
     {"social_enterprises": (2, 2, "exact", 1, "sum")}),
    ("qualifiers: 余 and 近 together make an approximate total",
     [("participants", None, 60, "person", "at_least", "achieved", "甲社区", None, "a", 0),
      ("participants", None, 20, "person", "at_most", "achieved", "乙社区", None, "b", 0)],
     {"participants": (80, 80, "mixed", 2, "sum")}),
]


@pytest.mark.parametrize("rows,expected", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_aggregation_rules(rows, expected):
    t = totals_by_indicator(_frame(rows), "achieved")
    got = {(i if not isinstance(p, str) else f"{i}/{p}"): (v, lo, q, n, rule)
           for i, p, v, lo, q, n, rule in
           zip(t["indicator"], t["per"], t["value"], t["low"], t["qualifier"], t["facts"], t["rule"])}
    assert got == expected


def test_same_figure_in_two_sources_counts_twice():
    frame = pd.DataFrame({"doc": ["a", "b"], "value": [3.0, 3.0], "unit": ["person"] * 2,
                          "indicator": ["volunteers"] * 2, "per": [None] * 2,
                          "district": ["成华区"] * 2, "street": [None, None],
                          "community": ["x社区"] * 2, "status": ["achieved"] * 2,
                          "period": ["2024"] * 2})
    assert fact_keys(frame).nunique() == 2


def test_null_place_differs_from_a_named_place():
    frame = pd.DataFrame({"doc": ["a", "a"], "value": [3.0, 3.0], "unit": ["person"] * 2,
                          "indicator": ["volunteers"] * 2, "per": [None] * 2,
                          "district": ["成华区", None], "street": [None, None],
                          "community": [None, None], "status": ["achieved"] * 2,
                          "period": ["2024"] * 2})
    assert fact_keys(frame).nunique() == 2


def test_a_filter_that_drops_one_mention_keeps_the_fact(ds):
    # the two mentions of a.txt's 3000余人次 are both culture; pretend one was filed elsewhere
    claims = ds.claims.copy()
    claims["programme"] = claims["programme"].astype("object")
    claims.loc[0, "programme"] = "elderly"
    d = prepare(claims, ds.communities, ds.initiatives, ds.documents, ds.batches)
    scope = scope_of(d, Filters(programme=("culture",), district=("成华区",)))
    assert _totals(scope.facts)["service_times"] == (3200, "at_least", 2)


@pytest.mark.parametrize("parts,expected", [
    ([], "exact"), (["exact"], "exact"), (["exact", "at_least"], "at_least"),
    (["at_most", "exact"], "at_most"), (["approx"], "approx"),
    (["at_least", "at_most"], "mixed"), (["at_least", "approx"], "mixed"),
])
def test_combine_qualifiers(parts, expected):
    assert combine_qualifiers(parts) == expected


def test_leading_communities(ds):
    top = leading_communities(ds.numbers, n=5)
    pt = top[top["indicator"] == "service_times"]
    assert list(pt["community"]) == ["玉林东路社区", "培华路社区"]
    assert list(pt["value"]) == [4200, 3200]
    assert list(pt["rank"]) == [1, 2]
    # 玉林街道's 20场 is street-wide: no community leads events
    assert "events" not in set(top["indicator"])


def test_district_programme_matrix(ds):
    m = district_programme_matrix(ds.numbers)
    assert m.loc["成华区", "culture"] == 4       # 3000余, 200, 500 (planned), 80% — deduplicated
    assert m.loc["武侯区", "elderly"] == 4
    assert m.values.sum() == 11


def test_count_facts_by_status(ds):
    counts = count_facts(ds.numbers, ["status"]).set_index("status")["facts"]
    assert counts.to_dict() == {"achieved": 10, "planned": 1}


def test_empty_frames(ds):
    empty = ds.numbers.iloc[:0]
    assert totals_by_indicator(empty).empty
    assert leading_communities(empty).empty
    assert district_programme_matrix(empty).empty


def test_district_programme_matrix_of_an_indicator(ds):
    m = district_programme_matrix(ds.numbers, "service_times")
    assert m.loc["成华区", "culture"] == 3200     # 3000余 + 200, planned 500 left out
    assert m.loc["武侯区", "elderly"] == 4200


def test_leading_communities_take_one_stock_per_place():
    rows = [("population", None, 8000, "person", "exact", "achieved", "甲社区", "2023", "a", 0),
            ("population", None, 8500, "person", "exact", "achieved", "甲社区", "2024", "b", 0),
            ("population", None, 9000, "person", "exact", "achieved", "乙社区", None, "b", 50)]
    top = leading_communities(_frame(rows))
    assert list(zip(top["community"], top["value"])) == [("乙社区", 9000), ("甲社区", 8500)]


def test_per_capita_only_where_the_base_is_known():
    rows = [("population", None, 8000, "person", "exact", "achieved", "甲社区", "2024", "a", 0),
            ("volunteers", None, 60, "person", "at_least", "achieved", "甲社区", None, "a", 40),
            ("households", None, 200, "household", "exact", "achieved", "甲社区", None, "a", 80),
            ("households_served", None, 50, "household", "exact", "achieved", "甲社区", None, "a", 90)]
    pc = per_capita(totals_by_indicator(_frame(rows)))
    got = {(r.label, r.indicator): (round(r.value, 2), r.qualifier) for r in pc.itertuples()}
    assert got == {("每千人", "volunteers"): (7.5, "approx"), ("每百户", "households_served"): (25.0, "exact")}
    no_base = per_capita(totals_by_indicator(_frame(rows[1:2])))
    assert no_base.empty
