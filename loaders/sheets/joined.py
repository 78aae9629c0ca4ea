"""The sheets of one workbook as one import: each sheet checked under its own mapping, the
results joined (claim ids differ by sheet; problems and repeats name their sheet)."""
from __future__ import annotations

import pandas as pd

from .cells import PROBLEM_COLUMNS
from .validation import Validation

SHEET_COLUMN = "工作表"


def combine(sheets, results: list[Validation]) -> Validation:
    """One result for the sheets of a workbook: their claims together (ids differ by sheet),
    problems and repeats with the sheet named in a first 工作表 column."""
    if len(results) == 1:
        return results[0]

    def tagged(frame, sheet):
        if frame is None:
            return None
        return frame.assign(**{SHEET_COLUMN: sheet.sheet_name})[
            [SHEET_COLUMN, *[c for c in frame.columns if c != SHEET_COLUMN]]]

    def concat(frames):
        frames = [f for f in frames if f is not None and len(f)]
        return pd.concat(frames, ignore_index=True) if frames else None

    problems = concat([tagged(r.problems, s) for s, r in zip(sheets, results)])
    if problems is None:
        problems = pd.DataFrame(columns=[SHEET_COLUMN, *PROBLEM_COLUMNS])
    claims = pd.concat([r.valid_claims for r in results], ignore_index=True)
    return Validation(claims, problems, sum(r.rows_read for r in results),
                      sum(r.rows_skipped for r in results), dict(results[0].mapping),
                      concat([tagged(r.duplicates, s) for s, r in zip(sheets, results)]),
                      concat([r.held for r in results]),
                      [c for r in results for c in r.replaces])
