"""The district and programme pages' figures from the rollups (ui/unit_figures.py, through
ui.queries.page_scope) against the same functions over every claim (ui.queries.scope_of), on the
random stores of tests/test_cubes.py with random place, status and batch filters; and the
district page itself answered without reading a claim."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from loaders.rollups import CURRENT
from tests.test_cubes import _random_tables, commit_tables
from tests.test_pages import open_app
from ui.community_profile import community_choices
from ui.cubes import ANSWERED_PLACES
from ui.dataset import Dataset, load_dataset, prepare
from ui.queries import (LEVELS, Filters, above_level_facts, communities_in_scope, page_scope,
                        programme_summary, scope_leading, scope_of, scope_totals, summary_by)


def _random_filters(ds, rng, n: int) -> list[Filters]:
    """Place filters at every level (a street with or without its district, a community of
    another street: nothing in scope), status and batch filters, alone and together."""
    places = ds.places.dropna(subset=["community"]).astype(object)
    batches = list(ds.batches["batch_id"])
    out = [Filters()]
    for _ in range(n):
        p = places.iloc[int(rng.integers(len(places)))]
        q = places.iloc[int(rng.integers(len(places)))]
        f = {}
        depth = int(rng.integers(0, 4))
        if depth >= 1 and rng.random() < 0.8:
            f["district"] = (p["district"],) if rng.random() < 0.7 else (p["district"], q["district"])
        if depth >= 2 and isinstance(p["street"], str):
            f["street"] = (p["street"],)
        if depth >= 3:
            f["community"] = (p["community"],) if rng.random() < 0.8 else (q["community"],)
        if rng.random() < 0.3:
            f["status"] = (str(rng.choice(["achieved", "planned"])),)
        if rng.random() < 0.25:
            f["batch"] = tuple(batches) if rng.random() < 0.5 else (batches[0],)
        out.append(Filters(**{k: tuple(v) for k, v in f.items() if all(isinstance(x, str)
                                                                         for x in v)}))
    return out


def _frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False, check_index_type=False, rtol=1e-12)


def _same_pages(ds, reference, filters: Filters) -> None:
    rolled, claims = page_scope(ds, filters), scope_of(reference, filters)
    assert rolled.units is not None and rolled.facts is None
    for level in LEVELS:
        _frame(summary_by(rolled, level), summary_by(claims, level))
        assert above_level_facts(rolled, level) == above_level_facts(claims, level)
    # in no particular order (community_choices orders them)
    _frame(*(communities_in_scope(s).sort_values(list(LEVELS), na_position="first")
             for s in (rolled, claims)))
    assert community_choices(rolled) == community_choices(claims)
    for status in ("achieved", "planned"):
        _frame(scope_totals(rolled, status), scope_totals(claims, status))
    _frame(scope_leading(rolled), scope_leading(claims))
    _frame(programme_summary(rolled), programme_summary(claims))


@pytest.mark.parametrize("seed", (1, 2))
def test_page_figures_from_rollups_equal_the_claims(seed):
    t = _random_tables(seed)
    ds = prepare(t["claims"], t["communities"], t["initiatives"], t["documents"], t["batches"])
    checked = 0
    for filters in _random_filters(ds, np.random.default_rng(seed), 9):
        if not ds.cubes.answers(filters, ANSWERED_PLACES):   # a batch cutting repeated facts
            assert filters.batch and not set(filters.batch) >= ds.cubes.together
            continue
        _same_pages(ds, ds, filters)
        checked += 1
    assert checked >= 6


def test_filters_that_split_facts_fall_back_to_the_claims():
    t = _random_tables(4)
    ds = prepare(t["claims"], t["communities"], t["initiatives"], t["documents"], t["batches"])
    for filters in (Filters(programme=("elderly",)), Filters(kind=("people",)),
                    Filters(indicator=("population",)), Filters(period=("2024",)),
                    Filters(doc=(t["claims"]["doc"].iloc[0],))):
        scope = page_scope(ds, filters)
        assert scope.units is None and scope.facts is not None


def _commit_all(t, root, old_rollup: str | None = None):
    ids = commit_tables(t, root)
    if old_rollup:   # a rollup written before the units cube existed
        path = root / "batches" / old_rollup / "rollups.parquet"
        rows = pd.read_parquet(path)
        rows[rows["cube"] != CURRENT].to_parquet(path, index=False)
    return ids


def test_store_rollups_older_than_the_units_cube_are_made_again(tmp_path):
    t = _random_tables(5)
    ids = _commit_all(t, tmp_path, old_rollup="b1")
    ds, reference = load_dataset(tmp_path), load_dataset(tmp_path)
    rng = np.random.default_rng(5)
    for filters in _random_filters(ds, rng, 3):
        if ds.cubes.answers(filters, ANSWERED_PLACES):
            _same_pages(ds, reference, filters)
    assert ds._numbers is None      # no claim read for the figures
    assert ds.cubes.view((ids[0],)).units.n    # b1's units made from its claims


def test_district_page_reads_no_claims(tmp_path, monkeypatch):
    """The district page of a district, a street and a community: figures from the rollups,
    and the claims never read."""
    t = _random_tables(6)
    _commit_all(t, tmp_path)
    monkeypatch.setattr(Dataset, "numbers", property(
        lambda self: pytest.fail("the claims were read")))
    place = load_dataset(tmp_path).places.dropna().iloc[0]
    at = open_app(tmp_path, monkeypatch, "pages/district.py",
                  query={"district": place["district"]})
    for level in ("street", "community"):
        assert not at.exception and not at.error and at.metric    # the totals are drawn
        at.multiselect(key=level).set_value([place[level]]).run()
    assert not at.exception and at.success     # one community chosen
    at.switch_page("pages/programme.py").run()
    assert not at.exception and at.dataframe
    # the community profile (its picker, its claims read on demand) and the initiatives too
    at.switch_page("pages/community.py").run()
    assert not at.exception and at.selectbox(key="profile").value
    at.switch_page("pages/initiatives.py").run()
    assert not at.exception


def _deck(ds, filters, monkeypatch, scope) -> list:
    import ui.slides
    monkeypatch.setattr(ui.slides, "page_scope", scope)
    slides = ui.slides.build_deck(ds, filters, ui.slides.Deck(kinds=ui.slides.slide_kinds()),
                                  today=dt.date(2026, 12, 1))
    return [(s.kind, s.title, s.subtitle, s.numbers, s.note, s.evidence, s.bullets, s.sources,
             s.chart.to_json() if s.chart is not None else None) for s in slides]


@pytest.mark.parametrize("store", [False, True])
def test_slides_from_rollups_equal_the_claims(tmp_path, monkeypatch, store):
    """Every slide of a full deck: the figures from the rollups and the sources read on demand
    (Cubes.sources) against every claim; in memory and through a store with an old rollup."""
    t = _random_tables(7)
    if store:
        _commit_all(t, tmp_path, old_rollup="b2")
        ds, reference = load_dataset(tmp_path), load_dataset(tmp_path)
    else:
        ds = reference = prepare(t["claims"], t["communities"], t["initiatives"],
                                 t["documents"], t["batches"])
    filters = _random_filters(ds, np.random.default_rng(7), 6)
    checked = 0
    for f in filters[:1] + [f for f in filters[1:] if f.district or f.status][:3]:
        if ds.cubes.answers(f, ANSWERED_PLACES):
            rolled = _deck(ds, f, monkeypatch, page_scope)
            assert rolled == _deck(reference, f, monkeypatch, scope_of), f
            checked += 1
    assert checked >= 2
