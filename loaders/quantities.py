"""One quantity parser for article text and spreadsheet cells: "3000余人次", "近2.1万名", "650㎡".

`parse_quantity(text)` reads one cell-like string; `find_quantities(text)` scans running text and
drops what the guidelines say is not a claim (dates, ordinals, codes, slogans, determiners).
Units, qualifiers and the non-claim phrases live in data/units.yaml and data/cues.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .wordlists import alternation, opening_chars, scan
from .textnorm import fold_chars

DATA = Path(__file__).resolve().parent / "data"

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_MAGS = {"十": 10, "百": 100, "千": 1000}
BIG_MAGS = {"万": 10_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Quantity:
    text: str                 # the surface matched, e.g. "3000余人次"
    value: float              # in the canonical unit (万/亿 and 平方公里/亩 applied)
    unit: str | None          # canonical unit code; None for a bare number (a cell without unit)
    kind: str | None
    qualifier: str            # exact | at_least | at_most | approx
    measure: str = ""         # the unit or measure word as written (个, 平方米, %)
    value_max: float | None = None   # upper end of a range ("3至5个"); `value` is the lower end
    start: int = 0            # offsets of `text` in the string that was parsed or scanned
    end: int = 0


@lru_cache(maxsize=1)
def _data() -> dict:
    units = yaml.safe_load((DATA / "units.yaml").read_text(encoding="utf-8"))
    cues = yaml.safe_load((DATA / "cues.yaml").read_text(encoding="utf-8"))
    return {**units, "cues": cues}


_NUMERAL_CHARS = frozenset("0123456789 .,，零〇一二两三四五六七八九十百千万亿")


def cues() -> dict:
    """The cue tables of data/cues.yaml (qualifiers, status, titles, initiatives…)."""
    return _data()["cues"]


def parse_number(s: str) -> float | None:
    """Arabic, full-width, Chinese or mixed numerals: 1,100万, 3万4000, 一百二十, 三万五, 百 → float.
    None for what is not one number (三四: two digits side by side, an estimate; empty)."""
    if not _NUMERAL_CHARS.issuperset(s):
        s = fold_chars(s)        # full-width digits, 萬/億; skipped on the hot path of scanning
    s = s.replace(",", "").replace("，", "").replace(" ", "").strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    tokens = re.findall(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]", s)
    if "".join(tokens) != s:
        return None
    total = section = 0.0
    cur: float | None = None
    last_mag: float | None = None   # the magnitude just before `cur`, for 三万五 = 35000
    zero_seen = False
    for tok in tokens:
        if tok in CN_DIGITS or tok[0].isdigit():
            v = float(CN_DIGITS[tok]) if tok in CN_DIGITS else float(tok)
            if tok in ("零", "〇"):
                zero_seen = True
                continue
            if cur is not None:
                return None          # 三四个, 二〇二五: not a single count
            cur = v
            if tok[0].isdigit():
                last_mag = None       # 3万4000: the Arabic part is written out in full
        elif tok in SMALL_MAGS:
            m = SMALL_MAGS[tok]
            section += (1.0 if cur is None else cur) * m
            cur, last_mag, zero_seen = None, m, False
        else:
            m = BIG_MAGS[tok]
            part = section + (cur or 0.0)
            if tok == "亿":
                total = (total + part or 1.0) * m
            else:
                total += (part or 1.0) * m
            section, cur, last_mag, zero_seen = 0.0, None, m, False
    if cur is not None and last_mag is not None and not zero_seen and cur < 10:
        cur *= last_mag / 10          # 三万五 → 35000, 一百二 → 120, 三千五 → 3500
    return total + section + (cur or 0.0)


# --- the scanning pattern, built once from the data files ---------------------------------------

# Bounded runs and no start inside a run: a 20 000-digit string costs one pass, not n² (the
# lookbehinds stop the scan from retrying at every position of a long digit or numeral run).
# Thousands may be grouped with commas or, in typeset text, single spaces ("3 500 米").
_AR = r"(?<![\d.])(?:\d{1,3}(?:[,，\ ]\d{3}(?!\d)){1,4}|\d{1,12})(?:\.\d{1,6})?"
_CN = "零〇一二两三四五六七八九十百千万亿"
_NUM = (rf"(?:{_AR}(?:[十百千万亿]{{1,3}}{_AR}){{0,3}}[十百千万亿]{{0,3}}"
        rf"|(?<![{_CN}])[{_CN}]{{1,12}})")


def _alt(words) -> str:
    return alternation(words)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    d = _data()
    q = d["cues"]["qualifiers"]
    measures = list(d["units"]) + list(d["generic"])
    return re.compile(
        rf"""
        (?=[0-9零〇一二两三四五六七八九十百千万亿{''.join(sorted({k[0] for k in q['prefix']}))}])
        (?P<pre>{_alt(k for k in q['prefix'] if k != '上')}|上(?=[百千万亿]))?  # 近, 约, 超过, 上(千)
        (?P<num>{_NUM})                               # 3000, 2.1万, 一百二十, 3万4000
        (?:(?P<sep>[-~～—–至到])(?P<num2>{_NUM}))?      # a range: 3至5个, 10-20人
        (?P<mid>余|多)?                               # 3000余人次, 百余人
        [ ]?(?P<mag>[万亿]{{1,2}})?                   # 二百余万元: the magnitude after 余
        [ ]?                                          # typeset text: "36.18 亿元", "5441.5 亩"
        (?P<unit>{_alt(measures)})                    # 人次, 平方米, %, 个 …
        (?P<post>{_alt(k for k in q['suffix'] if k not in ('余', '多'))})?  # 以上, 左右
        """, re.VERBOSE)


_PERCENT_WORDS = re.compile(rf"百分之(?P<num>{_NUM})")


def _measure(unit_surface: str, obj: str) -> tuple[str, str, float]:
    """(unit, kind, factor) of a measure word; a generic one (个, 项, 家) is read by its object."""
    d = _data()
    rule = _object_rule(unit_surface, obj)
    if rule is not None:
        return rule["unit"], rule["kind"], float(d["units"].get(unit_surface, {}).get("factor", 1))
    if unit_surface in d["units"]:
        u = d["units"][unit_surface]
        return u["unit"], u["kind"], float(u.get("factor", 1))
    g = d["generic"][unit_surface]
    return g["unit"], g["kind"], 1.0


@lru_cache(maxsize=8192)
def _object_rule(measure: str, obj: str) -> dict | None:
    d = _data()
    for rule in d["objects"]:
        if measure in rule.get("measures", d["generic"]) and any(w in obj for w in rule["words"]):
            return rule
    return None


def object_dependent_measures() -> frozenset[str]:
    """Measure words whose unit and kind depend on the counted object (个, 项 …, 支 + 基金)."""
    d = _data()
    return frozenset(d["generic"]).union(*(r.get("measures", ()) for r in d["objects"]))


def _qualifier(m: re.Match) -> str:
    q = _data()["cues"]["qualifiers"]
    if m.group("pre"):
        return q["prefix"][m.group("pre")]
    if m.groupdict().get("mid"):
        return q["suffix"][m.group("mid")]
    if m.groupdict().get("post"):
        return q["suffix"][m.group("post")]
    return "exact"


def _is_bare_magnitude(num: str) -> bool:
    return bool(re.fullmatch(r"[百千万亿]+", num))


def _from_match(m: re.Match, obj: str) -> Quantity | None:
    num = m.group("num")
    value = parse_number(num)
    if value is None:
        return None
    if m.group("mag"):
        for ch in m.group("mag"):
            value *= BIG_MAGS[ch]
    unit, kind, factor = _measure(m.group("unit"), obj)
    qualifier = _qualifier(m)
    value_max = None
    if m.group("num2"):
        hi = parse_number(m.group("num2"))
        if hi is None or hi <= value:
            return None
        # A range stores its lower end as an "at least" figure; the upper end is kept apart.
        value_max, qualifier = hi * factor, "at_least"
    return Quantity(text=m.group(0), value=_round(value * factor), unit=unit, kind=kind,
                    qualifier=qualifier, measure=m.group("unit"), value_max=value_max,
                    start=m.start(), end=m.end())


def _round(v: float) -> float:
    return float(round(v, 4))   # 亩 → m² (×666.67) keeps the gold's four decimals


@lru_cache(maxsize=1)
def _bare_pattern() -> re.Pattern:
    """A number with only a qualifier (a sheet's 数量 cell whose unit is in another column)."""
    return re.compile(rf"(?P<pre>{_alt(_data()['cues']['qualifiers']['prefix'])})?"
                      rf"(?P<num>{_NUM})(?P<post>余|多|以上|左右)?")


def parse_quantity(text: str, unit_hint: str = "", object_hint: str = "") -> Quantity | None:
    """Read one cell-like string as a quantity: "650㎡", "50万元", "3000余人次", "1,200", "近2.1万".

    A number without a unit takes `unit_hint` (the sheet's unit column, e.g. "人次"); with no hint
    it comes back with unit None. Returns None when the string is not one quantity."""
    raw = text
    s = fold_chars(str(text)).strip()
    if not s:
        return None
    hint = fold_chars(unit_hint or "").strip()
    m = _pattern().fullmatch(s) or (_pattern().fullmatch(s + hint) if hint else None)
    if m:
        q = _from_match(m, object_hint)
        return None if q is None else _with_span(q, raw, s)
    p = _PERCENT_WORDS.fullmatch(s)
    if p:
        v = parse_number(p.group("num"))
        return None if v is None else _with_span(
            Quantity(s, v, "percent", "percent", "exact", "%"), raw, s)
    bare = _bare_pattern().fullmatch(s)
    if bare:
        v = parse_number(bare.group("num"))
        if v is None:
            return None
        return _with_span(Quantity(s, _round(v), None, None, _qualifier(bare), ""), raw, s)
    return None


def _with_span(q: Quantity, raw: str, s: str) -> Quantity:
    lead = len(raw) - len(raw.lstrip())
    surface = raw.strip()   # fold_chars keeps length, so this is the matched text as written
    return Quantity(**{**q.__dict__, "text": surface, "start": lead, "end": lead + len(surface)})


# --- scanning running text ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def non_claim_pattern() -> re.Pattern:
    """Slogans, idioms and framework names (data/cues.yaml): a number inside one is no claim."""
    # Every listed phrase starts with a numeral character: a lookahead gate skips the rest fast.
    return re.compile("(?=[一二两三四五六七八九十百千万])(?:"
                      + "|".join(f"(?:{p})" for p in _data()["cues"]["non_claim_patterns"]) + ")")


@lru_cache(maxsize=1)
def _skip_before_re() -> re.Pattern:
    return re.compile(f"(?:{_alt(_data()['cues']['skip_before'])})$")


@lru_cache(maxsize=1)
def _non_claim_starts() -> re.Pattern:
    return opening_chars(non_claim_pattern())


def _blocked(text: str, m: re.Match) -> bool:
    """Is this match a number that the guidelines say is not a claim?"""
    num, unit = m.group("num"), m.group("unit")
    before = text[max(0, m.start() - 4): m.start()]
    after = text[m.end(): m.end() + 1]
    if after and after in _data()["blockers"].get(unit, ()):
        return True                                  # 元素, 户外, 支持: a word, not a measure
    if not m.group("pre"):
        if before and (before[-1].isascii() and before[-1].isalnum() or before[-1] in "+=＋×/.-"):
            return True                              # codes and formulas: 1+3+3+N, 1信义贝=1元
        if _skip_before_re().search(before):
            return True                              # 第六届, 每3户, 数十名
    if after in ("+", "=", "＋"):
        return True
    if num[0].isdigit() and len(num) > 1 and num[0] == "0" and not num.startswith("0."):
        return True                                  # identifiers with a leading zero
    if num == "一" and not m.group("mid"):
        return True                                  # 一个/一支/一批: a determiner, not a count
    if _is_bare_magnitude(num) and not (m.group("pre") or m.group("mid")):
        return True                                  # 千家忧, 万根线: idioms, not figures
    if _in_short_quote(text, m):
        return True                                  # “两个替代”, “一中心三条线五融合”: a name
    return False


def _in_short_quote(text: str, m: re.Match, reach: int = 12) -> bool:
    """Inside “…” that holds more than the quantity itself: a slogan or a name, not a figure."""
    left = text.rfind("“", max(0, m.start() - reach), m.start())
    if left < 0 or "”" in text[left: m.start()]:
        return False
    right = text.find("”", m.end(), m.end() + reach)
    if right < 0 or "“" in text[m.end(): right]:
        return False
    inside = text[left + 1: right]
    # Speech in quotes (“社区孵化出8支团队。”) holds punctuation; a slogan or a name does not.
    return inside != m.group(0) and len(inside) <= reach and not re.search(r"[。，,！？!?；;：:]", inside)


def find_quantities(text: str) -> list[Quantity]:
    """Every claim-like quantity in `text` (already repaired), in order, with non-claims dropped."""
    non_claims = [(n.start(), n.end()) for n in scan(non_claim_pattern(), _non_claim_starts(), text)]
    out, k = [], 0
    for m in _pattern().finditer(text):
        while k < len(non_claims) and non_claims[k][1] <= m.start():
            k += 1                                   # both lists are in text order: one sweep
        if k < len(non_claims) and non_claims[k][0] < m.end():
            continue
        if _blocked(text, m):
            continue
        obj = _object_after(text, m.end()) or _object_before(text, m.start())
        q = _from_match(m, obj)
        if q is None:
            continue
        if q.qualifier == "exact":
            q = _distant_qualifier(text, q)
        if out and _object_rule(q.measure, obj) is None:
            q = _elided_object(text, out[-1], q)
        out.append(q)
    out += _bare_magnitudes(text, out, non_claims)
    for p in _PERCENT_WORDS.finditer(text):
        v = parse_number(p.group("num"))
        if v is not None:
            out.append(Quantity(p.group(0), v, "percent", "percent", "exact", "%",
                                start=p.start(), end=p.end()))
    out.sort(key=lambda q: q.start)
    return out


# The rules that read a figure's surroundings (its noun, a distant 至少, a bare 万) live in
# quantity_context; imported last because they build on the definitions above.
from .quantity_context import (_bare_magnitudes, _distant_qualifier, _elided_object,  # noqa: E402
                               _object_after, _object_before, object_of)

__all__ = ["Quantity", "cues", "find_quantities", "non_claim_pattern", "object_dependent_measures",
           "object_of", "parse_number", "parse_quantity"]
