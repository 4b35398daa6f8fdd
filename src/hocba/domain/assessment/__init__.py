"""Assessment rule engines: TT 27/2020 (primary), TT 22/2021 (THCS, THPT) and a GDTX regime.

Pure Python (no Django), ``Decimal`` arithmetic, every result with the rule that produced
it. ``contract`` is the JSON contract of ``hocba assess`` (docs/assessment.md).
"""
