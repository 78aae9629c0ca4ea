"""合计 / 小计 / 总计 rows: told apart from the detail rows (they are not a community), left
out of the import, and checked against the sum of the detail rows they stand for."""
from __future__ import annotations

import re

from ..textnorm import fold_chars
from .cells import NOTE

_TOTAL = re.compile(r"^(?:[\u4e00-\u9fff（）()]{0,12}?)(合计|小计|总计|总合计|汇总|共计|总数)$|^(合计|小计|总计|汇总|共计)")


def total_kind(text: str) -> str | None:
    """"小计" for a subtotal, "合计" for a grand total (合计, 总计, 汇总, 共计, "天彭街道合计"),
    None for any other text."""
    if not text:
        return None
    t = re.sub(r"\s+", "", fold_chars(text))
    m = _TOTAL.match(t)
    if not m:
        return None
    return "小计" if (m.group(1) or m.group(2)) == "小计" else "合计"


def _fmt(value: float, q) -> str:
    if q.unit == "yuan" and "万" in q.text:
        return f"{value / 1e4:,.4g}万元"
    return f"{value:,.6g}{q.measure or ''}"


class Totals:
    """Collects the detail values per quantity column as rows are read, and checks each total
    row against the detail rows it covers: a 小计 the rows since the previous 小计, a 合计 all."""

    def __init__(self):
        self.details: list[tuple] = []                 # (header, quantity) of each detail cell
        self.since: dict[str, int] = {}                # header → index after the last 小计
        self.bad_rows = 0                              # detail rows left out by an error

    def check(self, row: int, kind: str, header: str, q, text: str) -> tuple:
        """The problem tuple (行, 列, 值, 问题, 建议, 级别) for one total cell."""
        start = self.since.get(header, 0) if kind == "小计" else 0
        covered = [(d.value, d.qualifier == "exact") for h, d in self.details[start:]
                   if h == header and d.unit == q.unit]
        if kind == "小计":
            self.since[header] = len(self.details)
        total = sum(v for v, _ in covered)
        exact = q.qualifier == "exact" and all(e for _, e in covered)
        tolerance = 1e-6 * max(1.0, abs(q.value)) if exact else 0.02 * abs(q.value)
        what = "小计" if kind == "小计" else "合计"
        rows_word = "上一个小计以来的明细行" if kind == "小计" and start else "明细行"
        if covered and abs(total - q.value) <= tolerance:
            return (row, header, text, f"{what}行，不作为数据导入（与{rows_word}之和一致）",
                    "看板会按明细行自动相加，无需处理。", NOTE)
        left_out = f"（另有 {self.bad_rows} 行因错误未计入）" if self.bad_rows else ""
        return (row, header, text,
                f"{what}行与{rows_word}之和不一致：{what} {text}，明细相加为 {_fmt(total, q)}{left_out}",
                f"请核对{what}或明细是否填错；{what}行本身不导入，看板按明细行相加。", NOTE)
