"""PNG pictures of a deck's charts (kaleido 1.x driving Debian's chromium), each with its sources
printed under the chart, and a zip of them. Chinese text needs a CJK font on the machine; when the
browser or the font is missing, ImageExportUnavailable says in Chinese what to install.
"""
from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import plotly.graph_objects as go

from .slide_figures import scaled_figure
from .slide_parts import Slide
from .slides import UNSAFE_IN_NAMES

WIDTH, HEIGHT = 1600, 900
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "请安装：apt-get install chromium fonts-noto-cjk（或设置 BROWSER_PATH 指向 Chrome/Chromium）"


class ImageExportUnavailable(RuntimeError):
    """The machine lacks what PNG export needs; the message names it in Chinese."""


def browser_path() -> Path | None:
    """The browser kaleido will drive: $BROWSER_PATH, else Debian's chromium, else one on PATH."""
    if os.environ.get("BROWSER_PATH"):
        return Path(os.environ["BROWSER_PATH"])
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def has_cjk_font() -> bool:
    """True when fontconfig knows a font that covers Chinese (fonts-noto-cjk on Debian)."""
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def missing_requirements() -> list[str]:
    """What stops PNG export on this machine, in Chinese; empty when it can run."""
    problems = []
    path = browser_path()
    if path is None:
        problems.append("未找到 Chromium 或 Chrome 浏览器")
    elif not path.exists():
        problems.append(f"BROWSER_PATH 指向的浏览器不存在：{path}")
    if not has_cjk_font():
        problems.append("未找到中文字体（图中汉字会显示为方框）")
    return problems


def require_image_export() -> None:
    problems = missing_requirements()
    if problems:
        raise ImageExportUnavailable("无法导出图片：" + "；".join(problems) + "。" + INSTALL_HINT)


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def figure_with_sources(slide: Slide, width: int = WIDTH, height: int = HEIGHT) -> go.Figure:
    """The slide's chart as a standalone picture: its title, type sized for a slide, and the
    sources it rests on printed below the plot."""
    fig = scaled_figure(slide.chart, font_size=20, height=height)
    size = 16
    per_line = int((width - 48) / size)  # a CJK character is about one em wide
    lines = [part for text in [slide.footer()] + ([slide.note] if slide.note else [])
             for part in _wrap(text, per_line)]
    below_axis = fig.layout.margin.b  # tick labels and axis title (scaled_figure)
    fig.update_layout(width=width, margin={"b": below_axis + (size + 10) * len(lines) + 10, "r": 24})
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0,
                       xanchor="left", yanchor="top", yshift=-below_axis, showarrow=False,
                       align="left", font={"size": size, "color": "#555"})
    # the plot's left edge is the margin: start the sources line at the picture's left edge
    fig.layout.annotations[-1].xshift = -(fig.layout.margin.l or 0) + 24
    return fig


def image_name(index: int, slide: Slide) -> str:
    return f"{index:02d}_{UNSAFE_IN_NAMES.sub('_', slide.title)[:40]}.png"


async def _render(figures: list[go.Figure], width: int, height: int) -> list[bytes]:
    import kaleido

    # one browser for every chart; mathjax=False: kaleido would otherwise fetch MathJax from a CDN
    async with kaleido.Kaleido(n=1, mathjax=False) as k:
        return [await k.calc_fig(fig, opts={"format": "png", "width": width, "height": height})
                for fig in figures]


def chart_images(slides: list[Slide], width: int = WIDTH,
                 height: int = HEIGHT) -> list[tuple[str, bytes]]:
    """(file name, PNG bytes) of every slide that has a chart, in deck order."""
    require_image_export()
    if not os.environ.get("BROWSER_PATH"):
        os.environ["BROWSER_PATH"] = str(browser_path())  # kaleido 1.x reads it
    charted = [(i, s) for i, s in enumerate(slides, 1) if s.chart is not None]
    if not charted:
        return []
    figures = [figure_with_sources(s, width, height) for _, s in charted]
    try:
        pictures = asyncio.run(_render(figures, width, height))
    except Exception as exc:  # kaleido's own errors are English and technical
        raise ImageExportUnavailable(f"图片导出失败：{exc}。{INSTALL_HINT}") from exc
    return [(image_name(i, s), png) for (i, s), png in zip(charted, pictures)]


def images_zip(slides: list[Slide], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The chart pictures in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:  # PNG is compressed already
        for name, png in chart_images(slides, width, height):
            z.writestr(name, png)
    return buffer.getvalue()
