"""Achieved or planned (loaders/status.py): the clause a figure stands in decides, never a cue word
inside a name. Sentences written for these tests."""
import pytest

from loaders.extract import extract_text

STATUS = [
    # text, figure as written, expected status
    ("该区今年的目标是新增普惠托位800个，截至11月底已新增620个。", "800个", "planned"),
    ("该区今年的目标是新增普惠托位800个，截至11月底已新增620个。", "620个", "achieved"),
    ("市级目标为30个，实际启动改造54个。", "30个", "planned"),
    ("市级目标为30个，实际启动改造54个。", "54个", "achieved"),
    ("新华社区本年度完成加装电梯7台，另有4台计划明年开工。", "7台", "achieved"),
    ("新华社区本年度完成加装电梯7台，另有4台计划明年开工。", "4台", "planned"),
    ("另有8部电梯已完成意见征询，预计明年上半年开工。", "8部", "planned"),
    ("已建成服务站5个，计划明年再建3个。", "5个", "achieved"),
    ("已建成服务站5个，计划明年再建3个。", "3个", "planned"),
    ("镇人口与计划生育办公室全年开展宣传活动12场。", "12场", "achieved"),
    ("区计划生育协会今年为120户计生特殊家庭送去慰问金14.4万元。", "14.4万元", "achieved"),
    ("社区通过“社区合伙人”计划链接周边商家42家。", "42家", "achieved"),
    ("2021年以来，社区先后争取各类资金二百余万元。", "二百余万元", "achieved"),
    ("社区争取年内建成驿站3个。", "3个", "planned"),
    ("2025年，社区将围绕“一老一小”服务，新增托育点1个。", "1个", "planned"),
    ("社區計劃明年新增3個共享空間。", "3個", "planned"),
    ("下一步，社区将重点抓好两件事。一是新建驿站2个；二是招募志愿者50名。", "2个", "planned"),
    ("下一步，社区将重点抓好两件事。一是新建驿站2个；二是招募志愿者50名。", "50名", "planned"),
    ("去年社区举办活动40场。", "40场", "achieved"),
    ("社区拟盘活闲置用房约800平方米。", "约800平方米", "planned"),
    ("力争年营收突破30万元。", "突破30万元", "planned"),
    ("目前已募集到18.6万元。", "18.6万元", "achieved"),
]


@pytest.mark.parametrize("text,figure,expected", STATUS)
def test_status(text, figure, expected):
    hits = [c for c in extract_text("t.txt", text).claims if c["text"] == figure]
    assert hits and hits[0]["status"] == expected
