"""数据上传: organisers bring spreadsheets and articles; each is checked, previewed and committed
as one batch that the history below can undo. Viewers see the history only."""
import streamlit as st

from ui import batch_history, upload
from ui.access import current_access
from ui.navigation import ensure_entrypoint

ensure_entrypoint()
st.title("数据上传")
st.caption("上传统计表或社区文章：先检查、预览，确认后作为一个批次导入，随时可以撤销。")
access = current_access()
upload.commit_notice()
batch_history.undo_notice()

if access.can_write:
    st.subheader("1. 选择文件")
    upload.template_download()
    chosen = upload.choose_file()
    chosen = upload.typed_article() or chosen   # pasted text or a web link
    if chosen is not None and not upload.already_imported(chosen):
        if chosen.kind == "sheet":
            upload.sheet_step(chosen, access)
        else:
            upload.article_step(chosen, access)

st.divider()
st.subheader("导入记录")
batch_history.history_step(access)
batch_history.undone_step(access)
