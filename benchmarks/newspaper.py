"""Newspaper-like test pages for the OCR benchmark and tests, from article text written here.

The article text is generated from the sentence patterns below (written for this benchmark, in
the genre of community reports, never taken from the seed articles) with random places and
figures. A page has a headline across the width, two or three columns of body text with
indented paragraphs, a grey "photo" with a caption, Noto CJK type (Debian's fonts-noto-cjk);
`noisy` pages are turned by a small angle, blurred, speckled and JPEG-compressed.

`make_page` returns the image and the text in reading order (headline, then the columns left to
right, the caption where it stands in its column), which is what OCR should give back.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SC = 2   # the Simplified Chinese face in Noto's .ttc collections
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")

PLACES = ["青柳", "锦绣", "桂溪", "望江", "金桥", "东篱", "荷塘", "新民", "石羊", "玉林", "双桥", "柳城"]
STREETS = ["芳草街道", "合江镇", "新兴街道", "柳城街道", "大丰街道", "五桂桥街道"]
TOPICS = ["邻里中心", "社区食堂", "共享书屋", "儿童之家", "长者驿站", "创业小院"]
SENTENCES = [
    "{place}社区位于{street}，辖区面积{area}平方公里，常住人口{people}余人。",
    "去年以来，社区投入资金{money}万元，改造{topic}{count}处，新增活动空间{m2}平方米。",
    "“{topic}”项目开展活动{events}场，累计服务居民{visits}余人次，满意度达到{pct}%。",
    "社区组建志愿服务队{teams}支，注册志愿者{vol}名，全年服务时长超过{hours}小时。",
    "今年计划再建{count}个{topic}，预计带动{households}户家庭参与社区事务。",
    "该社区培育社会组织{orgs}家，引进专业社工{staff}名，孵化微项目{projects}个。",
    "居民议事会共收集意见建议{ideas}条，推动解决停车、加装电梯等难题{issues}件。",
    "社区书记说：“我们把{topic}办在居民家门口，让大家走几步就能享受服务。”",
]


def _figures(rng: random.Random) -> dict:
    return {
        "place": rng.choice(PLACES), "street": rng.choice(STREETS), "topic": rng.choice(TOPICS),
        "area": f"{rng.randint(1, 9)}.{rng.randint(1, 9)}", "people": rng.randint(3, 60) * 500,
        "money": rng.randint(12, 980), "count": rng.randint(2, 9), "m2": rng.randint(120, 4800),
        "events": rng.randint(20, 360), "visits": rng.randint(12, 95) * 100,
        "pct": rng.randint(86, 99), "teams": rng.randint(3, 28), "vol": rng.randint(60, 1900),
        "hours": rng.randint(2, 90) * 100, "households": rng.randint(40, 900),
        "orgs": rng.randint(3, 40), "staff": rng.randint(2, 15), "projects": rng.randint(4, 60),
        "ideas": rng.randint(30, 800), "issues": rng.randint(5, 120),
    }


def article(rng: random.Random, paragraphs: int = 4) -> tuple[str, list[str]]:
    """(headline, paragraphs) of a made-up community report."""
    f = _figures(rng)
    headline = f"{f['place']}社区：把{f['topic']}办到居民家门口"
    paras = []
    for _ in range(paragraphs):
        picks = rng.sample(SENTENCES, 3)
        paras.append("".join(s.format(**_figures(rng) | {"place": f["place"]}) for s in picks))
    return headline, paras


def font_path(bold: bool = False) -> str:
    weight = "Bold" if bold else "Regular"
    for folder in FONT_DIRS:
        for name in (f"NotoSansCJK-{weight}.ttc", f"NotoSerifCJK-{weight}.ttc"):
            if (Path(folder) / name).exists():
                return str(Path(folder) / name)
    raise FileNotFoundError("没有找到 Noto CJK 字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）")


def _wrap(text: str, font, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if font.getlength(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + ([line] if line else [])


@dataclass
class Page:
    image: Image.Image
    text: str            # what the page says, in reading order


def make_page(seed: int, columns: int = 3, width: int = 1240, height: int = 1754,
              body: int = 24, noisy: bool = False, paragraphs: int = 6) -> Page:
    rng = random.Random(seed)
    headline, paras = article(rng, paragraphs)
    caption = f"图为{rng.choice(PLACES)}社区{rng.choice(TOPICS)}开放日现场（{rng.randint(2, 9)}月摄）"
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    margin, gutter = width // 20, body * 2
    head_font = ImageFont.truetype(font_path(True), int(body * 1.9), index=SC)
    body_font = ImageFont.truetype(font_path(False), body, index=SC)
    cap_font = ImageFont.truetype(font_path(False), int(body * 0.8), index=SC)
    y = margin
    draw.text((margin, y), headline, font=head_font, fill=0)
    y += int(body * 1.9 * 1.4) + body * 2
    col_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    leading = int(body * 1.6)
    lines = []
    for p in paras:
        wrapped = _wrap("\u3000\u3000" + p, body_font, col_w)
        lines += [(t, i == len(wrapped) - 1) for i, t in enumerate(wrapped)]
    # the photo and its caption stand at the top of the last column
    photo_h = int(col_w * 0.6)
    cap_lines = _wrap(caption, cap_font, col_w)
    col_tops = [y] * columns
    col_tops[-1] = y + photo_h + body // 2 + len(cap_lines) * int(body * 1.2) + body
    out_cols: list[list[str]] = [[] for _ in range(columns)]
    col, cy = 0, col_tops[0]
    for text, last in lines:
        if cy + leading > height - margin:
            col += 1
            if col == columns:
                break
            cy = col_tops[col]
        x = margin + col * (col_w + gutter)
        draw.text((x, cy), text, font=body_font, fill=0)
        out_cols[col].append(text.strip("\u3000") + ("\n" if last else ""))
        cy += leading
    px = margin + (columns - 1) * (col_w + gutter)
    draw.rectangle([px, y, px + col_w, y + photo_h], fill=200)
    cy = y + photo_h + body // 2
    for t in cap_lines:
        draw.text((px, cy), t, font=cap_font, fill=60)
        cy += int(body * 1.2)
    truth = [headline, *["".join(c) for c in out_cols[:-1]], caption, "".join(out_cols[-1])]
    if noisy:
        img = _noise(img, rng)
    return Page(img.convert("RGB"), "\n".join(truth))


def _noise(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the page, roughly: turned a little, soft, speckled, JPEG-compressed."""
    import numpy as np

    img = img.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC, expand=True,
                     fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    arr = np.asarray(img, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2 ** 31)).normal(0, 14, arr.shape)
    arr = np.clip(arr * 0.88 + 18 + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=70)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def image_pdf(images: list[Image.Image], dpi: int = 150) -> bytes:
    """A PDF of page images only (no text layer), like a scanner makes."""
    buf = io.BytesIO()
    first, *rest = [i.convert("RGB") for i in images]
    first.save(buf, format="PDF", save_all=True, append_images=rest, resolution=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Scoring

def _plain(text: str) -> str:
    return "".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), row by row."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(read: str, truth: str) -> float:
    """1 − edit distance / length of the truth, whitespace ignored (0 when worse than nothing)."""
    t = _plain(truth)
    return max(0.0, 1 - edit_distance(_plain(read), t) / max(len(t), 1))


def figures(text: str) -> list[tuple[float, str]]:
    """The (value, unit) of every figure the project's one quantity parser finds in `text`."""
    from loaders.quantities import find_quantities
    from loaders.textnorm import repair

    return sorted((q.value, q.unit) for q in find_quantities(repair(text).text) if q.unit)


def figures_right(read: str, truth: str) -> tuple[int, int]:
    """(figures of the truth read with the right value and unit, figures in the truth)."""
    from collections import Counter

    want, got = Counter(figures(truth)), Counter(figures(read))
    return sum(min(n, got[f]) for f, n in want.items()), sum(want.values())
