"""`python -m loaders` commands, called as functions (cli.main(argv) -> exit code)."""
import filecmp
import json
from pathlib import Path

import pytest

from loaders import store
from loaders.cli import DEFAULT_BATCH, main

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT.parent / "shared" / "gold" / "seeds.jsonl"


def test_extract_jsonl(seeds_dir, capsys):
    assert main(["extract", str(seeds_dir / "003_3eac2e3a8c32fdd1.txt"), "--jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and {"doc", "text", "start", "end", "value", "unit", "kind", "qualifier", "object",
                     "district", "street", "community", "programme", "status",
                     "evidence"} <= set(rows[0])
    assert any(r["text"] == "3000余人次" and r["value"] == 3000 for r in rows)


def test_build_is_byte_for_byte_the_shipped_data(seeds_dir, tmp_path, capsys):
    assert main(["build", "--seeds", str(seeds_dir), "--data", str(tmp_path)]) == 0
    shipped = ROOT / "data" / "batches" / DEFAULT_BATCH
    built = tmp_path / "batches" / DEFAULT_BATCH
    files = sorted(p.name for p in shipped.iterdir())
    assert files == sorted(p.name for p in built.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(shipped, built, files, shallow=False)
    assert mismatch == [] and errors == []


def test_import_article_then_same_file_again(tmp_path, capsys):
    article = tmp_path / "报道.txt"
    article.write_text("成华区猛追湾街道培华路社区党委书记王怡春\n社区已开展活动20余场，服务居民500余人次。",
                       encoding="utf-8")
    data = tmp_path / "store"
    assert main(["import", str(article), "--data", str(data)]) == 0
    claims = store.load_claims(data)
    assert list(claims.text) == ["20余场", "500余人次"]
    assert set(claims.community) == {"培华路社区"}
    assert main(["import", str(article), "--data", str(data)]) == 0
    assert "已经导入过" in capsys.readouterr().err
    assert len(store.list_batches(data)) == 1


@pytest.mark.parametrize("content,fragment", [
    (b"", "空"),
    (b"\x00\x01\x02binary\x00", "二进制"),
])
def test_bad_input_is_a_chinese_message(tmp_path, capsys, content, fragment):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    data = tmp_path / "store"
    assert main(["import", str(bad), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt" in err and fragment in err and "Traceback" not in err
    assert not (data / "batches").exists() or not list((data / "batches").iterdir())


def test_missing_file(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt" in capsys.readouterr().err


def test_evaluate_exit_code(seeds_dir, capsys):
    if not GOLD.exists():
        pytest.skip("../shared/gold 不存在")
    assert main(["evaluate", "--gold", str(GOLD), "--texts", str(seeds_dir), "--min-f1", "1.01"]) == 1


def test_import_sheet_all_or_nothing(tmp_path, capsys):
    good = tmp_path / "季度.csv"
    good.write_text("区县,街道,社区,指标,数量,单位,年份\n"
                    "成华区,猛追湾街道,培华路社区,志愿服务,3000余,人次,2025\n"
                    "锦江区,东湖街道,东怡社区,活动,24,场,2025\n", encoding="utf-8")
    bad = tmp_path / "有错.csv"
    bad.write_text("区县,街道,社区,指标,数量,单位\n"
                   "成华区,猛追湾街道,培华路社区,活动,很多,场\n"
                   "锦江区,东湖街道,东怡社区,活动,12,场\n", encoding="utf-8")
    data = tmp_path / "store"
    assert main(["import", str(good), "--data", str(data)]) == 0
    claims = store.load_claims(data)
    assert sorted(claims.value) == [24, 3000] and set(claims.source_type) == {"sheet"}
    assert main(["import", str(bad), "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "第2行" in err and "数量" in err
    assert len(store.list_batches(data)) == 1            # nothing half-written
    assert main(["import", str(bad), "--data", str(data), "--valid-only"]) == 0
    assert len(store.load_claims(data)) == 3


def test_import_refuses_a_sheet_with_no_valid_row_even_with_valid_only(tmp_path, capsys):
    from tests.test_sheets import HEADERS, row_with, xlsx_bytes
    path = tmp_path / "全错.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, row_with(数量="abc")]))
    data = tmp_path / "store"
    assert main(["import", str(path), "--data", str(data), "--valid-only"]) == 2
    assert "没有可以导入的行" in capsys.readouterr().err
    assert store.list_batches(data).empty


@pytest.mark.parametrize("name, hint", [("宏.xlsm", "另存为"), ("旧.xls", "旧版 Excel"),
                                        ("表.ods", "另存为")])
def test_import_explains_other_spreadsheet_formats(tmp_path, capsys, name, hint):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    assert main(["import", str(path), "--data", str(tmp_path / "store")]) == 2
    assert hint in capsys.readouterr().err


def test_import_says_plainly_that_it_is_for_administrators(tmp_path, capsys):
    from loaders.cli import main, parser
    helps = parser()._subparsers._group_actions[0].choices["import"].format_help()
    assert "供管理员使用" in helps and "administrators" in parser().format_help()
    path = tmp_path / "a.txt"
    path.write_text("锦江区东湖街道东怡社区服务居民3000余人次。", encoding="utf-8")
    assert main(["import", str(path), "--data", str(tmp_path / "store"), "--uploader", "某人"]) == 0
    err = capsys.readouterr().err
    assert "供管理员使用" in err and "不检查账号和区县权限" in err
