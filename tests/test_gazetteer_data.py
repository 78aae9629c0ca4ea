"""Sanity checks for loaders/data/gazetteer.yaml (Chengdu units and streets)."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

GAZETTEER = Path(__file__).resolve().parents[1] / "loaders" / "data" / "gazetteer.yaml"

EXPECTED_UNITS = {
    # 12 districts
    "锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区",
    "青白江区", "新都区", "温江区", "双流区", "郫都区", "新津区",
    # 3 counties
    "大邑县", "蒲江县", "金堂县",
    # 5 county-level cities
    "都江堰市", "彭州市", "邛崃市", "崇州市", "简阳市",
    # 3 functional areas
    "高新区", "天府新区", "东部新区",
}

EXPECTED_TYPES = {
    **{n: "区" for n in ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区",
                         "青白江区", "新都区", "温江区", "双流区", "郫都区", "新津区")},
    **{n: "县" for n in ("大邑县", "蒲江县", "金堂县")},
    **{n: "市" for n in ("都江堰市", "彭州市", "邛崃市", "崇州市", "简阳市")},
    **{n: "功能区" for n in ("高新区", "天府新区", "东部新区")},
}

VALID_TYPES = {"区", "县", "市", "功能区"}
VALID_SUFFIXES = ("街道", "镇", "乡")

# Street names that genuinely exist in more than one unit (must be commented
# in the YAML). Currently none.
ALLOWED_CROSS_UNIT_DUPLICATES: set[str] = set()

# (unit, street) pairs that occur in our texts and must be present.
REQUIRED_STREETS = [
    ("成华区", "猛追湾街道"),
    ("成华区", "万年场街道"),
    ("成华区", "保和街道"),
    ("青羊区", "光华街道"),
    ("青羊区", "金沙街道"),
    ("金牛区", "茶店子街道"),
    ("金牛区", "人民北路街道"),  # abolished 2019-2020; kept for older texts
    ("锦江区", "狮子山街道"),
    ("锦江区", "成龙路街道"),
    ("锦江区", "三圣街道"),
    ("锦江区", "东湖街道"),
    ("武侯区", "浆洗街街道"),
    ("武侯区", "机投桥街道"),
    ("武侯区", "玉林街道"),
    ("郫都区", "郫筒街道"),
    ("郫都区", "红光街道"),
    ("郫都区", "犀浦街道"),
    ("郫都区", "三道堰街道"),  # official 2023 list: 三道堰镇 (both kept)
    ("郫都区", "三道堰镇"),
    ("蒲江县", "成佳镇"),
    ("高新区", "芳草街街道"),
    ("高新区", "西园街道"),
    ("温江区", "公平街道"),
    ("温江区", "涌泉街道"),
    ("温江区", "万春镇"),
    ("温江区", "和盛镇"),
    ("彭州市", "天彭街道"),
    ("新津区", "五津街道"),
    ("天府新区", "华阳街道"),
    ("新都区", "石板滩街道"),
    ("双流区", "西航港街道"),
    ("青白江区", "大弯街道"),
    ("龙泉驿区", "龙泉街道"),
    ("龙泉驿区", "大面街道"),
    # 崇州's former 江源镇 became 江源街道; today's 江源镇 is in 简阳市.
    ("崇州市", "江源街道"),
    ("简阳市", "江源镇"),
]

# Streets managed by functional areas: must NOT be under the administrative parent.
FUNCTIONAL_AREA_STREETS = [
    ("天府新区", s) for s in ("华阳街道", "万安街道", "正兴街道", "兴隆街道", "煎茶街道",
                            "新兴街道", "籍田街道", "太平街道", "永兴街道")
] + [
    ("高新区", s) for s in ("芳草街街道", "肖家河街道", "石羊街道", "桂溪街道",
                          "合作街道", "西园街道", "中和街道")
]


@pytest.fixture(scope="module")
def data():
    with GAZETTEER.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def units(data):
    return {d["name"]: d for d in data["districts"]}


def test_city_keys(data):
    assert data["city"] == "成都市"
    assert data["city_aliases"] == ["成都"]


def test_exactly_23_units_with_expected_names(data):
    names = [d["name"] for d in data["districts"]]
    assert len(names) == 23
    assert len(set(names)) == 23
    assert set(names) == EXPECTED_UNITS


def test_unit_shape(data):
    for d in data["districts"]:
        assert set(d) == {"name", "type", "aliases", "streets"}, d["name"]
        assert isinstance(d["aliases"], list), d["name"]
        assert isinstance(d["streets"], list) and d["streets"], d["name"]


def test_types(data):
    for d in data["districts"]:
        assert d["type"] in VALID_TYPES, d["name"]
        assert d["type"] == EXPECTED_TYPES[d["name"]], d["name"]


def test_street_suffixes(data):
    for d in data["districts"]:
        for s in d["streets"]:
            assert isinstance(s, str) and s.endswith(VALID_SUFFIXES), (d["name"], s)
            # non-empty stem before the suffix (彭镇 is a legitimate 2-char name)
            assert any(s.endswith(x) and len(s) > len(x) for x in VALID_SUFFIXES), (d["name"], s)


def test_no_duplicate_street_within_unit(data):
    for d in data["districts"]:
        dup = [s for s, n in Counter(d["streets"]).items() if n > 1]
        assert not dup, (d["name"], dup)


def test_no_street_under_two_units_unless_allowed(data):
    counts = Counter(s for d in data["districts"] for s in set(d["streets"]))
    dup = {s for s, n in counts.items() if n > 1}
    assert dup <= ALLOWED_CROSS_UNIT_DUPLICATES, sorted(dup - ALLOWED_CROSS_UNIT_DUPLICATES)


def test_aliases_do_not_collide_with_other_units(data):
    names = {d["name"] for d in data["districts"]}
    seen: dict[str, str] = {}
    for d in data["districts"]:
        for alias in d["aliases"]:
            assert isinstance(alias, str) and alias, d["name"]
            assert alias not in names - {d["name"]}, (d["name"], alias)
            assert alias != d["name"], (d["name"], alias)
            # the same alias must not point to two units
            assert seen.setdefault(alias, d["name"]) == d["name"], (d["name"], alias)


@pytest.mark.parametrize(("unit", "street"), REQUIRED_STREETS)
def test_required_street_present(units, unit, street):
    assert street in units[unit]["streets"]


@pytest.mark.parametrize(("area", "street"), FUNCTIONAL_AREA_STREETS)
def test_functional_area_streets_listed_only_there(data, area, street):
    holders = [d["name"] for d in data["districts"] if street in d["streets"]]
    assert holders == [area]
