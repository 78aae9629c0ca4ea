"""The aggregation rules (ui.aggregate) on the hand-made fixture store, whose figures are known
by hand (loaders.synth.make_fixture_tables), and on small frames built here."""
import pandas as pd
import pytest

from loaders.synth import write_fixture
from ui.aggregate import (achieved_vs_planned, combine_qualifiers, count_facts, distinct_facts,
                          district_programme_matrix, fact_keys, leading_communities,
                          totals_by_kind, totals_by_status)
from ui.dataset import load_dataset, prepare
from ui.queries import Filters, scope_of


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    write_fixture(root)
    return load_dataset(root)


def _totals(frame, status="achieved"):
    t = totals_by_kind(frame, status)
    return {k: (v, q, n) for k, v, q, n in zip(t["kind"], t["value"], t["qualifier"], t["facts"])}


def test_hand_computed_totals(ds):
    totals = _totals(ds.numbers)
    # 3000余 + 200 + 3000余 (b.txt, another source) + 1200; a.txt's second 3000余人次 is the
    # same fact said twice and counts once
    assert totals["person_times"] == (7400, "at_least", 4)
    # 60余人 and 近21000人: one lower and one upper bound, so the sum is only approximate
    assert totals["people"] == (21060, "mixed", 2)
    assert totals["households"] == (200, "at_least", 1)
    assert totals["events"] == (20, "exact", 1)
    assert totals["money"] == (500000, "exact", 1)


def test_units_are_never_added(ds):
    totals = totals_by_status(ds.numbers)
    assert not totals.duplicated(["status", "kind"]).any()
    assert (totals.groupby("kind")["unit"].nunique() == 1).all()


def test_planned_never_added_to_achieved(ds):
    assert _totals(ds.numbers, "planned") == {"person_times": (500, "exact", 1)}
    both = achieved_vs_planned(ds.numbers)
    assert list(both["status"]) == ["achieved", "planned"]
    assert list(both["value"]) == [7400, 500]


def test_percentages_are_not_totalled(ds):
    assert "percent" not in _totals(ds.numbers)
    assert "percent" in set(ds.numbers["kind"])


def test_same_fact_twice_in_one_source_counts_once(ds):
    facts = distinct_facts(ds.numbers)
    assert len(ds.numbers) == 12 and len(facts) == 11


def test_same_figure_in_two_sources_counts_twice():
    frame = pd.DataFrame({"doc": ["a", "b"], "value": [3.0, 3.0], "unit": ["person"] * 2,
                          "district": ["成华区"] * 2, "street": [None, None],
                          "community": ["x社区"] * 2, "status": ["achieved"] * 2,
                          "period": ["2024"] * 2})
    assert fact_keys(frame).nunique() == 2


def test_null_place_differs_from_a_named_place():
    frame = pd.DataFrame({"doc": ["a", "a"], "value": [3.0, 3.0], "unit": ["person"] * 2,
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
    assert _totals(scope.facts)["person_times"] == (3200, "at_least", 2)


@pytest.mark.parametrize("parts,expected", [
    ([], "exact"), (["exact"], "exact"), (["exact", "at_least"], "at_least"),
    (["at_most", "exact"], "at_most"), (["approx"], "approx"),
    (["at_least", "at_most"], "mixed"), (["at_least", "approx"], "mixed"),
])
def test_combine_qualifiers(parts, expected):
    assert combine_qualifiers(parts) == expected


def test_leading_communities(ds):
    top = leading_communities(ds.numbers, n=5)
    pt = top[top["kind"] == "person_times"]
    assert list(pt["community"]) == ["玉林东路社区", "培华路社区"]
    assert list(pt["value"]) == [4200, 3200]
    assert list(pt["rank"]) == [1, 2]
    # 玉林街道's 20场 is street-wide: no community leads events
    assert "events" not in set(top["kind"])


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
    assert totals_by_kind(empty).empty
    assert leading_communities(empty).empty
    assert district_programme_matrix(empty).empty
