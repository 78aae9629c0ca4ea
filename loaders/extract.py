"""From one document's text to its claims, communities and initiatives (the pipeline's middle)."""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .indicators import assign_indicators
from .places import Gazetteer, Place, PlaceIndex, find_places
from .programmes import classify_programme
from .quantities import cues as _cue_data
from .quantities import find_quantities, non_claim_pattern, object_of
from .textnorm import WorkText, repair, sentences

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
    alt = lambda ws: "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))  # noqa: E731
    st = c["status"]
    future_jiang = rf"(?<={st['future_jiang_after']})将(?!{st['future_jiang_not_before']})"
    return {
        "status": re.compile(rf"(?P<planned>{alt(st['planned'])}|{future_jiang})|"
                             rf"(?P<achieved>{alt(st['achieved'])})"),
        "continues": re.compile(rf"\s*(?:{alt(c['continues_previous'])})"),
        "title": re.compile(rf"\s*(?P<title>{c['titles']})(?P<after>{_NAME}(?=[:：“\"',，、\s]|说|表示|介绍|认为|告诉))?"),
        "initiative": re.compile(
            rf"[“\"](?P<name>[^“”\"\n。！？]{{2,16}}?)[”\"](?P<suffix>{alt(c['initiative_suffixes'])})?"),
        "suffixes": tuple(c["initiative_suffixes"]),
    }


def _status(sentence: str, upto: int) -> str | None:
    """The nearest status cue before position `upto` of the sentence, or None."""
    last = None
    for m in _cues()["status"].finditer(sentence, 0, upto):
        last = m
    if last is None:
        return None
    return "planned" if last.group("planned") else "achieved"


def _claim_id(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _mentions(text: str, g: Gazetteer) -> list[Place]:
    """Explicit place chains plus later short mentions of the communities they introduced."""
    explicit = find_places(text, g)
    index = PlaceIndex()
    for p in explicit:
        index.add(p)
    short, k = [], 0
    for p in index.find(text):      # both in text order: drop short forms inside explicit chains
        while k < len(explicit) and explicit[k].end <= p.start:
            k += 1
        if not (k < len(explicit) and explicit[k].start < p.end):
            short.append(p)
    return sorted(explicit + short, key=lambda p: p.start)


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
    g = Gazetteer.load()
    work: WorkText = repair(original)
    text = work.text
    mentions = _mentions(text, g)
    quantities = find_quantities(text)
    out = Extraction(doc)
    cues = _cues()
    context = Place(None, None, None)
    mi = qi = 0
    seen_communities: dict[str, dict] = {}

    spans = sentences(text)
    starts = [a for a, _ in spans]

    @lru_cache(maxsize=None)
    def status_of(i: int) -> str | None:
        """Sentence i's own last status cue, or, for 一是/二是/同时…, its predecessor's."""
        a, b = spans[i]
        own = _status(text[a:b], b - a)
        if own is None and i > 0 and cues["continues"].match(text, a):
            return status_of(i - 1)
        return own

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
        sentence = text[s:e]
        para_start = text.rfind("\n", 0, s) + 1
        while para_start < s and text[para_start].isspace():
            para_start += 1
        years = _YEAR.match(text, para_start)   # "2025年，社区将…" dates the paragraph
        para_year = years.group(1) if years else None
        here = []
        while mi < len(mentions) and mentions[mi].start < e:
            if mentions[mi].start >= s:
                here.append(mentions[mi])
            mi += 1
        # A place followed by a title opens a speaker's section at that place's level.
        opener = None
        for p in here:
            t = cues["title"].match(text, p.end)
            if t and t.group("title"):
                opener = p
                if p.community:
                    _add_community(seen_communities, p, _secretary(text, p, t), t.group("title"), doc)
        for p in here:
            if p.community and p.community not in seen_communities:
                _add_community(seen_communities, p, None, None, doc)
        ev_start, ev_end = work.span(s + len(sentence) - len(sentence.lstrip()),
                                     e - (len(sentence) - len(sentence.rstrip())))
        evidence = original[ev_start:ev_end]
        continues = i > 0 and cues["continues"].match(sentence)
        inherited = status_of(i - 1) if continues else None
        while qi < len(quantities) and quantities[qi].start < e:
            q = quantities[qi]
            qi += 1
            if q.start < s or any(p.start < q.end and q.start < p.end for p in here):
                continue
            before = [p for p in here if p.end <= q.start]
            place = before[-1] if before else (opener or context)
            status = _status(sentence, q.start - s) or inherited or "achieved"
            obj = object_of(text, q)
            year = _YEAR.findall(sentence, 0, q.start - s) if "年" in sentence else ()
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
                "period": year[-1] if year else para_year,
                "evidence": evidence, "evidence_start": ev_start,
            })
        while ni < len(named) and named[ni].start() < e:
            m = named[ni]
            ni += 1
            if m.start() < s:
                continue
            name, suffix = m.group("name"), m.group("suffix")
            before = [p for p in here if p.end <= m.start()]
            place = before[-1] if before else (opener or context)
            start, end = work.span(m.start("name"), m.end("name"))
            out.initiatives.append({
                "name": original[start:end].replace("\n", "").strip(),
                "community": place.community, "street": place.street, "district": place.district,
                "programme": classify_programme(sentence, name + (suffix or "")),
                "status": _status(sentence, m.start() - s) or inherited or "achieved",
                "evidence": evidence, "start": start, "end": end, "batch_id": batch_id, "doc": doc,
            })
        # What later sentences belong to: a speaker's place, else the one community named here.
        communities = {p.community for p in here if p.community}
        if opener is not None:
            context = opener
        elif len(communities) == 1:
            context = next(p for p in reversed(here) if p.community)
    out.communities = list(seen_communities.values())
    assign_indicators(out.claims)
    _dedupe_initiatives(out)
    return out


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
