"""From OCR'd text boxes to a page's text in reading order, with a map back to the page.

A newspaper page has a headline across the columns, two or three columns of body text, photo
captions. `page_text` orders the boxes by recursive cuts (the "XY-cut"): a region is split at a
vertical gutter into columns (left to right) when one runs its whole height, otherwise at a wide
horizontal gap into bands (top to bottom), and so on down to blocks of lines. Within a block,
lines that run to the block's right edge continue their paragraph (joined with nothing between,
as Chinese is written); a short line, or an indented next line, ends it.

Every character of the text keeps the page and the box it was read from (`Layout.boxes`), so a
figure found in the text can be highlighted on the page image.
"""
from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass, field

Quad = tuple[tuple[float, float], ...]   # four corners: top-left, top-right, bottom-right, bottom-left
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Line:
    """One OCR'd text line: where its characters are in the document text and on the page."""
    page: int          # 0-based page number
    start: int         # offset of its first character in the document text
    text: str
    quad: Quad         # in the page image's pixels

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class PageImage:
    """A page as shown beside the text: PNG bytes, and the size the boxes are measured in."""
    png: bytes
    width: int
    height: int
    ocr: bool = True   # False: the page's text came from the PDF's text layer (no boxes)


@dataclass
class Layout:
    """Where each character of an OCR'd document came from."""
    pages: list[PageImage] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)   # in text order

    def _starts(self) -> list[int]:
        return [ln.start for ln in self.lines]

    def locate(self, offset: int) -> tuple[int, Rect] | None:
        """(page, box) of the character at `offset`, or None when it was not OCR'd (a newline
        added between lines, or a page read from a text layer)."""
        i = bisect.bisect_right(self._starts(), offset) - 1
        if i < 0 or offset >= self.lines[i].end:
            return None
        line = self.lines[i]
        return line.page, char_rect(line, offset - line.start, offset - line.start + 1)

    def boxes(self, start: int, end: int) -> list[tuple[int, Rect]]:
        """(page, box) pieces covering the text span [start, end): one per line it touches."""
        out = []
        i = max(bisect.bisect_right(self._starts(), start) - 1, 0)
        for line in self.lines[i:]:
            if line.start >= end:
                break
            a, b = max(start, line.start), min(end, line.end)
            if a < b:
                out.append((line.page, char_rect(line, a - line.start, b - line.start)))
        return out


def _weight(ch: str) -> float:
    """Relative width of a character in a line: ASCII is about half a Chinese character."""
    return 0.55 if ord(ch) < 0x2E80 else 1.0


def char_rect(line: Line, a: int, b: int) -> Rect:
    """The box of characters [a, b) of a line: the line's quad cut in proportion to widths."""
    weights = [_weight(c) for c in line.text] or [1.0]
    total = sum(weights)
    f0, f1 = sum(weights[:a]) / total, sum(weights[:b]) / total
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = line.quad
    top = [(tlx + (trx - tlx) * f, tly + (try_ - tly) * f) for f in (f0, f1)]
    bottom = [(blx + (brx - blx) * f, bly + (bry - bly) * f) for f in (f0, f1)]
    xs = [p[0] for p in top + bottom]
    ys = [p[1] for p in top + bottom]
    return min(xs), min(ys), max(xs), max(ys)


# ---------------------------------------------------------------------------------------------
# Reading order

@dataclass(frozen=True)
class _Box:
    text: str
    quad: Quad
    rect: Rect       # axis-aligned, in deskewed coordinates

    @property
    def height(self) -> float:
        return self.rect[3] - self.rect[1]


def skew_angle(quads: list[Quad]) -> float:
    """The page's skew in radians: the median slope of the wide boxes' top edges."""
    angles = []
    for q in quads:
        (x0, y0), (x1, y1) = q[0], q[1]
        if abs(x1 - x0) > 2 * abs(q[3][1] - q[0][1]):
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _deskewed(quad: Quad, angle: float) -> Rect:
    c, s = math.cos(-angle), math.sin(-angle)
    pts = [(x * c - y * s, x * s + y * c) for x, y in quad]
    return (min(p[0] for p in pts), min(p[1] for p in pts),
            max(p[0] for p in pts), max(p[1] for p in pts))


def _gaps(spans: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Cut positions: the middles of the gaps of at least `min_gap` in the union of spans."""
    cuts, reach = [], None
    for a, b in sorted(spans):
        if reach is not None and a - reach >= min_gap:
            cuts.append((a + reach) / 2)
        reach = b if reach is None else max(reach, b)
    return cuts


def _split(boxes: list[_Box], cuts: list[float], axis: int) -> list[list[_Box]]:
    groups: list[list[_Box]] = [[] for _ in range(len(cuts) + 1)]
    for b in boxes:
        middle = (b.rect[axis] + b.rect[axis + 2]) / 2
        groups[bisect.bisect_left(cuts, middle)].append(b)
    return [g for g in groups if g]


def _blocks(boxes: list[_Box], unit: float, depth: int = 0) -> list[list[_Box]]:
    """Recursive XY-cut: columns first, then bands separated by a wide gap."""
    if len(boxes) <= 1 or depth > 12:
        return [boxes]
    columns = _gaps([(b.rect[0], b.rect[2]) for b in boxes], 0.8 * unit)
    if columns:
        parts = _split(boxes, columns, 0)
    else:
        bands = _gaps([(b.rect[1], b.rect[3]) for b in boxes], 0.9 * unit)
        if not bands:
            return [boxes]
        parts = _split(boxes, bands, 1)
    if len(parts) == 1:
        return [boxes]
    return [block for part in parts for block in _blocks(part, unit, depth + 1)]


def _rows(block: list[_Box]) -> list[list[_Box]]:
    """The block's boxes grouped into text lines (boxes overlapping vertically), top to bottom,
    each row left to right (a line the detector split in two is put back together)."""
    rows: list[list[_Box]] = []
    for b in sorted(block, key=lambda b: (b.rect[1] + b.rect[3]) / 2):
        if rows:
            last = rows[-1]
            top, bottom = min(x.rect[1] for x in last), max(x.rect[3] for x in last)
            overlap = min(bottom, b.rect[3]) - max(top, b.rect[1])
            if overlap > 0.5 * min(bottom - top, b.height):
                last.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda b: b.rect[0]) for r in rows]


_SENTENCE_END = set("。！？!?；;：:…」』”）)")


def page_text(items: list[tuple[Quad, str]], page: int, offset: int) -> tuple[str, list[Line]]:
    """The text of one page's OCR boxes in reading order and its Lines (with offsets counted
    from `offset`, where this page's text will start in the document)."""
    items = [(q, t.strip()) for q, t in items if t.strip()]
    if not items:
        return "", []
    angle = skew_angle([q for q, _ in items])
    boxes = [_Box(t, q, _deskewed(q, angle)) for q, t in items]
    unit = statistics.median(b.height for b in boxes)
    parts: list[str] = []
    lines: list[Line] = []
    pos = offset
    for bi, block in enumerate(_blocks(boxes, unit)):
        if bi:
            parts.append("\n\n")
            pos += 2
        rows = _rows(block)
        left = min(b.rect[0] for b in block)
        right = max(b.rect[2] for b in block)
        for ri, row in enumerate(rows):
            if ri:
                prev = rows[ri - 1]
                ends = (prev[-1].text[-1] in _SENTENCE_END and prev[-1].rect[2] < right - unit) \
                    or prev[-1].rect[2] < right - 1.5 * unit or row[0].rect[0] > left + 1.2 * unit
                if ends:
                    parts.append("\n")
                    pos += 1
            for b in row:
                lines.append(Line(page, pos, b.text, tuple(tuple(map(float, p)) for p in b.quad)))
                parts.append(b.text)
                pos += len(b.text)
    return "".join(parts), lines
