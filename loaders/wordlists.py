"""Word lists as regular expressions: one alternation for a list of literal words (place names,
cue words, units), written as a trie.

Python's `re` tries the branches of "成华区|成华|金牛区|…" one after another at every position,
so a list of 300 street names costs 300 checks wherever the first-character gate lets it in.
The same words as a trie ("成华(?:区)?|金牛区|…", branches split by their first character) cost
one check per character read. The trie matches exactly what the longest-first alternation
matches and prefers the same word: at one position the words that match are prefixes of each
other, and both forms try the longer one first.
"""
from __future__ import annotations

import re
from typing import Iterable

_END = ""   # a key in the trie's dicts: a word ends here


def _trie(words: Iterable[str]) -> dict:
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return root


def _pattern(node: dict) -> str:
    ends = _END in node
    branches = [re.escape(ch) + _pattern(child) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def alternation(words: Iterable[str]) -> str:
    """A non-capturing regex matching any of `words` (literal text), the longest first; `(?!)`
    (matches nothing) for an empty list."""
    words = {w for w in words if w}
    if not words:
        return "(?!)"
    return "(?:" + _pattern(_trie(words)) + ")"


def _firsts(items) -> tuple[list[tuple[int, int]], bool] | None:
    """(character ranges a match of the parsed sequence may start with, can it match empty?);
    None when that cannot be told simply (classes by category, back references, …)."""
    ranges: list[tuple[int, int]] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            return ranges + [(av, av)], False
        if name == "IN":
            got = []
            for iop, iav in av:
                if str(iop) == "LITERAL":
                    got.append((iav, iav))
                elif str(iop) == "RANGE":
                    got.append(iav)
                else:                        # NEGATE, CATEGORY: any character may start it
                    return None
            return ranges + got, False
        if name == "ASSERT" and av[0] == 1:  # a lookahead: what it opens with opens the match
            sub = _firsts(list(av[1]))
            if sub is not None and not sub[1]:
                return ranges + sub[0], False
            continue
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue                         # zero width: the next item starts the match
        if name == "SUBPATTERN":
            sub = _firsts(av[-1])
        elif name == "BRANCH":
            subs = [_firsts(alt) for alt in av[1]]
            if any(s is None for s in subs):
                return None
            sub = ([r for s in subs for r in s[0]], any(s[1] for s in subs))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            sub = _firsts(av[2])
            if sub is not None and av[0] == 0:
                sub = (sub[0], True)
        else:
            return None
        if sub is None:
            return None
        ranges += sub[0]
        if not sub[1]:
            return ranges, False
    return ranges, True


def first_chars(pattern: str, flags: int = 0) -> str | None:
    """A character class ("[…]") of the characters a match of `pattern` can start with; None
    when that cannot be told simply or the pattern may match empty."""
    parsed = re._parser.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _firsts(list(parsed))
    if found is None or found[1]:
        return None

    def char(c: int) -> str:
        return re.escape(chr(c))
    parts = sorted(set(found[0]))
    return "[" + "".join(char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in parts) + "]"


def first_char_gate(pattern: str, flags: int = 0) -> str:
    """A lookahead `(?=[…])` of the characters a match of `pattern` can start with, to put in
    front of it; "" when they cannot be told or the pattern may match empty.

    `re` compiles a pattern that opens with a plain class or literal into a scan that skips,
    in C, the characters that cannot start it; a pattern opening with a group of named
    alternatives gets no such scan and is tried in full at every character. The gate makes
    that try one class test."""
    chars = first_chars(pattern, flags)
    return f"(?={chars})" if chars else ""


def opening_chars(pattern: re.Pattern) -> re.Pattern:
    """For `scan`: the class of the characters a match of `pattern` can open with (a pattern
    whose first item is a class is searched for in C, one opening with a group or a lookahead
    is tried at every position). ValueError when they cannot be told simply."""
    chars = first_chars(pattern.pattern, pattern.flags)
    if chars is None:
        raise ValueError("the characters a match opens with cannot be told: use finditer")
    return re.compile(chars)


def literal_head(pattern: str, flags: int = 0) -> str:
    """The literal text every match of `pattern` opens with: "成都" for "成都(?:市)?(?=[，、])",
    the whole word for a plain word, "" when it opens with a class, a group or an assertion."""
    parsed = re._parser.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:
        return ""
    head = []
    for op, av in parsed:
        if str(op) != "LITERAL":
            break
        head.append(chr(av))
    return "".join(head)


def keyed_alternation(groups: list[tuple[str, list[str]]],
                      not_after: dict[str, str] | None = None) -> re.Pattern:
    """A pattern matching what `(?P<k1>a|b)|(?P<k2>c|d)|…` matches, the keys tried in order and
    each key's regex fragments in the order given, written as one branch per first character
    ("全(?:(?P<city_0>市|省)|(?P<district_0>区))|该(?:…)"): `re` scans for those characters in C
    instead of trying every key at every position. `key_of(match)` gives the key. Each fragment
    must open with a literal character. `not_after[key]`: a class ("[^，。]") of characters that
    must not stand right before a word of that key."""
    not_after = not_after or {}
    buckets: dict[str, list[tuple[str, list[str]]]] = {}
    for key, fragments in groups:
        for fragment in fragments:
            head = literal_head(fragment)
            first = next((f for f in (head[:1], re.escape(head[:1])) if head
                          and fragment.startswith(f)), None)
            if first is None:
                raise ValueError(f"{fragment!r} does not open with a literal character")
            tails = buckets.setdefault(head[0], [])
            if not tails or tails[-1][0] != key:
                tails.append((key, []))
            tails[-1][1].append(fragment[len(first):])
    branches = []
    for n, (ch, keyed) in enumerate(sorted(buckets.items())):
        c = re.escape(ch)
        alts = [(f"(?<!{not_after[key]}{c})" if key in not_after else "")
                + f"(?P<{key}_{n}>{'|'.join(tails)})" for key, tails in keyed]
        branches.append(c + "(?:" + "|".join(alts) + ")")
    return re.compile("|".join(branches))


def key_of(m: re.Match) -> str:
    """The key of a `keyed_alternation` match."""
    return m.lastgroup.rsplit("_", 1)[0]


def scan(pattern: re.Pattern, starts: re.Pattern, text: str):
    """The matches of `pattern.finditer(text)`, found faster: `starts` is a pattern that `re`
    scans for in C (a plain class, or a plain alternation of words) and that matches wherever
    a match of `pattern` may begin; `pattern` is tried only there. `pattern` must not match
    the empty string."""
    pos, search, match = 0, starts.search, pattern.match
    while True:
        hit = search(text, pos)
        if hit is None:
            return
        m = match(text, hit.start())
        if m is None:
            pos = hit.start() + 1
            continue
        yield m
        pos = m.end()


class WordEnds:
    """Where the words of a list occur, found from their ends: for each character a word ends
    with, one pattern finds it where it stands after a character some word has before it ("区"
    after 华, 江, 牛… but not the 社 of 社区); a pattern opening with one literal character is
    searched for in C a few instructions per character (a class of several, ten times that).
    Then the lengths of the words ending in those two characters are looked up. For a long list
    of names (the streets and districts) that is much cheaper than `re` trying a trie of their
    first characters wherever one stands. Every word must be at least two characters long."""

    def __init__(self, words):
        self.words = frozenset(words)
        if any(len(w) < 2 for w in self.words):
            raise ValueError("a word shorter than two characters")
        lengths: dict[str, set[int]] = {}
        for w in self.words:
            lengths.setdefault(w[-2:], set()).add(len(w))
        self.lengths = {tail: sorted(ns) for tail, ns in lengths.items()}
        before: dict[str, set[str]] = {}
        for tail in self.lengths:
            before.setdefault(tail[1], set()).add(tail[0])
        self.ends = [re.compile(f"{re.escape(c)}(?<=[{''.join(map(re.escape, sorted(b)))}]"
                                f"{re.escape(c)})") for c, b in sorted(before.items())]

    def starts(self, text: str) -> list[int]:
        """The sorted start positions of every occurrence (overlapping ones included)."""
        out, words, lengths = set(), self.words, self.lengths
        for pattern in self.ends:
            for m in pattern.finditer(text):
                end = m.end()
                for n in lengths[text[end - 2: end]]:
                    if n <= end and text[end - n: end] in words:
                        out.add(end - n)
        return sorted(out)


def match_at(pattern: re.Pattern, starts: list[int], text: str):
    """The matches of `pattern.finditer(text)` when every match begins at one of the sorted
    positions `starts`: `pattern` is tried there only. It must not match the empty string."""
    end, match = 0, pattern.match
    for pos in starts:
        if pos >= end:
            m = match(text, pos)
            if m is not None:
                yield m
                end = m.end()
