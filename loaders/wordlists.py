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
