"""The overview from the batches' rollups (ui/cubes.py) against the overview from every claim
(ui.overview.overview_from_claims, the way before rollups), on random synthetic stores with
facts repeated within and across batches, stocks with ties, rates, shares and planned figures:
every count, total and figure must be the same."""
import shutil

import numpy as np
import pandas as pd
import pytest

from loaders.schema import conform
from loaders.store import commit_batch
from loaders.synth import make_synthetic
from ui.cube_store import _cache_path, _earlier_sum, _versions, cache_folder
from ui.cubes import Cubes
from ui.dataset import load_dataset, prepare
from ui.overview import build_overview, overview_from_claims, overview_from_rollups
from ui.queries import Filters

SEEDS = (1, 2, 3)


def commit_tables(t: dict, root, replaces=()) -> list[str]:
    """Each batch of `_random_tables` committed to the store at `root`, in order; the last one
    replacing the claims `replaces`. Returns the batch ids."""
    ids = list(t["batches"]["batch_id"])
    for i, b in enumerate(ids):
        part = {n: t[n][t[n]["batch_id"] == b] for n in ("claims", "communities", "initiatives",
                                                            "documents")}
        manifest = {"kind": "test", "file": f"{b}.xlsx", "uploader": "测试",
                    "time": f"2025-01-0{i + 1}T09:00:00+08:00"}
        if b == ids[-1] and replaces:
            manifest["replaces"] = list(replaces)
        commit_batch(b, part, manifest, root=root)
    return ids


def _random_tables(seed: int) -> dict[str, pd.DataFrame]:
    """A synthetic store of a few thousand claims in 2–4 batches, its documents crowded onto a
    dozen places (so stocks of one place come from several documents and tie), some claims
    said again in a later batch (the same document imported twice), some stocks rounded."""
    rng = np.random.default_rng(seed)
    t = make_synthetic(int(rng.integers(2500, 5000)), seed)
    claims = conform("claims", t["claims"]).astype({"district": object, "street": object,
                                                     "community": object})
    k = int(rng.integers(2, 5))
    batch_ids = [f"b{i + 1}" for i in range(k)]
    doc_index = pd.factorize(claims["doc"])[0]
    claims["batch_id"] = np.array(batch_ids, dtype=object)[doc_index % k]
    named = t["communities"][["district", "street", "community"]].drop_duplicates()
    few = named.sample(min(12, len(named)), random_state=seed).to_numpy(dtype=object)
    place = few[rng.integers(0, len(few), doc_index.max() + 1)][doc_index]
    has_comm = claims["community"].notna().to_numpy()
    has_street = claims["street"].notna().to_numpy()
    claims.loc[has_street, "district"] = place[has_street, 0]
    claims.loc[has_street, "street"] = place[has_street, 1]
    claims.loc[has_comm, "community"] = place[has_comm, 2]
    stock = claims["indicator"].isin(["population", "households", "volunteers", "space_area"])
    coarse = stock.to_numpy() & (rng.random(len(claims)) < 0.5)
    claims.loc[coarse, "value"] = rng.choice([100.0, 200.0], int(coarse.sum()))
    claims.loc[coarse, "qualifier"] = rng.choice(["exact", "at_least", "approx"], int(coarse.sum()))
    # the same document in a later batch: its facts repeat across batches (one with another
    # qualifier: the first mention's counts)
    again = claims[(claims["batch_id"] == "b1").to_numpy() & (rng.random(len(claims)) < 0.08)]
    again = again.assign(batch_id=batch_ids[-1], claim_id=again["claim_id"] + "-again",
                         qualifier=np.where(rng.random(len(again)) < 0.3, "approx",
                                            again["qualifier"]))
    claims = pd.concat([claims, again], ignore_index=True)
    order = {b: i for i, b in enumerate(batch_ids)}
    claims = claims.iloc[np.argsort(claims["batch_id"].map(order).to_numpy(), kind="stable")]
    out = {"claims": claims.reset_index(drop=True)}
    for name in ("communities", "initiatives", "documents"):
        frame = t[name].copy()
        frame["batch_id"] = np.array(batch_ids, dtype=object)[
            pd.Categorical(frame["doc"], categories=pd.unique(t["claims"]["doc"])).codes % k]
        out[name] = frame
    out["batches"] = pd.DataFrame({"batch_id": batch_ids})
    return out


def _views(ds) -> list[tuple[Filters, str | None]]:
    districts = sorted(ds.communities["district"].dropna().unique())
    batches = list(ds.batches["batch_id"])
    return [
        (Filters(), None), (Filters(), "service_times"), (Filters(), "satisfaction"),
        (Filters(), "events"),
        (Filters(district=(districts[0],)), None),
        (Filters(district=tuple(districts[:3]), status=("achieved",)), "participants"),
        (Filters(status=("planned",)), None),
        (Filters(batch=(batches[1],)), None),
        (Filters(batch=tuple(batches)), None),
        (Filters(batch=(batches[0], batches[-1]), district=(districts[-1],)), None),
        # stocks: the district × programme view from the claims of that indicator alone
        (Filters(), "volunteers"), (Filters(district=(districts[0],)), "population"),
        (Filters(status=("planned",)), "households"), (Filters(batch=(batches[1],)), "space_area"),
    ]


def _same(a, b) -> None:
    assert a.counts == b.counts
    pd.testing.assert_frame_equal(a.achieved, b.achieved, check_dtype=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.planned, b.planned, check_dtype=False, rtol=1e-12)
    for name, fig in a.figures.items():
        assert fig.to_json() == b.figures[name].to_json(), name


@pytest.mark.parametrize("seed", SEEDS)
def test_rollups_give_what_the_claims_give(seed):
    t = _random_tables(seed)
    ds = prepare(t["claims"], t["communities"], t["initiatives"], t["documents"], t["batches"])
    assert ds.cubes.together    # the repeated document reaches across batches
    for filters, heat in _views(ds):
        if not ds.cubes.answers(filters):   # a batch filter cutting through repeated facts
            assert filters.batch and not set(filters.batch) >= ds.cubes.together
            continue
        _same(overview_from_claims(ds, filters, heat), overview_from_rollups(ds, filters, heat))


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_store_rollups_made_at_commit_and_on_read(tmp_path, seed):
    """Through the store: rollups written at commit, a batch stored without one (an older
    store) rolled up on read, repeated documents and replaced claims rolled up together."""
    t = _random_tables(seed)
    replaced = list(t["claims"]["claim_id"].iloc[[3, 40, 41]])
    ids = commit_tables(t, tmp_path, replaces=replaced)
    (tmp_path / "batches" / ids[1] / "rollups.parquet").unlink()   # as an older store has it
    ds = load_dataset(tmp_path)
    reference = load_dataset(tmp_path)
    for filters, heat in _views(ds):
        if ds.cubes.answers(filters):
            _same(overview_from_claims(reference, filters, heat),
                  overview_from_rollups(ds, filters, heat))
    assert ds._numbers is None      # the rollups answered without reading the claims
    again = load_dataset(tmp_path)  # a fresh process: the sums kept beside the store
    assert any(cache_folder(tmp_path).glob("*.parquet"))
    assert again.cubes.together == ds.cubes.together
    _same(overview_from_rollups(ds, Filters()), overview_from_rollups(again, Filters()))


def test_filters_the_rollups_cannot_answer_use_the_claims():
    t = _random_tables(4)
    ds = prepare(t["claims"], t["communities"], t["initiatives"], t["documents"], t["batches"])
    for filters in (Filters(programme=("elderly",)), Filters(kind=("people",)),
                    Filters(street=(t["claims"]["street"].dropna().iloc[0],)),
                    Filters(doc=(t["claims"]["doc"].iloc[0],)), Filters(period=("2024",)),
                    Filters(indicator=("population",))):
        assert not ds.cubes.answers(filters)
        _same(overview_from_claims(ds, filters), build_overview(ds, filters))


def test_cubes_of_no_claims():
    t = _random_tables(5)
    empty = t["claims"].iloc[:0]
    ds = prepare(empty, t["communities"], t["initiatives"], t["documents"], t["batches"])
    assert isinstance(ds.cubes, Cubes) and ds.cubes.answers(Filters())
    _same(overview_from_claims(ds, Filters()), overview_from_rollups(ds, Filters()))


def test_sum_goes_on_from_the_kept_sum_after_a_commit(tmp_path):
    """After a commit the next start adds the new batch to the sum kept for the store before
    it (batches only added): the same figures as summing every batch again, and as the claims."""
    t = _random_tables(6)
    ids = list(t["batches"]["batch_id"])[:-1]   # the last batch repeats documents: left out
    for i, b in enumerate(ids):
        part = {n: t[n][t[n]["batch_id"] == b] for n in ("claims", "communities", "initiatives",
                                                            "documents")}
        commit_batch(b, part, {"kind": "test", "file": f"{b}.xlsx", "uploader": "测试",
                               "time": f"2025-01-0{i + 1}T09:00:00+08:00"}, root=tmp_path)
    assert not load_dataset(tmp_path).cubes.together   # summed and kept
    more = _random_tables(7)
    part = {n: more[n][more[n]["batch_id"] == "b1"].assign(doc=lambda f: "new-" + f["doc"])
            for n in ("claims", "communities", "initiatives", "documents")}
    commit_batch("b9", part, {"kind": "test", "file": "b9.xlsx", "uploader": "测试",
                              "time": "2025-02-01T09:00:00+08:00"}, root=tmp_path)
    every = _versions(tmp_path, [*ids, "b9"])
    assert [b for b, _ in _earlier_sum(_cache_path(tmp_path, every, set()), every, set())[1]] \
        == ids
    ds = load_dataset(tmp_path)     # goes on from the sum of `ids`
    for filters, heat in _views(ds)[:6]:
        _same(overview_from_claims(ds, filters, heat), overview_from_rollups(ds, filters, heat))
    shutil.rmtree(cache_folder(tmp_path))   # every batch summed again: the same
    _same(overview_from_rollups(ds, Filters()), overview_from_rollups(load_dataset(tmp_path),
                                                                      Filters()))
