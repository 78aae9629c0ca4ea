"""A deck as a PowerPoint file (python-pptx): one 16:9 slide per deck slide, its headline figures
as text, its bar chart as a native PowerPoint chart (editable, same categories and values as the
plotly chart), the sentences behind a spotlight's figures, a sources line in the footer and every
source in the speaker notes.
"""
from __future__ import annotations

import io
import math
import unicodedata

import plotly.graph_objects as go
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from loaders.exports import neutralise_cell

from .slide_figures import axis_values
from .slide_parts import Number, Slide, limit, quotations, slide_label

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
INNER = WIDTH - 2 * MARGIN
# PowerPoint picks the font for Chinese from the East Asian typeface; YaHei on Windows, and
# LibreOffice substitutes Noto Sans CJK where YaHei is absent.
CJK_FONT = "Microsoft YaHei"
INK, GREY, BLUE = RGBColor(0x1D, 0x27, 0x33), RGBColor(0x6B, 0x77, 0x85), RGBColor(0x1F, 0x4E, 0x96)
BLANK_LAYOUT = 6
MAX_LISTED = 12  # sources listed on the closing slide; the notes list all


INSET = Inches(0.1)      # python-pptx's default left and right text box margins
LINE = 1.2               # line height as a multiple of the font size
FOOTER_SIZES = (11, 10, 9)


def text_em(text: str) -> float:
    """Width of `text` in ems, estimated on the wide side: Chinese and full-width characters
    one em, others 0.62 (the Latin fallbacks LibreOffice picks are wider than YaHei's), and
    a quarter em where Chinese meets Latin (LibreOffice's autospace)."""
    width, previous = 0.0, None
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        width += 1.0 if wide else 0.62
        if previous is not None and wide != previous and not ch.isspace():
            width += 0.25
        previous = wide
    return width


def lines_needed(text: str, size: float, width) -> int:
    """Lines `text` wraps to at `size` points in a text box `width` (EMU) wide."""
    usable = Emu(width - 2 * INSET).pt
    return max(1, math.ceil(text_em(text) * size / usable))


def fits(paragraphs: list[str], size: float, width, height) -> bool:
    """Whether the paragraphs at `size` points fit a box `width` × `height` (EMU)."""
    lines = sum(lines_needed(p, size, width) for p in paragraphs)
    return lines * size * LINE + Inches(0.1).pt <= Emu(height).pt


def _style(run, size: int, bold: bool = False, colour: RGBColor = INK) -> None:
    font = run.font
    font.size, font.bold, font.name = Pt(size), bold, CJK_FONT
    font.color.rgb = colour
    rpr = run._r.get_or_add_rPr()
    if rpr.find(qn("a:ea")) is None:
        ea = rpr.makeelement(qn("a:ea"), {"typeface": CJK_FONT})
        rpr.append(ea)


def _text(slide, left, top, width, height, paragraphs, size: int, bold: bool = False,
          colour: RGBColor = INK, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):
    """A text box with one paragraph per item; an item may be a list of (text, bold, colour)
    runs."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, item in enumerate(paragraphs):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        runs = item if isinstance(item, list) else [(item, bold, colour)]
        for text, run_bold, run_colour in runs:
            r = p.add_run()
            r.text = text
            _style(r, size, run_bold, run_colour)
    return box


def _numbers(slide, numbers: list[Number], top, per_row: int = 4, value_size: int = 36) -> Emu:
    """Headline figures as tiles, each figure and label on one line (type made smaller when
    long); returns the bottom of the last row."""
    row_height = Inches(1.15)
    width = int(INNER / per_row)
    box_width = width - Inches(0.3)
    # one size for every figure of the slide: the largest at which the longest fits one line
    big = next((z for z in range(value_size, 17, -2)
                if all(lines_needed(n.value, z, box_width) == 1 for n in numbers)), 18)
    for i, n in enumerate(numbers):
        left = MARGIN + width * (i % per_row)
        y = top + row_height * (i // per_row)
        tile = slide.shapes.add_shape(1, left + Inches(0.05), y, width - Inches(0.1), row_height - Inches(0.12))
        tile.fill.solid()
        tile.fill.fore_color.rgb = RGBColor(0xF3, 0xF7, 0xFD)
        tile.line.fill.background()
        label = n.label + (f"（{n.note}）" if n.note else "")
        small = next((z for z in (14, 12, 11, 10) if lines_needed(label, z, box_width) == 1), 10)
        box = _text(slide, left + Inches(0.15), y + Inches(0.05), box_width, row_height - Inches(0.2),
                    [[(n.value, True, BLUE)], [(label, False, INK)]], small)
        box.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        for run in box.text_frame.paragraphs[0].runs:
            run.font.size = Pt(big)
    rows = -(-len(numbers) // per_row)
    return top + row_height * rows


def bar_chart_data(fig: go.Figure):
    """(chart type, CategoryChartData, title) of a figure made only of bar traces, else None.
    Horizontal bars list categories from the bottom up in both plotly and PowerPoint."""
    if not fig.data or any(t.type != "bar" for t in fig.data):
        return None
    horizontal = fig.data[0].orientation == "h"
    # the chart's embedded workbook is written by xlsxwriter, which makes "=…" text a live formula
    categories = list(dict.fromkeys(neutralise_cell(str(c)) for t in fig.data
                                    for c in axis_values(t.y if horizontal else t.x)))
    data = CategoryChartData()
    data.categories = categories
    for t in fig.data:
        cats = [neutralise_cell(str(c)) for c in axis_values(t.y if horizontal else t.x)]
        vals = [float(v) for v in axis_values(t.x if horizontal else t.y)]
        by_cat = dict(zip(cats, vals))
        data.add_series(neutralise_cell(t.name or ""), [by_cat.get(c, 0.0) for c in categories])
    stacked = fig.layout.barmode == "stack"
    kind = {(True, True): XL_CHART_TYPE.BAR_STACKED, (True, False): XL_CHART_TYPE.BAR_CLUSTERED,
            (False, True): XL_CHART_TYPE.COLUMN_STACKED,
            (False, False): XL_CHART_TYPE.COLUMN_CLUSTERED}[(horizontal, stacked)]
    return kind, data, fig.layout.title.text or ""


def _chart(slide, fig: go.Figure, left, top, width, height) -> bool:
    """A native chart of the figure; False when its type has no native equivalent."""
    spec = bar_chart_data(fig)
    if spec is None:
        return False
    kind, data, title = spec
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    chart.font.size = Pt(14)
    chart.font.name = CJK_FONT
    chart.has_title = bool(title)
    if title:
        chart.chart_title.text_frame.text = title
        for r in chart.chart_title.text_frame.paragraphs[0].runs:
            _style(r, 16, True)
    chart.has_legend = len(fig.data) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    # the value axis starts at 0: PowerPoint's automatic minimum would make a bar of 20 look
    # shorter than one of 4; counts step in whole numbers
    values = chart.value_axis
    values.minimum_scale = 0
    top = max((sum(v) for v in zip(*(s.values for s in data))), default=0) \
        if kind in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.COLUMN_STACKED) else \
        max((max(s.values, default=0) for s in data), default=0)
    if 0 < top <= 6:
        values.major_unit = 1
    values.tick_labels.number_format, values.tick_labels.number_format_is_linked = "#,##0", False
    plot = chart.plots[0]
    plot.gap_width = 60
    if kind in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.COLUMN_STACKED):
        plot.overlap = 100
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = "0;-0;;", False  # no "0" labels
    labels.font.size = Pt(12)
    for series, trace in zip(plot.series, fig.data):
        colour = trace.marker.color
        if isinstance(colour, str) and colour.startswith("#") and len(colour) == 7:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = RGBColor.from_string(colour[1:].upper())
    return True


def _notes(slide, s: Slide) -> None:
    lines = [f"【{slide_label(s.kind)}】{s.title}"]
    if s.numbers:
        lines.append("主要数字：" + "；".join(f"{n.label} {n.value}" for n in s.numbers))
    for e in s.evidence:
        lines.append(f"依据原句（{e.doc}）：{''.join(e.parts())}")
    if s.note:
        lines.append(s.note)
    lines.append(f"来源（{len(s.sources)} 份）：")
    lines += [f"  {i}. {src.label()}" for i, src in enumerate(s.sources, 1)]
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


FOOTER_TOP, FOOTER_HEIGHT = HEIGHT - Inches(0.66), Inches(0.56)


def footer_text(s: Slide) -> tuple[str, int]:
    """The footer line and its font size: the largest size at which it fits its box on one
    line (a second line would break inside a title or file name), naming fewer sources (the
    notes list them all) when even the smallest does not."""
    if s.kind == "sources":
        return "每个数字都可在看板的「数据明细」页追溯到原文。", FOOTER_SIZES[0]
    for named in range(limit("max_footer_sources"), 0, -1):
        text = s.footer(named=named)
        for size in FOOTER_SIZES:
            if lines_needed(text, size, INNER) == 1:
                return text, size
    return s.footer(named=1), FOOTER_SIZES[-1]


def _footer(slide, s: Slide) -> None:
    text, size = footer_text(s)
    box = _text(slide, MARGIN, FOOTER_TOP, INNER, FOOTER_HEIGHT, [text], size, colour=GREY,
                anchor=MSO_ANCHOR.BOTTOM)
    box.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # PowerPoint: shrink rather than spill


def _add_slide(prs, s: Slide, number: int, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    if s.kind == "title":
        _text(slide, MARGIN, Inches(1.6), INNER, Inches(1.2), [s.title], 44, bold=True)
        _text(slide, MARGIN, Inches(2.8), INNER, Inches(0.6), [s.subtitle], 20, colour=GREY)
        _numbers(slide, s.numbers, Inches(3.8))
        _text(slide, MARGIN, Inches(5.2), INNER, Inches(0.5), [s.note], 14, colour=GREY)
        _footer(slide, s)
        _notes(slide, s)
        return
    _text(slide, MARGIN, Inches(0.3), INNER, Inches(0.35),
          [f"{number} / {total}　{slide_label(s.kind)}"], 13, colour=BLUE)
    _text(slide, MARGIN, Inches(0.62), INNER, Inches(0.75), [s.title], 30, bold=True)
    top = Inches(1.4)
    if s.subtitle:
        _text(slide, MARGIN, top, INNER, Inches(0.45), [s.subtitle], 16, colour=GREY)
        top += Inches(0.5)
    if s.numbers:
        top = _numbers(slide, s.numbers, top + Inches(0.05), value_size=32 if len(s.numbers) > 4 else 36)
    bottom = HEIGHT - Inches(0.75)
    if s.chart is not None:
        note_h = Inches(0.35) if s.note else 0
        _chart(slide, s.chart, MARGIN, top + Inches(0.1), INNER, bottom - top - Inches(0.1) - note_h)
        if s.note:
            _text(slide, MARGIN, bottom - note_h, INNER, note_h, [s.note], 12, colour=GREY)
    else:
        paragraphs = []
        for doc, pieces in quotations(s.evidence):
            paragraphs.append([("“", False, INK)]
                              + [(t, figure, BLUE if figure else INK) for t, figure in pieces]
                              + [("”", False, INK), (f"（{doc}）", False, GREY)])
        if s.bullets:
            if s.bullets_title:
                paragraphs.append([(s.bullets_title + "：" + "、".join(s.bullets), False, INK)])
            else:
                listed = s.bullets[:MAX_LISTED]
                paragraphs += [[(f"{i}. {b}", False, INK)] for i, b in enumerate(listed, 1)]
                if len(s.bullets) > len(listed):
                    paragraphs.append([(f"…… 共 {len(s.bullets)} 份，全部列在本页备注中。", False, GREY)])
        if s.note and s.kind != "sources":
            paragraphs.append([(s.note, False, GREY)])
        if paragraphs:
            box_top, box_height = top + Inches(0.15), bottom - top - Inches(0.15)
            plain = ["".join(run[0] for run in p) for p in paragraphs]
            size = next((z for z in (16, 14, 13, 12, 11) if fits(plain, z * 1.15, INNER, box_height)), 11)
            box = _text(slide, MARGIN, box_top, INNER, box_height, paragraphs, size)
            for p in box.text_frame.paragraphs:
                p.space_after = Pt(round(size * 0.4))
    _footer(slide, s)
    _notes(slide, s)


def deck_pptx(slides: list[Slide]) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    for i, s in enumerate(slides, 1):
        _add_slide(prs, s, i, len(slides))
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
