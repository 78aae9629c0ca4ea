"""The few styles Streamlit's theme (.streamlit/config.toml) does not cover."""
import streamlit as st

CSS = """
<style>
.evidence { font-size: 1.05rem; line-height: 1.9; padding: .6rem .9rem; margin: .2rem 0 .4rem;
  background: #f7f9fc; border-left: 4px solid #2d6cc0; border-radius: 4px; }
mark.claim-span { background: #ffe08a; padding: 0 .15rem; border-radius: 3px; font-weight: 600; }
.tag { display: inline-block; padding: .1rem .55rem; margin: 0 .35rem .35rem 0; border-radius: 1rem;
  background: #e8f0fb; color: #1f4e96; font-size: .9rem; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
/* Streamlit's own English, where CSS can replace it (README lists what it cannot):
   the upload box's "200MB per file • XLSX…" line states the server's cap, not ours (the label
   above says the real limit and types): say how to use the box instead; its "Upload" button */
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"]::after { content: "把文件拖到这里，或点“选择文件”";
  font-size: .9rem; color: #5b6573; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-has-shortcut]::after { content: "选择文件"; }
/* the tables' toolbar (Show/hide columns, Search, Fullscreen) has English tooltips only: the
   pages have their own search and downloads */
[data-testid="stElementToolbar"] { display: none !important; }
/* "Press Enter to apply" under a text box */
[data-testid="InputInstructions"] { display: none; }
</style>
"""


def inject() -> None:
    st.html(CSS)
