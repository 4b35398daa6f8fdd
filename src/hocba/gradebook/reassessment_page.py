"""Reads for the page "Rèn luyện hè và kiểm tra lại" of a TT 22 class (TT 22/2021 Điều 12–14).

The students the summer concerns (``tt22_summer``: summer training, re-evaluation, or a
summer value entered earlier that no longer applies), each with their year-end results, the
form's fields (value, version) and the results recomputed after the summer, next to the
year-end ones. Built on the class summary, so the two pages show the same results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hocba.accounts.authz import can
from hocba.domain.access import Action
from hocba.domain.assessment.common import Explanation, vn_number
from hocba.domain.assessment.tt22_summer import Reevaluation
from hocba.domain.curriculum import Assessment
from hocba.gradebook import summary
from hocba.gradebook.cells import RATING_LABELS
from hocba.gradebook.year_eval import ClassYear
from hocba.roster.models import SchoolClass


@dataclass
class RetestCell:
    """One subject to re-evaluate: its year result and the form's field."""

    code: str
    name: str
    scored: bool
    year: str  # the year result as teachers read it: "4,2", "CĐ"
    name_attr: str  # the form field
    value: str  # as shown in the field: "6,5", "D"
    version: int
    applies: bool  # False: entered earlier, no longer re-evaluated (may be cleared)


@dataclass
class AfterRow:
    number: int
    row: summary.SummaryRow
    summer_name: str  # the form field of the summer rèn luyện ("" when not concerned)
    summer_value: str
    summer_version: int
    retests: list[RetestCell]
    ignored: list[Explanation]
    originals: dict[str, str] = field(default_factory=dict)

    @property
    def student(self) -> Any:
        return self.row.student

    @property
    def originals_json(self) -> str:
        return json.dumps(self.originals, ensure_ascii=False)

    @property
    def retests_open(self) -> bool:
        after = self.row.after
        return after is not None and after.plan.reevaluation is Reevaluation.OPEN


@dataclass
class AfterYearPage:
    school_class: SchoolClass
    rows: list[AfterRow]
    may_summer: bool  # GVCN, principal, học vụ (Điều 13; QĐ 1789 Điều 28)
    may_retest: bool  # principal, học vụ (QĐ 1789 Điều 28)
    summary: summary.ClassSummary

    @property
    def editable(self) -> bool:
        return self.may_summer or self.may_retest


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return vn_number(value)
    return RATING_LABELS.get(getattr(value, "value", value), str(value))


def _cells(year: ClassYear, row: summary.SummaryRow) -> list[RetestCell]:
    after = row.after
    assert after is not None
    sid = row.student.pk
    stored = {code: r for (s, code), r in year.retests.items() if s == sid and r.stored}
    codes = [*after.plan.subjects, *(c for c in stored if c not in after.plan.subjects)]
    results = {r.code: r for r in after.year_end.subjects}
    kinds = {r.code: r.assessment for r in year.curriculum}
    out = []
    for code in codes:
        saved = year.retests.get((sid, code))
        scored = kinds.get(code) is Assessment.SCORE
        text = saved.stored if saved else ""
        out.append(RetestCell(
            code, year.subject_name(code), scored,
            _shown(results[code].year) if code in results else "—", f"kt-{sid}-{code}",
            vn_number(text) if scored else text, saved.version if saved else 0,
            code in after.plan.subjects))
    return out


def after_year_page(user: Any, school_class: SchoolClass) -> AfterYearPage:
    """Raises PermissionDenied without VIEW_RESULTS on the class, NotSecondary for a primary
    class (both from ``summary.class_summary``)."""
    data = summary.class_summary(user, school_class)
    year = data.year
    assert year is not None
    rows: list[AfterRow] = []
    for row in data.rows:
        after = row.after
        if after is None:
            continue
        sid = row.student.pk
        saved = year.summer.get(sid)
        concerned = after.plan.summer_training or bool(saved and saved.level)
        cells = _cells(year, row)
        if not (after.plan.needed or concerned or cells):
            continue
        page_row = AfterRow(len(rows) + 1, row, f"rlh-{sid}" if concerned else "",
                            saved.level if saved else "", saved.version if saved else 0,
                            cells, list(after.ignored))
        if concerned:
            page_row.originals[page_row.summer_name] = page_row.summer_value
            page_row.originals[f"v-{page_row.summer_name}"] = str(page_row.summer_version)
        for cell in cells:
            page_row.originals[cell.name_attr] = cell.value
            page_row.originals[f"v-{cell.name_attr}"] = str(cell.version)
        rows.append(page_row)
    may_retest = bool(can(user, Action.REASSESS, school_class))
    may_summer = may_retest or bool(can(user, Action.EDIT_RESULTS, school_class))
    return AfterYearPage(school_class, rows, may_summer, may_retest, data)
