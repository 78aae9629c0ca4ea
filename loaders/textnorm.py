"""Turn a document's text into the text the extractor matches on, keeping a map back to the original.

Three repairs, none of which moves a claim's offsets away from the original text:
- width and script: full-width digits/punctuation → ASCII, traditional → simplified, one character
  for one character (so positions are unchanged);
- OCR line breaks: a newline run inside a sentence (the line before it is long and does not end a
  sentence) is dropped, so "夯\\n\\n实" and "3000\\n\\n余人次" read as one word;
- every position of the working text maps back to a position of the original (`to_original`).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc

# A newline and the white space after it; the spaces before it are added by `_breaks`. A
# pattern opening with a literal is searched for in C (one opening with a lookbehind or a class
# is tried at every position), and each space is stepped over once, so the scan stays linear.
_BREAK = re.compile(r"\n[\s\u3000]*")
_SPACES = " \t\u3000"
# Characters that may end a line legitimately: sentence ends, closing quotes and brackets, colons.
_LINE_END = set("。！？!?；;：:…」』）)】》\"”’")
# A line broken by OCR is body text: it has a comma or pause inside, or it is long. Headings,
# bylines, names and "XX区XX街道XX社区党委书记" lines have neither and must stay separate.
_BODY_PUNCT = re.compile(r"[，,、；;。！？]")
_LONG_LINE = 80
_LIST_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．])")


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """Full-width digits, letters and signs → ASCII, and traditional → simplified characters
    (first candidate). Chinese punctuation (，。：；！？（）) stays: the patterns read both forms."""
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)
             if chr(cp) not in "，：；！？（）"}
    table[0x3000] = " "
    dictionary = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        simp = simp.split(" ")[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    table[ord("㎡")] = "㎡"
    return table


@lru_cache(maxsize=1)
def _foldable() -> re.Pattern:
    """Any character of the basic plane that fold_chars changes: one character class, scanned
    in C (a set built from the text would make a string object of every character first).
    `re` tests a class of basic-plane characters with one bitmap lookup, but a class holding
    a character beyond it one member at a time, so those few go through `_ASTRAL`."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_char_table())
                                    if c <= 0xFFFF) + "]")


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _present(text: str) -> set[str]:
    """The characters of `text` that fold_chars changes."""
    present = set(_foldable().findall(text))
    if _ASTRAL.search(text):
        table = _char_table()
        present.update(c for c in _ASTRAL.findall(text) if ord(c) in table)
    return present


def fold_chars(text: str) -> str:
    """Width and script folding, one character for one: len(fold_chars(t)) == len(t)."""
    if _foldable().search(text) is None and _ASTRAL.search(text) is None:
        return text
    present = _present(text)
    if not present:
        return text
    table = _char_table()
    if len(present) > 20:                 # a traditional-script text: fold every character
        return text.translate(table)
    # Simplified text holds a few such characters: a small character class finds them much
    # faster than translate() looks up every character of the text.
    chars = re.compile("[" + "".join(re.escape(c) for c in present) + "]")
    return chars.sub(lambda m: table[ord(m.group())], text)


@dataclass(frozen=True)
class WorkText:
    """The repaired text and the map back to the original.

    `cuts` lists (work_position, original_position) at every place where the repair dropped
    characters; between cuts the two texts advance together.
    """
    original: str
    text: str
    cuts: tuple[tuple[int, int], ...]
    cut_starts: tuple[int, ...] = ()     # the work positions of `cuts`, for bisect

    def to_original(self, pos: int) -> int:
        """Original offset of work-text position `pos` (a start, or an end when exclusive)."""
        i = bisect.bisect_right(self.cut_starts, pos) - 1
        if i < 0:
            return pos
        w, o = self.cuts[i]
        return o + (pos - w)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the work-text span [start, end)."""
        if end <= start:
            s = self.to_original(start)
            return s, s
        return self.to_original(start), self.to_original(end - 1) + 1


def _breaks(text: str):
    """(start, end) of every newline run with the spaces and tabs right before it and all the
    white space after it."""
    for m in _BREAK.finditer(text):
        start = m.start()
        while start and text[start - 1] in _SPACES:
            start -= 1
        yield start, m.end()


def _joins(original: str, start: int, end: int) -> bool:
    """Is the newline run [start, end) a break inside a sentence (an OCR artefact) rather than
    a paragraph?"""
    line_start = original.rfind("\n", 0, start) + 1
    raw = original[line_start: start]
    line = raw.strip()
    if not line or line[-1] in _LINE_END:
        return False
    # An indented line opens a paragraph of body text (OCR'd pages keep the indent); a list
    # marker's own 、 ("三、工作打算") does not make a heading body text.
    after = original[end: end + 1]
    if line[-1].isdigit() and after.isdigit():
        return True                 # a number broken over two lines: "1\n020万人次"
    indented = raw[:2] in ("  ", "\u3000\u3000") or raw[:1] == "\t"
    body = _BODY_PUNCT.search(_LIST_MARKER.sub("", line, count=1))
    if len(line) < _LONG_LINE and not body and not indented:
        return False
    return bool(after) and not after.isspace()


def repair(original: str) -> WorkText:
    """Fold width and script, then drop OCR line breaks inside sentences."""
    folded = fold_chars(original)
    pieces, cuts = [], []
    pos = work = 0
    for start, end in _breaks(folded):
        if not _joins(folded, start, end):
            continue
        pieces.append(folded[pos: start])
        work += start - pos
        pos = end
        cuts.append((work, pos))
    pieces.append(folded[pos:])
    return WorkText(original, "".join(pieces), tuple(cuts), tuple(w for w, _ in cuts))


# A run of sentence ends and newlines, with the closing quotes that belong to the sentence.
_SENTENCE_END = re.compile(r"[。！？!?；;\n][。！？!?；;\n”’」』)]*")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the work text: split at 。！？； and at kept newlines."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out
