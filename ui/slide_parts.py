"""What a slide holds and the deck's settings (ui/data/slides.yaml): the slide kinds, the
limits that keep a slide readable, the figures, sentences and sources a slide carries. Built
by ui/slides.py; drawn by the page, the HTML report (ui/report.py), the PPTX (ui/deck.py) and
the PNGs (ui/images.py). No Streamlit here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import plotly.graph_objects as go
import yaml

from .labels import DATA_DIR


@lru_cache(maxsize=None)
def deck_config() -> dict:
    return yaml.safe_load((DATA_DIR / "slides.yaml").read_text(encoding="utf-8"))


def slide_kinds() -> tuple[str, ...]:
    """Slide kinds in deck order."""
    return tuple(deck_config()["kinds"])


def slide_label(kind: str) -> str:
    return deck_config()["kinds"].get(kind, {}).get("label", kind)


def slide_description(kind: str) -> str:
    return deck_config()["kinds"].get(kind, {}).get("description", "")


def limit(name: str) -> int:
    return int(deck_config()[name])


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
