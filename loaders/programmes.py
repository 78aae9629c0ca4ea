"""The programme taxonomy (loaders/data/programmes.yaml) and the cue scoring that picks a code."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .wordlists import alternation

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "programmes.yaml"


@lru_cache(maxsize=None)
def load_taxonomy(path: str | None = None) -> tuple[dict, ...]:
    data = yaml.safe_load(Path(path or TAXONOMY_FILE).read_text(encoding="utf-8"))
    return tuple(data["programmes"])


def programme_labels() -> dict[str, str]:
    """code → Chinese label, in taxonomy order."""
    return {p["code"]: p["label"] for p in load_taxonomy()}


def programme_codes() -> tuple[str, ...]:
    return tuple(p["code"] for p in load_taxonomy())


@lru_cache(maxsize=1)
def _cue_index() -> tuple[re.Pattern, dict[str, list[tuple[int, str]]], dict[str, tuple[str, ...]]]:
    """One regex over every cue; cue → [(taxonomy order, code)] (a cue may serve several);
    cue → the shorter cues inside it (志愿者 holds 志愿), which the regex's match hides."""
    owners: dict[str, list[tuple[int, str]]] = {}
    for order, p in enumerate(load_taxonomy()):
        for cue in p["cues"]:
            owners.setdefault(cue, []).append((order, p["code"]))
    alt = alternation(owners)
    inner = {c: tuple(o for o in owners if o != c and o in c) for c in owners}
    return re.compile(alt), owners, inner


@lru_cache(maxsize=4096)
def _cues_in(text: str) -> frozenset[str]:
    pattern, _, inner = _cue_index()
    found = set(pattern.findall(text))
    for cue in list(found):
        found.update(inner[cue])
    return frozenset(found)


def classify_programme(context: str, focus: str = "") -> str:
    """The code whose cues score highest in `context`; a cue in `focus` (the counted object and
    the words right around the number) scores three times. `other` when nothing matches."""
    _, owners, _ = _cue_index()
    in_focus = _cues_in(focus)
    scores: dict[tuple[int, str], int] = {}
    for cue in _cues_in(context) | in_focus:
        weight = 3 * len(cue) if cue in in_focus else len(cue)
        for owner in owners[cue]:
            scores[owner] = scores.get(owner, 0) + weight
    if not scores:
        return "other"
    (order, code), _ = max(scores.items(), key=lambda kv: (kv[1], -kv[0][0]))
    return code
