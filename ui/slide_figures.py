"""Dashboard charts made readable on a projector and in the exports: larger type, margins
from the labels. No Streamlit here.
"""
from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go


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
