"""The `python -m loaders` command line: extract, evaluate, build, import, export."""
from __future__ import annotations

import argparse
import dataclasses
import errno
import hashlib
import json
import shutil
import sys
from pathlib import Path

from .errors import LoaderError
from .evaluate import format_report, load_gold, score
from .pipeline import extract_document, extract_file, tables_of
from .readers import ARTICLE_SUFFIXES, read_document, read_link, read_pasted
from .imports import (AlreadyImportedError, commit_article, commit_sheet, error_rows,
                      max_upload_bytes, max_upload_rows)
from .sheets import SHEET_COLUMN, SHEET_SUFFIXES, combine, guess_mapping, read_sheets, validate
from .sheets.stored import stored_facts
from .store import (commit_batch, compact, copy_store, is_database, list_batches,
                    store_root, undo_batch)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_BATCH = "default-seeds"
# The shipped data carries a fixed time so that `build` gives the same bytes on every machine.
DEFAULT_TIME = "2026-01-01T00:00:00+08:00"

# The command line writes to the store directly, with the rights of whoever can run it there.
ADMIN_NOTE = ("注意：命令行导入供管理员使用，可以写入任何区县的数据，不检查账号和区县权限；"
              "--uploader 只是记录在批次里的名字。组织者请在看板的「数据上传」页登录后导入。")

CLAIM_FIELDS = ("doc", "text", "start", "end", "value", "unit", "kind", "qualifier", "object",
                "district", "street", "community", "programme", "status", "period", "evidence")


def _articles(paths: list[str]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in ARTICLE_SUFFIXES + SHEET_SUFFIXES)
        else:
            out.append(p)
    return out


def cmd_extract(args) -> int:
    for path in _articles(args.files):
        _, ex = extract_file(path)
        for c in ex.claims:
            row = {k: c[k] for k in CLAIM_FIELDS}
            if args.jsonl:
                print(json.dumps(row, ensure_ascii=False))
            else:
                where = c["community"] or c["street"] or c["district"] or "（全市）"
                print(f"{c['doc']}\t{c['text']}\t{c['value']:g} {c['unit']}\t{c['qualifier']}\t"
                      f"{where}\t{c['programme']}\t{c['status']}")
    return 0


def cmd_evaluate(args) -> int:
    gold = load_gold(args.gold)
    pred = []
    for path in _articles([args.texts]):
        _, ex = extract_file(path)
        pred += ex.claims
    result = score(gold, pred)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "errors"}, ensure_ascii=False))
    else:
        print(format_report(result))
    if result["f1"] < args.min_f1:
        print(f"F1 {result['f1']:.3f} 低于要求的 {args.min_f1}", file=sys.stderr)
        return 1
    return 0


def _commit_articles(paths: list[Path], batch_id: str, manifest: dict, root) -> dict:
    items = [extract_file(p, batch_id) for p in paths]
    tables = tables_of(items, batch_id)
    commit_batch(batch_id, tables, manifest, root)
    return {k: len(v) for k, v in tables.items()}


def cmd_build(args) -> int:
    root = store_root(args.data)
    seeds = Path(args.seeds)
    paths = _articles([str(seeds)])
    if not paths:
        raise LoaderError("没有找到可导入的文章（.txt/.docx/.pdf），请检查 --seeds 目录", path=str(seeds))
    digest = hashlib.sha256("".join(hashlib.sha256(p.read_bytes()).hexdigest()
                                    for p in paths).encode()).hexdigest()
    # The default batch is the build's own output: replace it whole (in a database, the old one
    # is undone, as every batch there: kept, never deleted).
    if not is_database(root):
        shutil.rmtree(root / "batches" / DEFAULT_BATCH, ignore_errors=True)
    elif DEFAULT_BATCH in set(list_batches(root).get("batch_id", [])):
        undo_batch(DEFAULT_BATCH, root)
    counts = _commit_articles(paths, DEFAULT_BATCH, {
        "kind": "default", "file": "shared/seeds", "sha256": digest, "uploader": "build",
        "time": DEFAULT_TIME, "status": "committed"}, root)
    where = f"批次 {DEFAULT_BATCH}" if is_database(root) else root / "batches" / DEFAULT_BATCH
    print(f"已生成默认数据 {where}：" +
          "，".join(f"{k} {v} 行" for k, v in counts.items()))
    return 0


def _import_sheet(path: Path, args, root, known) -> int:
    """Validate a spreadsheet like the upload page does; commit its valid rows as one batch."""
    sheets = read_sheets(path, max_bytes=args.max_bytes, max_rows=args.max_rows)
    results = [validate(s, guess_mapping(s.headers), known=known) for s in sheets]
    sheet = sheets[0] if len(sheets) == 1 else dataclasses.replace(
        sheets[0], sheet_name="、".join(s.sheet_name for s in sheets))
    result = combine(sheets, results)
    for p in result.problems.to_dict("records"):
        where = f"工作表“{p[SHEET_COLUMN]}”" if SHEET_COLUMN in p else ""
        print(f"{path.name} {where}第{p['行']}行 {p['列']}「{p['值']}」：{p['问题']}（{p['建议']}）"
              f"[{p['级别']}]", file=sys.stderr)
    bad_rows = error_rows(result)
    if bad_rows and not args.valid_only:
        print(f"{path}：有 {bad_rows} 行有错误，未写入；改正后重新导入，"
              f"或加 --valid-only 只导入没有错误的行", file=sys.stderr)
        return 1
    manifest = commit_sheet(sheet, result, args.uploader, root)
    print(f"{path}：已导入为批次 {manifest['batch_id']}（{len(result.valid_claims)} 条数据）")
    return 0


class PageBar:
    """A progress bar on stderr, one step per OCR'd page (shown once there are pages to OCR)."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=f"识别 {self.label}", unit="页", file=sys.stderr,
                            leave=False, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _read_article(item: str, args):
    """A file, a web address (http…) or "-" (pasted text on standard input)."""
    if item == "-":
        return read_pasted(sys.stdin.read(), args.title or "", args.source or "", args.max_bytes)
    if item.startswith(("http://", "https://")):
        return read_link(item, args.max_bytes)
    bar = PageBar(Path(item).name)
    try:
        return read_document(item, max_bytes=args.max_bytes, progress=bar)
    finally:
        bar.close()


def _import_article(item: str, args, root) -> int:
    doc = _read_article(item, args)   # a bad file fails before any write
    tables = tables_of([(doc, extract_document(doc))], "")
    if not len(tables["claims"]):   # an empty batch would only block this file later
        raise LoaderError("文章里没有识别出任何数字，没有导入。请确认文章写有“服务居民3000余人次”"
                          "这样的数字；只有名单或图片的材料请改用表格上传。", path=str(item))
    manifest = commit_article(doc.name, doc.sha256, tables, args.uploader, root,
                              source=doc.meta)
    print(f"{item}：已导入为批次 {manifest['batch_id']}（" +
          "，".join(f"{k} {v} 行" for k, v in manifest["rows"].items()) + "）")
    return 0


def cmd_import(args) -> int:
    """The upload page's checks and commit, file by file: each file is one batch or nothing."""
    print(ADMIN_NOTE, file=sys.stderr)
    root = store_root(args.data)
    code = 0
    links = {f for f in args.files if f == "-" or f.startswith(("http://", "https://"))}
    items = [x for f in args.files for x in ([f] if f in links else map(str, _articles([f])))]
    for item in items:
        suffix = Path(item).suffix.lower()
        try:
            if item in links or suffix in ARTICLE_SUFFIXES:
                code = max(code, _import_article(item, args, root))
            else:   # sheets, and the reader's hints for the rest
                # the duplicate check sees the batches committed before this file
                code = max(code, _import_sheet(Path(item), args, root, stored_facts(root)))
        except AlreadyImportedError as err:
            print(f"{item}：{err}", file=sys.stderr)
        except KeyboardInterrupt:
            print(f"{item}：已取消，这个文件没有写入任何数据。", file=sys.stderr)
            return 130
    return code


def cmd_compact(args) -> int:
    """Pack the small batches' files into larger ones (the dashboard also does it by itself)."""
    root = store_root(args.data)
    n = compact(root)
    print(f"已合并 {n} 个小批次的文件（批次、撤销和恢复不变）" if n else "没有需要合并的小批次")
    return 0


def cmd_export(args) -> int:
    """The live batches, from either store, as a folder of Parquet files (the folder store's
    layout, for DuckDB, Spark or Trino), or into a database (moving a folder store there)."""
    out = args.parquet or args.database
    try:
        ids = copy_store(out, args.data)
    except FileExistsError:
        raise LoaderError("这里已有数据，没有导出；请换一个空文件夹（或空数据库）。",
                          path=str(out) if args.parquet else "数据库") from None
    print(f"已导出 {len(ids)} 个批次到 " + (str(out) if args.parquet else "数据库"))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m loaders", description="社区治理数据看板：文章与表格导入")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract", help="print the claims of articles; writes nothing")
    e.add_argument("files", nargs="+")
    e.add_argument("--jsonl", action="store_true", help="one JSON object per claim")
    e.set_defaults(func=cmd_extract)
    v = sub.add_parser("evaluate", help="score extraction against gold claims")
    v.add_argument("--gold", default=str(REPO.parent / "shared" / "gold" / "seeds.jsonl"))
    v.add_argument("--texts", default=str(DEFAULT_SEEDS))
    v.add_argument("--min-f1", type=float, default=0.0)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_evaluate)
    b = sub.add_parser("build", help="rebuild the shipped default data from the seed articles")
    b.add_argument("--seeds", default=str(DEFAULT_SEEDS))
    b.add_argument("--data", default=None, help="store folder (default: data/)")
    b.set_defaults(func=cmd_build)
    c = sub.add_parser("compact", help="pack small batches' files into larger ones (batches, "
                                       "undo and restore unchanged)")
    c.add_argument("--data", default=None)
    c.set_defaults(func=cmd_compact)
    i = sub.add_parser("import", help="import files (or http(s) links, or - for text on stdin) "
                                      "as new batches (for administrators: no account or district "
                                      "check)", description=ADMIN_NOTE)
    i.add_argument("files", nargs="+")
    i.add_argument("--title", default="", help="title of the text given on stdin (-)")
    i.add_argument("--source", default="", help="source of the text given on stdin (-)")
    i.add_argument("--data", default=None)
    i.add_argument("--uploader", default="命令行",
                   help="the name recorded as the batches' uploader; not an account, grants nothing")
    i.add_argument("--valid-only", action="store_true", help="import only the rows without errors")
    i.add_argument("--max-rows", type=int, default=max_upload_rows(),
                   help="row limit of one sheet (default $DASHBOARD_MAX_ROWS or 200000)")
    i.add_argument("--max-bytes", type=int, default=max_upload_bytes(),
                   help="size limit of one file (default $DASHBOARD_MAX_UPLOAD_MB MB or 20 MB)")
    i.set_defaults(func=cmd_import)
    x = sub.add_parser("export", help="write the store's live batches as Parquet files "
                                      "(batches/<id>/<table>.parquet) or into a database, "
                                      "from either store")
    to = x.add_mutually_exclusive_group(required=True)
    to.add_argument("--parquet", help="an empty (or new) folder to write")
    to.add_argument("--database", help="an empty database to write (postgresql+psycopg://…)")
    x.add_argument("--data", default=None, help="the store to read (a folder or a database URL; "
                                                "default: as the app chooses)")
    x.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except LoaderError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except OSError as err:   # anything the store could not write; no traceback for the user
        full = err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        print("错误：" + ("磁盘空间不足，" if full else f"读写文件失败（{err.strerror or err}），")
              + "这次没有写入任何数据，已有的数据没有受影响；请" + ("清理磁盘空间" if full else
              "检查磁盘空间和文件夹权限") + "后重试。", file=sys.stderr)
        return 2
