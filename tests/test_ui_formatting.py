"""How figures and evidence read: 万/亿, honest qualifiers, escaped highlighted spans."""
import pytest

from ui.formatting import format_count, format_number, format_quantity, highlight_evidence

NUMBERS = [
    (0, "0"), (8, "8"), (2.5, "2.5"), (3200, "3200"), (9999, "9999"), (10000, "1万"),
    (21000, "2.1万"), (123456, "12.35万"), (50_000_000, "5000万"), (120_000_000, "1.2亿"),
    (2_636_240_000, "26.36亿"), (-21000, "-2.1万"), (None, "—"), (float("nan"), "—"),
]


@pytest.mark.parametrize("value,expected", NUMBERS)
def test_format_number(value, expected):
    assert format_number(value) == expected


def test_rounding_never_overstates_a_lower_bound():
    assert format_number(123456, "down") == "12.34万"
    assert format_number(123451, "up") == "12.35万"
    assert format_number(290000, "down") == "29万"  # 0.29 * 100 must not floor to 28
    assert format_number(99_999_999, "up") == "1亿"


QUANTITIES = [
    ((3000, "person_time", "at_least"), "3000余人次"),
    ((21000, "person", "at_most"), "近2.1万人"),
    ((80000, "person", "approx"), "约8万人"),
    ((21060, "person", "mixed"), "约2.11万人"),
    ((500000, "yuan", "exact"), "50万元"),
    ((650, "m2", "exact"), "650平方米"),
    ((80, "percent", "exact"), "80%"),
    ((8, "project", "exact"), "8个项目"),
    ((123456, "person_time", "at_least"), "12.34万余人次"),
]


@pytest.mark.parametrize("args,expected", QUANTITIES)
def test_format_quantity(args, expected):
    assert format_quantity(*args) == expected


def test_format_count():
    assert format_count(12345) == "12,345"
    assert format_count(1_000_000) == "100万"


def test_highlight_uses_offsets():
    html = highlight_evidence("服务居民3000余人次。", "3000余人次", 24, 31, 20)
    assert html == '服务居民<mark class="claim-span">3000余人次</mark>。'


def test_highlight_escapes_html():
    html = highlight_evidence("社区企业<年营收>达50万元<script>", "50万元", None, None, None)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;年营收&gt;" in html
    assert '<mark class="claim-span">50万元</mark>' in html


def test_highlight_falls_back_to_search_when_offsets_disagree():
    html = highlight_evidence("有居民近2.1万人", "近2.1万人", 0, 3, 0)
    assert html == '有居民<mark class="claim-span">近2.1万人</mark>'


def test_highlight_without_a_match_is_plain_escaped_text():
    assert highlight_evidence("a<b", "zzz") == "a&lt;b"
