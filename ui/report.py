"""A deck as HTML: the slide markup the 演示模式 page shows, and a self-contained report file
(styles, plotly.js and every chart inside the file; nothing is fetched from a network) that opens
on a machine without one. Everything from the data is escaped: uploaded files are untrusted.
"""
from __future__ import annotations

import datetime as dt

import plotly.io as pio
from plotly.offline import get_plotlyjs

from .charts import FONT
from .markup import html_text
from .slide_figures import scaled_figure
from .slide_parts import Number, Slide, limit, quotations, slide_label
from .slides import deck_sources

# Sizes are multiples of --s, so one stylesheet serves the page's preview (1), the projector
# (about 1.7) and the report file.
CSS = """
.deck-slide { --s: 1; font-family: %(font)s; color: #1d2733; }
.deck-slide .slide-kicker { font-size: calc(var(--s) * .95rem); color: #2d6cc0; letter-spacing: .08em; }
.deck-slide .slide-title { font-size: calc(var(--s) * 2.1rem); font-weight: 700; line-height: 1.25;
  margin: .1em 0 .15em; }
.deck-slide .slide-subtitle { font-size: calc(var(--s) * 1.15rem); color: #4a5868; margin-bottom: .6em; }
.deck-slide .numbers { display: grid; gap: calc(var(--s) * .8rem);
  grid-template-columns: repeat(auto-fit, minmax(calc(var(--s) * 14rem), 1fr)); margin: .6em 0; }
.deck-slide .number { background: #f3f7fd; border-radius: .5rem; padding: .5em .8em; }
.deck-slide .number-value { font-size: calc(var(--s) * 2.2rem); font-weight: 700; color: #1f4e96;
  line-height: 1.15; white-space: nowrap; }
.deck-slide .number-label { font-size: calc(var(--s) * 1rem); color: #33414f; }
.deck-slide .number-note { font-size: calc(var(--s) * .8rem); color: #6b7785; }
.deck-slide .slide-note { font-size: calc(var(--s) * .95rem); color: #4a5868; margin: .4em 0; }
.deck-slide .evidence-list { margin: .5em 0; padding: 0; list-style: none; }
.deck-slide .evidence-list li { font-size: calc(var(--s) * 1.05rem); line-height: 1.6;
  border-left: .25rem solid #2d6cc0; background: #f7f9fc; padding: .25em .7em; margin: .35em 0; }
.deck-slide .evidence-list .doc { color: #6b7785; font-size: .8em; }
.deck-slide mark { background: #ffe08a; padding: 0 .15em; border-radius: 3px; font-weight: 600; }
.deck-slide .bullets-title { font-size: calc(var(--s) * 1.1rem); font-weight: 700; margin-top: .5em; }
.deck-slide ul.bullets { font-size: calc(var(--s) * 1.05rem); line-height: 1.6; margin: .2em 0 .4em; }
.deck-slide.kind-title .slide-title { font-size: calc(var(--s) * 3rem); margin-top: .6em; }
.deck-slide.kind-title .slide-subtitle { font-size: calc(var(--s) * 1.4rem); margin-bottom: 1.2em; }
.deck-slide .slide-sources { font-size: calc(var(--s) * .8rem); color: #6b7785; margin-top: .6em;
  border-top: 1px solid #e3e8ef; padding-top: .3em; }
.deck-slide .slide-sources ol { margin: .2em 0 0 1.2em; padding: 0; }
.deck-slide .slide-sources .src { display: inline-block; }
""" % {"font": FONT}

PAGE_CSS = """
body { margin: 0; background: #eef1f5; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem; }
.report-head { font-family: %(font)s; color: #4a5868; font-size: .9rem; margin-bottom: 1rem; }
section.deck-slide { --s: 1.1; background: white; border-radius: .6rem; padding: 1.6rem 2rem;
  margin: 0 0 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.chart { margin: .6rem 0; }
@media print { body { background: white; } section.deck-slide { box-shadow: none;
  break-after: page; } }
""" % {"font": FONT}


def _e(text) -> str:
    return html_text(text)


def numbers_html(numbers: list[Number]) -> str:
    if not numbers:
        return ""
    tiles = "".join(
        f'<div class="number"><div class="number-value">{_e(n.value)}</div>'
        f'<div class="number-label">{_e(n.label)}</div>'
        + (f'<div class="number-note">{_e(n.note)}</div>' if n.note else "") + "</div>"
        for n in numbers)
    return f'<div class="numbers">{tiles}</div>'


def evidence_item(doc: str, pieces: list[tuple[str, bool]]) -> str:
    marked = "".join(f"<mark>{_e(t)}</mark>" if figure else _e(t) for t, figure in pieces)
    return f'<li>“{marked}”<span class="doc">（{_e(doc)}）</span></li>'


def slide_head_html(slide: Slide, number: int | None = None, total: int | None = None) -> str:
    """Kicker, title, subtitle and headline figures: what sits above a slide's chart."""
    kicker = f"{number} / {total}　" if number and total else ""
    return (f'<div class="slide-kicker">{_e(kicker)}{_e(slide_label(slide.kind))}</div>'
            f'<div class="slide-title">{_e(slide.title)}</div>'
            + (f'<div class="slide-subtitle">{_e(slide.subtitle)}</div>' if slide.subtitle else "")
            + numbers_html(slide.numbers))


def slide_body_html(slide: Slide) -> str:
    """Note, evidence sentences and bullet list: what sits below a slide's chart."""
    out = f'<div class="slide-note">{_e(slide.note)}</div>' if slide.note else ""
    if slide.evidence:
        out += '<ul class="evidence-list">' + "".join(evidence_item(doc, pieces)
                                                   for doc, pieces in quotations(slide.evidence)) + "</ul>"
    if slide.bullets:
        if slide.bullets_title:
            out += f'<div class="bullets-title">{_e(slide.bullets_title)}</div>'
        tag = "ol" if slide.kind == "sources" else "ul"
        out += f'<{tag} class="bullets">' + "".join(f"<li>{_e(b)}</li>" for b in slide.bullets) \
            + f"</{tag}>"
    return out


def footer_html(footer: str) -> str:
    """The footer line, each source kept whole on one line (a line breaks between sources)."""
    head, _, rest = footer.partition("：")
    parts = rest.split("；")
    return _e(head + "：") + "；".join(f'<span class="src">{_e(p)}</span>' for p in parts)


def slide_sources_html(slide: Slide, full: bool = False) -> str:
    """The slide's footer line; with `full`, every source listed (the report file)."""
    if slide.kind == "sources":
        return ""
    if full and len(slide.sources) > limit("max_footer_sources"):
        items = "".join(f"<li>{_e(s.label())}</li>" for s in slide.sources)
        return (f'<div class="slide-sources">本页依据 {len(slide.sources)} 份来源：'
                f"<ol>{items}</ol></div>")
    return f'<div class="slide-sources">{footer_html(slide.footer())}</div>'


def chart_html(slide: Slide, index: int) -> str:
    """The slide's chart as a div drawn by the plotly.js inlined once in the report's head."""
    # margins from the labels (scaled_figure), not plotly's automargin: it measures Chinese
    # labels before the CJK font has loaded, clipping them to one character and putting the
    # axis title on the tick labels
    fig = scaled_figure(slide.chart, font_size=14, height=slide.chart.layout.height or 420,
                        title=False)
    return pio.to_html(fig, full_html=False, include_plotlyjs=False,
                       include_mathjax=False, div_id=f"chart-{index}",
                       config={"displayModeBar": False, "responsive": True})


def report_html(slides: list[Slide], title: str, scope_text: str,
                generated: dt.datetime | None = None) -> str:
    """The whole deck as one HTML file: every slide in order, its interactive chart, its
    figures and the sources each rests on; plotly.js inside the file."""
    generated = generated or dt.datetime.now()
    sections = []
    for i, slide in enumerate(slides, 1):
        chart = f'<div class="chart">{chart_html(slide, i)}</div>' if slide.chart is not None else ""
        sections.append(f'<section class="deck-slide kind-{slide.kind}" id="slide-{i}">'
                        + slide_head_html(slide, i, len(slides)) + chart + slide_body_html(slide)
                        + slide_sources_html(slide, full=True) + "</section>")
    count = len(deck_sources(slides))
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{_e(title)}</title>"
        f"<style>{CSS}{PAGE_CSS}</style>"
        # plotly.js itself, so the charts draw without a network
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body><main>"
        f'<div class="report-head">{_e(title)} · {_e(scope_text)} · '
        f"生成于 {_e(generated.strftime('%Y-%m-%d %H:%M'))} · 共 {len(slides)} 页，"
        f"依据 {count} 份文章或表格。本文件可离线打开，图表可交互。</div>"
        + "".join(sections) + "</main></body></html>")
