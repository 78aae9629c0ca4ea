"""What stands around a figure in running text: the noun it counts (5家企业, 活动20余场, a quoted
name), a 至少 a few characters before it, a noun left out ("实际建成5个"), and numbers with 万/亿 but
no measure word, read by the noun beside them ("3.3万居民"). Used by quantities.find_quantities."""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from .quantities import (_AR, _CN, BIG_MAGS, Quantity, _alt, _data, _object_rule, _qualifier,
                         _round, _skip_before_re, parse_number)


@lru_cache(maxsize=1)
def _distant_re() -> re.Pattern:
    words = _data()["cues"]["qualifiers"].get("distant_prefix", {})
    return re.compile(rf"(?P<cue>{_alt(words)})[^，。；,;：:\d]{{0,4}}$")


def _distant_qualifier(text: str, q: Quantity) -> Quantity:
    """至少 a few characters before the number still bounds it: "至少建成1个" is at least 1."""
    m = _distant_re().search(text, max(0, q.start - 8), q.start)
    if m is None:
        return q
    qualifier = _data()["cues"]["qualifiers"]["distant_prefix"][m.group("cue")]
    return Quantity(**{**q.__dict__, "qualifier": qualifier})


def _elided_object(text: str, prev: Quantity, q: Quantity) -> Quantity:
    """"新增服务点4个，实际建成5个": a count whose noun is left out counts what the count just
    before it (same measure word, same or next clause) counted."""
    if prev.measure != q.measure or q.start - prev.end > 20 or prev.kind == q.kind:
        return q
    if _object_after(text, q.end) or not _verb_before(text, q.start):
        return q                     # it names its own noun: "7个院落"
    if re.search(r"[。！？!?\n]", text[prev.end: q.start]):
        return q
    if _object_rule(prev.measure, object_of(text, prev)) is None:
        return q
    return Quantity(**{**q.__dict__, "unit": prev.unit, "kind": prev.kind})


@lru_cache(maxsize=1)
def _verb_end_re() -> re.Pattern:
    return re.compile(f"(?:{_alt(_data()['cues']['object_verbs'])})$")


@lru_cache(maxsize=1)
def _verb_start_re() -> re.Pattern:
    return re.compile(_alt(_data()["cues"]["object_verbs"]))


def _verb_before(text: str, pos: int) -> bool:
    return bool(_verb_end_re().search(text, max(0, pos - 4), pos))


@lru_cache(maxsize=1)
def _bare_magnitude_re() -> re.Pattern:
    q = _data()["cues"]["qualifiers"]
    firsts = "".join(sorted({k[0] for k in q["prefix"]}))
    return re.compile(rf"""
        (?=[0-9零〇一二两三四五六七八九十百千{firsts}])  # cheap first-character gate
        (?P<pre>{_alt(k for k in q['prefix'] if k != '上')})?
        (?P<num>{_AR}|(?<![{_CN}])[零〇一二两三四五六七八九十百千]{{1,8}})
        (?P<mid>余|多)?
        [ ]?(?P<mag>[万亿]{{1,2}})(?![\d{_CN}])        # 3.3万居民, 人口173万, 投资不足100万
        """, re.VERBOSE)


def _bare_magnitudes(text: str, found: list[Quantity], non_claims: list) -> list[Quantity]:
    """Numbers with 万/亿 and no measure word, read by the noun beside them (data/units.yaml
    `bare_magnitude`); none that overlaps a measured quantity or a slogan."""
    if "万" not in text and "亿" not in text:
        return []
    taken = sorted([(q.start, q.end) for q in found] + non_claims)
    out, last_end = [], -1
    for m in _bare_candidates(text, taken):
        k = bisect.bisect_left(taken, (m.end(),))
        if m.start() < last_end or (k and taken[k - 1][1] > m.start()) or _blocked_bare(text, m):
            continue
        last_end = m.end()
        obj = _object_after(text, m.end()) + "|" + text[max(0, m.start() - 8): m.start()]
        rule = next((r for r in _data()["bare_magnitude"] if any(w in obj for w in r["words"])), None)
        value = parse_number(m.group("num"))
        if rule is None or value is None:
            continue
        for ch in m.group("mag"):
            value *= BIG_MAGS[ch]
        out.append(Quantity(m.group(0), _round(value), rule["unit"], rule["kind"], _qualifier(m),
                            m.group("mag"), start=m.start(), end=m.end()))
    return out


def _bare_candidates(text: str, taken: list[tuple[int, int]]):
    """Matches of the bare-magnitude pattern around each 万/亿 that no measured quantity
    already covers (most 万 stand in "50万元", "3000余万人次"): the text is not scanned again."""
    pattern = _bare_magnitude_re()
    positions = sorted(i for mag in "万亿" for i in _all(text, mag))
    for pos in positions:
        k = bisect.bisect_right(taken, (pos, 1 << 62)) - 1
        if k >= 0 and taken[k][1] > pos:
            continue
        # the window ends past the magnitude and the character after it, so the lookahead holds
        for m in pattern.finditer(text, max(0, pos - 28), min(len(text), pos + 4)):
            if m.start() > pos:
                break
            if m.start("mag") <= pos < m.end("mag"):
                yield m
                break


def _all(text: str, sub: str):
    pos = text.find(sub)
    while pos != -1:
        yield pos
        pos = text.find(sub, pos + 1)


def _blocked_bare(text: str, m: re.Match) -> bool:
    before = text[max(0, m.start() - 4): m.start()]
    if not m.group("pre") and _skip_before_re().search(before):
        return True
    return bool(before) and (before[-1].isascii() and before[-1].isalnum())


@lru_cache(maxsize=1)
def _object_re() -> tuple[re.Pattern, re.Pattern]:
    stops = _data()["cues"]["object_stops"]
    return (re.compile(f"[^{stops}0-9]{{1,8}}"),
            re.compile(f"[^{stops}0-9]{{1,8}}$"))


_OPEN_QUOTES = "“\"「『"
_CLOSERS = "）)”\"」』"


def _object_after(text: str, pos: int) -> str:
    """The noun after a quantity; a quoted name counts (3个“共享客厅”)."""
    if pos < len(text) and text[pos] in _OPEN_QUOTES:
        close = re.compile(r"[^”\"」』\n]{1,12}[”\"」』]").match(text, pos + 1)
        if close:
            return close.group(0)[:-1] + _object_after(text, close.end())
    m = _object_re()[0].match(text, pos)
    return m.group(0) if m else ""


def object_of(text: str, q: Quantity) -> str:
    """What is counted: the noun after the quantity (5家企业), else the noun before (活动20余场)."""
    return _object_after(text, q.end) or _object_before(text, q.start)


def _object_before(text: str, pos: int) -> str:
    # A bracket or quote closing right before the number ends the noun: 长者食堂（助餐点）68个.
    while pos > 0 and text[pos - 1] in _CLOSERS:
        pos -= 1
    m = _object_re()[1].search(text[max(0, pos - 8): pos])
    if not m:
        return ""
    obj = m.group(0)
    verb = _verb_start_re().match(obj, 0, len(obj) - 1)   # the longest verb leaving a noun
    return obj[verb.end():] if verb else obj
