"""User text where it meets markdown or HTML: one helper for each, used by every page.

Names, sentences, file names and messages quoting them come from uploaded files; in st.markdown
(and every label Streamlit renders as markdown: captions, headers, alerts, page links, tabs)
"![x](http://…)" would make every viewer's browser fetch an outside image, "**…**" or "[…](…)"
would restyle or link. `md` makes such text literal: a backslash before each character markdown,
GitHub-flavoured markdown or Streamlit's extensions (:red[…], $math$) read where it stands, and
before a leading "#", "-", "+", "=" or "1." (they act only at the start of a line); a word joiner
(invisible) inside bare http://, www. and a@b addresses, which GFM would make links; line breaks
are folded to spaces (a line break could start a heading, list or table). `html_text` is the
same for text placed inside HTML: tags and quotes escaped, and since st.markdown(…,
unsafe_allow_html=True) still reads markdown around and after the HTML, markdown characters and
line breaks become character references too (shown the same, read as text by both).
"""
from __future__ import annotations

import html
import math
import re

# CommonMark lets a backslash escape any ASCII punctuation; these act anywhere in a line …
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()!|~$&])")
# GitHub-flavoured markdown links bare http://…, www.… and a@b.cn after parsing, escapes or not:
# an invisible word joiner inside the pattern keeps them text
_AUTOLINK = re.compile(r"(?i)(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=www)(?=\.)|(?=@)")
JOINER = "\u2060"
# … and these only at its start (heading, list item, thematic break, numbered item "1.")
_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+(?=[.)]))")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def md(value) -> str:
    """`value` as literal text inside markdown."""
    text = _MARKDOWN.sub(r"\\\1", _LINE_BREAKS.sub(" ", _text(value)))
    text = _AUTOLINK.sub(JOINER, text)
    m = _LINE_START.match(text)
    if m:
        lead, mark = m.groups()
        at = len(lead) + len(mark)
        text = (lead + "\\" + mark + text[at:] if not mark[0].isdigit()
                else lead + mark + "\\" + text[at:])
    return text


# inside HTML that sits in markdown only these act (a line break may end the HTML block; "." "-"
# "#" act only at the start of a line, and there is none)
_HTML_MARKDOWN = re.compile(r"[\\`*_\[\]()!|~$:@\r\n]")


def html_text(value) -> str:
    """`value` as literal text inside HTML, also where that HTML sits in markdown (quotes escaped
    too, so it is safe in attributes)."""
    text = html.escape(_AUTOLINK.sub(JOINER, _text(value)), quote=True)
    return _HTML_MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", text)
