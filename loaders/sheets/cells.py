"""What every part of loaders.sheets shares: the fields a column can map to, the problem
table's columns and levels, and how a cell reads as text."""
from __future__ import annotations

import contextlib
import gc
import re
from datetime import date, datetime
from decimal import Decimal

FIELDS = ("community", "street", "district", "value", "unit", "object", "programme", "status",
          "period", "evidence")
FIELD_LABELS = {"community": "社区", "street": "街道", "district": "区县", "value": "数量",
                "unit": "单位", "object": "指标", "programme": "项目类型", "status": "状态",
                "period": "年份", "evidence": "备注"}
PROBLEM_COLUMNS = ("行", "列", "值", "问题", "建议", "级别")
ERROR, NOTE = "错误", "提醒"          # 错误: the row is not imported; 提醒: imported, worth a look
# Sheets of the template (loaders/template.py) that hold no data.
SKIP_SHEETS = ("说明", "填写说明", "选项")
# The template's example row carries this in its 备注 cell and is skipped on import.
EXAMPLE_MARK = "示例行"
HEADER_SCAN_ROWS = 10

_STATUS = {"achieved": "achieved", "已完成": "achieved", "完成": "achieved", "已实现": "achieved",
           "已": "achieved", "实际": "achieved", "已达成": "achieved",
           "planned": "planned", "计划": "planned", "计划中": "planned", "拟": "planned",
           "规划": "planned", "预计": "planned", "目标": "planned", "未完成": "planned",
           "进行中": "planned", "计划完成": "planned"}
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


@contextlib.contextmanager
def _no_gc():
    """Pause the cycle collector: building 100 000 row tuples sets it off again and again, each
    time walking every object alive (a fifth of the time of a large import), and no cycles are
    made here. It runs as usual again at the end."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:   # NaN
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(Decimal(repr(v)).normalize(), "f")
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


class _Memo(dict):
    """memo[key] is fn(key), computed once: a sheet repeats its names and labels."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        out = self[key] = self.fn(key)
        return out
