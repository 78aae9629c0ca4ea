"""The deck behind 演示模式 and its exports: slides built from the dataset, the filters and the
presenter's choice, each carrying its figures and the sources they rest on; and the deck's place
in the URL. The page, the HTML report, the PPTX and the PNGs all draw the same slide list, so they
show the same figures. The figures come from the rollups where they answer the filters exactly
(ui.queries.page_scope), the sources from the claims read on demand (Cubes.sources). What a
slide holds: ui/slide_parts.py; charts sized for a projector: ui/slide_figures.py. No Streamlit
calls here.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pandas as pd

from . import charts, unit_figures
from .aggregate import count_facts, distinct_facts, rules, totals_by_status
from .dataset import Dataset
from .filters import describe_filters, filter_label
from .formatting import format_count, format_total, locate_span
from .community_profile import community_choices, community_key_label, community_profile
from .initiative_rows import initiatives_table
from .labels import indicator_label, programme_label, status_label
from .provenance import batch_labels, doc_labels
from .queries import (LEVEL_LABELS, Filters, Scope, above_level_facts, drill_level, page_scope,
                      scope_counts, scope_totals, summary_by)
from .slide_parts import (Evidence, Number, Slide, Source, deck_config, limit, slide_kinds,
                          slide_label)

# query parameters of a deck; the filters (ui/filters.py) use the claims' column names
SLIDES_PARAM, SPOT_PARAM, AUTO_PARAM = "slides", "spot", "auto"
SLIDE_PARAM, PRESENT_PARAM = "slide", "present"


# ---- the presenter's choice and the URL ---------------------------------------------------------

@dataclass(frozen=True)
class Deck:
    kinds: tuple[str, ...] = ()
    spotlights: tuple[str, ...] = ()   # community keys (ui.queries.community_key)
    auto: int = 0                      # seconds per slide when advancing by itself; 0: off

    @classmethod
    def default(cls) -> "Deck":
        return cls(kinds=tuple(deck_config()["default_kinds"]))


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

def cited_facts(ds: Dataset, scope: Scope) -> pd.DataFrame:
    """The scope's facts as far as the slides name their sources: document, batch, status,
    indicator and place (from the rollups' scope, read from the claims on demand)."""
    return scope.facts if scope.units is None else ds.cubes.sources(scope.filters)


def _title_slide(ds, scope: Scope, cited: pd.DataFrame, filters: Filters,
                 today: dt.date) -> Slide:
    if scope.units is None:
        c = scope_counts(scope)
    else:   # the documents of the facts are those of the kept claims (the filters split none)
        facts, mentions = unit_figures.fact_count(scope.units)
        c = scope_counts(scope, rolled=(facts, mentions, cited["doc"].dropna().unique(), 0))
    numbers = [Number("社区（村）", format_count(c.communities)), Number("数据条数", format_count(c.facts)),
               Number("来源文件", format_count(c.sources)), Number("特色项目", format_count(c.initiatives))]
    scope_text = describe_filters(filters) or "全市全部数据"
    return Slide("title", deck_title(filters), subtitle=f"{scope_text}　·　{today.isoformat()}",
                 numbers=numbers,
                 note="数据来自已导入的社区文章与统计表，每个数字都可追溯到原文。",
                 sources=sources_of(ds, cited, scope.initiatives, scope.communities))


def _total_number(r) -> Number:
    """One row of ui.aggregate.totals_by_indicator as a slide number: what it counts, the total
    (or a rate's or share's range) and how it was made."""
    per = r.per if isinstance(r.per, str) else None
    how = {"sum": f"{r.facts} 条数据相加", "stock": f"{r.counted} 个地点各取最新一数",
           "rate": f"{r.facts} 条，不相加", "share": f"{r.facts} 条，不相加"}.get(r.rule, "")
    return Number(indicator_label(r.indicator, per),
                  format_total(r.value, r.unit, r.qualifier, r.rule, r.low), how)


def _headline_slide(ds, scope: Scope, facts: pd.DataFrame, filters: Filters) -> Slide:
    totals = scope_totals(scope, "achieved")
    shown = totals.head(limit("max_headline"))
    numbers = [_total_number(r) for r in shown.itertuples()]
    used = facts[(facts["status"] == "achieved").to_numpy()
                 & facts["indicator"].isin(list(shown["indicator"])).to_numpy()]
    note = ("按指标分别合计：不同指标从不相加，同一来源重复提及的数字只算一次，人口、户数、面积等规模指标"
            "同一地点只取一个数，日均、年均和百分比不相加，计划目标不计入。") if numbers \
        else "所选范围内没有可合计的已实现指标。"
    return Slide("headline", f"{scope_name(filters)}已实现的主要数字", numbers=numbers, note=note,
                 sources=sources_of(ds, used))


def _district_slide(ds, scope: Scope, facts: pd.DataFrame, filters: Filters) -> Slide:
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
    facts = facts[facts[level].isin(list(shown["name"])).to_numpy()]
    title = f"{here}各{LEVEL_LABELS[level]}对比" if here else f"各{LEVEL_LABELS[level]}对比"
    return Slide("district", title,
                 chart=charts.unit_bars(shown, LEVEL_LABELS[level], here),
                 note="；".join(notes) + ("。" if notes else ""),
                 sources=sources_of(ds, facts))


def _programme_slide(ds, scope: Scope, facts: pd.DataFrame, filters: Filters) -> Slide:
    counts = count_facts(scope.facts, ["programme", "status"]) if scope.units is None \
        else unit_figures.programme_counts(scope.units)[0]
    totals = counts.groupby("programme")["facts"].sum().sort_values(ascending=False) \
        if len(counts) else pd.Series(dtype="int64")
    numbers = [Number(programme_label(p), f"{int(n)} 条") for p, n in totals.head(3).items()]
    return Slide("programme", f"{scope_name(filters)}项目类型分布", numbers=numbers,
                 chart=charts.programme_bars(counts),
                 note="每条数据按一个主要项目类型计；已实现与计划目标分开统计。",
                 sources=sources_of(ds, facts))


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
    counts = _spotlight_counts(scope.facts) if scope.units is None \
        else unit_figures.spotlight_counts(scope.units)
    order = {k: i for i, k in enumerate(community_choices(scope))}
    ranked = counts[counts.index.isin(list(order))]
    ranked = ranked[(ranked["achieved"] + ranked["planned"]) > 0]
    return sorted(ranked.index, key=lambda k: (-int(ranked.at[k, "achieved"]),
                                               -int(ranked.at[k, "planned"]), order[k]))


def _spotlight_counts(facts: pd.DataFrame) -> pd.DataFrame:
    """Per community key (ui.queries.community_key), its facts with a total to show, achieved
    and planned."""
    # a figure of 其他 or of a `none` indicator makes no total, so gives a spotlight nothing to show
    shown = facts[facts["community"].notna().to_numpy() & (rules(facts) != "none")]
    place = shown["place"].astype("object") if "place" in shown else (
        shown["district"].astype("object").fillna("") + "|" + shown["street"].astype("object").fillna("")
        + "|" + shown["community"].astype("object"))
    achieved = (shown["status"] == "achieved").to_numpy()
    return pd.DataFrame({"key": place.to_numpy(), "achieved": achieved, "planned": ~achieved}) \
        .groupby("key")[["achieved", "planned"]].sum()


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
    scope = page_scope(ds, filters)
    cited = cited_facts(ds, scope)
    slides: list[Slide] = []
    for kind in slide_kinds():
        if kind not in deck.kinds:
            continue
        if kind == "title":
            slides.append(_title_slide(ds, scope, cited, filters, today))
        elif kind == "headline":
            slides.append(_headline_slide(ds, scope, cited, filters))
        elif kind == "district":
            slides.append(_district_slide(ds, scope, cited, filters))
        elif kind == "programme":
            slides.append(_programme_slide(ds, scope, cited, filters))
        elif kind == "spotlight":
            slides.extend(_spotlight_slide(ds, key, filters) for key in spotlight_keys(scope, deck))
        elif kind == "sources":
            every = deck_sources(slides) or sources_of(ds, cited, scope.initiatives)
            slides.append(Slide("sources", "资料来源", bullets=[s.label() for s in every],
                                subtitle=f"本次展示的数字来自以下 {len(every)} 份文章或表格",
                                note="谢谢！", sources=every))
    return slides
