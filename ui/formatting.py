"""How numbers and evidence read on screen: 万/亿 magnitudes, qualifiers, highlighted spans."""
from __future__ import annotations

import math

from .labels import qualifier_affixes, unit_label
from .markup import html_text

WAN, YI = 10_000, 100_000_000

# A total that is "at least" must not be rounded up into a bigger claim, nor an "at most" one down.
ROUNDING_FOR_QUALIFIER = {"at_least": "down", "at_most": "up"}


def _round(x: float, decimals: int, direction: str) -> float:
    scale = 10 ** decimals
    # round(…, 6) first: 0.29 * 100 is 28.999999999999996, which must floor to 29, not 28
    scaled = round(x * scale, 6)
    if direction == "down":
        scaled = math.floor(scaled)
    elif direction == "up":
        scaled = math.ceil(scaled)
    else:
        scaled = round(scaled)
    return scaled / scale


def _plain(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value: float | None, rounding: str = "nearest") -> str:
    """3200 → "3200", 21000 → "2.1万", 50000000 → "5000万", 120000000 → "1.2亿".

    `rounding` is "nearest", "down" or "up" and applies to the two decimals shown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "-" if value < 0 else ""
    x = abs(float(value))
    if x >= YI:
        return f"{sign}{_plain(_round(x / YI, 2, rounding))}亿"
    if x >= WAN:
        scaled = _round(x / WAN, 2, rounding)
        if scaled >= 10_000:  # 9999.999万 rounded up is 1亿
            return f"{sign}{_plain(_round(x / YI, 2, rounding))}亿"
        return f"{sign}{_plain(scaled)}万"
    return f"{sign}{_plain(_round(x, 2, rounding))}"


def format_quantity(value: float | None, unit: str, qualifier: str = "exact") -> str:
    """A figure as it would be written: 3000余人次, 近2.1万人, 约8万人, 50万元, 30%."""
    prefix, suffix = qualifier_affixes(qualifier)
    number = format_number(value, ROUNDING_FOR_QUALIFIER.get(qualifier, "nearest"))
    if number == "—":
        return number
    return f"{prefix}{number}{suffix}{unit_label(unit)}"


def format_total(value: float | None, unit: str, qualifier: str = "exact", rule: str = "sum",
                 low: float | None = None) -> str:
    """A total as it reads: 3000余人次; for rates and shares the range, lowest–highest (30%–40%)."""
    high = format_quantity(value, unit, qualifier)
    if rule in ("rate", "share") and low is not None and not _same(low, value):
        return f"{format_quantity(low, unit, 'exact').removesuffix(unit_label(unit))}–{high}"
    return high


def _same(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b))
    except (TypeError, ValueError):
        return False


def format_count(n: int) -> str:
    """A count of rows, communities or sources: thousands separated, never 万-scaled below 10万."""
    return f"{int(n):,}" if n < 100_000 else format_number(n)


def locate_span(evidence: str, text: str, start, end, evidence_start) -> tuple[int, int] | None:
    """Where `text` sits in `evidence`: from the offsets when they agree, else by search."""
    try:
        s, e = int(start) - int(evidence_start), int(end) - int(evidence_start)
    except (TypeError, ValueError):
        s = e = -1
    if 0 <= s < e <= len(evidence) and (not text or evidence[s:e] == text):
        return s, e
    if text:
        found = evidence.find(text)
        if found >= 0:
            return found, found + len(text)
    return None


def highlight_evidence(evidence: str, text: str = "", start=None, end=None,
                       evidence_start=None) -> str:
    """The evidence sentence as HTML with the claimed span in <mark>; everything escaped, since
    uploaded files are untrusted and the result is rendered with unsafe_allow_html."""
    evidence = "" if evidence is None else str(evidence)
    span = locate_span(evidence, "" if text is None else str(text), start, end, evidence_start)
    if span is None:
        return html_text(evidence)
    s, e = span
    return (html_text(evidence[:s]) + '<mark class="claim-span">' + html_text(evidence[s:e])
            + "</mark>" + html_text(evidence[e:]))


def blank_missing(frame):
    """For a table on screen: empty cells where a text column has no value (Streamlit would
    print "None"). Numbers are left alone."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or isinstance(out[col].dtype,
                                                                      pd.CategoricalDtype):
            values = out[col].astype(object)
            out[col] = values.where(values.notna(), "")
    return out
