"""The programme taxonomy (loaders/data/programmes.yaml) and the cue scoring that picks a code."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

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


def classify_programme(context: str, focus: str = "") -> str:
    """The code whose cues score highest in `context`; a cue in `focus` (the counted object and
    the words right around the number) scores three times. `other` when nothing matches."""
    best, best_score = "other", 0
    for p in load_taxonomy():
        score = 0
        for cue in p["cues"]:
            if cue in focus:
                score += 3 * len(cue)
            elif cue in context:
                score += len(cue)
        if score > best_score:
            best, best_score = p["code"], score
    return best
