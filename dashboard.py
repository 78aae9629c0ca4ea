"""社区治理数据看板: the entry point. Routes to the pages in pages/, reads the data once and draws
the shared filters; each page is a thin script over ui/.

    streamlit run dashboard.py
"""
import streamlit as st

from ui import links, style
from ui.filters import render_filters
from ui.navigation import build_navigation, run_page
from loaders.store import StoreUnavailableError
from ui.state import current_dataset

st.set_page_config(page_title="社区治理数据看板", page_icon=":material/insights:", layout="wide")
style.inject()
page = build_navigation()
links.note_page(page.url_path)   # before any bound widget: a link's filters must apply
with st.sidebar:
    st.caption("成都市社区治理数据看板")
try:
    dataset = current_dataset()
except StoreUnavailableError as err:   # the database is set but cannot be reached
    st.error(str(err), icon=":material/cloud_off:")
    st.stop()
render_filters(dataset)
run_page(page)
