"""The checks of one cell or a few cells of a row (places, quantity and unit, programme,
status, year), each computed once per distinct input in a sheet."""
from __future__ import annotations

import difflib
import hashlib
from datetime import date, datetime
from functools import lru_cache

import pandas as pd
import yaml

from ..places import Gazetteer
from ..programmes import classify_programme, programme_labels
from ..quantities import DATA as QUANTITY_DATA
from ..quantities import Quantity, object_dependent_measures, parse_quantity
from ..textnorm import fold_chars
from .cells import _PLAIN_NUMBER, _STATUS, _YEAR, ERROR, NOTE, _blank, _cell_text, _Memo

# A row with places and nothing in its 数量 cell (nor a number in any other column).
EMPTY_VALUE_ADVICE = "请填写数量，如 650、50万元、3000余人次；这一行如确实没有数据，可以删除。"


class _Places:
    """Name checks against the gazetteer plus the places already in the store."""

    def __init__(self, known: pd.DataFrame | None):
        g = Gazetteer.load()
        self.g = g
        self.district_of: dict[str, str] = dict(g.district_alias)
        for d in g.districts:   # "锦江" in a 区县 column is unambiguous there
            short = d[:-1] if d[-1] in "区县市" and len(d) > 2 else None
            if short and short not in self.district_of:
                self.district_of[short] = d
        self.district_names = sorted(set(g.districts) | set(self._col(known, "district")))
        self.streets = dict(g.street_districts)
        for street, district in self._pairs(known, "street", "district"):
            if street not in self.streets and district:
                self.streets[street] = (district,)
        self.communities: dict[str, set] = {}
        for community, street in self._pairs(known, "community", "street"):
            self.communities.setdefault(community, set()).add(street)
        # where each known community is: suggestions look in the row's street, then its district
        self.in_street: dict[str, set] = {}
        self.in_district: dict[str, set] = {}
        if known is not None and "community" in known and "district" in known:
            for c, st, d in known[["community", "street", "district"]].astype(object) \
                    .dropna(subset=["community"]).drop_duplicates().itertuples(index=False):
                if isinstance(st, str) and st:
                    self.in_street.setdefault(st, set()).add(c)
                if isinstance(d, str) and d:
                    self.in_district.setdefault(d, set()).add(c)

    def similar_communities(self, community: str, district, street) -> list[str]:
        """Known communities with a name like `community`: those of the row's street first, then
        of its district, then anywhere (培华路社区 in 成华区 is not offered one in 彭州市 while
        its own district has a close name)."""
        for pool in (self.in_street.get(street) if street else None,
                     self.in_district.get(district) if district else None, self.communities):
            close = _nearest(community, pool) if pool else []
            if close:
                return close
        return []

    @staticmethod
    def _col(frame, name):
        if frame is None or name not in frame:
            return []
        return [v for v in frame[name].dropna().unique() if str(v).strip()]

    @staticmethod
    def _pairs(frame, a, b):
        if frame is None or a not in frame:
            return []
        sub = frame[[a, b]].dropna(subset=[a]).drop_duplicates()
        return [(x, None if pd.isna(y) else y) for x, y in sub.itertuples(index=False)]

    def district(self, text: str) -> str | None:
        t = text.removeprefix("四川省").removeprefix("成都市")
        return self.district_of.get(t) or (t if t in self.district_names else None)

    def street(self, text: str) -> str | None:
        if text in self.streets:
            return text
        hits = [text + s for s in ("街道", "镇", "乡") if text + s in self.streets]
        if not hits and text.endswith("街道办事处"):
            hits = [text.removesuffix("办事处")] if text.removesuffix("办事处") in self.streets else []
        return hits[0] if len(hits) == 1 else None


def _nearest(word: str, names, n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(names), n=n, cutoff=0.5)


def _did_you_mean(word: str, names, fallback: str) -> str:
    close = _nearest(word, names)
    return f"是否应为：{'、'.join(close)}？" if close else fallback


@lru_cache(maxsize=1)
def _units_data() -> dict:
    return yaml.safe_load((QUANTITY_DATA / "units.yaml").read_text(encoding="utf-8"))


def _generic_measures() -> frozenset[str]:
    """Measure words whose unit depends on the counted object (个, 项 …, 支 + 基金; units.yaml)."""
    return object_dependent_measures()


@lru_cache(maxsize=65536)
def _object_rule(obj: str) -> int:
    """Which `objects` rule of data/units.yaml an object text falls under (the first whose word
    it contains; -1 for none): all a generic measure word's reading depends on."""
    for i, rule in enumerate(_units_data()["objects"]):
        if any(w in obj for w in rule["words"]):
            return i
    return -1


@lru_cache(maxsize=65536)
def _quantity_alone(value: str, unit: str) -> Quantity | None:
    return parse_quantity(value, unit_hint=unit)


@lru_cache(maxsize=65536)
def _quantity_for(value: str, unit: str, obj: str) -> Quantity | None:
    return parse_quantity(value, unit_hint=unit, object_hint=obj)


def _quantity(value: str, unit: str, obj: str) -> Quantity | None:
    """parse_quantity, cached. The object only matters after a generic measure word (5个 活动 vs
    5个 项目), so only then is it part of the key: an 指标 column of distinct texts stays cheap."""
    q = _quantity_alone(value, unit)
    if q is not None and obj and q.measure in _generic_measures():
        return _quantity_for(value, unit, obj)
    return q


def _period(v) -> tuple[str | None, bool]:
    """(year as text, ok)."""
    if _blank(v):
        return None, True
    if isinstance(v, (datetime, date)):
        return str(v.year), True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if float(v).is_integer() and 1980 <= v <= 2099:
            return str(int(v)), True
        return None, False
    years = _YEAR.findall(fold_chars(str(v)))
    if len(set(years)) == 1:
        return years[0], True
    return None, False


def _claim_id(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _row_text(headers, row) -> str:
    """A row as "表头：值；…" over its non-empty cells: the evidence of a row without 备注."""
    parts = []
    for h, v in zip(headers, row):
        if v is None:
            continue
        if type(v) is str:
            v = v.strip()
            if v:
                parts.append(f"{h}：{v}")
        elif type(v) is int:
            parts.append(f"{h}：{v}")
        else:
            parts.append(f"{h}：{_cell_text(v)}")
    return "；".join(parts)


def _dup_key(place, value, unit, period, obj) -> tuple:
    return (place or "", round(float(value), 2), unit or "", period or "", (obj or "").strip())


class _RowRules:
    """The checks of one cell or a few cells, each a pure function of its inputs and so computed
    once per distinct input in a sheet: (result, problems as (列, 值, 问题, 建议, 级别))."""

    def __init__(self, known: pd.DataFrame | None, header_of: dict[str, str]):
        self.places = _Places(known)
        self.header_of = header_of
        self.labels = programme_labels()
        self.label_code = {v: k for k, v in self.labels.items()}
        self.codes_lower = {k.lower(): k for k in self.labels}
        self._values_by_object: dict = {}
        for name in ("district", "street", "community", "community_street", "value_any",
                     "programme", "status", "period", "classify"):
            setattr(self, name, _Memo(getattr(self, "_" + name)))

    def _district(self, td):
        places = self.places
        district = places.district(td)
        if district is not None:
            return district, ()
        return None, ((self.header_of["district"], td, "不认识这个区县名称",
                       _did_you_mean(td, places.district_names,
                                     "请填写成都市的区县全称，如“锦江区”“高新区”。"), ERROR),)

    def _street(self, key):
        ts, district, no_district_text = key
        places, h = self.places, self.header_of["street"]
        street = places.street(ts)
        if street is None:
            pool = [s for s, ds in places.streets.items() if district in ds] if district else places.streets
            return None, district, ((h, ts, "不认识这个街道（镇）名称",
                                     _did_you_mean(ts, pool or places.streets,
                                                   "请填写街道或镇的全称，如“东湖街道”“三道堰镇”。"), ERROR),)
        owners = places.streets[street]
        if district and district not in owners:
            return street, district, ((h, ts, f"{street}不属于{district}（它属于{'、'.join(owners)}）",
                                       "请核对区县和街道是否填在了同一行、是否填错。", ERROR),)
        if not district and no_district_text and len(owners) == 1:
            district = owners[0]
        return street, district, ()

    def _community(self, key):
        community, district, street = key
        places, h = self.places, self.header_of["community"]
        found = []
        if community not in places.communities:
            alt = next((community + s for s in ("社区", "村") if community + s in places.communities), None)
            if alt:
                found.append((h, community, f"按已有数据理解为“{alt}”",
                              "如不是同一个社区，请填写社区全称。", NOTE))
                community = alt
            else:
                close = places.similar_communities(community, district, street)
                if close:
                    found.append((h, community, "已有数据中没有这个社区，但有名称相近的社区",
                                  f"是否应为：{'、'.join(close)}？如确为新社区可忽略此提醒。", NOTE))
                elif not community.endswith(("社区", "村", "小区", "居委会", "村委会")):
                    found.append((h, community, "社区名称不完整",
                                  "请填写全称，以“社区”或“村”结尾，如“东林社区”。", NOTE))
        return community, tuple(found)

    def _community_street(self, key):
        community, street = key
        if community not in self.places.communities:
            return ()
        streets = {s for s in self.places.communities[community] if s}
        if streets and street not in streets:
            return ((self.header_of["community"], community,
                     f"已有数据中{community}属于{'、'.join(sorted(streets))}，不是{street}",
                     "请核对街道是否填写正确；如是另一个同名社区可忽略此提醒。", NOTE),)
        return ()

    # The 数量 check, (quantity or None, the claim's text, problems), is kept by (数量, 单位) in
    # `value`, with a flag saying whether the 指标 matters too: only after a generic measure word
    # (5个, 3家), and then only its kind (_object_rule), so that a column of distinct 指标 does not
    # defeat the cache. Such cells are looked up in `value_for`.

    def _value_any(self, key):
        tv, tu, hint, vh = key
        out, parsed = self._value(tv, tu, "", hint, vh)
        return out, any(q is not None and q.measure in _generic_measures() for q in parsed)

    def value_for(self, tv, tu, tobj, hint, vh):
        key = (tv, tu, _object_rule(tobj), hint, vh)
        out = self._values_by_object.get(key)
        if out is None:
            out = self._values_by_object[key] = self._value(tv, tu, tobj, hint, vh)[0]
        return out

    def _value(self, tv, tu, tobj, hint, vh):
        """((quantity, text, problems), every quantity parsed on the way). `hint` is the unit
        the column's header (or the sheet's title) states, `vh` the column's header."""
        h = self.header_of
        unit_text = tu or hint
        if not tv:
            return (None, "", ((vh, "", "数量为空", EMPTY_VALUE_ADVICE, ERROR),)), ()
        q = _quantity(tv, unit_text, tobj)
        # a plain number has no unit of its own (the parser's pattern needs one): not parsed
        own = None if _PLAIN_NUMBER.fullmatch(tv) else _quantity(tv, "", tobj)
        text = tv if own is not None and own.unit is not None else tv + unit_text
        if q is None:
            return (None, text, ((vh, tv, "无法识别为数量",
                                  "请只填一个数字，可带单位，如 650、650平方米、50万元、3000余人次、1,200。",
                                  ERROR),)), (q, own)
        if q.unit is None:
            if tu:
                found = (h["unit"], tu, "无法识别这个单位",
                         "请填写常用单位，如 平方米、元、万元、人、人次、户、个、场、%。", ERROR)
            else:
                found = (vh, tv, "缺少单位",
                         "请在“单位”列填写单位（如 人次、户、平方米），或直接写在数量后面（如 650平方米）。", ERROR)
            return (None, text, (found,)), (q, own)
        if tu:
            hint = _quantity("1" + tu, "", tobj)
            if own is not None and own.unit is not None and hint is not None \
                    and hint.unit is not None and (own.unit, own.kind) != (hint.unit, hint.kind):
                return (None, text, ((h["unit"], tu, f"数量“{tv}”自带单位，与单位列“{tu}”不一致",
                                      "请只在一处填写单位，或改正其中一处。", ERROR),)), (q, own, hint)
            return (q, text, ()), (q, own, hint)
        return (q, text, ()), (q, own)

    def _programme(self, p):
        labels, label_code = self.labels, self.label_code
        programme = label_code.get(p) or self.codes_lower.get(p.lower())
        if programme is None:
            programme = next((c for lab, c in label_code.items() if p in lab or lab in p), None) \
                if len(p) >= 2 else None
            if programme is None:
                return None, ((self.header_of["programme"], p, "不认识这个项目类型",
                               _did_you_mean(p, labels.values(),
                                             "请从下拉列表中选择，如“" + "”“".join(list(labels.values())[:3]) + "”。"),
                               ERROR),)
        return programme, ()

    def _status(self, s):
        status = _STATUS.get(s) or _STATUS.get(s.lower())
        if status is None:
            return None, ((self.header_of["status"], s, "不认识这个状态",
                           "请填写“已完成”或“计划”（也可写 achieved / planned）。", ERROR),)
        return status, ()

    def _period(self, key):
        _, v, text = key   # keyed by the cell's type too: 2024 and 2024.0 and True differ
        period, ok = _period(v)
        if ok:
            return period, ()
        return period, ((self.header_of["period"], text, "无法识别年份",
                         "请填写四位年份，如 2024 或 2024年。", ERROR),)

    def _classify(self, key):
        obj, evidence = key
        return classify_programme(f"{obj} {evidence}", obj)
