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
/* the upload widget's own "200MB per file • XLSX…" line is English and states the server's cap,
   not ours: the label above says the real limit and types; say how to use the box instead */
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"]::after { content: "把文件拖到这里，或点“Upload”选择文件";
  font-size: .9rem; color: #5b6573; }
</style>
"""


def inject() -> None:
    st.html(CSS)
