"""Score extracted claims against gold lines by the rules of ../shared/gold/GUIDELINES.md.

Within one source text a prediction matches a gold line when their values are equal; mentions of
one value are paired in reading order. Precision counts predictions that match no gold line
(required or optional) as false; recall counts required lines no prediction matched. A matched
pair is fully right when value, kind, qualifier, community and status all agree; "fully-right F1"
counts only fully-right pairs as hits, on both sides.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

FIELDS = ("kind", "qualifier", "community", "district", "status")
FULL = ("kind", "qualifier", "community", "status")


def _key(value: float) -> float:
    return round(float(value), 2)


def load_gold(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def pair(gold: list[dict], pred: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Pairs (gold, pred) of one document: same value, in reading order; None where unpaired."""
    g_by, p_by = defaultdict(list), defaultdict(list)
    for g in gold:
        g_by[_key(g["value"])].append(g)
    for p in sorted(pred, key=lambda p: p.get("start") or 0):
        p_by[_key(p["value"])].append(p)
    out = []
    for v in set(g_by) | set(p_by):
        out += _align(g_by.get(v, []), p_by.get(v, []))
    return out


def _align(gs: list[dict], ps: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Order-preserving pairing of mentions of one value: as many pairs as possible, then as
    many required lines as possible, then as many with the same surface text."""
    def weight(g, p):
        return (1, int(g.get("required", True)), int(_surface(g) == _surface(p)))

    n, m = len(gs), len(ps)
    best = [[(0, 0, 0)] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            w = weight(gs[i], ps[j])
            take = tuple(a + b for a, b in zip(w, best[i + 1][j + 1]))
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out, i, j = [], 0, 0
    while i < n and j < m:
        w = weight(gs[i], ps[j])
        if best[i][j] == tuple(a + b for a, b in zip(w, best[i + 1][j + 1])):
            out.append((gs[i], ps[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((gs[i], None))
            i += 1
        else:
            out.append((None, ps[j]))
            j += 1
    out += [(g, None) for g in gs[i:]] + [(None, p) for p in ps[j:]]
    return out


def _surface(claim: dict) -> str:
    return "".join(str(claim.get("text", "")).split())


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def score(gold: list[dict], pred: list[dict]) -> dict:
    """Precision, recall, F1, fully-right F1 and per-field accuracies over all documents."""
    docs = {g["doc"] for g in gold} | {p["doc"] for p in pred}
    n_pred = len(pred)
    n_req = sum(1 for g in gold if g.get("required", True))
    tp_pred = tp_req = full_pred = full_req = 0
    field_hits, n_pairs = defaultdict(int), 0
    errors = []
    for doc in sorted(docs):
        pairs = pair([g for g in gold if g["doc"] == doc], [p for p in pred if p["doc"] == doc])
        for g, p in pairs:
            if g is None:
                errors.append({"doc": doc, "error": "spurious", "text": p["text"],
                               "value": p["value"]})
                continue
            if p is None:
                if g.get("required", True):
                    errors.append({"doc": doc, "error": "missed", "text": g["text"],
                                   "value": g["value"]})
                continue
            n_pairs += 1
            tp_pred += 1
            required = g.get("required", True)
            tp_req += required
            wrong = [f for f in FIELDS if (p.get(f) or None) != (g.get(f) or None)]
            for f in FIELDS:
                field_hits[f] += f not in wrong
            if not any(f in wrong for f in FULL):
                full_pred += 1
                full_req += required
            else:
                errors.append({"doc": doc, "error": "fields", "text": g["text"],
                               "value": g["value"],
                               "required": required,
                               "fields": {f: [g.get(f), p.get(f)] for f in wrong}})
    precision = tp_pred / n_pred if n_pred else 1.0
    recall = tp_req / n_req if n_req else 1.0
    fp, fr = (full_pred / n_pred if n_pred else 1.0), (full_req / n_req if n_req else 1.0)
    return {
        "predicted": n_pred, "required": n_req, "matched": tp_pred,
        "precision": precision, "recall": recall, "f1": _f1(precision, recall),
        "full_f1": _f1(fp, fr),
        "field_accuracy": {f: (field_hits[f] / n_pairs if n_pairs else math.nan) for f in FIELDS},
        "errors": errors,
    }


def format_report(result: dict) -> str:
    lines = [f"  {e['doc']}  {e['error']:<8} {e['text']} = {e['value']}"
             + (f"  {e['fields']}" if "fields" in e else "") for e in result["errors"]]
    acc = "  ".join(f"{f} {v:.3f}" for f, v in result["field_accuracy"].items())
    lines += [
        f"predicted {result['predicted']}  required gold {result['required']}  "
        f"matched {result['matched']}",
        f"field accuracy: {acc}",
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
        f"F1 {result['f1']:.3f}  fully-right F1 {result['full_f1']:.3f}",
    ]
    return "\n".join(lines)
