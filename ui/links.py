"""In-app links that carry a view (filters, a community, a search) must land on that view.

Widgets bound to the URL (`bind="query-params"`) take the URL's value only on a session's first
run: afterwards Streamlit keeps the values the session holds, so a link clicked inside the app
(st.page_link with query parameters) would open the page with the old filters and correct the
URL back to them. So on the first run of a page reached with query parameters, the URL is
adopted explicitly: the sidebar filters and the page's bound widgets take its values, and those
the link leaves out go back to their defaults (the link describes the whole view). A run of a page
reached without parameters (the sidebar menu) keeps the session's filters.
"""
from __future__ import annotations

from typing import Callable, Iterable

import streamlit as st

_PAGE_KEY = "_links_page"       # url path of the page the previous run showed
_ARRIVAL_KEY = "_links_arrival"  # the URL's parameters when this run arrived by a link, else None


def note_page(url_path: str) -> None:
    """Call once per run, before any bound widget: remembers whether this run opened a new page
    with query parameters (an arrival by link) and what they were."""
    previous = st.session_state.get(_PAGE_KEY)
    st.session_state[_PAGE_KEY] = url_path
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.session_state[_ARRIVAL_KEY] = params if previous != url_path and params else None


def arrival() -> dict[str, list[str]] | None:
    """The query parameters this run arrived with by a link, or None (not an arrival)."""
    return st.session_state.get(_ARRIVAL_KEY)


def adopt(key: str, options: Iterable, format_func: Callable = str, multi: bool = False,
          default=None) -> None:
    """Before drawing the bound widget `key`: on an arrival by link, set it to the URL's value
    (matched through the labels the widget shows, as the URL holds them), or to `default` when
    the link does not name it or names no valid option."""
    params = arrival()
    if params is None:
        return
    wanted = params.get(key, [])
    if options is None:                       # a free-text widget
        st.session_state[key] = wanted[0] if wanted else (default if default is not None else "")
        return
    options = list(options)
    chosen = [o for o in options if format_func(o) in wanted or str(o) in wanted]
    if multi:
        st.session_state[key] = chosen
    elif chosen:
        st.session_state[key] = chosen[0]
    elif default is not None:
        st.session_state[key] = default
    else:
        st.session_state.pop(key, None)
