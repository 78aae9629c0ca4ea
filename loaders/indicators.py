"""Which indicator (指标) a claim measures, and per which period when it is a rate.

The catalogue is data (loaders/data/indicators.yaml): each indicator has a name, a definition,
the units it can have, object words, cue words and an aggregation rule. A claim is scored against
the indicators of its unit: the counted object (3), a cue in the clause before the number (2), a
cue or object word in the clause after it (1); the best score wins, ties to the first listed,
longer words before shorter ones (社会企业 over 企业). Nothing scores: the unit's default
indicator, else `other` (其他, never totalled). A rate cue in the clause (日均, 年均, 年营收, 人均…)
sets `per`. Articles and sheets use the same scoring (`classify`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .textnorm import fold_chars

DATA = Path(__file__).resolve().parent / "data" / "indicators.yaml"
OTHER = "other"
OTHER_NAME = "其他"
AGGREGATIONS = ("sum", "stock", "rate", "share", "none")
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
_ITEM_END = re.compile(r"[，,；;。！？!?：:\n、（）()]")
REACH = 24  # characters of a clause looked at on either side of the number


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    units: tuple[str, ...]
    objects: tuple[str, ...]
    cues: tuple[str, ...]
    aggregation: str
    default: bool = False


@lru_cache(maxsize=1)
def _data() -> dict:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    codes = [i["code"] for i in data["indicators"]]
    if len(set(codes)) != len(codes) or OTHER in codes:
        raise ValueError(f"{DATA.name}: 指标代码必须唯一，且不能使用保留代码 {OTHER}")
    return data


@lru_cache(maxsize=1)
def catalogue() -> tuple[Indicator, ...]:
    """The indicators in catalogue order, `other` (其他) last."""
    out = []
    for i in _data()["indicators"]:
        if i["aggregation"] not in AGGREGATIONS:
            raise ValueError(f"{DATA.name}: 指标 {i['code']} 的 aggregation 必须是 {AGGREGATIONS} 之一")
        out.append(Indicator(i["code"], i["name"], i["definition"], tuple(i["units"]),
                             # the indicator's own name is an object word (a sheet's 指标 cell)
                             tuple(i.get("objects") or ()) + (i["name"],), tuple(i.get("cues") or ()),
                             i["aggregation"], bool(i.get("default", False))))
    out.append(Indicator(OTHER, OTHER_NAME, "无法归入任何指标的数字：逐条列出，从不合计。", (), (), (),
                         "none"))
    return tuple(out)


@lru_cache(maxsize=1)
def by_code() -> dict[str, Indicator]:
    return {i.code: i for i in catalogue()}


def indicator_codes() -> tuple[str, ...]:
    return tuple(i.code for i in catalogue())


def per_capita_rules() -> tuple[dict, ...]:
    """(base, scale, label, indicators) of the per-capita figures (indicators.yaml per_capita)."""
    return tuple(_data().get("per_capita") or ())


def period_codes() -> tuple[str, ...]:
    return tuple(_data()["periods"])


def period_label(per: str | None) -> str:
    """日均, 年均, 人均 … for a `per` code; "" for none."""
    if not isinstance(per, str) or not per:
        return ""
    return _data()["periods"].get(per, {}).get("label", per)


def indicator_name(code: str) -> str:
    ind = by_code().get(code)
    return ind.name if ind else str(code)


def indicator_definition(code: str) -> str:
    ind = by_code().get(code)
    return ind.definition if ind else ""


def aggregation_of(code: str, per: str | None = None) -> str:
    """How figures of the indicator add up; any figure with a period is a rate."""
    if isinstance(per, str) and per:
        return "rate"
    ind = by_code().get(code)
    return ind.aggregation if ind else "none"


@lru_cache(maxsize=1)
def _period_cues() -> tuple[tuple[str, str], ...]:
    pairs = [(cue, per) for per, p in _data()["periods"].items() for cue in p["cues"]]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@lru_cache(maxsize=None)
def _candidates(unit: str) -> tuple[Indicator, ...]:
    return tuple(i for i in catalogue() if unit in i.units)


def _longest(words, text: str) -> int:
    return max((len(w) for w in words if w in text), default=0)


@lru_cache(maxsize=200_000)
def classify(unit: str, obj: str = "", before: str = "", after: str = "") -> tuple[str, str | None]:
    """(indicator code, per) of a figure of `unit` whose counted object is `obj`, with `before`
    the clause up to the number and `after` the clause after it (simplified script)."""
    obj, before, after = obj or "", before or "", after or ""
    per = next((p for cue, p in _period_cues() if cue in before or cue in obj), None)
    best, best_score = None, 0.0
    for ind in _candidates(unit):
        score = 0.0
        if (n := _longest(ind.objects, obj)):
            score += 3 + n / 100
        if (n := _longest(ind.cues, before)):
            score += 2 + n / 100
        if (n := max(_longest(ind.cues, after), _longest(ind.objects, after))):
            score += 1 + n / 100
        if score > best_score:
            best, best_score = ind, score
    if best is None:
        best = next((i for i in _candidates(unit) if i.default), None)
    return (best.code if best else OTHER), per


def _clause(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, item, after) around text[start:end]: the clause up to the number, the list item
    after it (up to 、 or a bracket) and the clause after it."""
    lo = max(0, start - REACH)
    head = text[lo:start]
    cut = [m.end() for m in _CLAUSE_END.finditer(head)]
    before = head[cut[-1]:] if cut else head
    tail = text[end:end + REACH]
    m = _CLAUSE_END.search(tail)
    after = tail[:m.start()] if m else tail
    m = _ITEM_END.search(after)
    item = after[:m.start()] if m else after
    return before, item, after


def classify_in_text(text: str, start: int, end: int, unit: str, obj: str | None) -> tuple[str, str | None]:
    """classify for the figure at text[start:end] of a sentence (any script)."""
    text = fold_chars(text)
    before, item, after = _clause(text, start, end)
    obj = fold_chars(obj) if isinstance(obj, str) else ""
    return classify(unit, obj + "|" + item, before, after)


def assign_indicators(claims: list[dict]) -> None:
    """Set `indicator` and `per` on article claims (dicts with evidence, evidence_start, start,
    end, unit, object); the offsets locate the figure in its sentence."""
    for c in claims:
        ev, ev0 = c.get("evidence") or "", c.get("evidence_start")
        if ev0 is None or c.get("start") is None:
            s = ev.find(c.get("text") or "\0")
            s, e = (s, s + len(c["text"])) if s >= 0 else (len(ev), len(ev))
        else:
            s, e = c["start"] - ev0, c["end"] - ev0
        c["indicator"], c["per"] = classify_in_text(ev, s, e, c["unit"], c.get("object"))


def add_indicators(claims):
    """A claims table written before claims had indicators (a batch of an older version), with
    `indicator` and `per` read from each claim's sentence as new claims get them; a table that
    has them is returned unchanged. Reading an old store thus never fails nor rewrites it."""
    if "indicator" in claims.columns and "per" in claims.columns:
        return claims
    records = claims.astype(object).where(claims.notna(), None).to_dict("records")
    for r in records:
        for k in ("start", "end", "evidence_start"):
            r[k] = None if r.get(k) is None else int(r[k])
        if r.get("source_type") == "sheet":
            r["indicator"], r["per"] = sheet_indicator(r["unit"], r.get("object"), None,
                                                       r.get("evidence"))
    assign_indicators([r for r in records if r.get("source_type") != "sheet"])
    return claims.assign(indicator=[r["indicator"] for r in records],
                         per=[r["per"] for r in records])


def sheet_indicator(unit: str, obj: str | None, value_header: str | None,
                    evidence: str | None = None) -> tuple[str, str | None]:
    """A sheet row's indicator: its 指标/对象 cell, else the value column's header (参与人次 →
    服务人次), else its 备注 text, read as the counted object and its clause."""
    code, per = _sheet_cells(unit or "", (obj or "").strip(), (value_header or "").strip())
    if code == OTHER and evidence:
        code, per2 = classify(unit or "", "", fold_chars(evidence)[:60], "")
        per = per or per2
    return code, per


@lru_cache(maxsize=50_000)
def _sheet_cells(unit: str, obj: str, header: str) -> tuple[str, str | None]:
    obj, header = fold_chars(obj), fold_chars(header)
    return classify(unit, obj + "|" + header, obj + " " + header, header)


def sheet_indicators(units, objects, evidence, value_header: str | None) -> tuple[list, list]:
    """`sheet_indicator` over the columns of a sheet's valid rows."""
    codes, pers = [], []
    for u, o, e in zip(units, objects, evidence):
        code, per = sheet_indicator(u, o, value_header, e)
        codes.append(code)
        pers.append(per)
    return codes, pers
