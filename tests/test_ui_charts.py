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
