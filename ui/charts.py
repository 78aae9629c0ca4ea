"""Plotly figures built from the aggregation tables; every title says what is counted."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .formatting import format_count, format_number, format_quantity
from .labels import district_tiles, indicator_label, programme_label, status_label, unit_label

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
BLUES = [[0, "#eef3fb"], [0.25, "#c6d8f0"], [0.6, "#5b8fd0"], [1, "#1f4e96"]]
STATUS_COLOURS = {"achieved": "#2d6cc0", "planned": "#f0a23b"}


# a legend sits between the title and the plot, so charts with one get a taller top margin
LEGEND = {"orientation": "h", "y": 1.0, "x": 0, "xanchor": "left", "yanchor": "bottom"}


def _layout(fig: go.Figure, title: str, height: int, legend: bool = False,
            note: bool = False) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16},
                             "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}},
                      font={"family": FONT, "size": 13}, height=height,
                      margin={"l": 10, "r": 10, "t": 86 if legend else 56, "b": 36 if note else 10},
                      legend=LEGEND,
                      paper_bgcolor="white", plot_bgcolor="white",
                      hoverlabel={"font": {"family": FONT}})
    return fig


def count_axis(fig: go.Figure, top: float, axis: str = "x", **more) -> go.Figure:
    """An axis of counts: whole numbers only (never "0.2 条"), starting at 0."""
    settings = {"tickformat": ",d", "rangemode": "tozero", **more}
    if top <= 6:   # plotly would step by 0.5 or 0.2 below this
        settings |= {"tick0": 0, "dtick": 1}
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings)
    return fig


def empty_figure(title: str, message: str = "所选范围内暂无数据", height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": "#888"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height)


def district_tile_map(summary: pd.DataFrame, title: str = "各区（市）县数据条数（去重后）") -> go.Figure:
    """Chengdu's 23 district-level units as tiles placed roughly where they lie; colour and
    number give the distinct facts of each. `summary` has columns name, facts, communities."""
    tiles = pd.DataFrame(district_tiles())
    by_name = summary.set_index("name") if len(summary) else pd.DataFrame(columns=["facts", "communities"])
    rows, cols = tiles["row"].max() + 1, tiles["col"].max() + 1
    z = np.full((rows, cols), np.nan)
    text = np.full((rows, cols), "", dtype=object)
    hover = np.full((rows, cols), "", dtype=object)
    for t in tiles.itertuples():
        facts = int(by_name["facts"].get(t.name, 0)) if len(by_name) else 0
        comms = int(by_name["communities"].get(t.name, 0)) if len(by_name) else 0
        z[t.row, t.col] = facts
        text[t.row, t.col] = f"<b>{t.short}</b><br>{format_count(facts) if facts else '—'}"
        hover[t.row, t.col] = f"{t.name}<br>数据 {format_count(facts)} 条<br>社区 {comms} 个"
    zmax = max(1, np.nanmax(z))
    fig = go.Figure(go.Heatmap(
        z=z, text=text, texttemplate="%{text}", customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", colorscale=BLUES, zmin=0, zmax=zmax,
        xgap=5, ygap=5, showscale=False, textfont={"size": 13}))
    fig.update_xaxes(visible=False, range=[-0.5, cols - 0.5])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    _layout(fig, title, 430, note=True)
    fig.add_annotation(text="方块位置为大致方位示意，非精确地图", x=0, y=-0.02, xref="paper",
                       yref="paper", showarrow=False, font={"size": 11, "color": "#888"},
                       xanchor="left", yanchor="top")
    return fig


def district_programme_heatmap(matrix: pd.DataFrame, indicator: str | None = None,
                               unit: str = "") -> go.Figure:
    """Distinct facts, or an indicator's achieved total, per district × programme
    (ui.aggregate.district_programme_matrix)."""
    title = "各区（市）县 × 项目类型：" + (f"{indicator_label(indicator)}（已实现合计，{unit_label(unit)}）"
                                      if indicator else "数据条数（去重后）")
    if matrix.empty:
        return empty_figure(title)
    order = [t["name"] for t in district_tiles()]
    rows = [d for d in order if d in matrix.index] + [d for d in matrix.index if d not in order]
    matrix = matrix.loc[rows]
    x = [programme_label(c) for c in matrix.columns]
    z = matrix.to_numpy()
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=list(matrix.index), colorscale=BLUES,
        text=np.array([[format_number(v) if v > 0 else "" for v in row] for row in z]),
        texttemplate="%{text}",
        hovertemplate="%{y} · %{x}<br>%{text}" + (unit_label(unit) if indicator else " 条")
        + "<extra></extra>", xgap=2, ygap=2,
        colorbar={"title": {"text": unit_label(unit) if indicator else "条"}, "thickness": 12,
                  # counts: whole-number ticks only
                  **({} if indicator else {"tickformat": ",d",
                                           **({"tick0": 0, "dtick": 1} if z.max() <= 6 else {})})}))
    fig.update_yaxes(autorange="reversed")
    # upright labels stacked one per column: slanted ones overlap on a phone (414 px)
    fig.update_xaxes(tickangle=-90, side="bottom", automargin=True)
    return _layout(fig, title, max(320, 120 + 34 * len(rows)))


def programme_bars(counts: pd.DataFrame) -> go.Figure:
    """Distinct facts per programme, achieved and planned stacked. `counts`: programme, status,
    facts (ui.aggregate.count_facts(claims, ["programme", "status"]))."""
    title = "各项目类型的数据条数（去重后）"   # the legend names 已实现 / 计划目标
    if counts.empty:
        return empty_figure(title)
    totals = counts.groupby("programme")["facts"].sum().sort_values()
    fig = go.Figure()
    for status in ("achieved", "planned"):
        part = counts[counts["status"] == status].set_index("programme")["facts"]
        values = [int(part.get(p, 0)) for p in totals.index]
        fig.add_bar(y=[programme_label(p) for p in totals.index], x=values, orientation="h",
                    name=status_label(status), marker_color=STATUS_COLOURS[status],
                    text=[v or "" for v in values], textposition="inside", textangle=0,
                    insidetextanchor="middle",
                    hovertemplate="%{y}<br>" + status_label(status) + " %{x} 条<extra></extra>")
    fig.update_layout(barmode="stack", uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_xaxes(title_text="数据条数", gridcolor="#eee")
    count_axis(fig, float(totals.max()))
    return _layout(fig, title, max(300, 130 + 30 * len(totals)), legend=True)


def achieved_vs_planned_chart(frame: pd.DataFrame) -> go.Figure:
    """For each indicator that has a planned figure, the achieved total beside the planned total
    (ui.aggregate.achieved_vs_planned). Indicators differ in unit and size, so each pair is drawn
    relative to its own larger value and labelled with its real figures."""
    title = "已实现与计划目标对比（各指标分别统计，不相加）"
    if frame.empty:
        return empty_figure(title, "所选范围内没有计划目标类数据")
    groups = list(dict.fromkeys(zip(frame["indicator"], frame["unit"])))
    names = [f"{indicator_label(k)}（{unit_label(u)}）" for k, u in groups]
    fig = go.Figure()
    # (indicator, unit) → status → (value, qualifier): plain lookups, one pass over the rows
    pairs: dict = {}
    for ind, unit, status, value, qual in zip(frame["indicator"], frame["unit"], frame["status"],
                                               frame["value"], frame["qualifier"]):
        pairs.setdefault((ind, unit), {})[status] = (float(value), qual)
    for status in ("planned", "achieved"):
        shares, labels = [], []
        for kind, unit in groups:
            pair = pairs[kind, unit]
            top = max(v for v, _ in pair.values()) or 1.0
            if status in pair:
                shares.append(pair[status][0] / top)
                labels.append(format_quantity(pair[status][0], unit, pair[status][1]))
            else:
                shares.append(0.0)
                labels.append("无")
        fig.add_bar(y=names, x=shares, orientation="h", name=status_label(status),
                    marker_color=STATUS_COLOURS[status], text=labels, textposition="outside",
                    cliponaxis=False, hovertemplate="%{y} · " + status_label(status)
                    + "：%{text}<extra></extra>")
    fig.update_layout(barmode="group", bargap=0.35, bargroupgap=0.08)
    fig.update_xaxes(visible=False, range=[0, 1.45])
    fig.update_yaxes(autorange="reversed")
    fig.add_annotation(text="条形长度为同一指标内的相对大小", x=0, y=-0.02, xref="paper",
                       yref="paper", showarrow=False, font={"size": 11, "color": "#888"},
                       xanchor="left", yanchor="top")
    fig.update_layout(legend={"traceorder": "reversed"})
    return _layout(fig, title, max(280, 140 + 62 * len(groups)), legend=True, note=True)


def leading_chart(top: pd.DataFrame, indicator: str, unit: str) -> go.Figure:
    """The leading communities of one indicator (rows of ui.aggregate.leading_communities)."""
    title = f"{indicator_label(indicator)}领先的社区（已实现，单位：{unit_label(unit)}）"
    part = top[(top["indicator"] == indicator) & (top["unit"] == unit)].sort_values("value")
    if part.empty:
        return empty_figure(title)
    fig = go.Figure(go.Bar(
        y=part["community"], x=part["value"], orientation="h", marker_color="#2d6cc0",
        text=[format_quantity(v, unit, q) for v, q in zip(part["value"], part["qualifier"])],
        textposition="auto", customdata=part["street"].fillna("") + " · " + part["district"].fillna(""),
        hovertemplate="%{y}（%{customdata}）<br>%{text}<extra></extra>"))
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return _layout(fig, title, max(220, 80 + 34 * len(part)))


def unit_bars(summary: pd.DataFrame, level_label: str, title_scope: str = "") -> go.Figure:
    """Distinct facts per unit (district, street or community) from ui.queries.summary_by."""
    title = f"{title_scope}各{level_label}数据条数（去重后）"   # the legend: 已实现 / 计划目标
    if summary.empty:
        return empty_figure(title)
    part = summary.head(25).iloc[::-1]
    fig = go.Figure()
    for status in ("achieved", "planned"):
        fig.add_bar(y=part["name"], x=part[status], orientation="h", name=status_label(status),
                    marker_color=STATUS_COLOURS[status],
                    hovertemplate="%{y}<br>" + status_label(status) + " %{x} 条<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="数据条数", gridcolor="#eee")
    count_axis(fig, float((part["achieved"] + part["planned"]).max()))
    return _layout(fig, title, max(260, 120 + 28 * len(part)), legend=True)


def count_bars(counts: pd.Series, title: str, unit: str = "个") -> go.Figure:
    """Horizontal bars of a few counts (value_counts), largest on top, whole-number axis."""
    if counts.empty:
        return empty_figure(title)
    part = counts.sort_values()
    fig = go.Figure(go.Bar(y=[str(i) for i in part.index], x=part.to_numpy(), orientation="h",
                           marker_color="#2d6cc0", text=part.to_numpy(), textposition="auto",
                           textangle=0,
                           hovertemplate="%{y}：%{x} " + unit + "<extra></extra>"))
    fig.update_xaxes(title_text=f"数量（{unit}）", gridcolor="#eee")
    count_axis(fig, float(part.max()))
    return _layout(fig, title, max(200, 90 + 28 * len(part)))
