"""The quantity parser as tables of (input, expected), in the manner of price-parser's tests."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.quantities import find_quantities, parse_number, parse_quantity
from loaders.textnorm import fold_chars

NUMBERS = [
    ("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("一百二十", 120), ("一百零五", 105),
    ("1.2万", 12000), ("3千", 3000), ("百", 100), ("3万4000", 34000), ("1,100万", 11_000_000),
    ("三万五", 35000), ("一万二", 12000), ("三千五", 3500), ("两百", 200), ("２０２５", 2025),
    ("1,200", 1200), ("0.6", 0.6), ("五千万", 50_000_000), ("3亿", 300_000_000),
    ("一亿二千万", 120_000_000),
]


@pytest.mark.parametrize("text,expected", NUMBERS)
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "三四", "二〇二五", "abc", "万物"])
def test_parse_number_refuses(text):
    assert parse_number(text) is None


QUANTITIES = [
    # text, value, unit, kind, qualifier
    ("占地650平方米"[2:], 650, "m2", "area", "exact"),
    ("650㎡", 650, "m2", "area", "exact"),
    ("0.6平方公里", 600000, "m2", "area", "exact"),
    ("10亩", 6666.7, "m2", "area", "exact"),
    ("50万元", 500000, "yuan", "money", "exact"),
    ("5000万元", 50_000_000, "yuan", "money", "exact"),
    ("二百余万元", 2_000_000, "yuan", "money", "at_least"),
    ("3.5亿元", 350_000_000, "yuan", "money", "exact"),
    ("3000余人次", 3000, "person_time", "person_times", "at_least"),
    ("60余名", 60, "person", "people", "at_least"),
    ("近2.1万名", 21000, "person", "people", "at_most"),
    ("约8万名", 80000, "person", "people", "approx"),
    ("上千人", 1000, "person", "people", "at_least"),
    ("百余人", 100, "person", "people", "at_least"),
    ("2万余人", 20000, "person", "people", "at_least"),
    ("200余户", 200, "household", "households", "at_least"),
    ("20余场", 20, "event", "events", "at_least"),
    ("200余次", 200, "event", "events", "at_least"),
    ("12场次", 12, "event", "events", "exact"),
    ("5家", 5, "organisation", "organisations", "exact"),
    ("8支", 8, "team", "teams", "exact"),
    ("130余件", 130, "item", "items", "at_least"),
    ("30%", 30, "percent", "percent", "exact"),
    ("80%以上", 80, "percent", "percent", "at_least"),
    ("百分之三十", 30, "percent", "percent", "exact"),
    ("超100人次", 100, "person_time", "person_times", "at_least"),
    ("超过20万元", 200000, "yuan", "money", "at_least"),
    ("逾千人", 1000, "person", "people", "at_least"),
    ("不到5%", 5, "percent", "percent", "at_most"),
    ("不足300户", 300, "household", "households", "at_most"),
    ("100人左右", 100, "person", "people", "approx"),
    ("3公里", 3000, "m", "length", "exact"),
    ("３０００人", 3000, "person", "people", "exact"),
    ("三千餘人次", 3000, "person_time", "person_times", "at_least"),
    ("二十萬元", 200000, "yuan", "money", "exact"),
    ("3至5个", 3, "other", "other", "at_least"),
    # Number forms of real text: a space before the unit, grouped thousands, new measure words.
    ("36.18 亿元", 3_618_000_000, "yuan", "money", "exact"),
    ("5441.5 亩", 3627684.805, "m2", "area", "exact"),
    ("3 500 米", 3500, "m", "length", "exact"),
    ("361.76 亿元", 36_176_000_000, "yuan", "money", "exact"),
    ("突破30万元", 300000, "yuan", "money", "at_least"),
    ("不少于1000人次", 1000, "person_time", "person_times", "at_least"),
    ("最高20万元", 200000, "yuan", "money", "at_most"),
    ("约1.5万吨", 15000, "other", "other", "approx"),
    ("500斤", 500, "other", "other", "exact"),
    ("23栋", 23, "other", "other", "exact"),
    ("3幢", 3, "other", "other", "exact"),
    ("36棟", 36, "other", "other", "exact"),
    ("46台", 46, "facility", "facilities", "exact"),
    ("8部", 8, "facility", "facilities", "exact"),
    ("38門", 38, "item", "items", "exact"),
    ("30余起", 30, "item", "items", "at_least"),
    ("1300余张", 1300, "item", "items", "at_least"),
    ("12宗", 12, "item", "items", "exact"),
    ("42套", 42, "other", "other", "exact"),
    ("80块", 80, "other", "other", "exact"),
]

# Running text: the counted noun decides the kind of a generic measure word; a number with 万 and
# no measure word is read by the noun beside it.
IN_TEXT = [
    # sentence, figure as written, value, kind, qualifier
    ("全年新建小区党支部9个", "9个", 9, "organisations", "exact"),
    ("楼栋党小组36个", "36个", 36, "organisations", "exact"),
    ("推动成立院落议事会13个", "13个", 13, "organisations", "exact"),
    ("与卫健、教育等5个部门联动", "5个", 5, "organisations", "exact"),
    ("引入事业单位3家", "3家", 3, "organisations", "exact"),
    ("新培育家庭农场15家", "15家", 15, "organisations", "exact"),
    ("兴趣社团23个", "23个", 23, "organisations", "exact"),
    ("新增停车位130个", "130个", 130, "facilities", "exact"),
    ("设置托位90个", "90个", 90, "facilities", "exact"),
    ("长者食堂（助餐点）68个", "68个", 68, "facilities", "exact"),
    ("打造3至5个“共享客厅”", "3至5个", 3, "facilities", "at_least"),
    ("设立两支社区基金", "两支", 2, "other", "exact"),
    ("排查安全隐患1300余处", "1300余处", 1300, "items", "at_least"),
    ("目标是新增养老服务点4个，实际建成5个", "5个", 5, "facilities", "exact"),
    ("每个街道至少建成1个综合托育服务中心", "1个", 1, "facilities", "at_least"),
    ("辖区有3.3万居民", "3.3万", 33000, "people", "exact"),
    ("全街道人口173万", "173万", 1_730_000, "people", "exact"),
    ("常住居民只有1.6萬", "1.6萬", 16000, "people", "exact"),
    ("吸引10万“单位人”落户", "10万", 100000, "people", "exact"),
    ("项目投资不足100万", "不足100万", 1_000_000, "money", "at_most"),
    ("企业估值超过2000万", "超过2000万", 20_000_000, "money", "at_least"),
    ("年营收突破1000万元", "突破1000万元", 10_000_000, "money", "at_least"),
]


@pytest.mark.parametrize("sentence,figure,value,kind,qualifier", IN_TEXT)
def test_in_running_text(sentence, figure, value, kind, qualifier):
    found = {q.text: q for q in find_quantities(fold_chars(sentence))}
    q = found[fold_chars(figure)]
    assert (q.value, q.kind, q.qualifier) == (pytest.approx(value), kind, qualifier)


@pytest.mark.parametrize("text,value,unit,kind,qualifier", QUANTITIES)
def test_parse_quantity(text, value, unit, kind, qualifier):
    q = parse_quantity(text)
    assert q is not None
    assert (q.value, q.unit, q.kind, q.qualifier) == (pytest.approx(value), unit, kind, qualifier)
    assert q.text == text


@pytest.mark.parametrize("text,hint,value,unit", [
    ("1,200", "人次", 1200, "person_time"),
    ("3000余", "人", 3000, "person"),
    ("50", "万元", 500000, "yuan"),
    ("650", "平方米", 650, "m2"),
])
def test_parse_quantity_with_unit_column(text, hint, value, unit):
    q = parse_quantity(text, unit_hint=hint)
    assert (q.value, q.unit) == (pytest.approx(value), unit)


def test_bare_number_has_no_unit():
    q = parse_quantity(" 1,200 ")
    assert (q.value, q.unit, q.text) == (1200, None, "1,200")


@pytest.mark.parametrize("text", ["", "社区", "2025年", "第六届", "15分钟", "“1+3+3+N”", "十五五",
                                  "70岁", "3月17日", "三四个", "abc"])
def test_parse_quantity_none(text):
    assert parse_quantity(text) is None


# Sentences in which nothing is a claim (GUIDELINES: calendar, ordinals, names, slogans, codes,
# ages, idioms, determiners).
NO_CLAIMS = [
    "2025年，社区将以党建引领为核心。",
    "3月17日下午，70岁的党员带领居民练健身操。",
    "以“15分钟社区幸福圈”为抓手，构建“1+3+3+N”网格赋能体系。",
    "全域推进“两个替代”工程，实现“三乐三美”。",
    "第六届“我心目中的社区好书记”评选颁奖。",
    "全力保障二期项目有序推进。",
    "一是推进完整社区建设；二是关爱困境儿童。",
    "开展“一对一”结对帮扶，提供一站式便民服务。",
    "以“1信义贝=1元服务券”为纽带。",
    "景顺长城ETF联接(A类:023723;C类:023724)发行。",
    "打造一个充满幸福感的居住环境，探索出一条新路径。",
    "读书会化解千家忧，穿引起基层治理的万根线。",
    "进位争先百强县，稳步迈进千亿城。",
    "咨询电话：028-12345678。",
    "在“十五五”开局之年，关注“一老一小一新”。",
    "采取“一中心三条线五融合”的思路。",
    "数十名志愿者参与。",
    "每月8日开展活动。",
    "建设“芯悦坊”示范窗口，推动科技、生态、生活三者融合。",
    "书房是三个月前开放的。",
    "阅读 2.3万 赞 127",
    "一日三餐有着落，一荤两素一汤。",
    "数字" + "1" * 5000 + "人",
]


@pytest.mark.parametrize("sentence", NO_CLAIMS)
def test_no_claims(sentence):
    assert [q.text for q in find_quantities(sentence)] == []


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_parser_never_raises(text):
    parse_quantity(text)
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.text


@given(st.text(alphabet="0123456789一二两三四五六七八九十百千万亿余多近约超过以上左右人次户名元%平方米个家,.", max_size=30))
@settings(max_examples=500, deadline=None)
def test_parser_never_raises_on_numeral_soup(text):
    q = parse_quantity(text)
    assert q is None or q.value >= 0
    find_quantities(text)
