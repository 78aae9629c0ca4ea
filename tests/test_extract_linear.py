"""Extraction stays linear in the text on adversarial input (issue: no quadratic time or memory).

Each generator builds a text of n characters; extracting 4n must cost about 4 times n, not 16.
The check compares two sizes in the same process (a ratio of CPU times, best of three), with
generous limits, so a busy machine does not fail it while a quadratic step (~16×) does; evidence
never grows with the text."""
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.extract import EVIDENCE_MAX, extract_text

GENERATORS = {
    "figures in one sentence": lambda n: "社区" + "，".join(
        f"服务{i % 900 + 100}余人次" for i in range(n // 9)),
    "long digit run": lambda n: "共" + "1" * n + "人",
    "long numeral run": lambda n: "共" + "三" * n + "人",
    "long whitespace": lambda n: "社区" + " " * n + "x\n" + "\u3000" * n + "服务100人",
    "places without a stop": lambda n: "，".join(
        "成华区猛追湾街道望平社区服务100人" for _ in range(n // 17)),
    "many short lines": lambda n: "社区\n1\n" * (n // 5),
    "bare magnitudes": lambda n: "人口" + "万" * (n // 2) + "3.3万居民" * (n // 12),
}


def _seconds(text: str) -> float:
    """CPU time of this process (other processes on a shared machine do not count), best of 3."""
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        extract_text("x.txt", text)
        best = min(best, time.process_time() - t0)
    return best


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_cost_grows_linearly(name):
    gen = GENERATORS[name]
    extract_text("warm.txt", gen(2000))            # load data files and patterns first
    small, large = _seconds(gen(10_000)), _seconds(gen(40_000))
    # Linear gives ~4×, quadratic ~16×; tiny runs are all noise, so they pass outright.
    assert large < 0.5 or large / max(small, 1e-3) < 10, (small, large)


def test_evidence_is_capped():
    ex = extract_text("x.txt", GENERATORS["figures in one sentence"](50_000))
    assert len(ex.claims) > 5000
    assert max(len(c["evidence"]) for c in ex.claims) <= EVIDENCE_MAX
    for c in ex.claims[::500]:     # the figure stays inside its evidence, at the stored offset
        off = c["start"] - c["evidence_start"]
        assert c["evidence"][off: off + len(c["text"])] == c["text"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["1", "三", "万", " ", "\n", "，", "余人次", "社区", "。",
                                 "成华区", "全市", "该区", "计划", "已"]), max_size=400))
def test_any_mix_extracts_without_error(parts):
    text = "".join(parts)
    ex = extract_text("x.txt", text)
    for c in ex.claims:
        assert 0 <= c["start"] < c["end"] <= len(text)
