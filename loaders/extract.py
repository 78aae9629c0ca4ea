"""From one document's text to its claims, communities and initiatives (the pipeline's middle)."""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .attribution import Attribution, rules as _place_rules
from .indicators import assign_indicators
from .places import Place
from .programmes import classify_programme
from .quantities import cues as _cue_data
from .status import SentenceStatus, continues_previous
from .quantities import find_quantities, non_claim_pattern, object_of
from .textnorm import WorkText, repair, sentences
from .wordlists import alternation

_YEAR = re.compile(r"((?:19|20)\d\d)年")
_NAME = r"[\u4e00-\u9fff]{2,3}?"


@dataclass
class Extraction:
    doc: str
    claims: list[dict] = field(default_factory=list)
    communities: list[dict] = field(default_factory=list)
    initiatives: list[dict] = field(default_factory=list)


@lru_cache(maxsize=1)
def _cues() -> dict:
    c = _cue_data()
    return {
        "title": re.compile(rf"\s*(?P<title>{c['titles']})(?P<after>{_NAME}(?=[:：“\"',，、\s]|说|表示|介绍|认为|告诉))?"),
        "initiative": re.compile(
            rf"[“\"](?P<name>[^“”\"\n。！？]{{2,16}}?)[”\"](?P<suffix>{alternation(c['initiative_suffixes'])})?"),
        "suffixes": tuple(c["initiative_suffixes"]),
    }


def _claim_id(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _secretary(text: str, place: Place, title: re.Match) -> str | None:
    """The speaker's name: right after the title (书记袁超:) or on the line before the place."""
    if title.group("after"):
        return title.group("after")
    line_start = text.rfind("\n", 0, place.start) + 1
    same_line = text[line_start: place.start].strip()
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", same_line):
        return same_line
    if same_line:
        return None
    prev_end = line_start - 1
    while prev_end > 0 and text[prev_end - 1].isspace():
        prev_end -= 1
    prev = text[text.rfind("\n", 0, prev_end) + 1: prev_end].strip()
    return prev if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", prev) else None


def extract_text(doc: str, original: str, batch_id: str = "") -> Extraction:
    """Claims, communities and initiatives of one document; offsets point into `original`."""
    work: WorkText = repair(original)
    text = work.text
    places = Attribution(text)
    mentions = places.mentions
    quantities = find_quantities(text)
    out = Extraction(doc)
    cues = _cues()
    qi = 0
    seen_communities: dict[str, dict] = {}

    spans = sentences(text)
    starts = [a for a, _ in spans]

    q_starts = [q.start for q in quantities]
    newlines = [m.start() for m in re.finditer("\n", text)]
    carried_memo: dict[int, str | None] = {}
    statuses_of: dict[int, SentenceStatus] = {}

    def carried(i: int) -> str | None:
        """Sentence i's own last cue or, for 一是/二是/同时…, what it continues (iteratively)."""
        chain, found = [], None
        while i >= 0 and len(chain) <= 50:
            if i in carried_memo:
                found = carried_memo[i]
                break
            a, b = spans[i]
            chain.append(i)
            read = statuses_of.get(i)       # the sentence's cues, read once for both uses
            found = (read if read is not None else SentenceStatus(text[a:b], [])).own()
            if found is not None or not continues_previous(text, a):
                break
            i -= 1
        for j in chain:
            carried_memo[j] = found
        return found

    named = [m for m in cues["initiative"].finditer(text)
             if (m.group("suffix") or m.group("name").endswith(cues["suffixes"]))
             and not _not_a_name(m.group("name"))]
    ni = 0
    # Only sentences holding a quantity, a place or a named initiative need work.
    busy = sorted({bisect.bisect_right(starts, pos) - 1 for pos in
                   [q.start for q in quantities] + [p.start for p in mentions]
                   + [m.start() for m in named]})
    for i in busy:
        s, e = spans[i]
        places.begin_sentence(s)
        here = places.mentions_in(s, e)
        # A place followed by a title opens a speaker's section at that place's level.
        opener = None
        for p in here:
            t = cues["title"].match(text, p.end)
            if t and t.group("title"):
                opener = p
                if p.community:
                    p = _full(places, p)
                    _add_community(seen_communities, p, _secretary(text, p, t), t.group("title"), doc)
        if opener is not None:
            places.open_section(opener)
        for p in here:
            if p.community and p.community not in seen_communities:
                _add_community(seen_communities, _full(places, p), None, None, doc)
        lo, hi = bisect.bisect_left(q_starts, s), bisect.bisect_left(q_starts, e)
        if lo == hi and not (ni < len(named) and named[ni].start() < e):
            if opener is None:             # a sentence of places only: it sets the context
                places.end_sentence(here)
            continue
        sentence = text[s:e]
        k = bisect.bisect_left(newlines, s) - 1
        para_start = newlines[k] + 1 if k >= 0 else 0
        while para_start < s and text[para_start].isspace():
            para_start += 1
        years = _YEAR.match(text, para_start)   # "2025年，社区将…" dates the paragraph
        para_year = years.group(1) if years else None
        ev_start, ev_end = work.span(s + len(sentence) - len(sentence.lstrip()),
                                     e - (len(sentence) - len(sentence.rstrip())))
        evidence = original[ev_start:ev_end]
        m_spans = [(p.start, p.end) for p in here]
        years_in = [(m.start(), m.group(1)) for m in _YEAR.finditer(sentence)] if "年" in sentence else []
        year_starts = [a for a, _ in years_in]
        statuses = statuses_of[i] = SentenceStatus(sentence, [(q.start - s, q.end - s)
                                                              for q in quantities[lo:hi]])
        inherited = carried(i - 1) if i > 0 and continues_previous(sentence, 0) else None
        while qi < len(quantities) and quantities[qi].start < e:
            q = quantities[qi]
            qi += 1
            if q.start < s or _inside(m_spans, q.start, q.end):
                continue
            place = places.place(q.start, s, q.measure == "个" and _counts_communities(text, q.end))
            status = statuses.at(q.start - s, q.end - s) or inherited or "achieved"
            obj = object_of(text, q)
            y = bisect.bisect_right(year_starts, q.start - s - 5) - 1   # a year ending before it
            year = years_in[y][1] if y >= 0 else None
            start, end = work.span(q.start, q.end)
            focus = text[max(s, q.start - 12): min(e, q.end + 12)] + obj
            out.claims.append({
                "claim_id": _claim_id(batch_id, doc, start, end),
                "batch_id": batch_id, "source_type": "article", "doc": doc,
                "start": start, "end": end, "row": None, "text": original[start:end],
                "value": q.value, "unit": q.unit, "kind": q.kind, "qualifier": q.qualifier,
                "object": obj or None,
                "district": place.district, "street": place.street, "community": place.community,
                "programme": classify_programme(sentence, focus), "status": status,
                "period": year or para_year,
                **_evidence(original, ev_start, ev_end, evidence, start, end),
                "place_rule": place.rule, "place_confidence": place.confidence,
                "place_note": place.note,
            })
        while ni < len(named) and named[ni].start() < e:
            m = named[ni]
            ni += 1
            if m.start() < s:
                continue
            name, suffix = m.group("name"), m.group("suffix")
            place = places.place(m.start(), s)
            start, end = work.span(m.start("name"), m.end("name"))
            out.initiatives.append({
                "name": original[start:end].replace("\n", "").strip(),
                "community": place.community, "street": place.street, "district": place.district,
                "programme": classify_programme(sentence, name + (suffix or "")),
                "status": statuses.at(m.start() - s, m.end() - s) or inherited or "achieved",
                "evidence": _evidence(original, ev_start, ev_end, evidence, start, end)["evidence"],
                "start": start, "end": end, "batch_id": batch_id, "doc": doc,
            })
        # What later sentences belong to: a speaker's place, else the one unit named here.
        if opener is None:
            places.end_sentence(here)
    out.communities = list(seen_communities.values())
    assign_indicators(out.claims)
    _dedupe_initiatives(out)
    return out


EVIDENCE_MAX = 400   # characters: a longer sentence is quoted as a window around the figure


def _evidence(original: str, ev_start: int, ev_end: int, sentence: str, start: int, end: int):
    """The sentence a figure stands in; for an overlong one (a table flattened into one line, a
    pasted dump without 。) a window around the figure, so evidence never grows with the text."""
    if ev_end - ev_start <= EVIDENCE_MAX:
        return {"evidence": sentence, "evidence_start": ev_start}
    half = (EVIDENCE_MAX - (end - start)) // 2
    a = max(ev_start, start - max(half, 0))
    b = min(ev_end, max(end, a + EVIDENCE_MAX))
    return {"evidence": original[a:b], "evidence_start": a}


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) overlap one of the sorted, non-overlapping `spans`?"""
    k = bisect.bisect_left(spans, (end,))
    return k > 0 and spans[k - 1][1] > start


def _full(places: Attribution, p: Place) -> Place:
    """A community mention with the street and district the gazetteer or the text gives it."""
    district, street, community, _, _ = places.resolve(p)
    return Place(district, street, community or p.community, p.start, p.end)


def _counts_communities(text: str, end: int) -> bool:
    """Does the figure ending at `end` count communities or villages ("下辖11个社区")?"""
    return bool(_container_re().match(text, end))


@lru_cache(maxsize=1)
def _container_re() -> re.Pattern:
    return re.compile(_place_rules()["container_after"])


def _not_a_name(name: str) -> bool:
    """Slogans and framework codes (“1+3+3+N”, “两个替代”) are not named initiatives."""
    return bool(re.search(r"[\d+＋]", name) or re.match(r"[一二两三四五六七八九十]", name)
                or non_claim_pattern().search(name))


def _add_community(seen: dict, p: Place, secretary, title, doc) -> None:
    row = seen.get(p.community)
    if row is None:
        seen[p.community] = {"community": p.community, "street": p.street, "district": p.district,
                             "secretary": secretary, "title": title, "doc": doc, "batch_id": ""}
        return
    for key, val in (("street", p.street), ("district", p.district), ("secretary", secretary),
                     ("title", title)):
        if row[key] is None and val:
            row[key] = val


def _dedupe_initiatives(out: Extraction) -> None:
    """One row per (name, community) in a document: the first mention is the evidence."""
    seen, rows = set(), []
    for row in out.initiatives:
        key = (row["name"], row["community"])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    out.initiatives = rows
