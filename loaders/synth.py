"""Synthetic tables of any size, shaped like the real ones, for benchmarks and demos.

    python -m loaders.synth --claims 1000000 --out /tmp/synth-store

Places follow Chengdu's 23 district-level units with made-up streets and communities; figures,
qualifiers, statuses, programmes and duplicate mentions (the same fact twice in one source) come
in proportions like those of the shipped articles. Deterministic for a given seed.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from .indicators import assign_indicators, classify
from .programmes import programme_codes
from .store import commit_batch

DISTRICTS = ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区",
             "温江区", "双流区", "郫都区", "新津区", "金堂县", "大邑县", "蒲江县", "都江堰市",
             "彭州市", "邛崃市", "崇州市", "简阳市", "高新区", "天府新区", "东部新区")
NAME_CHARS = "和平安康福祥瑞兴盛华新民乐锦荷花桂香玉林石羊马牛青龙凤凰泉水桥亭湾府城南北东西长春草堂光明建设文昌永宁金沙双桂"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国华明丽芳敏静强军平伟红英玲霞勇杰涛斌波梅兰琴燕秀云"
TITLES = ("党委书记、居委会主任", "党委书记", "党总支书记、居委会主任", "村党总支书记")

# what is counted → (unit, unit text, kind, object, verb before the number, median value, weight);
# the indicator of each is read from its sentence by loaders.indicators, as for a real article
TEMPLATES = {
    "service_times": ("person_time", "人次", "person_times", "居民", "累计服务", 3000, 12),
    "daily_times": ("person_time", "人次", "person_times", "居民", "日均接待", 80, 4),
    "participants": ("person", "人", "people", "居民", "吸纳参与", 300, 6),
    "volunteers": ("person", "名", "people", "志愿者", "登记注册", 60, 5),
    "population": ("person", "人", "people", "常住人口", "辖区有", 8000, 3),
    "beneficiaries": ("person", "人", "people", "老年人", "累计服务", 300, 4),
    "households_served": ("household", "户", "households", "家庭", "惠及", 200, 5),
    "households": ("household", "户", "households", "住户", "管辖", 1500, 3),
    "events": ("event", "场次", "events", "活动", "组织开展活动", 40, 10),
    "consultations": ("event", "次", "events", "议事协商", "召开坝坝会", 12, 3),
    "enterprises": ("organisation", "家", "organisations", "企业", "培育引入", 6, 3),
    "social_organisations": ("organisation", "家", "organisations", "社会组织", "培育引入", 4, 3),
    "teams": ("team", "支", "teams", "志愿服务队", "组建", 8, 5),
    "projects": ("project", "个项目", "projects", "项目", "实施", 10, 5),
    "items": ("item", "件", "items", "民生问题", "解决", 120, 5),
    "facilities": ("facility", "处", "facilities", "服务阵地", "建成", 5, 4),
    "funds": ("yuan", "元", "money", "资金", "撬动资金", 200000, 6),
    "revenue": ("yuan", "元", "money", "社区企业", "实现年营收", 300000, 2),
    "space_area": ("m2", "平方米", "area", "空间", "打造占地", 800, 3),
    "renovated_area": ("m2", "平方米", "area", "空间", "改造提升", 2000, 3),
    "satisfaction": ("percent", "%", "percent", "满意度", "满意度达到", 90, 3),
    "change": ("percent", "%", "percent", "参与率", "同比提升", 20, 1),
    "other": ("other", "类", "other", "服务", "提供", 4, 2),
}
QUALIFIERS = (("exact", "", "", 60), ("at_least", "", "余", 25), ("at_most", "近", "", 7),
              ("approx", "约", "", 8))
ROWS_PER_BATCH = 250_000
DUPLICATE_SHARE = 0.05


def _names(rng: np.random.Generator, n: int, suffix: str, taken: set) -> list[str]:
    out, misses = [], 0
    chars = list(NAME_CHARS)
    while len(out) < n:
        # two characters read most like a real name; once those run short, three
        name = "".join(rng.choice(chars, 2 if misses < 20 else 3)) + suffix
        if name in taken:
            misses += 1
            continue
        taken.add(name)
        out.append(name)
        misses = 0
    return out


def make_gazetteer(n_communities: int, rng: np.random.Generator) -> pd.DataFrame:
    """`n_communities` made-up communities spread over the 23 units (district, street, community)."""
    per_district = math.ceil(n_communities / len(DISTRICTS))
    per_street = 12
    taken: set = set()
    rows = []
    for d in DISTRICTS:
        streets = _names(rng, max(1, math.ceil(per_district / per_street)), "街道", taken)
        for s in streets:
            for c in _names(rng, per_street, "社区", taken):
                rows.append((d, s, c))
    frame = pd.DataFrame(rows, columns=["district", "street", "community"])
    pick = rng.choice(len(frame), size=min(n_communities, len(frame)), replace=False)
    return frame.iloc[np.sort(pick)].reset_index(drop=True)


def _number_text(values: np.ndarray) -> np.ndarray:
    """How the article writes each value: 3000, 2.5万, 1.2亿 (computed once per distinct value)."""
    def one(v: float) -> str:
        if v >= 1e8:
            return f"{v / 1e8:g}亿"
        if v >= 1e4:
            return f"{v / 1e4:g}万"
        return f"{v:g}"
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([one(v) for v in uniq], dtype=object)[inverse]


def make_synthetic(n_claims: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Tables `claims`, `communities`, `initiatives`, `documents` with `n_claims` claims, split
    into batches of at most 250 000 claims (column batch_id: synth-001, synth-002, …)."""
    rng = np.random.default_rng(seed)
    n = int(n_claims)
    n_comm = int(np.clip(n // 8, 1, 3000))
    places = make_gazetteer(n_comm, rng)
    n_docs = max(1, n // 40)
    n_batches = max(1, math.ceil(n / ROWS_PER_BATCH))

    # documents: each article is about one community
    doc_comm = rng.integers(0, len(places), n_docs)
    doc_comm[: min(n_docs, len(places))] = np.arange(min(n_docs, len(places)))  # all appear
    docs = np.array([f"synth_{i:06d}.txt" for i in range(n_docs)], dtype=object)
    doc_batch = np.minimum(np.arange(n_docs) * n_batches // n_docs, n_batches - 1)
    batch_ids = np.array([f"synth-{b + 1:03d}" for b in range(n_batches)], dtype=object)

    # claims: sorted by document so each document's claims are contiguous and in one batch
    claim_doc = np.sort(rng.integers(0, n_docs, n))
    claim_doc[: min(n, n_docs)] = np.arange(min(n, n_docs))
    claim_doc = np.sort(claim_doc)
    kinds = list(TEMPLATES)
    weights = np.array([TEMPLATES[k][6] for k in kinds], dtype=float)
    kind_i = rng.choice(len(kinds), n, p=weights / weights.sum())
    median = np.array([TEMPLATES[k][5] for k in kinds], dtype=float)[kind_i]
    raw = np.exp(rng.normal(np.log(median), 0.9))
    magnitude = 10.0 ** np.maximum(np.floor(np.log10(np.maximum(raw, 1))) - 1, 0)
    value = np.maximum(np.round(raw / magnitude) * magnitude, 1)
    value = np.where(np.array([TEMPLATES[k][0] for k in kinds])[kind_i] == "percent",
                     np.minimum(value, 100), value)
    q_i = rng.choice(len(QUALIFIERS), n, p=np.array([q[3] for q in QUALIFIERS]) / 100)
    status = np.where(rng.random(n) < 0.15, "planned", "achieved")
    codes = [c for c in programme_codes() if c != "other"]
    programme = np.array(codes, dtype=object)[rng.integers(0, len(codes), n)]
    period = np.array(["2021", "2022", "2023", "2024", "2025"], dtype=object)[
        rng.choice(5, n, p=[0.05, 0.1, 0.2, 0.3, 0.35])]
    level = rng.random(n)  # 90 % about the community, 7 % street-wide, 3 % city-wide

    # a share of claims repeat the previous claim of the same document: the same fact twice
    dup = np.zeros(n, dtype=bool)
    dup[1:] = (rng.random(n - 1) < DUPLICATE_SHARE) & (claim_doc[1:] == claim_doc[:-1])
    src = np.arange(n)
    for i in np.flatnonzero(dup):  # chains resolve left to right
        src[i] = src[i - 1]
    kind_i, value, q_i, status, programme, period, level = (
        a[src] for a in (kind_i, value, q_i, status, programme, period, level))

    comm_i = doc_comm[claim_doc]
    district = places["district"].to_numpy(dtype=object)[comm_i]
    street = places["street"].to_numpy(dtype=object)[comm_i]
    community = places["community"].to_numpy(dtype=object)[comm_i].copy()
    community[level >= 0.90] = None
    street = np.where(level >= 0.97, None, street)
    district = np.where(level >= 0.97, None, district)

    kind = np.array([TEMPLATES[k][2] for k in kinds], dtype=object)[kind_i]
    unit = np.array([TEMPLATES[k][0] for k in kinds], dtype=object)[kind_i]
    unit_text = np.array([TEMPLATES[k][1] for k in kinds], dtype=object)[kind_i]
    obj = np.array([TEMPLATES[k][3] for k in kinds], dtype=object)[kind_i]
    verb = np.array([TEMPLATES[k][4] for k in kinds], dtype=object)[kind_i]
    # each template's indicator, from a sentence of its shape (the place name holds no cue word)
    planned = status == "planned"
    read = {(k, p): classify(TEMPLATES[k][0], TEMPLATES[k][3], ("计划" if p else "") + "2024年"
                             + TEMPLATES[k][4], "")
            for k in kinds for p in (False, True)}
    pick = [[read[k, p] for k in kinds] for p in (False, True)]
    ind_of = np.array([[c for c, _ in row] for row in pick], dtype=object)
    per_of = np.array([[p for _, p in row] for row in pick], dtype=object)
    indicator = ind_of[planned.astype(int), kind_i]
    per = per_of[planned.astype(int), kind_i]
    prefix = np.array([q[1] for q in QUALIFIERS], dtype=object)[q_i]
    suffix = np.array([q[2] for q in QUALIFIERS], dtype=object)[q_i]
    qualifier = np.array([q[0] for q in QUALIFIERS], dtype=object)[q_i]
    is_pct = (kind == "percent") | ((qualifier != "exact") & (value < 10))  # "2余家" is no Chinese
    prefix = np.where(is_pct, "", prefix)
    suffix = np.where(is_pct, "", suffix)
    qualifier = np.where(is_pct, "exact", qualifier)
    text = prefix + _number_text(value) + suffix + unit_text
    subject = np.where(pd.isna(community), np.where(pd.isna(street), "全市", street), community)
    lead = subject + np.where(status == "planned", "计划", "") + period + "年" + verb
    evidence = lead + text + "，" + np.where(is_pct, "居民反响良好。", obj + "获得感明显增强。")

    # offsets: each claim's sentence follows the previous one of its document
    sentence_len = pd.Series(evidence).str.len().to_numpy() + 1
    doc_start = np.r_[0, np.flatnonzero(np.diff(claim_doc)) + 1]
    cum = np.cumsum(sentence_len) - sentence_len
    evidence_start = 40 + cum - np.repeat(cum[doc_start], np.diff(np.r_[doc_start, n]))
    start = evidence_start + pd.Series(lead).str.len().to_numpy()
    end = start + pd.Series(text).str.len().to_numpy()

    batch = batch_ids[doc_batch[claim_doc]]
    claims = pd.DataFrame({
        "claim_id": [f"s{seed}-{i:08d}" for i in range(n)], "batch_id": batch,
        "source_type": "article", "doc": docs[claim_doc],
        "start": pd.array(start, dtype="Int64"), "end": pd.array(end, dtype="Int64"),
        "row": pd.array([None] * n, dtype="Int64"), "text": text, "value": value.astype(float),
        "unit": unit, "kind": kind, "qualifier": qualifier, "indicator": indicator, "per": per,
        "object": obj, "district": district, "street": street, "community": community, "programme": programme,
        "status": status, "period": period, "evidence": evidence,
        "evidence_start": pd.array(evidence_start, dtype="Int64"),
    })

    used = np.unique(doc_comm)
    first_doc = pd.Series(np.arange(n_docs)).groupby(doc_comm).first()
    secretary = [rng.choice(list(SURNAMES)) + "".join(rng.choice(list(GIVEN), rng.integers(1, 3)))
                 for _ in used]
    communities = places.iloc[used].assign(
        secretary=secretary,
        title=np.array(TITLES, dtype=object)[rng.integers(0, len(TITLES), len(used))],
        batch_id=batch_ids[doc_batch[first_doc.loc[used].to_numpy()]],
        doc=docs[first_doc.loc[used].to_numpy()]).reset_index(drop=True)

    n_init = max(1, n_docs // 3)
    init_doc = rng.choice(n_docs, n_init, replace=n_init > n_docs)
    stems = ("邻里互助", "银龄课堂", "小手拉大手", "喘息服务", "社区厨房", "院落议事", "共享书屋",
             "暖心驿站", "社企合伙", "楼宇党建", "夜间托管", "绿色家园")
    forms = ("计划", "行动", "工程", "项目", "驿站")
    init_names = [stems[a] + forms[b] for a, b in zip(rng.integers(0, len(stems), n_init),
                                                       rng.integers(0, len(forms), n_init))]
    ic = doc_comm[init_doc]
    init_prog = np.array(codes, dtype=object)[rng.integers(0, len(codes), n_init)]
    initiatives = pd.DataFrame({
        "name": init_names, "community": places["community"].to_numpy(dtype=object)[ic],
        "street": places["street"].to_numpy(dtype=object)[ic],
        "district": places["district"].to_numpy(dtype=object)[ic], "programme": init_prog,
        "status": np.where(rng.random(n_init) < 0.2, "planned", "achieved"),
        "evidence": [f"{c}打造“{nm}”特色品牌，持续服务辖区居民。" for c, nm in
                     zip(places["community"].to_numpy(dtype=object)[ic], init_names)],
        "start": pd.array([None] * n_init, dtype="Int64"),
        "end": pd.array([None] * n_init, dtype="Int64"),
        "batch_id": batch_ids[doc_batch[init_doc]], "doc": docs[init_doc],
    })

    doc_comm_names = places["community"].to_numpy(dtype=object)[doc_comm]
    documents = pd.DataFrame({
        "doc": docs, "title": [f"{c}：把服务做到居民心坎上（合成数据）" for c in doc_comm_names],
        "sha256": [hashlib.sha256(d.encode()).hexdigest() for d in docs],
        "source_type": "article",
        "chars": pd.array(np.bincount(claim_doc, weights=sentence_len, minlength=n_docs)
                          .astype("int64") + 80, dtype="Int64"),
        "batch_id": batch_ids[doc_batch],
    })
    return {"claims": claims, "communities": communities, "initiatives": initiatives,
            "documents": documents}


def write_synthetic(tables: dict[str, pd.DataFrame], root) -> list[str]:
    """Commit the tables to the store at `root`, one batch per batch_id; returns the batch ids."""
    ids = sorted(set(tables["claims"]["batch_id"]) | set(tables["documents"]["batch_id"]))
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i, batch_id in enumerate(ids):
        part = {name: frame[frame["batch_id"] == batch_id] for name, frame in tables.items()}
        manifest = {"kind": "synthetic", "file": "loaders.synth", "uploader": "合成数据生成器",
                    "time": (t0 + timedelta(minutes=i)).isoformat()}
        commit_batch(batch_id, part, manifest, root=root)
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders.synth",
                                     description="生成任意规模的合成数据并写入数据目录")
    parser.add_argument("--claims", type=int, required=True, help="数据条数（claims 行数）")
    parser.add_argument("--out", required=True, help="数据目录（store 根目录），例如 /tmp/synth")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tables = make_synthetic(args.claims, args.seed)
    ids = write_synthetic(tables, args.out)
    print(f"已写入 {len(tables['claims'])} 条数据、{len(tables['communities'])} 个社区、"
          f"{len(ids)} 个批次到 {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---- a tiny hand-made store whose figures are known by hand (tests, browser check) ------------

FIXTURE_DOCS = {
    "a.txt": ("b1", "培华路社区：文化润心 邻里同行", "成华区", "猛追湾街道", "培华路社区"),
    "b.txt": ("b2", "玉林东路社区：让老人住得安心", "武侯区", "玉林街道", "玉林东路社区"),
}
# (doc, text, value, unit, kind, qualifier, object, programme, status, period, street-wide?,
#  sentence with the text in it)
FIXTURE_CLAIMS = (
    ("a.txt", "3000余人次", 3000, "person_time", "person_times", "at_least", "居民", "culture",
     "achieved", "2024", False, "培华路社区书院全年开展活动，服务居民3000余人次。"),
    ("a.txt", "200人次", 200, "person_time", "person_times", "exact", "青少年", "culture",
     "achieved", "2024", False, "暑期课堂吸引青少年200人次参加。"),
    ("a.txt", "3000余人次", 3000, "person_time", "person_times", "at_least", "居民", "culture",
     "achieved", "2024", False, "回顾一年，书院服务居民3000余人次，成为邻里客厅。"),
    ("a.txt", "60余名", 60, "person", "people", "at_least", "退休教师", "volunteering",
     "achieved", "2024", False, "社区动员60余名退休教师组成志愿服务队。"),
    ("a.txt", "500人次", 500, "person_time", "person_times", "exact", "居民", "culture",
     "planned", "2025", False, "明年计划服务居民500人次。"),
    ("a.txt", "80%", 80, "percent", "percent", "exact", "居民", "culture",
     "achieved", "2024", False, "居民满意度达到80%。"),
    ("a.txt", "50万元", 500000, "yuan", "money", "exact", "社区企业", "community_economy",
     "achieved", "2024", False, "社区企业<年营收>达50万元，反哺社区治理。"),
    ("b.txt", "近2.1万人", 21000, "person", "people", "at_most", "居民", "elderly",
     "achieved", "2024", False, "玉林东路社区有居民近2.1万人，老年人占三成。"),
    ("b.txt", "1200人次", 1200, "person_time", "person_times", "exact", "老人", "elderly",
     "achieved", "2024", False, "长者食堂全年助餐1200人次。"),
    ("b.txt", "200余户", 200, "household", "households", "at_least", "家庭", "elderly",
     "achieved", "2024", False, "喘息计划惠及200余户失能老人家庭。"),
    ("b.txt", "20场", 20, "event", "events", "exact", "文化活动", "culture",
     "achieved", "2024", True, "玉林街道举办坝坝文化活动20场。"),
    ("b.txt", "3000余人次", 3000, "person_time", "person_times", "at_least", "老人", "elderly",
     "achieved", "2024", False, "日间照料中心服务老人3000余人次。"),
)


def make_fixture_tables() -> dict[str, dict[str, pd.DataFrame]]:
    """Two batches (b1, b2), two communities, twelve claims; by hand, the achieved totals are
    7400余人次 (one 3000余人次 is said twice in a.txt), 约21060人 (60余 + 近21000), 200余户,
    20场次, 50万元, and one planned 500人次. Returns batch id → tables."""
    out: dict[str, dict[str, list]] = {}
    offsets: dict[str, int] = {}
    for i, (doc, text, value, unit, kind, qual, obj, prog, status, period, street_wide,
            sentence) in enumerate(FIXTURE_CLAIMS):
        batch, title, district, street, community = FIXTURE_DOCS[doc]
        ev_start = offsets.get(doc, 20)
        offsets[doc] = ev_start + len(sentence) + 1
        start = ev_start + sentence.index(text)
        tables = out.setdefault(batch, {"claims": [], "communities": [], "initiatives": [],
                                        "documents": []})
        tables["claims"].append({
            "claim_id": f"fx-{i:02d}", "batch_id": batch, "source_type": "article", "doc": doc,
            "start": start, "end": start + len(text), "row": None, "text": text,
            "value": float(value), "unit": unit, "kind": kind, "qualifier": qual, "object": obj,
            "district": district, "street": street,
            "community": None if street_wide else community, "programme": prog,
            "status": status, "period": period, "evidence": sentence, "evidence_start": ev_start})
    people = {"a.txt": ("李晓梅", "党委书记、居委会主任", "培华书院", "culture"),
              "b.txt": ("王建国", "党委书记", "喘息计划", "elderly")}
    for doc, (batch, title, district, street, community) in FIXTURE_DOCS.items():
        secretary, role, initiative, prog = people[doc]
        tables = out[batch]
        tables["communities"].append({"community": community, "street": street,
                                      "district": district, "secretary": secretary,
                                      "title": role, "batch_id": batch, "doc": doc})
        tables["initiatives"].append({"name": initiative, "community": community, "street": street,
                                      "district": district, "programme": prog,
                                      "status": "achieved",
                                      "evidence": f"{community}打造“{initiative}”品牌项目。",
                                      "start": None, "end": None, "batch_id": batch, "doc": doc})
        tables["documents"].append({"doc": doc, "title": title, "sha256": "0" * 64,
                                    "source_type": "article", "chars": offsets[doc],
                                    "batch_id": batch})
    for t in out.values():
        assign_indicators(t["claims"])
    return {b: {name: pd.DataFrame(rows) for name, rows in t.items()} for b, t in out.items()}


def write_fixture(root) -> None:
    """Write the hand-made fixture store (two batches) to `root`."""
    for i, (batch, tables) in enumerate(make_fixture_tables().items()):
        manifest = {"kind": "article", "file": f"fixture-{batch}", "uploader": "测试",
                    "time": f"2025-03-0{i + 1}T09:00:00+08:00"}
        commit_batch(batch, tables, manifest, root=root)
