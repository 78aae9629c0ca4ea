"""The 数据上传 page through Streamlit's AppTest: open mode, a sheet with problems committed row by
row, the same file recognised, bad files refused with the store unchanged, an article reviewed
and committed, undo, and accounts (viewers see no write controls; organisers only their
districts)."""
import hashlib
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.imports import commit_sheet
from loaders.store import list_batches, load_tables, undo_batch
from tests.test_imports import ARTICLE, checked_sheet
from tests.test_sheets import GOOD, HEADERS, row_with, xlsx_bytes
from ui.accounts import hash_password
from ui.provenance import describe_batch

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = xlsx_bytes([HEADERS, GOOD, row_with(数量="abc"),
                    row_with(区县="成华区", 街道="猛追湾街道", 社区名称="望平社区", 数量="1,200")])


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "store"
    shutil.copytree(ROOT / "data" / "batches", root / "batches")
    return root


def store_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != ".import.lock":
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def open_upload(store, monkeypatch, accounts=None) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(accounts or store / "no-accounts.yaml"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at, name, data, mime=XLSX) -> AppTest:
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_open_mode_says_so_and_offers_the_template(store, monkeypatch):
    at = open_upload(store, monkeypatch)
    assert "没有配置账号" in texts(at.warning)
    assert len(at.file_uploader) == 1
    assert at.get("download_button")        # the template
    assert "默认数据" in at.dataframe[0].value["类型"].tolist()


def test_sheet_problems_then_commit_the_valid_rows(store, monkeypatch):
    at = upload(open_upload(store, monkeypatch), "三季度.xlsx", SHEET)
    shown = {m.label: m.value for m in at.metric}
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    notes = int((problems["级别"] == "提醒").sum())    # names near the shipped data's
    assert shown == {"读到的行": "3", "可以导入": "2", "有错误的行": "1", "提醒": str(notes)}
    errors = problems[problems["级别"] == "错误"]
    assert errors[["行", "列", "值"]].values.tolist() == [[3, "数量", "abc"]]
    assert "有 1 行有错误" in texts(at.warning)
    mapping = at.dataframe[0].value if "对应字段" in at.dataframe[0].value else None
    assert mapping is not None and mapping.set_index("表头").loc["社区名称", "对应字段"] == "社区"
    at.button(key="commit_sheet").click().run()
    assert not at.exception
    assert "已导入“三季度.xlsx”：数据 2 条" in texts(at.success)
    batches = list_batches(store)
    new = batches[batches["kind"] == "sheet"].iloc[0]
    assert new["file"] == "三季度.xlsx" and new["uploader"] == "本机用户"
    assert new["rows_read"] == 3 and new["rows_rejected"] == 1 and new["rows"]["claims"] == 2
    assert len(at.file_uploader) == 1 and at.file_uploader[0].value is None   # ready for the next
    history = at.dataframe[-1].value
    assert history.iloc[0]["文件"] == "三季度.xlsx" and history.iloc[0]["数据条数"] == 2

    # the dashboard shows it at once: the overview filtered to the new batch
    overview = AppTest.from_file(str(APP), default_timeout=60)
    # the URL names the batch as the sidebar does: file, uploader and date, never its id
    overview.query_params["batch"] = describe_batch(new["file"], new["uploader"], new["time"])
    overview.run()
    assert not overview.exception
    assert {m.label: m.value for m in overview.metric}["数据条数"] == "2"
    assert "4200余" in " ".join(m.value for m in overview.metric)   # 3000余 + 1,200 人次

    # the same file again is recognised and offers no commit
    at = upload(open_upload(store, monkeypatch), "三季度（副本）.xlsx", SHEET)
    assert "已经导入过" in texts(at.warning) and "三季度.xlsx" in texts(at.warning)
    assert new["batch_id"] not in texts(at.warning)
    assert not [b for b in at.button if b.key == "commit_sheet"]


@pytest.mark.parametrize("name, data, message", [
    ("坏的.xlsx", SHEET[:300], "损坏"),
    ("空的.csv", b"", "空的"),
    ("图片.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "xlsx"),
    ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "另存为"),
    ("只有表头.xlsx", xlsx_bytes([HEADERS]), "没有"),
])
def test_bad_files_are_refused_and_the_store_is_unchanged(store, monkeypatch, name, data, message):
    before = store_hash(store)
    at = upload(open_upload(store, monkeypatch), name, data, "application/octet-stream")
    assert message in texts(at.error), texts(at.error)
    assert not [b for b in at.button if b.key in ("commit_sheet", "commit_article")]
    assert store_hash(store) == before


def test_oversized_file_names_the_limit(store, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "0.001")
    at = upload(open_upload(store, monkeypatch), "大.xlsx", SHEET)
    assert "太大" in texts(at.error) and "拆成" in texts(at.error)


def test_row_limit(store, monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "2")
    at = upload(open_upload(store, monkeypatch), "多.xlsx", SHEET)
    assert "上限" in texts(at.error)


def test_article_review_and_commit(store, monkeypatch):
    at = upload(open_upload(store, monkeypatch), "东怡社区.txt", ARTICLE, "text/plain")
    review = next(d.value for d in at.dataframe if "reading" in d.value.columns)
    assert review["reading"].tolist() == ["120场", "3000余人次", "650平方米"]
    assert "识别出数据 3 条、社区 1 个" in texts(at.markdown)
    at.button(key="commit_article").click().run()
    assert not at.exception
    assert "已导入“东怡社区.txt”：数据 3 条，社区 1 个" in texts(at.success)
    stored = load_tables(store)
    batch = list_batches(store).iloc[-1]
    assert batch["kind"] == "article"
    mine = stored.claims[stored.claims["batch_id"] == batch["batch_id"]]
    assert sorted(mine["text"]) == ["120场", "3000余人次", "650平方米"]


def test_undo_takes_the_batch_off_the_dashboard(store, monkeypatch):
    at = upload(open_upload(store, monkeypatch), "三季度.xlsx", SHEET)
    at.button(key="commit_sheet").click().run()
    batch_id = list_batches(store).iloc[-1]["batch_id"]
    undo_chooser(at).set_value(batch_id).run()
    undo = at.button(key=f"undo_button_{batch_id}")
    assert undo.disabled                          # needs the confirmation first
    assert "确认撤销“三季度.xlsx" in at.checkbox(key=f"undo_confirm_{batch_id}").label
    at.checkbox(key=f"undo_confirm_{batch_id}").check().run()
    at.button(key=f"undo_button_{batch_id}").click().run()
    assert not at.exception
    assert "已撤销“三季度.xlsx" in texts(at.success)
    assert batch_id not in set(list_batches(store)["batch_id"])
    assert (store / "undone" / batch_id / "batch.json").exists()     # kept, not deleted
    history = next(d.value for d in at.dataframe if "导入人" in d.value.columns)
    assert "三季度.xlsx" not in history["文件"].tolist() and "批次" not in history.columns

    # nothing is lost: the undone batch can be put back
    assert "已撤销的批次（1 个" in at.expander[-1].label
    at.button(key="restore_button").click().run()
    assert not at.exception
    assert "已恢复“三季度.xlsx" in texts(at.success)
    assert batch_id in set(list_batches(store)["batch_id"])
    assert not (store / "undone" / batch_id).exists()


def undo_chooser(at):
    return next(s for s in at.selectbox if s.label == "撤销哪一批")


def test_undo_names_one_batch_and_the_default_data_needs_a_second_confirmation(store, monkeypatch):
    at = upload(open_upload(store, monkeypatch), "三季度.xlsx", SHEET)
    at.button(key="commit_sheet").click().run()
    new = list_batches(store).iloc[-1]["batch_id"]
    chooser = undo_chooser(at)
    assert chooser.value is None                  # nothing chosen until the person chooses
    assert not [b for b in at.button if (b.key or "").startswith("undo_button")]
    # confirming one batch and then choosing another leaves the other unconfirmed
    chooser.set_value(new).run()
    at.checkbox(key=f"undo_confirm_{new}").check().run()
    undo_chooser(at).set_value("default-seeds").run()
    assert at.button(key="undo_button_default-seeds").disabled
    at.checkbox(key="undo_confirm_default-seeds").check().run()
    assert at.button(key="undo_button_default-seeds").disabled   # the second confirmation
    assert "默认数据" in at.checkbox(key="undo_default_default-seeds").label
    at.checkbox(key="undo_default_default-seeds").check().run()
    at.button(key="undo_button_default-seeds").click().run()
    assert not at.exception
    left = set(list_batches(store)["batch_id"])
    assert left == {new}                          # the named batch went, the other stayed


def test_the_choice_to_undo_survives_other_peoples_commits_and_not_their_undo(store, monkeypatch):
    """Several people share the store: a commit elsewhere changes the list but keeps this
    person's choice; when someone else undoes the chosen batch, the choice goes, with a word."""
    at = upload(open_upload(store, monkeypatch), "三季度.xlsx", SHEET)
    at.button(key="commit_sheet").click().run()
    mine = list_batches(store).iloc[-1]["batch_id"]
    undo_chooser(at).set_value(mine).run()
    commit_sheet(*checked_sheet([row_with(数量="77")], "四季度.xlsx"), "别人", store)  # someone else
    at.run()
    assert not at.exception
    assert len(undo_chooser(at).options) == 3 and undo_chooser(at).value == mine
    assert "确认撤销“三季度.xlsx" in at.checkbox(key=f"undo_confirm_{mine}").label
    undo_batch(mine, store)                                                   # someone else
    at.run()
    assert not at.exception
    assert undo_chooser(at).value is None and len(undo_chooser(at).options) == 2
    assert "三季度.xlsx" in texts(at.warning) and "别人刚刚撤销" in texts(at.warning)
    assert not [b for b in at.button if (b.key or "").startswith("undo_button")]


@pytest.fixture
def accounts(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(f"""
users:
  - username: jinjiang
    name: 锦江区组织者
    districts: [锦江区]
    password: "{hash_password('jinjiang-pass')}"
""", encoding="utf-8")
    return path


def sign_in(at, username, password) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception
    return at


def test_viewers_see_no_write_controls(store, monkeypatch, accounts):
    at = open_upload(store, monkeypatch, accounts)
    assert not at.file_uploader and not [b for b in at.button if b.key == "undo_button"]
    assert "需要组织者登录" in texts(at.info)
    assert len(at.dataframe) == 1                     # the history, read only
    at = sign_in(at, "jinjiang", "wrong")
    assert "用户名或密码不对" in texts(at.error)
    assert not at.file_uploader


def test_organiser_writes_only_their_districts(store, monkeypatch, accounts):
    at = sign_in(open_upload(store, monkeypatch, accounts), "jinjiang", "jinjiang-pass")
    assert "已登录：锦江区组织者" in texts(at.success)
    assert len(at.file_uploader) == 1
    # the shipped data spans the city: not theirs to undo
    assert not [b for b in at.button if (b.key or "").startswith("undo_button")]
    at = upload(at, "三季度.xlsx", SHEET)
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert "不属于你负责的区（市）县" in problems["问题"].tolist()[-1]
    at.button(key="commit_sheet").click().run()
    batch = list_batches(store).iloc[-1]
    assert batch["uploader"] == "锦江区组织者" and batch["rows"]["claims"] == 1
    assert set(load_tables(store).claims.query("batch_id == @batch.batch_id")["district"]) == {"锦江区"}
    # their own batch they may undo
    assert undo_chooser(at).options == [f"三季度.xlsx（{batch['time'][:16].replace('T', ' ')}，1 条）"]


def test_article_review_flags_places_to_check(store, monkeypatch):
    # 双凤社区 is in 武侯区 and 金堂县 and the text names neither: the place must be checked.
    text = "双凤社区：邻里互助\n\n双凤社区志愿者今年累计服务2000余人次。".encode("utf-8")
    at = upload(open_upload(store, monkeypatch), "双凤.txt", text, "text/plain")
    assert "地点待核实" in texts(at.warning)
    review = next(d.value for d in at.dataframe if "reading" in d.value.columns)
    assert "区县留空" in review["place_note"].iloc[0]
