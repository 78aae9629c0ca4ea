"""One import, from checked rows to a stored batch, shared by `python -m loaders import` and the
upload page: batch ids and manifests, "this file is already stored", an organiser's districts, and
the commit itself (loaders.store writes it atomically)."""
from __future__ import annotations

import dataclasses

import os
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from .errors import LoaderError
from .places import Gazetteer
from .sheets import ERROR, PROBLEM_COLUMNS, Sheet, Validation, sheet_tables
from .store import (ContentExistsError, batch_districts, commit_batch, find_sha256, list_batches,
                    restore_batch, store_lock)

ALL_DISTRICTS = None   # an uploader's `districts` when they may write anywhere


def new_batch_id(sha256: str, now: datetime | None = None) -> tuple[str, str]:
    """(batch id, ISO time): the time to the microsecond and the file's hash, so two uploads in
    the same second get different ids, and the same file uploaded twice at once collides (and
    the store refuses the second)."""
    now = (now or datetime.now(timezone.utc)).astimezone()
    return f"{now:%Y%m%dT%H%M%S%f}-{sha256[:8]}", now.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Imported:
    """Where a file's content is already stored."""
    batch_id: str
    file: str
    time: str
    uploader: str


def find_imported(sha256: str, root=None) -> Imported | None:
    """The stored batch that already holds a file with this content (by sha256), if any."""
    hit = find_sha256(sha256, root)
    return None if hit is None else Imported(**hit)


class AlreadyImportedError(Exception):
    def __init__(self, imported: Imported):
        self.imported = imported
        super().__init__(f"同样内容的文件已经导入过（{imported.time[:16].replace('T', ' ')} 由 "
                         f"{imported.uploader or '（未知）'} 导入为批次 {imported.batch_id}，文件 "
                         f"{imported.file}），这次没有写入任何数据。")


def import_lock(root=None):
    """One import at a time per store, held from the "already stored?" check to the commit, so
    the same file sent twice at the same moment is stored once (loaders.store.store_lock: released
    when the holder dies, so a killed import never leaves the store locked)."""
    return store_lock(root)


def _commit_new(sha256: str, batch_id: str, tables: dict, manifest: dict, root) -> None:
    with import_lock(root):
        try:
            commit_batch(batch_id, tables, manifest, root, unique_sha256=sha256)
        except ContentExistsError as err:
            raise AlreadyImportedError(Imported(**err.found)) from None


def outside_districts(frame: pd.DataFrame, districts) -> pd.Series:
    """Rows an uploader limited to `districts` may not write: another district, or none named."""
    if districts is ALL_DISTRICTS:
        return pd.Series(False, index=frame.index)
    return ~frame["district"].isin(list(districts)).fillna(False).astype(bool)


def community_districts(*frames: pd.DataFrame | None) -> dict[str, set[str]]:
    """Community → the districts where these tables (the store's places, a file's own extraction)
    put it."""
    out: dict[str, set[str]] = {}
    for frame in frames:
        if frame is None or not len(frame) or not {"community", "district"} <= set(frame.columns):
            continue
        pairs = frame[["community", "district"]].astype("object").dropna().drop_duplicates()
        for community, district in pairs.itertuples(index=False):
            out.setdefault(community, set()).add(district)
    return out


def place_problems(frame: pd.DataFrame, districts, communities: dict[str, set[str]] | None = None
                   ) -> dict[int, str]:
    """Row label → why an uploader limited to `districts` may not write that row: its district is
    not theirs (or missing), or its street (by the gazetteer) or community (where the store or the
    file itself puts it) lies only in other districts; changing the district alone does not move
    a place. A street or community known nowhere is new and passes."""
    if districts is ALL_DISTRICTS:
        return {}
    mine, names = set(districts), "、".join(districts) or "（无）"
    streets = Gazetteer.load().street_districts
    out = {}
    for i, row in zip(frame.index, frame.to_dict("records")):
        district, street, community = (row.get(c) for c in ("district", "street", "community"))
        if district not in mine:
            out[i] = (f"的区县“{district or '（空）'}”不是你负责的区（市）县（{names}）" if district
                      else "没有区县，无法确认属于你负责的区（市）县")
        elif isinstance(street, str) and street in streets and not mine & set(streets[street]):
            out[i] = (f"的街道（镇）“{street}”属于{'、'.join(streets[street])}，不是你负责的区（市）县"
                      f"（{names}）")
        elif (isinstance(community, str) and community in (communities or {})
              and not mine & communities[community]):
            out[i] = (f"的社区“{community}”在原文或已有数据中属于{'、'.join(sorted(communities[community]))}"
                      f"，不是你负责的区（市）县（{names}）")
    return out


def restrict_to_districts(result: Validation, districts, known: pd.DataFrame | None = None
                          ) -> Validation:
    """Turn the valid rows outside the uploader's districts into errors (the row stays out): by
    district, and by street or community lying only in other districts (see place_problems;
    `known` holds the store's places)."""
    claims = result.valid_claims
    held, duplicates = result.held, result.duplicates
    communities = community_districts(known)
    if held is not None and len(held):   # repeats held for the user's choice: limited the same way
        held_places = place_problems(held, districts, communities)
        if held_places:
            out = held.index.isin(list(held_places))
            duplicates = duplicates[~duplicates["claim_id"].isin(set(held.loc[out, "claim_id"]))
                                    ].reset_index(drop=True)
            claims = pd.concat([claims, held[out]], ignore_index=True)
            held = held[~out].reset_index(drop=True)
    places = place_problems(claims, districts, communities)
    if not places:
        return result
    outside = claims.index.isin(list(places))
    names = "、".join(districts) or "（无）"
    rows = []
    for i in places:
        district, street, community = (claims.at[i, c] for c in ("district", "street", "community"))
        column, value = (("区县", district) if district not in districts or not district
                         else ("街道", street) if "街道（镇）" in places[i] else ("社区", community))
        problem = ("这一行没有区县，无法确认属于你负责的区（市）县" if not isinstance(district, str)
                   else "这一行不属于你负责的区（市）县，不能由你导入" if district not in districts
                   else "这一行" + places[i].removeprefix("的") + "，不能由你导入")
        rows.append((int(claims.at[i, "row"]), column, value if isinstance(value, str) else "",
                     problem, f"你可以导入的区（市）县：{names}。请删去这一行，或请该区县的组织者导入。",
                     ERROR))
    extra = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    problems = (pd.concat([result.problems, extra], ignore_index=True)
                .sort_values("行", kind="stable").reset_index(drop=True))
    return dataclasses.replace(result, valid_claims=claims[~outside].reset_index(drop=True),
                               problems=problems, held=held, duplicates=duplicates)


def error_rows(result: Validation) -> int:
    return int(result.errors["行"].nunique())


def commit_sheet(sheet: Sheet, result: Validation, uploader: str, root=None,
                 now: datetime | None = None) -> dict:
    """Store the valid rows of a checked sheet as one batch; return its manifest. A sheet with
    no valid row is refused (an empty batch would only clutter the history)."""
    if not len(result.valid_claims):
        raise LoaderError(f"“{sheet.name}”没有可以导入的行（共 {result.rows_read} 行，"
                          f"{error_rows(result)} 行有错误）；请按问题清单改好后重新导入。",
                          path=sheet.name)
    batch_id, time = new_batch_id(sheet.sha256, now)
    manifest = {"kind": "sheet", "file": sheet.name, "sha256": sheet.sha256, "uploader": uploader,
                "time": time, "status": "committed", "rows_read": result.rows_read,
                "rows_rejected": error_rows(result)}
    if result.replaces:   # stored figures this import replaces (the user's choice)
        manifest["replaces"] = list(result.replaces)
    tables = sheet_tables(sheet, result, batch_id)
    _commit_new(sheet.sha256, batch_id, tables, manifest, root)
    return {**manifest, "batch_id": batch_id, "rows": {k: len(v) for k, v in tables.items()}}


def commit_article(name: str, sha256: str, tables: dict[str, pd.DataFrame], uploader: str,
                   root=None, now: datetime | None = None, source: dict | None = None) -> dict:
    """Store an article's reviewed tables (see loaders.pipeline.tables_of) as one batch.
    `source` (a web page's title, site, date and url; pasted text's source) goes in the
    manifest, and the dashboard shows it with the claims."""
    if not any(len(tables.get(t, ())) for t in ("claims", "communities", "initiatives")):
        raise LoaderError(f"“{name}”里没有可以导入的数字、社区或特色项目，没有导入；"
                          "请确认文章内容，或改用表格上传（an empty batch would only block a later "
                          "upload of the same file）。", path=name)
    batch_id, time = new_batch_id(sha256, now)
    manifest = {"kind": "article", "file": name, "sha256": sha256, "uploader": uploader,
                "time": time, "status": "committed"}
    if source:
        manifest["source"] = {k: str(v) for k, v in source.items() if v}
    _commit_new(sha256, batch_id, tables, manifest, root)
    return {**manifest, "batch_id": batch_id, "rows": {k: len(v) for k, v in tables.items()}}


def may_undo(batch_id: str, districts, root=None) -> bool:
    """An organiser may undo a batch that writes only to their districts (the shipped default
    data is an admin's, since it spans the city)."""
    if districts is ALL_DISTRICTS:
        return True
    return batch_districts(batch_id, root) <= set(districts)


def undone_districts(folder: str, root=None) -> set[str]:
    """The districts an undone batch would write again if restored."""
    return batch_districts(folder, root, undone=True)


def may_restore(folder: str, districts, root=None) -> bool:
    return districts is ALL_DISTRICTS or undone_districts(folder, root) <= set(districts)


def restore(folder: str, root=None) -> dict:
    """Put an undone batch back, unless a file with the same content was imported since."""
    with import_lock(root):
        undone = list_batches(root, undone=True)
        manifest = undone[undone["folder"] == folder].iloc[0].to_dict()
        imported = find_imported(manifest.get("sha256", ""), root)
        if imported is not None:
            raise AlreadyImportedError(imported)
        try:
            restore_batch(folder, root)
        except ContentExistsError as err:   # the database's unique index on live content
            raise AlreadyImportedError(Imported(**err.found)) from None
    return manifest


def history(root=None, undone: bool = False) -> pd.DataFrame:
    """The stored (or undone) batches, newest first, with Chinese column names."""
    batches = list_batches(root, undone=undone)
    if not len(batches):
        return pd.DataFrame(columns=["批次", "类型", "文件", "导入人", "时间", "数据条数"]
                            + (["文件夹"] if undone else []))
    kinds = {"sheet": "表格", "article": "文章", "default": "默认数据"}
    rows = batches.get("rows", pd.Series([{}] * len(batches)))
    return pd.DataFrame({
        "批次": batches["batch_id"],
        "类型": batches.get("kind", pd.Series("", index=batches.index)).map(kinds).fillna("其他"),
        "文件": batches.get("file", ""),
        "导入人": batches.get("uploader", ""),
        "时间": batches.get("time", pd.Series("", index=batches.index)).fillna("").astype(str)
                 .str.slice(0, 16).str.replace("T", " "),
        "数据条数": [int((r or {}).get("claims", 0)) if isinstance(r, dict) else 0 for r in rows],
        **({"文件夹": batches["folder"]} if undone else {}),
    }).fillna("").iloc[::-1].reset_index(drop=True)


def max_upload_bytes() -> int:
    """The upload size limit: $DASHBOARD_MAX_UPLOAD_MB megabytes (default 20)."""
    return int(float(os.environ.get("DASHBOARD_MAX_UPLOAD_MB") or 20) * 1024 * 1024)


def max_upload_rows() -> int:
    """The row limit of one spreadsheet: $DASHBOARD_MAX_ROWS (default 200 000)."""
    return int(os.environ.get("DASHBOARD_MAX_ROWS") or 200_000)


# ---------------------------------------------------------------------------------------------
# Reviewing an article's extraction before it is committed

REVIEW_CLAIM_COLUMNS = ("keep", "reading", "object", "district", "street", "community",
                        "place_note", "programme", "status", "evidence")


def claims_for_review(claims: pd.DataFrame, districts=ALL_DISTRICTS) -> pd.DataFrame:
    """The extracted claims as the review table: `keep` ticked (unless outside the uploader's
    districts), `reading` the figure as written (editable: it is read again on commit)."""
    out = claims.assign(keep=~outside_districts(claims, districts).to_numpy(),
                        reading=claims["text"].str.replace("\n", "", regex=False))
    return out[list(REVIEW_CLAIM_COLUMNS)].reset_index(drop=True)


def apply_claim_review(claims: pd.DataFrame, reviewed: pd.DataFrame,
                       districts=ALL_DISTRICTS, known: pd.DataFrame | None = None
                       ) -> tuple[pd.DataFrame, list[str]]:
    """The claims to commit after review: the ticked rows, with the organiser's corrections.
    A corrected reading ("3500余人次") is parsed by the same quantity parser as articles and sheet
    cells; `text` stays the span of the source, so the figure still points at its sentence.
    Every place field is checked against the uploader's districts (see place_problems; `known`
    holds the store's places). Returns (claims, problems); problems name the row (as numbered in
    the review table)."""
    from .quantities import parse_quantity

    problems: list[str] = []
    rows = claims.reset_index(drop=True).copy()
    reviewed = reviewed.reset_index(drop=True)
    keep = reviewed["keep"].fillna(False).astype(bool)
    before = rows[["district", "street", "community"]].astype(object)
    for col in ("object", "district", "street", "community", "programme", "status"):
        rows[col] = reviewed[col].where(reviewed[col].notna() & (reviewed[col] != ""), None)
    _mark_corrected_places(rows, before)
    for i in keep[keep].index:
        reading = str(reviewed.at[i, "reading"] or "").strip()
        original = str(claims["text"].iloc[i]).replace("\n", "")
        if reading == original:
            continue
        q = parse_quantity(reading, object_hint=str(rows.at[i, "object"] or ""))
        if q is None or q.unit is None:
            problems.append(f"第 {i + 1} 行：“{reading}”读不出数字和单位，请写成“3000余人次”"
                            "“50万元”这样的形式，或取消勾选这一行。")
            continue
        rows.loc[i, ["value", "unit", "kind", "qualifier"]] = [q.value, q.unit, q.kind,
                                                               q.qualifier]
    _reclassify(rows, claims.reset_index(drop=True))
    for i in keep[keep].index:
        if not rows.at[i, "programme"]:
            problems.append(f"第 {i + 1} 行没有项目类型，请选择一个。")
        if not rows.at[i, "status"]:
            problems.append(f"第 {i + 1} 行没有状态（已实现/计划），请选择一个。")
    kept = rows[keep.to_numpy()]
    places = place_problems(kept, districts, community_districts(known, claims))
    problems += [f"第 {i + 1} 行{why}，请改正或取消勾选；确属你负责的地方请联系管理员。"
                 for i, why in places.items()]
    return kept.reset_index(drop=True), problems


def _reclassify(rows: pd.DataFrame, before: pd.DataFrame) -> None:
    """A corrected unit or object can change what a figure measures: its indicator is read again
    from its sentence (loaders.indicators)."""
    from .indicators import assign_indicators

    changed = ((rows["unit"].astype(object) != before["unit"].astype(object))
               | (rows["object"].fillna("").astype(object) != before["object"].fillna("").astype(object)))
    if not changed.any():
        return
    part = rows[changed.to_numpy()].astype(object).where(rows[changed.to_numpy()].notna(), None)
    records = part.to_dict("records")
    assign_indicators(records)
    rows.loc[part.index, "indicator"] = [r["indicator"] for r in records]
    rows.loc[part.index, "per"] = [r["per"] for r in records]


def _mark_corrected_places(rows: pd.DataFrame, before: pd.DataFrame) -> None:
    """A place the organiser changed in review is what they checked: it says so."""
    after = rows[["district", "street", "community"]].astype(object)
    changed = ~(after.fillna("\0") == before.fillna("\0")).all(axis=1)
    if not changed.any() or "place_rule" not in rows:
        return
    for i in changed[changed].index:
        unit = "".join(str(v) for v in after.loc[i] if isinstance(v, str)) or "全市（不归属区县）"
        rows.loc[i, ["place_rule", "place_confidence", "place_note"]] = [
            "corrected", "high", f"上传者核对时改为{unit}"]


def apply_keep(frame: pd.DataFrame, reviewed: pd.DataFrame, columns, what: str,
               districts=ALL_DISTRICTS, known: pd.DataFrame | None = None
               ) -> tuple[pd.DataFrame, list[str]]:
    """Communities or initiatives after review: the ticked rows, with the edited columns; every
    place field checked against the uploader's districts, as for claims."""
    out = frame.reset_index(drop=True).copy()
    reviewed = reviewed.reset_index(drop=True)
    for col in columns:
        out[col] = reviewed[col].where(reviewed[col].notna() & (reviewed[col] != ""), None)
    kept = out[reviewed["keep"].fillna(False).astype(bool).to_numpy()]
    places = place_problems(kept, districts, community_districts(known, frame))
    problems = [f"{what}第 {i + 1} 行{why}，请改正或取消勾选；确属你负责的地方请联系管理员。"
                for i, why in places.items()]
    return kept.reset_index(drop=True), problems
