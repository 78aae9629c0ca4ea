"""The steps of the 数据上传 page: choose a file, map a sheet's columns or review an article's
extraction, see the problems, commit (the batch history with undo: ui/batch_history.py). The checking and writing
itself is loaders' (sheets, pipeline, imports), shared with `python -m loaders import`."""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from loaders.errors import LoaderError
from loaders.imports import (AlreadyImportedError, apply_claim_review, apply_keep,
                             claims_for_review, commit_article, commit_sheet, find_imported,
                             max_upload_bytes, max_upload_rows)
from loaders.pipeline import extract_document, tables_of
from loaders.programmes import programme_codes
from loaders.readers import ARTICLE_SUFFIXES
from loaders.sheets import ERROR, NOTE, SHEET_SUFFIXES, problems_xlsx, read_sheets_isolated
from loaders.store import BatchExistsError
from loaders.template import make_template

from . import sources
from .access import Access
from .labels import district_names, programme_label, status_codes, status_label
from .filters import filter_label
from .formatting import blank_missing
from .markup import md
from .navigation import page_exists
from .sheet_mapping import check_sheets, describe, duplicates_step
from .state import current_dataset, current_signature
from .claim_rows import claims_table

FILE_TYPES = list(dict.fromkeys(s.lstrip(".") for s in SHEET_SUFFIXES + ARTICLE_SUFFIXES))
PREVIEW_ROWS = 200


@dataclass
class Upload:
    """The file being worked on in this session (kept across reruns, replaced by a new file)."""
    file_id: str
    name: str
    kind: str                 # sheet | article
    sha256: str
    sheet: object = None      # loaders.sheets.Sheet (the first sheet with a table)
    sheets: list | None = None   # every sheet of the workbook with a table
    tables: dict | None = None   # article: the extracted tables
    doc: object = None        # article: loaders.readers.Document (its source, its page images)


def _uploader_key() -> str:
    return f"upload_file_{st.session_state.get('upload_round', 0)}"


def _start_over() -> None:
    """Clear the file chooser and the session's upload (after a commit, or on request)."""
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
    st.session_state.pop("upload", None)


@st.cache_data(show_spinner=False)
def _template() -> bytes:
    return make_template()


def template_download() -> None:
    st.download_button("下载填写模板（.xlsx）", _template(), file_name="社区治理数据填写模板.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")


def choose_file() -> Upload | None:
    """The file chooser; reads the chosen file once and keeps it in the session. A file that
    cannot be read is explained (what is wrong, what to do) and nothing else happens."""
    limit = max_upload_bytes()
    file = st.file_uploader(
        f"选择表格（.xlsx、.xls、.et、.ods、.csv）或文章（.txt、.docx、.pdf、照片或扫描件 .jpg/.png、"
        f"网页 .html/.mhtml），不超过 {limit // 2 ** 20} MB", type=FILE_TYPES, key=_uploader_key())
    if file is None:
        if not str(getattr(st.session_state.get("upload"), "file_id", "")).startswith(sources.TYPED):
            st.session_state.pop("upload", None)
        return None
    current = st.session_state.get("upload")
    if current is not None and current.file_id == file.file_id:
        return current
    name, suffix = file.name, os.path.splitext(file.name)[1].lower()
    if sources.cancelled(file.file_id, name):
        return None
    try:
        if file.size > limit:   # before reading it into memory
            raise LoaderError(f"文件太大（{file.size / 2 ** 20:.1f} MB），超过上限 "
                              f"{limit // 2 ** 20} MB，请拆成几个文件分别上传。", path=name)
        data = file.getvalue()
        if suffix in SHEET_SUFFIXES or suffix not in ARTICLE_SUFFIXES:
            with st.spinner("正在读取表格……"):
                # in a child process with memory and time limits: no file can take the server down
                sheets = read_sheets_isolated(data, name, max_bytes=limit,
                                              max_rows=max_upload_rows())
            upload = Upload(file.file_id, name, "sheet", sheets[0].sha256, sheet=sheets[0],
                            sheets=sheets)
        else:
            doc = sources.read_with_progress(data, name, limit, file.file_id)
            with st.spinner("正在识别数字……"):
                tables = tables_of([(doc, extract_document(doc))], "")
            upload = Upload(file.file_id, name, "article", doc.sha256, tables=tables, doc=doc)
    except LoaderError as err:
        st.error(f"没有导入“{md(name)}”：{md(err)}", icon=":material/error:")
        st.session_state.pop("upload", None)
        return None
    st.session_state["upload"] = upload
    return upload


def typed_article(limit: int | None = None) -> Upload | None:
    """Pasted text or a web link (ui.sources), reviewed like an article file."""
    doc = sources.text_or_link(limit or max_upload_bytes())
    if doc is not None:
        tables = tables_of([(doc, extract_document(doc))], "")
        kind = "paste:" if doc.encoding == "paste" else "url:"
        st.session_state["upload"] = Upload(kind + doc.sha256, doc.name, "article", doc.sha256,
                                            tables=tables, doc=doc)
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.rerun()   # clears the file chooser: the typed article is now the one under review
    current = st.session_state.get("upload")
    if current is not None and str(current.file_id).startswith(sources.TYPED):
        return current
    return None


# The page reruns on every edit of a mapping or review table: the store is read again only when
# a batch was committed, undone or restored (the signature changed).
@st.cache_data(show_spinner=False, max_entries=16)
def _imported(sha256: str, signature: tuple):
    return find_imported(sha256)


def already_imported(upload: Upload) -> bool:
    imported = _imported(upload.sha256, current_signature())
    if imported is None:
        return False
    st.warning(f"这个文件已经导入过：{md(imported.time[:16].replace('T', ' '))} 由 "
               f"{md(imported.uploader) or '（未知）'} 导入"
               f"（当时的文件名：{md(imported.file)}）。内容完全相同，不再重复导入；"
               "如果要更正数据，请在下方导入记录中撤销那个批次后再上传改好的文件。",
               icon=":material/content_copy:")
    return True


# ---------------------------------------------------------------------------------------------
# Spreadsheets

def _known_places() -> pd.DataFrame:
    """Every (district, street, community) of the store: where an organiser's rows are checked."""
    return current_dataset().places


def sheet_step(upload: Upload, access: Access) -> None:
    sheets = upload.sheets or [upload.sheet]
    st.markdown(f"**{md(upload.name)}**：" + (describe(sheets[0]) if len(sheets) == 1 else
                                          f"{len(sheets)} 个工作表有数据，每个都会检查并一起导入。"))
    st.subheader("2. 核对列的对应关系")
    sheet, result = check_sheets(sheets, access)
    errors = result.errors
    bad_rows = int(errors["行"].nunique())
    notes = int((result.problems["级别"] == NOTE).sum())

    st.subheader("3. 检查结果")
    cols = st.columns(4)
    cols[0].metric("读到的行", f"{result.rows_read:,}")
    cols[1].metric("可以导入", f"{len(result.valid_claims):,}")
    cols[2].metric("有错误的行", f"{bad_rows:,}")
    cols[3].metric("提醒", f"{notes:,}")
    if result.rows_skipped:
        st.caption(f"模板里的示例行（{result.rows_skipped} 行）已跳过。")
    if len(result.problems):
        st.markdown("**问题清单**（行号与 Excel 中一致；“错误”的行不会导入，“提醒”的行会导入）")
        st.dataframe(blank_missing(result.problems), hide_index=True, height=min(38 + 35 * len(result.problems), 400),
                     column_config={"级别": st.column_config.TextColumn(width="small")})
        st.download_button("下载问题清单（.xlsx）", problems_xlsx(result.problems),
                           file_name=f"问题清单_{os.path.splitext(upload.name)[0]}.xlsx",
                           icon=":material/download:")
    else:
        st.success("没有发现问题。", icon=":material/check_circle:")
    result = duplicates_step(result)
    if len(result.valid_claims):
        st.markdown(f"**将导入的数据预览**（前 {min(PREVIEW_ROWS, len(result.valid_claims))} 行）")
        preview = blank_missing(claims_table(result.valid_claims.head(PREVIEW_ROWS))
                                .drop(columns=["批次", "编号"]))
        st.dataframe(preview, hide_index=True, height=min(38 + 35 * len(preview), 400))

    st.subheader("4. 导入")
    if not len(result.valid_claims):
        st.error("没有可以导入的行：请按问题清单改好表格后重新上传。", icon=":material/block:")
        return
    if bad_rows:
        st.warning(f"有 {bad_rows} 行有错误，不会导入。可以先导入其余 {len(result.valid_claims):,} 行，"
                   "也可以按问题清单改好后重新上传整个文件。", icon=":material/warning:")
    if st.button(f"导入 {len(result.valid_claims):,} 行数据", type="primary", key="commit_sheet"):
        _commit(lambda: commit_sheet(sheet, result, access.uploader))


def _commit(write) -> None:
    try:
        with st.spinner("正在写入……"):
            manifest = write()
    except AlreadyImportedError as err:
        st.warning(md(err), icon=":material/content_copy:")
        return
    except BatchExistsError:
        st.error("刚好有人同时导入了同一个文件，这次没有写入。请刷新页面查看导入记录。")
        return
    except LoaderError as err:   # a full disk, an article with nothing to import
        st.error(md(err), icon=":material/error:")
        return
    except OSError as err:
        st.error(f"写入失败，已导入的数据没有受影响：{md(err.strerror or err)}。请检查磁盘空间后重试。")
        return
    st.session_state["last_commit"] = manifest
    _start_over()
    st.rerun()


def commit_notice() -> None:
    """After a rerun: what the last commit stored, with a link to see it on the dashboard."""
    manifest = st.session_state.pop("last_commit", None)
    if not manifest:
        return
    rows = manifest["rows"]
    parts = [f"数据 {rows.get('claims', 0):,} 条"]
    if rows.get("communities"):
        parts.append(f"社区 {rows['communities']} 个")
    if rows.get("initiatives"):
        parts.append(f"特色项目 {rows['initiatives']} 个")
    st.success(f"已导入“{md(manifest['file'])}”：{'，'.join(parts)}。看板已经更新。",
               icon=":material/task_alt:")
    if page_exists("pages/overview.py"):
        st.page_link("pages/overview.py", label="在总览中查看这一批数据", icon=":material/dashboard:",
                     query_params={"batch": [filter_label("batch", manifest["batch_id"])]})


# ---------------------------------------------------------------------------------------------
# Articles

def _claims_editor(claims: pd.DataFrame, access: Access, key: str) -> pd.DataFrame:
    frame = claims_for_review(claims, access.districts)
    unsure = int((claims.get("place_confidence") == "low").sum()) if len(claims) else 0
    if unsure:
        st.warning(f"有 {unsure} 条数字的地点待核实（如成都有多个同名社区、文中找不到地点）："
                   "请看“地点依据”列，核对原句后填上或改正区县、街道、社区。", icon=":material/pin_drop:")
    return st.data_editor(
        frame, hide_index=True, key=key, height=min(38 + 35 * len(frame), 520),
        disabled=["evidence", "place_note"], column_order=list(frame.columns),
        column_config={
            "keep": st.column_config.CheckboxColumn("导入", width="small"),
            "reading": st.column_config.TextColumn(
                "数字", help="识别出的数字和单位；读错了可以直接改（如“3500余人次”）", required=True),
            "object": st.column_config.TextColumn("指标"),
            "district": st.column_config.SelectboxColumn("区县", options=list(district_names())),
            "street": st.column_config.TextColumn("街道（镇）"),
            "community": st.column_config.TextColumn("社区（村）"),
            "place_note": st.column_config.TextColumn(
                "地点依据", help="这个数字为什么归到这个地点；“待核实”的请核对后改正地点", width="medium"),
            "programme": st.column_config.SelectboxColumn(
                "项目类型", options=list(programme_codes()), format_func=programme_label,
                required=True),
            "status": st.column_config.SelectboxColumn(
                "状态", options=list(status_codes()), format_func=status_label, required=True),
            "evidence": st.column_config.TextColumn("原句", width="large"),
        })


def _keep_editor(frame: pd.DataFrame, columns: dict[str, str], key: str) -> pd.DataFrame:
    view = frame[list(columns)].assign(keep=True)[["keep", *columns]]
    config = {"keep": st.column_config.CheckboxColumn("导入", width="small")}
    config |= {c: st.column_config.TextColumn(label) for c, label in columns.items()}
    if "district" in columns:
        config["district"] = st.column_config.SelectboxColumn("区县", options=list(district_names()))
    if "programme" in columns:
        config["programme"] = st.column_config.SelectboxColumn(
            "项目类型", options=list(programme_codes()), format_func=programme_label, required=True)
    if "evidence" in columns:
        config["evidence"] = st.column_config.TextColumn("原句", width="large", disabled=True)
    return st.data_editor(view, hide_index=True, key=key, column_config=config,
                          height=min(38 + 35 * len(view), 420))


COMMUNITY_COLUMNS = {"community": "社区（村）", "street": "街道（镇）", "district": "区县",
                     "secretary": "书记/负责人"}
INITIATIVE_COLUMNS = {"name": "项目名称", "community": "社区（村）", "district": "区县",
                      "programme": "项目类型", "evidence": "原句"}


def article_step(upload: Upload, access: Access) -> None:
    tables = upload.tables
    claims, communities = tables["claims"], tables["communities"]
    initiatives = tables["initiatives"]
    st.markdown(f"**{md(upload.name)}**：识别出数据 {len(claims)} 条、社区 {len(communities)} 个、"
                f"特色项目 {len(initiatives)} 个。")
    if source := sources.source_caption(getattr(upload.doc, "meta", None)):
        st.caption(f"来源：{source}")
    st.subheader("2. 逐条核对")
    st.caption("取消勾选的不会导入；识别错的可以直接在表格里改（数字、指标、地点、项目类型、状态）。"
               "原句不能改，看板上每个数字都会链接回它。")
    tabs = st.tabs([f"数据（{len(claims)}）", f"社区（{len(communities)}）",
                    f"特色项目（{len(initiatives)}）"])
    with tabs[0]:
        reviewed = (_claims_editor(claims, access, f"review_claims_{upload.sha256}")
                    if len(claims) else None)
        if not len(claims):
            st.info("文章里没有识别出数据。")
        sources.page_view(upload.doc, claims, upload.sha256)
    with tabs[1]:
        rev_comm = (_keep_editor(communities, COMMUNITY_COLUMNS, f"review_comm_{upload.sha256}")
                    if len(communities) else None)
    with tabs[2]:
        rev_init = (_keep_editor(initiatives, INITIATIVE_COLUMNS, f"review_init_{upload.sha256}")
                    if len(initiatives) else None)

    problems: list[str] = []
    out = dict(tables)
    if reviewed is not None:
        out["claims"], p = apply_claim_review(claims, reviewed, access.districts, _known_places())
        problems += p
    if rev_comm is not None:
        out["communities"], p = apply_keep(communities, rev_comm, COMMUNITY_COLUMNS, "社区表",
                                           access.districts, _known_places())
        problems += p
    if rev_init is not None:
        out["initiatives"], p = apply_keep(initiatives, rev_init, INITIATIVE_COLUMNS, "特色项目表",
                                           access.districts, _known_places())
        problems += p

    st.subheader("3. 导入")
    if problems:
        st.error("请先处理这些问题：\n\n" + "\n".join(f"- {md(p)}" for p in problems),
                 icon=":material/error:")
        return
    if not (len(out["claims"]) or len(out["communities"]) or len(out["initiatives"])):
        st.info("所有内容都已取消勾选，没有可导入的数据。")
        return
    label = (f"导入 {len(out['claims'])} 条数据、{len(out['communities'])} 个社区、"
             f"{len(out['initiatives'])} 个特色项目")
    if st.button(label, type="primary", key="commit_article"):
        _commit(lambda: commit_article(upload.name, upload.sha256, out, access.uploader,
                                       source=getattr(upload.doc, "meta", None)))


__all__ = ["choose_file", "template_download", "already_imported", "sheet_step", "article_step",
           "commit_notice", "ERROR"]
