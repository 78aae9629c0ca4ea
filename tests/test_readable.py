"""What a person reads in charts, tables and exports (issue 11, items 5, 7 and 8): whole-number
count axes, upright bar labels, documents by title and batches by file/uploader/date instead of
store ids, no None in tables, PPTX value axes from 0, footers that never break inside a source,
spreadsheet rows quoted as place, indicator and figure."""
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation

from ui import charts
from ui.dataset import load_dataset
from ui.deck import INNER, deck_pptx, footer_text, lines_needed
from ui.formatting import blank_missing
from ui.claim_rows import claims_table
from ui.provenance import batch_labels, describe_batch, doc_labels
from ui.queries import Filters
from ui.report import footer_html, report_html
from ui.slides import Deck, Slide, Source, build_deck

SHIPPED = Path(__file__).resolve().parent.parent / "data"
IDS = re.compile(r"\d{8}T\d{6,}-[0-9a-f]{8}|default-seeds|\d{3}_[0-9a-f]{16}\.txt")


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(SHIPPED)


@pytest.fixture(scope="module")
def deck(shipped):
    return build_deck(shipped, Filters(), Deck.default(), dt.date(2026, 12, 1))


@pytest.mark.parametrize("top,whole_steps", [(1, True), (4, True), (6, True), (40, False)])
def test_count_axes_never_show_fractions(top, whole_steps):
    counts = pd.DataFrame({"programme": ["elderly", "youth"], "status": ["achieved", "planned"],
                           "facts": [top, 1]})
    fig = charts.programme_bars(counts)
    assert fig.layout.xaxis.tickformat == ",d" and fig.layout.xaxis.rangemode == "tozero"
    assert (fig.layout.xaxis.dtick == 1) is whole_steps
    assert all(t.textangle == 0 for t in fig.data)          # value labels stay upright


def test_store_ids_become_titles_and_batch_descriptions(shipped):
    docs = doc_labels(shipped)
    assert all(v.startswith("《") for v in docs.values())
    assert len(set(docs.values())) == len(docs)                # two equal titles are numbered
    assert batch_labels(shipped) == {"default-seeds": "看板默认数据"}
    assert describe_batch("三季度台账.xlsx", "张三", "2026-12-01T05:29:40") == \
        "三季度台账.xlsx（张三，2026-12-01）"
    table = blank_missing(claims_table(shipped.claims, docs))
    assert not IDS.search(" ".join(table["来源"]))
    shown = table.drop(columns=["批次", "编号"]).astype(str)
    assert not shown.isin(["None", "nan", "NaN", "<NA>"]).any().any()


def test_slides_and_exports_name_no_store_ids(deck):
    text = " ".join([s.footer() for s in deck] + [b for s in deck for b in s.bullets]
                    + [e.doc for s in deck for e in s.evidence])
    assert not IDS.search(text), IDS.search(text)
    html = report_html(deck, "t", "全市")
    assert not IDS.search(re.sub(r"<script.*?</script>", "", html, flags=re.S))


def test_pptx_value_axes_start_at_zero(deck):
    pptx = Presentation(io.BytesIO(deck_pptx(deck)))
    charts_seen = 0
    for slide in pptx.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                charts_seen += 1
                axis = shape.chart.value_axis
                assert axis.minimum_scale == 0
                assert axis.tick_labels.number_format == "#,##0"
    assert charts_seen >= 2


def test_footers_keep_to_one_line_and_never_break_inside_a_source():
    long = [Source(f"{i:03d}_{'a' * 16}.txt", "关于进一步加强和改进城乡社区治理工作的实施意见", "b",
                   None, "导入：各街道三季度社区治理台账汇总.xlsx，张三，2026-12-01") for i in range(6)]
    text, size = footer_text(Slide("headline", "t", sources=long))
    assert lines_needed(text, size, INNER) == 1 and "等 6 份" in text
    html = footer_html("来源：《甲》；《乙》（导入：a.xlsx，张三，2026-12-01）")
    assert html.count('<span class="src">') == 2


def test_report_charts_leave_room_for_their_labels(deck):
    html = report_html(deck, "t", "全市")
    margins = [int(m) for m in re.findall(r'"margin":\{[^}]*?"l":(\d+)', html)]
    assert margins and min(margins) > 10        # not the dashboard's 10 px + automargin


def test_spreadsheet_rows_are_quoted_as_place_indicator_and_figure():
    from ui.slides import _evidence

    row = pd.Series({"text": "3000余人次", "doc": "台账.xlsx", "row": 2, "start": None,
                     "community": "东怡社区", "object": "服务人次",
                     "evidence": "序号：2；区县：锦江区；（第D列）：12"})
    quoted = _evidence(row, {})
    assert quoted.sentence == "第 2 行：东怡社区，服务人次，3000余人次"
    assert "（第" not in quoted.sentence and quoted.parts()[1] == "3000余人次"
