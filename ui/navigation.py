"""The pages of the dashboard, in menu order. A page whose file does not exist yet (数据上传,
演示模式 come later) is left out of the menu and links to it fall back to a hint."""
from __future__ import annotations

import runpy
import threading
from pathlib import Path

import streamlit as st

APP_DIR = Path(__file__).resolve().parent.parent

# (file, menu title, icon, url path); the first is the default page. Each url path is the file's
# stem, as Streamlit's folder mode names it too (see ensure_entrypoint). Streamlit serves the
# default page at the root only, so its own path is an alias (see _overview_by_path).
PAGES = (
    ("pages/overview.py", "总览", ":material/dashboard:", "overview"),
    ("pages/district.py", "区县", ":material/location_city:", "district"),
    ("pages/programme.py", "项目类型", ":material/category:", "programme"),
    ("pages/community.py", "社区档案", ":material/home_work:", "community"),
    ("pages/initiatives.py", "特色项目", ":material/star:", "initiatives"),
    ("pages/explorer.py", "数据明细", ":material/table_view:", "explorer"),
    ("pages/upload.py", "数据上传", ":material/upload_file:", "upload"),
    ("pages/demo.py", "演示模式", ":material/slideshow:", "demo"),
)
UPLOAD_PAGE = "pages/upload.py"
EXPLORER_PAGE = "pages/explorer.py"
COMMUNITY_PAGE = "pages/community.py"
DISTRICT_PAGE = "pages/district.py"


def page_exists(path: str) -> bool:
    return (APP_DIR / path).is_file()


HOME_URL_PATH = "home"   # the default page's internal path: Streamlit shows it at "/"


def _overview_by_path() -> None:
    """/overview (the README's link form) opens the overview at the root, with the link's query
    parameters, instead of Streamlit's English "Page not found" dialog. Called before any widget
    is bound to the URL (Streamlit refuses to set bound parameters)."""
    st.switch_page(PAGES[0][0],
                   query_params={k: st.query_params.get_all(k) for k in st.query_params})


def build_navigation():
    pages = [st.Page(path, title=title, icon=icon, default=i == 0,
                     url_path=HOME_URL_PATH if i == 0 else url)
             for i, (path, title, icon, url) in enumerate(PAGES) if page_exists(path)]
    pages.append(st.Page(_overview_by_path, title=PAGES[0][1], url_path=PAGES[0][3],
                         visibility="hidden"))
    page = st.navigation(pages, position="sidebar")
    if page.url_path == PAGES[0][3]:
        _overview_by_path()
    return page


_routing = threading.local()   # set while dashboard.py runs a page (per script thread)


def run_page(page) -> None:
    """Run the chosen page from dashboard.py (so ensure_entrypoint knows it was routed)."""
    _routing.active = True
    try:
        page.run()
    finally:
        _routing.active = False


def ensure_entrypoint() -> None:
    """Route through dashboard.py when Streamlit runs a page file on its own.

    A folder named `pages/` makes Streamlit start in its old folder-based mode: until the entry
    point has called st.navigation in the process (and in every AppTest run), a link straight to
    a page (/district?district=成华区 on a freshly started server) runs pages/district.py alone,
    without the sidebar filters, the wide layout or our menu. Running dashboard.py in this same
    script run instead (it calls st.navigation, which ends that mode, and runs this page again
    through run_page) lands on the same page, since its url path is the file's stem in both
    modes, and, unlike a rerun, keeps the button click that started the run."""
    if getattr(_routing, "active", False):
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # internals moved: nothing to repair
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        runpy.run_path(str(APP_DIR / "dashboard.py"), run_name="__main__")
        st.stop()
