"""Plotly figures built from the aggregation tables; every title says what is counted.

Each figure is made in one step from plain dicts without plotly's per-property validation
(`_validate=False`): validating and merging the properties one update at a time cost more than
the data (0.1–0.2 s of every overview rerun). tests/test_ui_charts.py checks that every figure
passes plotly's validation unchanged."""
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


def _figure(data: list[dict], title: str, height: int, legend_above: bool = False,
            note: str | None = None, **layout) -> go.Figure:
    """A figure of `data` (trace dicts with their "type") with the house layout, `layout`'s
    entries added; `note`: a grey line under the plot."""
    out = {"title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16},
                     "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}},
           "font": {"family": FONT, "size": 13}, "height": height,
           "margin": {"l": 10, "r": 10, "t": 86 if legend_above else 56, "b": 36 if note else 10},
           "legend": dict(LEGEND), "paper_bgcolor": "white", "plot_bgcolor": "white",
           "hoverlabel": {"font": {"family": FONT}}}
    for key, value in layout.items():
        out[key] = {**out[key], **value} if isinstance(out.get(key), dict) else value
    if note:
        out["annotations"] = [*out.get("annotations", []), {
            "text": note, "x": 0, "y": -0.02, "xref": "paper", "yref": "paper",
            "showarrow": False, "font": {"size": 11, "color": "#888"}, "xanchor": "left",
            "yanchor": "top"}]
    return go.Figure(data=data, layout=out, _validate=False)


def count_axis(top: float, **more) -> dict:
    """An axis of counts: whole numbers only (never "0.2 条"), starting at 0."""
    settings = {"tickformat": ",d", "rangemode": "tozero", **more}
    if top <= 6:   # plotly would step by 0.5 or 0.2 below this
        settings |= {"tick0": 0, "dtick": 1}
    return settings


def empty_figure(title: str, message: str = "所选范围内暂无数据", height: int = 320) -> go.Figure:
    return _figure([], title, height, annotations=[{
        "text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
        "showarrow": False, "font": {"size": 15, "color": "#888"}}],
        xaxis={"visible": False}, yaxis={"visible": False})


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
    return _figure([{
        "type": "heatmap", "z": z, "text": text, "texttemplate": "%{text}", "customdata": hover,
        "hovertemplate": "%{customdata}<extra></extra>", "colorscale": BLUES, "zmin": 0,
        "zmax": zmax, "xgap": 5, "ygap": 5, "showscale": False, "textfont": {"size": 13}}],
        title, 430, note="方块位置为大致方位示意，非精确地图",
        xaxis={"visible": False, "range": [-0.5, cols - 0.5]},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x", "scaleratio": 1})


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
    return _figure([{
        "type": "heatmap", "z": z, "x": x, "y": list(matrix.index), "colorscale": BLUES,
        "text": np.array([[format_number(v) if v > 0 else "" for v in row] for row in z]),
        "texttemplate": "%{text}",
        "hovertemplate": "%{y} · %{x}<br>%{text}" + (unit_label(unit) if indicator else " 条")
        + "<extra></extra>", "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": unit_label(unit) if indicator else "条"}, "thickness": 12,
                     # counts: whole-number ticks only
                     **({} if indicator else {"tickformat": ",d", **(
                         {"tick0": 0, "dtick": 1} if z.max() <= 6 else {})})}}],
        title, max(320, 120 + 34 * len(rows)), yaxis={"autorange": "reversed"},
        # upright labels stacked one per column: slanted ones overlap on a phone (414 px)
        xaxis={"tickangle": -90, "side": "bottom", "automargin": True})


def programme_bars(counts: pd.DataFrame) -> go.Figure:
    """Distinct facts per programme, achieved and planned stacked. `counts`: programme, status,
    facts (ui.aggregate.count_facts(claims, ["programme", "status"]))."""
    title = "各项目类型的数据条数（去重后）"   # the legend names 已实现 / 计划目标
    if counts.empty:
        return empty_figure(title)
    totals = counts.groupby("programme")["facts"].sum().sort_values()
    data = []
    for status in ("achieved", "planned"):
        part = counts[counts["status"] == status].set_index("programme")["facts"]
        values = [int(part.get(p, 0)) for p in totals.index]
        data.append({"type": "bar", "y": [programme_label(p) for p in totals.index], "x": values,
                     "orientation": "h", "name": status_label(status),
                     "marker": {"color": STATUS_COLOURS[status]},
                     "text": [str(v) if v else "" for v in values], "textposition": "inside",
                     "textangle": 0, "insidetextanchor": "middle", "hovertemplate": "%{y}<br>"
                     + status_label(status) + " %{x} 条<extra></extra>"})
    return _figure(data, title, max(300, 130 + 30 * len(totals)), legend_above=True,
                   barmode="stack", uniformtext={"minsize": 10, "mode": "hide"},
                   xaxis={"title": {"text": "数据条数"}, "gridcolor": "#eee",
                          **count_axis(float(totals.max()))})


def achieved_vs_planned_chart(frame: pd.DataFrame) -> go.Figure:
    """For each indicator that has a planned figure, the achieved total beside the planned total
    (ui.aggregate.achieved_vs_planned). Indicators differ in unit and size, so each pair is drawn
    relative to its own larger value and labelled with its real figures."""
    title = "已实现与计划目标对比（各指标分别统计，不相加）"
    if frame.empty:
        return empty_figure(title, "所选范围内没有计划目标类数据")
    groups = list(dict.fromkeys(zip(frame["indicator"], frame["unit"])))
    names = [f"{indicator_label(k)}（{unit_label(u)}）" for k, u in groups]
    data = []
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
        data.append({"type": "bar", "y": names, "x": shares, "orientation": "h",
                     "name": status_label(status), "marker": {"color": STATUS_COLOURS[status]},
                     "text": labels, "textposition": "outside", "cliponaxis": False,
                     "hovertemplate": "%{y} · " + status_label(status)
                     + "：%{text}<extra></extra>"})
    return _figure(data, title, max(280, 140 + 62 * len(groups)), legend_above=True,
                   note="条形长度为同一指标内的相对大小", barmode="group", bargap=0.35,
                   bargroupgap=0.08, xaxis={"visible": False, "range": [0, 1.45]},
                   yaxis={"autorange": "reversed"}, legend={"traceorder": "reversed"})


def leading_chart(top: pd.DataFrame, indicator: str, unit: str) -> go.Figure:
    """The leading communities of one indicator (rows of ui.aggregate.leading_communities)."""
    title = f"{indicator_label(indicator)}领先的社区（已实现，单位：{unit_label(unit)}）"
    part = top[(top["indicator"] == indicator) & (top["unit"] == unit)].sort_values("value")
    if part.empty:
        return empty_figure(title)
    return _figure([{
        "type": "bar", "y": part["community"], "x": part["value"], "orientation": "h",
        "marker": {"color": "#2d6cc0"},
        "text": [format_quantity(v, unit, q) for v, q in zip(part["value"], part["qualifier"])],
        "textposition": "auto",
        "customdata": part["street"].fillna("") + " · " + part["district"].fillna(""),
        "hovertemplate": "%{y}（%{customdata}）<br>%{text}<extra></extra>"}],
        title, max(220, 80 + 34 * len(part)), xaxis={"showticklabels": False, "showgrid": False})


def unit_bars(summary: pd.DataFrame, level_label: str, title_scope: str = "") -> go.Figure:
    """Distinct facts per unit (district, street or community) from ui.queries.summary_by."""
    title = f"{title_scope}各{level_label}数据条数（去重后）"   # the legend: 已实现 / 计划目标
    if summary.empty:
        return empty_figure(title)
    part = summary.head(25).iloc[::-1]
    data = [{"type": "bar", "y": part["name"], "x": part[status], "orientation": "h",
             "name": status_label(status), "marker": {"color": STATUS_COLOURS[status]},
             "hovertemplate": "%{y}<br>" + status_label(status) + " %{x} 条<extra></extra>"}
            for status in ("achieved", "planned")]
    return _figure(data, title, max(260, 120 + 28 * len(part)), legend_above=True, barmode="stack",
                   xaxis={"title": {"text": "数据条数"}, "gridcolor": "#eee",
                          **count_axis(float((part["achieved"] + part["planned"]).max()))})


def count_bars(counts: pd.Series, title: str, unit: str = "个") -> go.Figure:
    """Horizontal bars of a few counts (value_counts), largest on top, whole-number axis."""
    if counts.empty:
        return empty_figure(title)
    part = counts.sort_values()
    return _figure([{"type": "bar", "y": [str(i) for i in part.index], "x": part.to_numpy(),
                     "orientation": "h", "marker": {"color": "#2d6cc0"},
                     "text": part.to_numpy(dtype=float), "textposition": "auto", "textangle": 0,
                     "hovertemplate": "%{y}：%{x} " + unit + "<extra></extra>"}],
                   title, max(200, 90 + 28 * len(part)),
                   xaxis={"title": {"text": f"数量（{unit}）"}, "gridcolor": "#eee",
                          **count_axis(float(part.max()))})
