"""The tables' schemas, declared once and checked wherever data is written or read.

The claims columns named in ../shared/design/ARCHITECTURE.md are a contract; the vocabularies
(kinds, units, qualifiers, statuses) are those of ../shared/gold/GUIDELINES.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from .indicators import indicator_codes, period_codes

KINDS = ("area", "money", "people", "person_times", "households", "events", "organisations",
         "teams", "projects", "items", "facilities", "percent", "length", "duration", "other")
UNITS = ("m2", "yuan", "person", "person_time", "household", "event", "organisation", "team",
         "project", "item", "facility", "percent", "m", "day", "year", "other")
QUALIFIERS = ("exact", "at_least", "at_most", "approx")
STATUSES = ("achieved", "planned")
# How a claim's place was decided (loaders/attribution/) and how sure that is.
PLACE_RULES = ("named", "scope", "anaphora", "section", "context", "subject", "container", "none",
               "sheet", "corrected")
CONFIDENCES = ("high", "medium", "low")
SOURCE_TYPES = ("article", "sheet")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    added: bool = False     # added after batches were first written: older batches read it as null


S, I, F = pa.string(), pa.int64(), pa.float64()

TABLES: dict[str, tuple[Column, ...]] = {
    "claims": (
        Column("claim_id", S, False),
        Column("batch_id", S, False),
        Column("source_type", S, False, SOURCE_TYPES),
        Column("doc", S, False),
        Column("start", I),
        Column("end", I),
        Column("row", I),
        Column("text", S, False),
        Column("value", F, False),
        Column("unit", S, False, UNITS),
        Column("kind", S, False, KINDS),
        Column("qualifier", S, False, QUALIFIERS),
        Column("indicator", S, False, indicator_codes()),   # loaders/data/indicators.yaml
        Column("per", S, True, period_codes()),             # a rate's period (日均 → day)
        Column("object", S),
        Column("district", S),
        Column("street", S),
        Column("community", S),
        Column("programme", S, False),
        Column("status", S, False, STATUSES),
        Column("period", S),
        Column("evidence", S, False),
        Column("evidence_start", I),   # offset of `evidence` in the source text (articles)
        Column("place_rule", S, True, PLACE_RULES, added=True),
        Column("place_confidence", S, True, CONFIDENCES, added=True),
        Column("place_note", S, added=True),   # why, in Chinese: 文中“该社区”指前文的洗面桥社区
    ),
    "communities": (
        Column("community", S, False),
        Column("street", S),
        Column("district", S),
        Column("secretary", S),
        Column("title", S),
        Column("batch_id", S, False),
        Column("doc", S, False),
    ),
    "initiatives": (
        Column("name", S, False),
        Column("community", S),
        Column("street", S),
        Column("district", S),
        Column("programme", S, False),
        Column("status", S, False, STATUSES),
        Column("evidence", S, False),
        Column("start", I),
        Column("end", I),
        Column("batch_id", S, False),
        Column("doc", S, False),
    ),
    "documents": (
        Column("doc", S, False),
        Column("title", S),
        Column("sha256", S, False),
        Column("source_type", S, False, SOURCE_TYPES),
        Column("chars", I),
        Column("batch_id", S, False),
    ),
    # A batch's figures rolled up at commit (loaders/rollups.py: which cube, its grain, why):
    # one table for the cubes, the columns a cube does not use left null.
    "rollups": (
        Column("cube", S, False, ("cells", "stocks", "places", "docs", "values", "units",
                                  "programme_places")),
        Column("batch_id", S, False),
        Column("status", S, True, STATUSES),
        Column("indicator", S),
        Column("per", S),
        Column("unit", S),
        Column("kind", S),
        Column("programme", S),
        Column("period", S),
        Column("district", S),
        Column("street", S),
        Column("community", S),
        Column("doc", S),
        Column("cells", S),     # docs: the "status|district" cells a document's claims are in
        Column("qualifier", S, True, QUALIFIERS),   # stocks: of the mention chosen
        Column("mentions", I, False),   # claims rows in the cell; docs: documents
        Column("facts", I),                         # distinct facts first mentioned in the cell
        Column("value", F),                         # cells: sum; stocks: the largest
        Column("low", F),
        Column("high", F),
        Column("at_least", I),                      # facts with each non-exact qualifier
        Column("at_most", I),
        Column("approx", I),
        Column("order", I),                         # stocks: the chosen mention's row in its batch
    ),
}


class SchemaError(ValueError):
    """A table does not match its declared schema (a bug or a corrupt file, not a user error)."""


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type, c.nullable) for c in TABLES[table]])


def empty_frame(table: str) -> pd.DataFrame:
    return conform(table, pd.DataFrame({c.name: [] for c in TABLES[table]}))


def conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with exactly the declared columns, in order, with the declared dtypes."""
    cols = TABLES[table]
    missing = [c.name for c in cols if c.name not in frame.columns and not c.added]
    if missing:
        raise SchemaError(f"{table}: missing columns {missing}")
    out = pd.DataFrame(index=frame.index)
    for c in cols:
        s = frame[c.name] if c.name in frame.columns else pd.Series(None, index=frame.index,
                                                                      dtype=object)
        if c.type == S:
            out[c.name] = s.astype("string")
        elif c.type == I:
            out[c.name] = pd.to_numeric(s).astype("Int64")
        else:
            out[c.name] = pd.to_numeric(s).astype("float64")
    check_frame(table, out)
    return out.reset_index(drop=True)


def check_frame(table: str, frame: pd.DataFrame) -> None:
    """Raise SchemaError naming every column that breaks the declaration."""
    problems = []
    for c in TABLES[table]:
        if c.name not in frame.columns:
            problems.append(f"missing column {c.name}")
            continue
        s = frame[c.name]
        if not c.nullable and s.isna().any():
            problems.append(f"{c.name}: {int(s.isna().sum())} null values")
        if c.allowed is not None:
            bad = set(s.dropna().unique()) - set(c.allowed)
            if bad:
                problems.append(f"{c.name}: values outside {c.allowed}: {sorted(bad)[:5]}")
    extra = set(frame.columns) - {c.name for c in TABLES[table]}
    if extra:
        problems.append(f"unexpected columns {sorted(extra)}")
    if problems:
        raise SchemaError(f"{table}: " + "; ".join(problems))
