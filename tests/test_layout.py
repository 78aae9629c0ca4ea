"""Reading order and the character → (page, box) map of OCR'd pages (loaders.layout), on boxes
laid out by hand: no OCR runs here."""
import math

import pytest

from loaders.layout import Layout, Line, char_rect, page_text, skew_angle

H = 24   # line height of the body text


def box(x0, y0, x1, y1):
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def column(x0, x1, top, texts, short=(), indent=()):
    """Lines of one column: full width unless listed in `short`; `indent` lines start 2 chars in."""
    out = []
    for i, t in enumerate(texts):
        y = top + i * (H + 8)
        left = x0 + (2 * H if i in indent else 0)
        right = x0 + (x1 - x0) // 2 if i in short else x1
        out.append((box(left, y, right, y + H), t))
    return out


HEADLINE = [(box(0, 0, 600, 48), "标题")]
TWO_COLUMNS = HEADLINE + column(0, 280, 90, ["甲一", "甲二", "甲三"]) + column(320, 600, 90, ["乙一", "乙二"])


def rotated(items, degrees):
    a = math.radians(degrees)
    turn = lambda x, y: (x * math.cos(a) - y * math.sin(a) + 40, x * math.sin(a) + y * math.cos(a) + 40)  # noqa: E731
    return [(tuple(turn(*p) for p in q), t) for q, t in items]


CASES = [
    # (id, boxes in any order, the page's text)
    ("headline then columns left to right", TWO_COLUMNS[::-1], "标题\n\n甲一甲二甲三\n\n乙一乙二"),
    ("a short line ends its paragraph", column(0, 280, 0, ["一", "二", "三"], short={1}), "一二\n三"),
    ("an indented line starts a paragraph", column(0, 280, 0, ["一", "二", "三"], indent={2}),
     "一二\n三"),
    ("a page photographed at 2°", rotated(TWO_COLUMNS, 2.0), "标题\n\n甲一甲二甲三\n\n乙一乙二"),
    ("a line the detector split in two", [(box(130, 0, 280, H), "后半"), (box(0, 0, 120, H), "前半"),
                                          (box(0, 32, 280, 32 + H), "下一行")], "前半后半下一行"),
    ("three columns, caption under a photo in the last",
     column(0, 180, 0, ["一", "二"]) + column(210, 390, 0, ["三", "四"])
     + [(box(420, 150, 560, 150 + 18), "图为某社区")] + column(420, 600, 200, ["五", "六"]),
     "一二\n\n三四\n\n图为某社区\n\n五六"),
    ("nothing read", [(box(0, 0, 10, 10), "  ")], ""),
]


@pytest.mark.parametrize("items, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reading_order(items, expected):
    text, lines = page_text(items, page=0, offset=0)
    assert text == expected
    for line in lines:   # every line's offsets point at its text
        assert text[line.start:line.end] == line.text


def test_offsets_count_from_where_the_page_starts():
    text, lines = page_text(TWO_COLUMNS, page=3, offset=100)
    assert [ln.start - 100 for ln in lines] == [text.index(ln.text) for ln in lines]
    assert {ln.page for ln in lines} == {3}


def test_skew_angle_is_read_from_the_lines():
    assert skew_angle([q for q, _ in rotated(TWO_COLUMNS, 2.0)]) == pytest.approx(math.radians(2.0))
    assert skew_angle([q for q, _ in TWO_COLUMNS]) == 0.0


def test_char_rect_cuts_the_line_by_character_widths():
    line = Line(0, 0, "共3000人", box(0, 10, 460, 40))   # 2 Chinese (1.0) + 4 digits (0.55) = 4.2
    x0, y0, x1, y1 = char_rect(line, 1, 5)                # the digits
    assert (y0, y1) == (10, 40)
    assert x0 == pytest.approx(460 / 4.2) and x1 == pytest.approx(460 * 3.2 / 4.2)


def test_layout_maps_a_span_to_a_box_per_line_it_crosses():
    layout = Layout(lines=[Line(0, 0, "服务居民30", box(0, 0, 300, 30)),
                           Line(1, 7, "00余人次", box(10, 50, 210, 80))])
    pieces = layout.boxes(4, 13)          # "30" + "\n" + "00余人次"
    assert [p for p, _ in pieces] == [0, 1]
    assert pieces[0][1][2] == pytest.approx(300) and pieces[1][1][0] == pytest.approx(10)
    assert layout.locate(6) is None       # the newline between the lines was not read from a page
    assert layout.locate(7)[0] == 1
    assert layout.boxes(20, 30) == []
