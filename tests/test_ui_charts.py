"""Charts: built from the aggregation tables, titled with what they count, empty-safe."""
import pytest

from loaders.synth import write_fixture
from ui import charts
from ui.aggregate import achieved_vs_planned, count_facts, district_programme_matrix
from ui.dataset import load_dataset
from ui.labels import district_tiles
from ui.overview import build_overview
from ui.queries import Filters, scope_of, summary_by


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    write_fixture(root)
    return load_dataset(root)


def test_tile_layout_has_23_units_on_distinct_tiles():
    tiles = district_tiles()
    assert len(tiles) == 23
    assert len({(t["row"], t["col"]) for t in tiles}) == 23
    names = {t["name"] for t in tiles}
    assert sum(n.endswith("区") for n in names) == 15  # 12 区 + 高新区, 天府新区, 东部新区
    assert sum(n.endswith("县") for n in names) == 3
    assert sum(n.endswith("市") for n in names) == 5


def test_tile_map_shows_every_unit_and_the_counts(ds):
    fig = charts.district_tile_map(summary_by(scope_of(ds, Filters()), "district"))
    texts = [t for row in fig.data[0].text for t in row if t]
    assert len(texts) == 23
    assert "<b>成华</b><br>6" in texts and "<b>武侯</b><br>5" in texts
    assert "数据条数" in fig.layout.title.text


def test_every_overview_chart_says_what_it_counts(ds):
    figs = build_overview(ds, Filters()).figures
    for fig in figs.values():
        assert "条数" in fig.layout.title.text or "对比" in fig.layout.title.text


def test_heatmap_cells(ds):
    fig = charts.district_programme_heatmap(district_programme_matrix(ds.numbers))
    assert list(fig.data[0].y) == ["成华区", "武侯区"]
    assert "文化服务" in fig.data[0].x


def test_achieved_vs_planned_labels_real_figures(ds):
    fig = charts.achieved_vs_planned_chart(achieved_vs_planned(ds.numbers))
    labels = [t for trace in fig.data for t in trace.text]
    assert "7400余人次" in labels and "500人次" in labels


def test_empty_inputs_give_a_message_not_an_error(ds):
    empty = ds.numbers.iloc[:0]
    for fig in (charts.district_programme_heatmap(district_programme_matrix(empty)),
                charts.programme_bars(count_facts(empty, ["programme", "status"])),
                charts.achieved_vs_planned_chart(achieved_vs_planned(empty))):
        message = fig.layout.annotations[0].text
        assert "暂无数据" in message or "没有" in message


def _figures(ds) -> list:
    """Every kind of chart, with data and empty."""
    from ui.aggregate import leading_communities

    summary = summary_by(scope_of(ds, Filters()), "district")
    counts = ds.numbers["district"].value_counts()
    top = leading_communities(ds.facts)
    indicator, unit = top[["indicator", "unit"]].iloc[0]
    return [*build_overview(ds, Filters()).figures.values(),
            *build_overview(ds, Filters(), "service_times").figures.values(),
            *build_overview(ds, Filters(district=("不存在的区",))).figures.values(),
            charts.unit_bars(summary, "区（市）县"), charts.unit_bars(summary.iloc[:0], "区"),
            charts.count_bars(counts, "按区县"), charts.count_bars(counts.iloc[:0], "按区县"),
            charts.leading_chart(top, indicator, unit), charts.leading_chart(top, "无", unit)]


def test_figures_made_without_validation_pass_plotly_validation_unchanged(ds):
    """The figures are made with plotly's validation off (for speed): each must be what the
    validating constructor makes of it, property for property."""
    import json

    import plotly.graph_objects as go

    for fig in _figures(ds):
        validated = go.Figure(fig.to_dict())   # raises on any property plotly does not know
        assert json.loads(validated.to_json()) == json.loads(fig.to_json())


def test_an_overview_cached_by_streamlit_comes_back_the_same(ds):
    """st.cache_data unpickles a copy on every rerun: the figures travel as dicts."""
    import json
    import pickle

    view = build_overview(ds, Filters())
    again = pickle.loads(pickle.dumps(view))
    assert again.counts == view.counts and again.achieved.equals(view.achieved)
    for name, fig in view.figures.items():
        assert json.loads(again.figures[name].to_json()) == json.loads(fig.to_json())
