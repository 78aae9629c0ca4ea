"""Achieved or planned: decided by the cue words around a figure, read once per sentence.

A sentence's cues (data/cues.yaml `status`) are found in one scan; each figure then looks them up
by position, so a sentence holding thousands of figures costs one pass, not one per figure.
Rules, in order:
  1. a planned cue after the figure that governs it: nothing counted stands between them and the
     cue's own clause counts nothing ("另有4台计划明年开工", "8部电梯…，预计明年开工");
  2. the nearest cue before the figure in its sentence ("目标是4个，实际建成5个");
  3. a sentence opening with 一是 / 同时 … continues the previous one's status;
  4. otherwise achieved (past narration).
Cue words inside names ("人口与计划生育办公室", "“社区合伙人”计划") are masked first.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from .wordlists import alternation as _alt, first_char_gate
from .quantities import cues as _cue_data

_CLAUSE_END = re.compile(r"[，,；;：:]")


@lru_cache(maxsize=1)
def _patterns() -> dict:
    c = _cue_data()
    st = c["status"]
    future_jiang = rf"(?<={st['future_jiang_after']})将(?!{st['future_jiang_not_before']})"
    planned = "|".join([_alt(st["planned"]), *st.get("planned_patterns", ()), future_jiang])
    masked = "|".join(st.get("not_cues", ())) or "(?!)"
    cue = rf"(?P<masked>{masked})|(?P<planned>{planned})|(?P<achieved>{_alt(st['achieved'])})"
    return {
        "cue": re.compile(first_char_gate(cue) + f"(?:{cue})"),
        "continues": re.compile(rf"\s*(?:{_alt(c['continues_previous'])})"),
    }


class SentenceStatus:
    """The status cues of one sentence, and the status of a figure at a given position."""

    def __init__(self, sentence: str, figures: list[tuple[int, int]]):
        self.sentence = sentence
        self.figure_starts = sorted(a for a, _ in figures)
        self._marks: list | None = None      # read on first use: most sentences need none

    @property
    def marks(self) -> list[tuple[int, int, str]]:
        if self._marks is None:
            self._marks = [(m.start(), m.end(), m.lastgroup) for m in
                           _patterns()["cue"].finditer(self.sentence) if m.lastgroup != "masked"]
            self.mark_starts = [a for a, _, _ in self._marks]
        return self._marks

    def own(self) -> str | None:
        """The sentence's last cue (what a following 一是/同时 sentence continues)."""
        return self.marks[-1][2] if self.marks else None

    def at(self, start: int, end: int) -> str | None:
        """Status of the figure spanning [start, end) of the sentence, or None for no cue."""
        marks = self.marks
        if not marks:
            return None
        k = bisect.bisect_left(self.mark_starts, end)
        i = bisect.bisect_left(self.figure_starts, end)
        next_figure = self.figure_starts[i] if i < len(self.figure_starts) else len(self.sentence)
        while k < len(self.marks) and self.marks[k][0] < next_figure:
            a, b, kind = self.marks[k]
            if kind == "planned":
                if self._governs(b):
                    return "planned"
                break
            k += 1
        k = bisect.bisect_right(self.mark_starts, start - 1) - 1
        while k >= 0 and self.marks[k][1] > start:
            k -= 1
        return self.marks[k][2] if k >= 0 else None

    def _governs(self, cue_end: int) -> bool:
        """A cue after a figure governs it when the cue's own clause counts nothing."""
        m = _CLAUSE_END.search(self.sentence, cue_end)
        clause_end = m.start() if m else len(self.sentence)
        j = bisect.bisect_left(self.figure_starts, cue_end)
        return not (j < len(self.figure_starts) and self.figure_starts[j] < clause_end)


def continues_previous(text: str, pos: int) -> bool:
    return bool(_patterns()["continues"].match(text, pos))
