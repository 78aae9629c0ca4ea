"""Every page through Streamlit's AppTest: no exception, the expected figures, a filter changes
them, a query-parameter URL restores them, and an empty store points to the upload page."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import commit_batch
from loaders.synth import make_fixture_tables, write_fixture
from ui.aggregate import totals_by_indicator
from ui.dataset import load_dataset
from ui.formatting import format_total
from ui.labels import indicator_label
from ui.navigation import PAGES, UPLOAD_PAGE, page_exists
from ui.queries import Filters, scope_counts, scope_of

APP = Path(__file__).resolve().parent.parent / "dashboard.py"
PAGE_FILES = [(path, title) for path, title, _, _ in PAGES if page_exists(path)]
# the pages that show data (the upload page has its own tests: tests/test_upload_page.py)
VIEW_PAGES = [(path, title) for path, title in PAGE_FILES if path != UPLOAD_PAGE]


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture-store")
    write_fixture(root)
    return root


@pytest.fixture(scope="module")
def one_community_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("one-community")
    tables = make_fixture_tables()["b1"]
    commit_batch("b1", tables, {"kind": "article", "file": "a.txt", "time": "2025-03-01"}, root)
    return root


def open_app(store, monkeypatch, page=None, query=None) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, str]:
    """Label → value of the metrics, first occurrence (achieved before planned)."""
    out: dict[str, str] = {}
    for m in at.metric:
        out.setdefault(m.label, m.value)
    return out


def expected_metrics(store, filters: Filters) -> dict[str, str]:
    """The overview's figures computed straight from the store by the query functions."""
    ds = load_dataset(store)
    scope = scope_of(ds, filters)
    c = scope_counts(scope)
    out = {"社区（村）": str(c.communities), "数据条数": str(c.facts),
           "来源文件": str(c.sources), "特色项目": str(c.initiatives)}
    for r in totals_by_indicator(scope.facts, "achieved").itertuples():
        out[indicator_label(r.indicator, r.per if isinstance(r.per, str) else None)] = \
            format_total(r.value, r.unit, r.qualifier, r.rule, r.low)
    return out


@pytest.mark.parametrize("page,title", PAGE_FILES)
def test_every_page_renders(fixture_store, monkeypatch, page, title):
    at = open_app(fixture_store, monkeypatch, page)
    assert at.title[0].value == title
    assert not at.error


@pytest.mark.parametrize("page,title", PAGE_FILES)
def test_every_page_reads_well_with_one_community(one_community_store, monkeypatch, page, title):
    at = open_app(one_community_store, monkeypatch, page)
    assert at.title[0].value == title


@pytest.mark.parametrize("page,title", VIEW_PAGES)
def test_empty_store_points_to_upload(tmp_path, monkeypatch, page, title):
    at = open_app(tmp_path, monkeypatch, page)
    assert "还没有任何数据" in at.info[0].value
    assert any("数据上传" in c.value for c in at.caption) or len(at.get("page_link"))


def test_overview_figures(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch)
    shown = metrics(at)
    assert shown == expected_metrics(fixture_store, Filters())
    # by hand (see loaders.synth.make_fixture_tables): duplicate counted once, 余 kept,
    # 60余 volunteers and 近2.1万 residents are different indicators, planned 500人次 kept apart
    assert shown["社区（村）"] == "2" and shown["数据条数"] == "11"
    assert shown["服务人次"] == "7400余人次"
    assert shown["志愿者人数"] == "60余人"
    assert shown["常住人口"] == "近2.1万人"
    assert shown["营收（年均）"] == "50万元"
    assert "服务人数" not in shown and "投入资金" not in shown
    planned = [m for m in at.metric if m.label == "服务人次" and m.value == "500人次"]
    assert len(planned) == 1


def test_a_filter_changes_the_figures(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch)
    at.multiselect(key="district").set_value(["成华区"]).run()
    assert not at.exception
    shown = metrics(at)
    assert shown["服务人次"] == "3200余人次"
    assert shown["社区（村）"] == "1"
    assert "惠及户数" not in shown
    # (the browser, not the server, writes a bound widget's value into the URL: see
    # tests/browser/test_screenshots.py for a link that reopens a filtered view)


def test_a_query_param_url_restores_the_view(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, query={"district": "武侯区", "kind": "服务人次"})
    assert at.multiselect(key="district").value == ["武侯区"]
    assert at.multiselect(key="kind").value == ["person_times"]
    shown = metrics(at)
    assert shown["服务人次"] == "4200余人次"
    expected = expected_metrics(fixture_store, Filters(district=("武侯区",), kind=("person_times",)))
    assert {k: shown[k] for k in expected} == expected


def test_query_params_survive_a_page_switch(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, "pages/district.py", query={"district": "成华区"})
    assert at.multiselect(key="district").value == ["成华区"]
    assert any("猛追湾街道" in str(df.value) for df in at.dataframe)


def test_community_profile_from_url(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, "pages/community.py",
                  query={"profile": "玉林东路社区（武侯区玉林街道）"})
    assert at.header[0].value == "玉林东路社区"
    assert any("王建国" in m.value for m in at.markdown)
    assert any('<mark class="claim-span">近2.1万人</mark>' in m.value for m in at.markdown)
    # its population is known, so per-capita figures are offered, labelled with their base
    per_1000 = {m.label: m.value for m in at.metric if m.label.startswith("每千人")}
    assert per_1000 == {"每千人服务人次": "约200人次"}      # 4200余 ÷ 近21000 × 1000


def test_explorer_search_and_evidence_escaping(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, "pages/explorer.py", query={"q": "年营收"})
    assert any("共 1 条" in c.value for c in at.caption)
    at.query_params["claim"] = "fx-06"
    at.run()
    html = [m.value for m in at.markdown if "evidence" in m.value]
    assert html and "&lt;年营收&gt;" in html[0] and "<年营收>" not in html[0]
    assert '<mark class="claim-span">50万元</mark>' in html[0]


def test_the_user_picks_the_indicators_and_the_url_keeps_them(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, query={"show": "服务人次"})
    assert at.multiselect(key="show").value == ["service_times"]
    shown = metrics(at)
    assert shown["服务人次"] == "7400余人次"
    assert "志愿者人数" not in shown and "常住人口" not in shown
    at.multiselect(key="show").set_value(["service_times", "population"]).run()
    assert set(metrics(at)) >= {"服务人次", "常住人口"} and "志愿者人数" not in metrics(at)


def test_a_total_says_what_it_counts_on_hover(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch)
    card = next(m for m in at.metric if m.label == "常住人口")
    assert "指标解释" in card.help and "同一地点只取最新" in card.help


def test_the_heatmap_can_show_an_indicator(fixture_store, monkeypatch):
    at = open_app(fixture_store, monkeypatch, query={"heat": "服务人次（已实现合计）"})
    assert not at.exception
    assert at.selectbox(key="heat").value == "service_times"


def test_explorer_finds_unsure_places_and_explains_them(tmp_path, monkeypatch):
    tables = make_fixture_tables()["b2"]
    claims = tables["claims"]
    claims["place_rule"] = "named"
    claims["place_confidence"] = "high"
    claims["place_note"] = "句中写明“玉林东路社区”"
    claims.loc[1, ["district", "street", "place_rule", "place_confidence", "place_note"]] = [
        None, None, "named", "low", "成都有多个玉林东路社区，文中未能确定是哪一个，区县留空"]
    commit_batch("b2", tables, {"kind": "article", "file": "b.txt", "time": "2025-03-01"},
                 tmp_path)
    at = open_app(tmp_path, monkeypatch, "pages/explorer.py")
    assert any(f"共 {len(claims)} 条" in c.value for c in at.caption)
    at.toggle(key="unsure").set_value(True).run()
    assert any("共 1 条" in c.value for c in at.caption)
    at.query_params["claim"] = claims.loc[1, "claim_id"]
    at.run()
    notes = [c.value for c in at.caption if c.value.startswith("地点依据")]
    assert notes and "区县留空" in notes[0] and "地点待核实" in notes[0]
    # the toggle lives in the URL: a copied link reopens the same rows
    again = open_app(tmp_path, monkeypatch, "pages/explorer.py", query={"unsure": "true"})
    assert any("共 1 条" in c.value for c in again.caption)
