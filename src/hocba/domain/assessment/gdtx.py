"""GDTX (giáo dục thường xuyên): continuing-education learners at THCS and THPT level.

What is known (DOMAIN.md §2.3): KH 904 brings GDTX learners into the secondary học bạ số
[P]; learners of the *GDTX programme* were evaluated under QĐ 02/2007/QĐ-BGDĐT, consolidated
as VBHN 06/VBHN-BGDĐT (2021) [P]. What is **not** known: any GDTX-specific evaluation rule for
learners of the 2018 programme. So this regime is the TT 22/2021 engine, unchanged, with the
numbers a GDTX rule could plausibly change exposed as data (``SecondaryRules``):

- every citation is marked "áp dụng cho GDTX, giả định [B]" — the rule is TT 22's, applied by
  assumption, and the output says so;
- the learner is a "học viên";
- rèn luyện (conduct) may be absent: adult learners at a centre may not be rated [B]. When it
  is absent it is neither a promotion condition nor a ground for an award (no award is given);
- ``min_subjects`` (the "ít nhất 06 môn" of Điều 9.2 and 15.1.a), ``absence_limit`` (45) and
  ``comment_regular_count`` (2) may be overridden per input (``"rules"``), because the GDTX
  programme has fewer subjects and other timetables; their defaults are TT 22's.

Nothing here is a verified GDTX rule. Replace the defaults when the Sở or MOET text is found.
"""

from __future__ import annotations

from dataclasses import replace

from hocba.domain.assessment.common import AssessmentError
from hocba.domain.assessment.tt22 import SecondaryRules

GDTX_RULES = SecondaryRules(
    regime="gdtx",
    source="TT 22/2021",
    citation_note=" (áp dụng cho GDTX, giả định [B])",
    learner="học viên",
    conduct_required=False,
)

# The knobs an input may turn, with the smallest sensible value of each.
OVERRIDABLE: dict[str, int] = {"min_subjects": 1, "absence_limit": 0,
                               "comment_regular_count": 1}


def gdtx_rules(overrides: dict[str, int] | None = None) -> SecondaryRules:
    """``GDTX_RULES`` with the given knobs changed. Paths in errors are relative to the
    ``rules`` object of the input."""
    if not overrides:
        return GDTX_RULES
    for name, value in overrides.items():
        if name not in OVERRIDABLE:
            raise AssessmentError(name, "không phải tham số có thể thay đổi của chế độ GDTX "
                                        f"(được phép: {', '.join(OVERRIDABLE)})")
        if value < OVERRIDABLE[name]:
            raise AssessmentError(name, f"phải ≥ {OVERRIDABLE[name]}, nhận được {value}")
    return replace(GDTX_RULES, **overrides)  # type: ignore[arg-type]
