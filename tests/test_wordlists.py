"""Word lists as tries, first-character gates and the C-speed scan: each must find exactly what
the plain pattern finds (they exist only to make extraction cheaper)."""
import re

import pytest
from hypothesis import given, settings, strategies as st

from loaders.wordlists import alternation, first_char_gate, first_chars, scan

ALPHABET = "ab.将计划社区"
words = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), min_size=1, max_size=12)
texts = st.text(alphabet=ALPHABET + "x，", max_size=40)


def longest_first(ws) -> str:
    return "|".join(re.escape(w) for w in sorted(set(ws), key=len, reverse=True))


@settings(max_examples=300, deadline=None)
@given(words, texts)
def test_trie_matches_what_the_longest_first_alternation_matches(ws, text):
    for tail in ("", "区", "(?=社)"):
        old = re.compile(f"(?:{longest_first(ws)}){tail}")
        new = re.compile(alternation(ws) + tail)
        assert [m.span() for m in new.finditer(text)] == [m.span() for m in old.finditer(text)]


@pytest.mark.parametrize("ws, text, found", [
    (["成华区", "成华", "金牛区"], "成都市成华区和金牛区、成华", ["成华区", "金牛区", "成华"]),
    (["a.b", "ab"], "a.b ab axb", ["a.b", "ab"]),
    (["计划", "计划生育"], "计划生育办公室的计划", ["计划生育", "计划"]),
])
def test_trie_examples(ws, text, found):
    assert re.findall(alternation(ws), text) == found


def test_empty_list_matches_nothing():
    assert re.search(alternation([]), "anything") is None
    assert re.search(alternation([""]), "anything") is None


@pytest.mark.parametrize("pattern, gate", [
    (r"(?P<a>(?<=[”])计划|拟供)|(?P<b>争取(?=[在于])|(?<=[\u4e00-\u9fff])将(?![近来]))",
     "(?=[争将拟计])"),
    (r"x?y+", "(?=[xy])"),
    (r"(?:成都市|成都)?(?:金牛区|武侯)", "(?=[成武金])"),
    (r"\s*(?:一是|同时)", ""),          # a class by category: any character may start it
    (r"a*", ""),                        # may match empty
    (r"[^a]b", ""),
    (r"(?i)ab", ""),
])
def test_first_char_gate(pattern, gate):
    assert first_char_gate(pattern) == gate


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abc将", min_size=1, max_size=3), min_size=3, max_size=3),
       st.text(alphabet="abc将x", max_size=30))
def test_gated_pattern_finds_the_same(ws, text):
    a, b, c = (re.escape(w) for w in ws)
    pattern = f"(?P<g1>{a})|(?P<g2>(?<=a){b}?{c})|b(?=c)x*"
    gated = re.compile(first_char_gate(pattern) + f"(?:{pattern})")
    assert [(m.span(), m.lastgroup) for m in gated.finditer(text)] == \
        [(m.span(), m.lastgroup) for m in re.finditer(pattern, text)]


@settings(max_examples=300, deadline=None)
@given(words, texts)
def test_scan_finds_what_finditer_finds(ws, text):
    pattern = re.compile(f"(?:成都)?(?P<head>{alternation(ws)})(?P<tail>社区)?")
    starts = re.compile(alternation([*ws, "成都"]))
    assert [m.span() for m in scan(pattern, starts, text)] == \
        [m.span() for m in pattern.finditer(text)]
    by_class = re.compile(first_chars(pattern.pattern))
    assert [m.span() for m in scan(pattern, by_class, text)] == \
        [m.span() for m in pattern.finditer(text)]


def _astral_folded() -> str:
    from loaders.textnorm import _char_table
    return next(chr(c) for c in sorted(_char_table()) if c > 0xFFFF)


@pytest.mark.parametrize("text", ["社區服務中心１２３", "纯简体文本", "", "𠀀𠀁 plain", "A１"])
def test_fold_chars_by_class_scan_equals_translate(text):
    from loaders.textnorm import _char_table, fold_chars
    for t in (text, text + _astral_folded()):
        assert fold_chars(t) == t.translate(_char_table())


@pytest.mark.parametrize("pattern, head", [
    ("成都(?:市)?(?=[，、])", "成都"), ("社区", "社区"), (r"a\.b", "a.b"), ("[ab]c", ""),
    ("(?:ab)", "ab"), ("(?i)ab", ""), ("(?<=x)ab", ""),
])
def test_literal_head(pattern, head):
    from loaders.wordlists import literal_head
    assert literal_head(pattern) == head


def test_opening_chars_reads_a_leading_lookahead():
    from loaders.wordlists import opening_chars
    assert opening_chars(re.compile(r"(?=[12])\d+个")).pattern == "[12]"
    with pytest.raises(ValueError):
        opening_chars(re.compile(r"\d+个"))     # \d: any Unicode digit, not told simply


keyed_words = st.lists(st.text(alphabet="ab社区全", min_size=1, max_size=3), min_size=1,
                       max_size=5)


@settings(max_examples=300, deadline=None)
@given(keyed_words, keyed_words, keyed_words, st.text(alphabet="ab社区全，x\n", max_size=40))
def test_keyed_alternation_finds_what_the_named_groups_find(w1, w2, w3, text):
    """Keys tried in order, each key's fragments in order, a key barred after some characters:
    the same spans and keys as the plain alternation of named groups."""
    from loaders.wordlists import key_of, keyed_alternation
    groups = [(k, sorted(map(re.escape, set(ws)), key=len, reverse=True))
              for k, ws in (("one", w1), ("two", w2), ("g_three", w3))]
    head = r"(?:^|(?<=[\s，]))"
    plain = re.compile("|".join((head if k == "g_three" else "") + f"(?P<{k}>{'|'.join(f)})"
                                for k, f in groups), re.M)
    keyed = keyed_alternation(groups, not_after={"g_three": r"[^\s，]"})
    assert [(m.span(), key_of(m)) for m in keyed.finditer(text)] == \
        [(m.span(), m.lastgroup) for m in plain.finditer(text)]


def test_keyed_alternation_keeps_regex_fragments():
    from loaders.wordlists import key_of, keyed_alternation
    p = keyed_alternation([("city", ["成都(?:市)?(?=[，、])", "全成都"]), ("area", ["全区"])])
    assert [(m.group(0), key_of(m)) for m in p.finditer("成都市，全区和全成都、成都人")] == \
        [("成都市", "city"), ("全区", "area"), ("全成都", "city")]
    for fragment in ("[ab]c", "(?:ab)"):
        with pytest.raises(ValueError):
            keyed_alternation([("x", [fragment])])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\u3000\n\r，。", max_size=40))
def test_newline_runs_are_what_the_lookbehind_pattern_finds(text):
    from loaders.textnorm import _breaks
    old = re.compile(r"(?<![ \t\u3000])[ \t\u3000]*\n[\s\u3000]*")
    assert list(_breaks(text)) == [m.span() for m in old.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="【】一、（）(x \n", max_size=40))
def test_headings_are_the_lines_the_pattern_finds(text):
    from loaders.attribution.words import headings, rules
    assert headings(text) == [m.start() for m in re.finditer(rules()["section_heading"], text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab区道社", min_size=2, max_size=4), min_size=1, max_size=8),
       st.text(alphabet="ab区道社x", max_size=40))
def test_word_ends_find_every_occurrence_and_match_at_equals_finditer(ws, text):
    from loaders.wordlists import WordEnds, match_at
    every = sorted({i for w in ws for i in range(len(text)) if text.startswith(w, i)})
    assert WordEnds(ws).starts(text) == every
    pattern = re.compile(f"(?:{alternation(ws)})(?:社区)?")
    assert [m.span() for m in match_at(pattern, every, text)] == \
        [m.span() for m in pattern.finditer(text)]


def test_word_ends_need_two_characters():
    from loaders.wordlists import WordEnds
    with pytest.raises(ValueError):
        WordEnds(["区", "成华区"])
