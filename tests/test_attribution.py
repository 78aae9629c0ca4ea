"""Where a figure lands: one table per attribution rule, on sentences written for these tests.

Each case is (text, figure as written, expected district, street, community). Places are real
(loaders/data/gazetteer.csv); texts and figures are invented. Traditional script and OCR line
breaks are folded and repaired before attribution, so they appear in the tables too.
"""
import pytest

from loaders.attribution import Attribution
from loaders.extract import extract_text


def claim(text: str, figure: str, nth: int = 0) -> dict:
    hits = [c for c in extract_text("t.txt", text).claims if c["text"] == figure]
    assert len(hits) > nth, f"{figure!r} not extracted from {text!r}"
    return hits[nth]


def place_of(text: str, figure: str, nth: int = 0) -> tuple:
    c = claim(text, figure, nth)
    return c["district"], c["street"], c["community"]


NAMED = [
    ("成华区二仙桥街道下涧槽社区今年新建口袋公园3处。", "3处", ("成华区", "二仙桥街道", "下涧槽社区")),
    ("金牛区驷马桥街道曹家巷社区组建志愿队伍5支。", "5支", ("金牛区", "驷马桥街道", "曹家巷社区")),
    ("成都市青羊区黄田坝街道华兴社区共有居民2100户。", "2100户", ("青羊区", "黄田坝街道", "华兴社区")),
    ("彭州市天彭街道天府中路社区建成小院1个。天府中社区还引入社会组织2个。", "2个",
     ("彭州市", "天彭街道", "天府中路社区")),
    ("成都高新区桂溪街道今年新增托位120个。", "120个", ("高新区", "桂溪街道", None)),
    ("东部新区养马街道今年新建便民服务站5个。", "5个", ("东部新区", "养马街道", None)),
    ("驷马桥街道组建平安巡逻队3支。", "3支", ("金牛区", "驷马桥街道", None)),
    ("双流区今年发放助餐补贴600万元。", "600万元", ("双流区", None, None)),
]

GAZETTEER_ALONE = [
    ("曹家巷社区今年开展邻里活动40余场。", "40余场", ("金牛区", "驷马桥街道", "曹家巷社区")),
    ("在岷阳社区，居民议事会共收集建议120条。", "120条", ("郫都区", "郫筒街道", "岷阳社区")),
    ("波尔村流转土地800亩。", "800亩", ("新津区", "兴义镇", "波尔村")),
    ("麓湖公园社区有常住居民3.3万人。", "3.3万人", ("天府新区", "华阳街道", "麓湖公园社区")),
    ("金渔池村今年新增就业岗位260个。", "260个", ("东部新区", "养马街道", "金渔池村")),
    ("这个位于彭州市丹景山镇的关口社区，有居民1800户。", "1800户", ("彭州市", "丹景山镇", "关口社区")),
    ("崇镇社区组建了8支居民自治队伍。", "8支", ("崇州市", "大划街道", "崇镇社区")),
]

DUPLICATE_NAMES = [
    # 龙王村 is in 青白江区, 金堂县 and 简阳市: the text's district decides.
    ("青白江区今年推进乡村振兴。龙王村新建村史馆1个。", "1个", ("青白江区", "福洪镇", "龙王村")),
    # 花牌坊社区 is in 金牛区 and 金堂县: the street named earlier decides.
    ("西安路街道召开推进会。花牌坊社区已建成长者食堂2个。", "2个", ("金牛区", "西安路街道", "花牌坊社区")),
    ("高新区肖家河街道辖区内，永丰社区培育社会组织6家。", "6家", ("高新区", "肖家河街道", "永丰社区")),
    ("都江堰市幸福街道永丰社区今年举办讲座12场。", "12场", ("都江堰市", "幸福街道", "永丰社区")),
    # Nothing decides: the district stays empty rather than guessed.
    ("双凤社区志愿者累计服务2000余人次。", "2000余人次", (None, None, "双凤社区")),
    ("竹林村今年接待游客3万余人次。", "3万余人次", (None, None, "竹林村")),
]

SCOPE = [
    ("望平社区辖区面积约0.5平方公里。全市已建成社区美空间600余处。", "600余处", (None, None, None)),
    ("我市累计完成老旧院落改造3000余个。", "3000余个", (None, None, None)),
    ("曹家巷社区今年很忙。全省已有城乡社区5万余个。", "5万余个", (None, None, None)),
    ("成都已建成社区食堂1200个，岷阳社区也建了1个。", "1200个", (None, None, None)),
    ("武侯区民政局介绍，全区已建成长者食堂45个。", "45个", ("武侯区", None, None)),
    ("记者从郫都区获悉，该区今年新增托位300个。", "300个", ("郫都区", None, None)),
    ("抚江社区位于新津区五津街道。全街道共有志愿者2600余名。", "2600余名", ("新津区", "五津街道", None)),
    ("彭州市丹景山镇关口社区发展民宿。全镇接待游客120万人次。", "120万人次", ("彭州市", "丹景山镇", None)),
    ("九江街道邹家场社区很热闹。该街道今年投入资金300万元。", "300万元", ("双流区", "九江街道", None)),
    ("全市已建成社区美空间600余处，其中望平社区建成3处。", "3处", ("成华区", "猛追湾街道", "望平社区")),
    ("新津区今年推行积分制，全区81个村（社区）全面覆盖。", "81个", ("新津区", None, None)),
]

CONTAINER = [
    ("九江街道下辖13个社区，常住人口约9万人。", "13个", ("双流区", "九江街道", None)),
    ("丹景山镇关口社区所在的镇辖3个社区、7个村。", "7个", ("彭州市", "丹景山镇", None)),
    ("青城山镇沿江社区介绍，镇上共有26个社区（村）。", "26个", ("都江堰市", "青城山镇", None)),
    # Not a count of communities: 村民, 社区基金.
    ("在金渔池村，当地260余名村民在家门口就业。", "260余名", ("东部新区", "养马街道", "金渔池村")),
    ("崇镇社区设立了两支社区基金。", "两支", ("崇州市", "大划街道", "崇镇社区")),
]

ANAPHORA = [
    ("黄田坝街道华兴社区老旧小区多。该社区现有居民4200户。", "4200户", ("青羊区", "黄田坝街道", "华兴社区")),
    ("在彭州市丹景山镇关口社区，当地已有60户居民参与积分兑换。", "60户", ("彭州市", "丹景山镇", "关口社区")),
    ("曹家巷社区位于金牛区驷马桥街道。金牛区民政局负责人说，变化很大。社区今年新增停车位150个。",
     "150个", ("金牛区", "驷马桥街道", "曹家巷社区")),
    ("在新都区桂湖街道高架村，村民种植葡萄。该村今年接待游客8万人次。", "8万人次",
     ("新都区", "桂湖街道", "高架村")),
    ("记者从新津区获悉，该区在五津街道试点。该区已有5.6万人注册。", "5.6万人", ("新津区", None, None)),
]

SUBJECT_AND_CONTEXT = [
    ("崇镇社区：小院里的大变化\n\n社区今年累计服务居民3000余人次。", "3000余人次",
     ("崇州市", "大划街道", "崇镇社区")),
    ("五津街道2025年工作总结\n\n一、基本情况\n全年新建小区党支部12个。", "12个", ("新津区", "五津街道", None)),
    ("社区有了新客厅\n\n近日，记者来到都江堰市青城山镇沿江社区，看到社区党群服务中心焕然一新，这里占地800平方米。\n\n"
     "中心开放以来，已接待居民5000余人次。", "5000余人次", ("都江堰市", "青城山镇", "沿江社区")),
    ("曹家巷社区成立了“邻里帮”志愿队。队员已有45名。", "45名", ("金牛区", "驷马桥街道", "曹家巷社区")),
    ("岷阳社区开办夜校，累计培训300人次。下一步，郫筒街道将新增志愿者100名。", "100名",
     ("郫都区", "郫筒街道", None)),
    ("青城山镇\n\n【概况】青城山镇有12个社区（村）。\n\n【社区治理】沿江社区建成志愿服务站1个。\n\n"
     "【旅游】全年接待游客约80万人次。", "约80万人次", ("都江堰市", "青城山镇", None)),
    ("青城山镇\n\n【概况】青城山镇有12个社区（村）。\n\n【社区治理】沿江社区建成志愿服务站1个。", "1个",
     ("都江堰市", "青城山镇", "沿江社区")),
]

SECTIONS = [
    ("“书记说”\n\n成华区二仙桥街道下涧槽社区党委书记 张华\n\n去年，社区调解纠纷80件。\n\n"
     "青羊区蔡桥街道红碾社区党委书记 李明\n\n今年社区计划新增托位20个。", "80件", ("成华区", "二仙桥街道", "下涧槽社区")),
    ("“书记说”\n\n成华区二仙桥街道下涧槽社区党委书记 张华\n\n去年，社区调解纠纷80件。\n\n"
     "青羊区蔡桥街道红碾社区党委书记 李明\n\n今年社区计划新增托位20个。", "20个", ("青羊区", "蔡桥街道", "红碾社区")),
]

TRADITIONAL = [
    ("新都區桂湖街道高架村今年流轉土地1200畝。", "1200畝", ("新都区", "桂湖街道", "高架村")),
    ("關口社區位於彭州市丹景山鎮，有居民1800戶。", "1800戶", ("彭州市", "丹景山镇", "关口社区")),
    ("記者從郫都區獲悉，該區今年新增託位300個。", "300個", ("郫都区", None, None)),
    ("全市已建成社區美空間600餘處。", "600餘處", (None, None, None)),
    ("九江街道下轄13個社區。", "13個", ("双流区", "九江街道", None)),
]

OCR = [
    ("    本报讯 走进成华区二仙桥街道下涧槽社\n区，老人们正在活动。社区现有居民5600余户。", "5600余户",
     ("成华区", "二仙桥街道", "下涧槽社区")),
    ("新津区五津街道抚江社区\n\n    社区组建志愿服务队，目前队员已有85名，平均年龄63岁。", "85名",
     ("新津区", "五津街道", "抚江社区")),
    ("青城山镇沿江社区\n    全镇接待游客\n1\n020万人次，收入可观。", "1\n020万人次", ("都江堰市", "青城山镇", None)),
    ("三、明年打算\n街道将推动社区提档升级，计划实施改造项目8个。", "8个", (None, None, None)),
]

ALL = [*NAMED, *GAZETTEER_ALONE, *DUPLICATE_NAMES, *SCOPE, *CONTAINER, *ANAPHORA,
       *SUBJECT_AND_CONTEXT, *SECTIONS, *TRADITIONAL, *OCR]


@pytest.mark.parametrize("text,figure,expected", ALL)
def test_place(text, figure, expected):
    assert place_of(text, figure) == expected


def test_table_has_enough_cases():
    assert len(ALL) >= 60


@pytest.mark.parametrize("text,figure,rule,confidence", [
    (NAMED[0][0], "3处", "named", "high"),
    (SCOPE[0][0], "600余处", "scope", "high"),
    (ANAPHORA[0][0], "4200户", "anaphora", "medium"),
    ("沿江社区今年联合周边26个社区开展活动。", "26个", "container", "high"),
    (SECTIONS[1][0], "20个", "section", "high"),
    ("崇镇社区：小院里的大变化\n\n今年累计服务居民3000余人次。", "3000余人次", "subject", "medium"),
    ("曹家巷社区：邻里新风\n\n今年开展活动20场。隔壁的岷阳社区也成立了志愿队。队员已有45名。", "45名",
     "context", "medium"),
    (DUPLICATE_NAMES[4][0], "2000余人次", "named", "low"),
    ("社区今年新增志愿者50名。", "50名", "none", "low"),
])
def test_rule_and_confidence_recorded(text, figure, rule, confidence):
    c = claim(text, figure)
    assert (c["place_rule"], c["place_confidence"]) == (rule, confidence)
    assert c["place_note"]


@pytest.mark.parametrize("text,figure,words", [
    (ANAPHORA[0][0], "4200户", ["该社区", "华兴社区"]),
    (SCOPE[0][0], "600余处", ["全市"]),
    (DUPLICATE_NAMES[4][0], "2000余人次", ["双凤社区", "区县留空"]),
    (GAZETTEER_ALONE[0][0], "40余场", ["地名表", "驷马桥街道"]),
])
def test_note_explains_in_chinese(text, figure, words):
    note = claim(text, figure)["place_note"]
    assert all(w in note for w in words), note


@pytest.mark.parametrize("text", [
    "街道今年着力打造健康社区，服务居民3000人次。",       # 健康社区 exists, but here it is a phrase
    "玉林街道争创和美社区，服务居民3000人次。",
    "五津街道去年评为先进村的有3个。",
])
def test_common_phrases_are_not_places(text):
    assert all(c["community"] is None for c in extract_text("t.txt", text).claims)


def test_refs_inside_names_are_not_scope_words():
    # 成都市 in a chain and 社区 inside 望平社区 are parts of names, not references.
    a = Attribution("成都市成华区猛追湾街道望平社区")
    assert a.refs == []
