"""The deck behind 演示模式 and its exports: slides built from the dataset, the filters and the
presenter's choice, each carrying its figures and the sources they rest on; and the deck's place
in the URL. The page, the HTML report, the PPTX and the PNGs all draw the same slide list, so they
show the same figures. No Streamlit calls here.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml

from . import charts
from .aggregate import count_facts, distinct_facts, rules, totals_by_indicator, totals_by_status
from .dataset import Dataset
from .filters import describe_filters, filter_label
from .formatting import format_count, format_total, locate_span
from .labels import DATA_DIR, indicator_label, programme_label, status_label
from .community_profile import community_choices, community_key_label, community_profile
from .initiative_rows import initiatives_table
from .provenance import batch_labels, doc_labels
from .queries import (LEVEL_LABELS, Filters, Scope, above_level_facts, drill_level, scope_counts,
                      scope_of, summary_by)

# query parameters of a deck; the filters (ui/filters.py) use the claims' column names
SLIDES_PARAM, SPOT_PARAM, AUTO_PARAM = "slides", "spot", "auto"
SLIDE_PARAM, PRESENT_PARAM = "slide", "present"


@lru_cache(maxsize=None)
def _config() -> dict:
    return yaml.safe_load((DATA_DIR / "slides.yaml").read_text(encoding="utf-8"))


def slide_kinds() -> tuple[str, ...]:
    """Slide kinds in deck order."""
    return tuple(_config()["kinds"])


def slide_label(kind: str) -> str:
    return _config()["kinds"].get(kind, {}).get("label", kind)


def slide_description(kind: str) -> str:
    return _config()["kinds"].get(kind, {}).get("description", "")


def limit(name: str) -> int:
    return int(_config()[name])


# ---- what a slide holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A document (article or sheet) and the import batch that brought it. Shown by title and by
    the batch's file, uploader and date, never by the store's ids."""
    doc: str
    title: str | None = None
    batch_id: str | None = None
    batch_file: str | None = None
    batch: str | None = None      # queries.describe_batch of its batch

    def label(self, batch: bool = True) -> str:
        name = f"《{self.title}》" if self.title else self.doc
        return f"{name}{self.batch_label() if batch else ''}"

    def batch_label(self) -> str:
        if not self.batch:
            return ""
        return f"（{self.batch}）"


@dataclass(frozen=True)
class Number:
    """A headline figure as it is shown: 3000余人次 above its label."""
    label: str
    value: str
    note: str = ""


LINE_BREAKS = re.compile(r"\s*\n\s*")  # a source's line breaks inside a sentence (OCR, PDF)


@dataclass(frozen=True)
class Evidence:
    """The sentence a figure comes from; `span` locates the figure in it (None: not found)."""
    figure: str
    sentence: str
    doc: str
    span: tuple[int, int] | None = None

    def parts(self) -> tuple[str, str, str]:
        """(before, figure, after) for highlighting; the figure part is empty when not found."""
        if self.span is None:
            return LINE_BREAKS.sub("", self.sentence), "", ""
        s, e = self.span
        parts = self.sentence[:s], self.sentence[s:e], self.sentence[e:]
        return tuple(LINE_BREAKS.sub("", p) for p in parts)


def quotations(evidence: list[Evidence]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each evidence sentence once, in first-figure order, as (doc, [(text, is_figure), …]):
    two figures from one sentence are marked in one quotation instead of quoting it twice."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for ev in evidence:
        spans.setdefault((ev.sentence, ev.doc), [])
        if ev.span is not None:
            spans[(ev.sentence, ev.doc)].append(ev.span)
    out = []
    for (sentence, doc), found in spans.items():
        pieces, at = [], 0
        for start, end in sorted(set(found)):
            if start < at:      # overlaps a figure already marked
                continue
            pieces += [(sentence[at:start], False), (sentence[start:end], True)]
            at = end
        pieces.append((sentence[at:], False))
        out.append((doc, [(LINE_BREAKS.sub("", t), mark) for t, mark in pieces if t]))
    return out


@dataclass
class Slide:
    kind: str
    title: str
    subtitle: str = ""
    numbers: list[Number] = field(default_factory=list)
    chart: go.Figure | None = None
    note: str = ""                      # a line under the chart or the numbers
    evidence: list[Evidence] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)   # initiatives; sources on the closing slide
    bullets_title: str = ""
    sources: list[Source] = field(default_factory=list)

    def footer(self, named: int | None = None) -> str:
        """The sources line printed under the slide: the first few (`named`, default
        max_footer_sources) named, the rest counted; a batch they share is said once."""
        if not self.sources:
            return "来源：无（所选范围内没有数据）"
        n = max(1, limit("max_footer_sources") if named is None else named)
        shown = self.sources[:n]
        batches = {s.batch_label() for s in self.sources}
        shared = batches.pop() if len(batches) == 1 and len(shown) > 1 else ""
        text = "；".join(s.label(batch=not shared) for s in shown)
        more = f" 等 {len(self.sources)} 份" if len(self.sources) > n else ""
        return f"来源：{text}{more}{shared}"


# ---- the presenter's choice and the URL ---------------------------------------------------------

@dataclass(frozen=True)
class Deck:
    kinds: tuple[str, ...] = ()
    spotlights: tuple[str, ...] = ()   # community keys (ui.queries.community_key)
    auto: int = 0                      # seconds per slide when advancing by itself; 0: off

    @classmethod
    def default(cls) -> "Deck":
        return cls(kinds=tuple(_config()["default_kinds"]))


def _values(params: Mapping, name: str) -> list[str]:
    """Every value of a query parameter: repeated (?a=1&a=2) or comma-separated (?a=1,2)."""
    getter = getattr(params, "get_all", None)
    raw = getter(name) if getter else params.get(name, [])
    raw = [raw] if isinstance(raw, str) else list(raw or [])
    return [v.strip() for item in raw for v in str(item).split(",") if v.strip()]


def deck_to_query(deck: Deck, slide: int | None = None, present: bool = False) -> dict:
    """Query parameters that reopen `deck` (as the page's URL-bound widgets write them: labels,
    repeated), optionally at a slide and in presenting mode."""
    out: dict = {SLIDES_PARAM: [slide_label(k) for k in deck.kinds],
                 SPOT_PARAM: [community_key_label(k) for k in deck.spotlights]}
    if deck.auto:
        out[AUTO_PARAM] = str(int(deck.auto))
    if slide is not None:
        out[SLIDE_PARAM] = str(int(slide))
    if present:
        out[PRESENT_PARAM] = "1"
    return {k: v for k, v in out.items() if v}


def _quote_readably(text, safe="", encoding=None, errors=None) -> str:
    # ASCII that means something in a URL (& = # % + space) stays percent-encoded; Chinese and
    # other non-ASCII text stays as it reads: browsers encode it when the link is opened
    return "".join(c if ord(c) > 127 and c.isprintable() and not c.isspace() else quote(c, safe=safe)
                   for c in str(text))


def readable_query(params: Mapping) -> str:
    """A query string that reads as written (区县=彭州市, not %E5%BD%AD…) and still parses
    back to `params`: a deck link a presenter can check by eye."""
    return urlencode(params, doseq=True, quote_via=_quote_readably)


def deck_from_query(params: Mapping, community_keys=()) -> Deck:
    """The deck a URL describes. Slides may be named by label or code; spotlights by label
    (培华路社区（成华区猛追湾街道）) or key; unknown names are dropped. No slides parameter gives
    the default deck."""
    by_label = {slide_label(k): k for k in slide_kinds()} | {k: k for k in slide_kinds()}
    named = _values(params, SLIDES_PARAM)
    kinds = tuple(k for k in slide_kinds() if k in {by_label.get(v) for v in named}) if named \
        else Deck.default().kinds
    keys = {community_key_label(k): k for k in community_keys} | {k: k for k in community_keys}
    spots = tuple(dict.fromkeys(keys[v] for v in _values(params, SPOT_PARAM) if v in keys))
    try:
        auto = max(0, int(_values(params, AUTO_PARAM)[0]))
    except (IndexError, ValueError):
        auto = 0
    return Deck(kinds=kinds, spotlights=spots, auto=auto)


def slide_from_query(params: Mapping, count: int) -> int:
    """The 1-based slide a URL points at, kept within 1..count."""
    try:
        n = int(_values(params, SLIDE_PARAM)[0])
    except (IndexError, ValueError):
        n = 1
    return min(max(n, 1), max(count, 1))


def presenting(params: Mapping) -> bool:
    return bool(_values(params, PRESENT_PARAM)) and _values(params, PRESENT_PARAM)[0] not in ("0", "false")


# ---- names -------------------------------------------------------------------------------------

def scope_name(filters: Filters) -> str:
    """The area a deck is about: the narrowest chosen place, or 成都市."""
    for level in ("community", "street", "district"):
        chosen = getattr(filters, level)
        if chosen:
            return "、".join(chosen[:3]) + ("等" if len(chosen) > 3 else "")
    return "成都市"


def deck_title(filters: Filters) -> str:
    return f"{scope_name(filters)}社区治理工作交流"


UNSAFE_IN_NAMES = re.compile(r"""[\\/:*?"<>|\s\x00-\x1f]+""")  # Windows, macOS and Linux alike


def export_name(filters: Filters, today: dt.date, ext: str) -> str:
    """社区治理_成华区_2026-11-21.pptx: what the deck is about and when, safe as a file name."""
    parts = [scope_name(filters)]
    for name, values in filters.active().items():
        if name not in ("district", "street", "community"):
            parts.append("、".join(filter_label(name, v) for v in values[:2]))
    middle = UNSAFE_IN_NAMES.sub("_", "_".join(parts)).strip("._")[:60] or "全市"
    return f"社区治理_{middle}_{today.isoformat()}.{ext.lstrip('.')}"


# ---- sources -----------------------------------------------------------------------------------

def sources_of(ds: Dataset, *frames: pd.DataFrame) -> list[Source]:
    """The documents and batches the rows of `frames` (claims, initiatives, communities) come
    from, in document order."""
    pairs: set[tuple[str, str]] = set()
    for frame in frames:
        if frame is None or frame.empty:
            continue
        part = frame[["doc", "batch_id"]].astype("object").dropna(subset=["doc"]).drop_duplicates()
        pairs |= {(d, b) for d, b in part.itertuples(index=False)}
    docs = ds.documents.set_index("doc") if len(ds.documents) else pd.DataFrame(columns=["title"])
    files = ds.batches.set_index("batch_id")["file"] if len(ds.batches) and "file" in ds.batches \
        else pd.Series(dtype=object)
    described = batch_labels(ds, inline=True)
    out = []
    for doc, batch in sorted(pairs, key=lambda p: (str(p[0]), str(p[1]))):
        title = docs["title"].get(doc) if doc in docs.index else None
        file = files.get(batch) if batch in files.index else None
        out.append(Source(doc=str(doc), title=title if isinstance(title, str) and title else None,
                          batch_id=batch if isinstance(batch, str) else None,
                          batch_file=file if isinstance(file, str) and file else None,
                          batch=described.get(batch) if isinstance(batch, str) else None))
    return out


def deck_sources(slides: list[Slide]) -> list[Source]:
    """Every source of the deck, once, in the order the slides first name them."""
    return list(dict.fromkeys(s for slide in slides for s in slide.sources))


# ---- the slides --------------------------------------------------------------------------------

def _title_slide(ds, scope: Scope, filters: Filters, today: dt.date) -> Slide:
    c = scope_counts(scope)
    numbers = [Number("社区（村）", format_count(c.communities)), Number("数据条数", format_count(c.facts)),
               Number("来源文件", format_count(c.sources)), Number("特色项目", format_count(c.initiatives))]
    scope_text = describe_filters(filters) or "全市全部数据"
    return Slide("title", deck_title(filters), subtitle=f"{scope_text}　·　{today.isoformat()}",
                 numbers=numbers,
                 note="数据来自已导入的社区文章与统计表，每个数字都可追溯到原文。",
                 sources=sources_of(ds, scope.facts, scope.initiatives, scope.communities))


def _total_number(r) -> Number:
    """One row of ui.aggregate.totals_by_indicator as a slide number: what it counts, the total
    (or a rate's or share's range) and how it was made."""
    per = r.per if isinstance(r.per, str) else None
    how = {"sum": f"{r.facts} 条数据相加", "stock": f"{r.counted} 个地点各取最新一数",
           "rate": f"{r.facts} 条，不相加", "share": f"{r.facts} 条，不相加"}.get(r.rule, "")
    return Number(indicator_label(r.indicator, per),
                  format_total(r.value, r.unit, r.qualifier, r.rule, r.low), how)


def _headline_slide(ds, scope: Scope, filters: Filters) -> Slide:
    totals = totals_by_indicator(scope.facts, "achieved")
    shown = totals.head(limit("max_headline"))
    numbers = [_total_number(r) for r in shown.itertuples()]
    facts = scope.facts
    used = facts[(facts["status"] == "achieved").to_numpy()
                 & facts["indicator"].isin(list(shown["indicator"])).to_numpy()]
    note = ("按指标分别合计：不同指标从不相加，同一来源重复提及的数字只算一次，人口、户数、面积等规模指标"
            "同一地点只取一个数，日均、年均和百分比不相加，计划目标不计入。") if numbers \
        else "所选范围内没有可合计的已实现指标。"
    return Slide("headline", f"{scope_name(filters)}已实现的主要数字", numbers=numbers, note=note,
                 sources=sources_of(ds, used))


def _district_slide(ds, scope: Scope, filters: Filters) -> Slide:
    level = drill_level(filters)
    level = "community" if level == "done" else level
    here = scope_name(filters) if level != "district" else ""
    summary = summary_by(scope, level)
    with_facts = summary[summary["facts"] > 0]
    shown = with_facts.head(limit("max_units"))
    notes = []
    if len(with_facts) > len(shown):
        notes.append(f"另有 {len(with_facts) - len(shown)} 个{LEVEL_LABELS[level]}数据较少，未列出")
    if len(summary) > len(with_facts):
        notes.append(f"{len(summary) - len(with_facts)} 个{LEVEL_LABELS[level]}暂无数字")
    above = above_level_facts(scope, level)
    if above:
        notes.append(f"{format_count(above)} 条数据属于更上一级，不在图中")
    facts = scope.facts[scope.facts[level].isin(list(shown["name"])).to_numpy()]
    title = f"{here}各{LEVEL_LABELS[level]}对比" if here else f"各{LEVEL_LABELS[level]}对比"
    return Slide("district", title,
                 chart=charts.unit_bars(shown, LEVEL_LABELS[level], here),
                 note="；".join(notes) + ("。" if notes else ""),
                 sources=sources_of(ds, facts))


def _programme_slide(ds, scope: Scope, filters: Filters) -> Slide:
    counts = count_facts(scope.facts, ["programme", "status"])
    totals = counts.groupby("programme")["facts"].sum().sort_values(ascending=False) \
        if len(counts) else pd.Series(dtype="int64")
    numbers = [Number(programme_label(p), f"{int(n)} 条") for p, n in totals.head(3).items()]
    return Slide("programme", f"{scope_name(filters)}项目类型分布", numbers=numbers,
                 chart=charts.programme_bars(counts),
                 note="每条数据按一个主要项目类型计；已实现与计划目标分开统计。",
                 sources=sources_of(ds, scope.facts))


def _spotlight_totals(claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Up to max_spotlight_figures totals of a community, the same totals as its profile page
    (ui.aggregate.totals_by_status: achieved first, then planned), and for each the largest
    fact behind it (its sentence goes on the slide)."""
    totals = totals_by_status(claims)
    totals = totals.assign(_planned=(totals["status"] == "planned").to_numpy()) \
        .sort_values("_planned", kind="stable").drop(columns="_planned") \
        .head(limit("max_spotlight_figures")).reset_index(drop=True)
    facts = distinct_facts(claims)
    per = facts["per"].astype("object").fillna("")
    rows = []
    for r in totals.itertuples():
        part = facts[((facts["indicator"] == r.indicator) & (facts["status"] == r.status)).to_numpy()
                     & (per == (r.per if isinstance(r.per, str) else "")).to_numpy()]
        rows.append(part.sort_values("value", ascending=False, kind="stable").index[0])
    return totals, facts.loc[rows]


def _evidence(r, names: dict) -> Evidence:
    """A figure's sentence for a slide, its document named by title. A spreadsheet row has no
    sentence (its stored evidence is every cell, "序号：2；…（第D列）：12"): it is quoted as the
    row's place, indicator and figure."""
    text, doc = str(r["text"]), names.get(r["doc"], str(r["doc"]))
    if pd.notna(r.get("row")) and pd.isna(r.get("start")):
        what = [str(x) for x in (r.get("community"), r.get("object")) if isinstance(x, str) and x]
        sentence = f"第 {int(r['row'])} 行：{'，'.join([*what, text])}"
        return Evidence(figure=text, sentence=sentence, doc=doc,
                        span=(len(sentence) - len(text), len(sentence)))
    return Evidence(figure=text, sentence=str(r["evidence"]), doc=doc,
                    span=locate_span(str(r["evidence"]), text, r.get("start"), r.get("end"),
                                     r.get("evidence_start")))


def _spotlight_slide(ds, key: str, filters: Filters) -> Slide:
    profile = community_profile(ds, key, filters)
    totals, figures = _spotlight_totals(profile.claims)
    names = doc_labels(ds)
    numbers = []
    for r in totals.itertuples():
        number = _total_number(r)
        if r.status == "planned":
            number = Number(number.label, number.value, status_label(r.status))
        numbers.append(number)
    evidence = [_evidence(r, names) for _, r in figures.iterrows()]
    inits = initiatives_table(profile.initiatives, names).head(limit("max_initiatives"))
    bullets = [f"{r.项目名称}（{r.项目类型}）" for r in inits.itertuples()]
    place = "".join(x for x in (profile.district, profile.street) if x)
    who = f"{profile.title or '书记'} {profile.secretary}" if profile.secretary else ""
    comms = ds.communities
    rows = comms[(comms["community"] == profile.community).to_numpy()
                 & (comms["street"].isna() | (comms["street"] == profile.street)).to_numpy()]
    return Slide("spotlight", f"社区风采：{profile.community}",
                 subtitle="　·　".join(x for x in (place, who) if x), numbers=numbers,
                 evidence=evidence, bullets=bullets, bullets_title="特色项目" if bullets else "",
                 note="" if numbers else "该社区暂无收录的数字。",
                 sources=sources_of(ds, figures, profile.initiatives.head(limit("max_initiatives")),
                                    rows))


def ranked_spotlights(scope: Scope) -> list[str]:
    """Keys of the communities in scope that a spotlight has a figure for: most distinct
    achieved figures first, then most planned ones (ties: the filters' list order). A community
    with no figure to show (none, or only bare counts, which _spotlight_figures leaves out) is
    not ranked, so a default deck never opens on "暂无收录的数字"."""
    facts = scope.facts
    # a figure of 其他 or of a `none` indicator makes no total, so gives a spotlight nothing to show
    shown = facts[facts["community"].notna().to_numpy() & (rules(facts) != "none")]
    place = shown["place"].astype("object") if "place" in shown else (
        shown["district"].astype("object").fillna("") + "|" + shown["street"].astype("object").fillna("")
        + "|" + shown["community"].astype("object"))
    achieved = (shown["status"] == "achieved").to_numpy()
    counts = pd.DataFrame({"key": place.to_numpy(), "achieved": achieved, "planned": ~achieved}) \
        .groupby("key")[["achieved", "planned"]].sum()
    order = {k: i for i, k in enumerate(community_choices(scope))}
    ranked = counts[counts.index.isin(list(order))]
    ranked = ranked[(ranked["achieved"] + ranked["planned"]) > 0]
    return sorted(ranked.index, key=lambda k: (-int(ranked.at[k, "achieved"]),
                                               -int(ranked.at[k, "planned"]), order[k]))


def spotlight_keys(scope: Scope, deck: Deck) -> list[str]:
    """The communities a deck spotlights: the chosen ones still in scope, else the leaders
    (none when no community in scope has a figure)."""
    in_scope = community_choices(scope)
    chosen = [k for k in deck.spotlights if k in in_scope]
    return chosen or ranked_spotlights(scope)[:limit("default_spotlights")]


def build_deck(ds: Dataset, filters: Filters, deck: Deck, today: dt.date | None = None) -> list[Slide]:
    """The slides of `deck` for the data the filters keep, in deck order; 社区风采 gives one
    slide per spotlight community, 资料来源 lists every source of the slides before it."""
    today = today or dt.date.today()
    scope = scope_of(ds, filters)
    slides: list[Slide] = []
    for kind in slide_kinds():
        if kind not in deck.kinds:
            continue
        if kind == "title":
            slides.append(_title_slide(ds, scope, filters, today))
        elif kind == "headline":
            slides.append(_headline_slide(ds, scope, filters))
        elif kind == "district":
            slides.append(_district_slide(ds, scope, filters))
        elif kind == "programme":
            slides.append(_programme_slide(ds, scope, filters))
        elif kind == "spotlight":
            slides.extend(_spotlight_slide(ds, key, filters) for key in spotlight_keys(scope, deck))
        elif kind == "sources":
            every = deck_sources(slides) or sources_of(ds, scope.facts, scope.initiatives)
            slides.append(Slide("sources", "资料来源", bullets=[s.label() for s in every],
                                subtitle=f"本次展示的数字来自以下 {len(every)} 份文章或表格",
                                note="谢谢！", sources=every))
    return slides


# ---- figures for a projector -------------------------------------------------------------------

def axis_values(values) -> list:
    """A trace's x or y as a list. A figure that went through pickle (Streamlit's cache) holds
    numeric arrays in plotly's base64 form, {"dtype": "i8", "bdata": "…"}; decode it."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        return array.reshape(values["shape"]).tolist() if "shape" in values else array.tolist()
    return list(values)


def scaled_figure(fig: go.Figure, font_size: int, height: int, title: bool = True) -> go.Figure:
    """A copy of a dashboard chart with type large enough to read across a room; without its
    title when the slide already shows it. Margins are set from the labels rather than left to
    plotly's automargin, which measures Chinese labels before the CJK font has loaded."""
    out = go.Figure(fig)
    base = fig.layout.font.size or 13
    ratio = font_size / base
    legend = bool(fig.layout.showlegend is not False and len(fig.data) > 1)
    out.update_layout(font={"size": font_size}, height=height, legend={"font": {"size": font_size}},
                      hoverlabel={"font": {"size": font_size}})
    # explicit, since Streamlit's chart theme sets small tick fonts of its own
    for axes in (out.update_xaxes, out.update_yaxes):
        axes(tickfont={"size": font_size}, title_font={"size": font_size})
    if title:
        title_size = round((fig.layout.title.font.size or 16) * ratio)
        out.update_layout(title={"font": {"size": title_size}, "pad": {"l": 16, "t": 12}},
                          margin={"t": title_size + 40 + (font_size + 30 if legend else 0)})
    else:
        out.update_layout(title={"text": ""}, margin={"t": font_size + 30 if legend else 10})
    if legend:
        out.update_layout(legend={"y": 1.0, "yanchor": "bottom", "x": 0})
    for ann in out.layout.annotations or ():
        ann.font.size = round((ann.font.size or base) * ratio)
    bars = [t for t in fig.data if t.type == "bar"]
    if bars:
        out.update_traces(textfont={"size": font_size}, textangle=0, selector={"type": "bar"})
        horizontal = bars[0].orientation == "h"
        categories = list(dict.fromkeys(str(c) for t in bars
                                        for c in axis_values(t.y if horizontal else t.x)))
        out.update_layout(bargap=max(0.25, 1 - 0.12 * len(categories)))
        if horizontal and categories:
            widest = max(len(c) for c in categories)
            out.update_layout(margin={"l": round(widest * font_size * 1.05) + 24})
    out.update_layout(margin={"b": round((fig.layout.margin.b or 10) * ratio) + 2 * font_size + 36})
    return out
