"""Why an XML file was refused (or could not be written): the exact path and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One refusal. ``path`` is an XML path (``/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/NGAY_SINH``)
    when reading, or the record's JSON path (``student.mother``) when writing."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (dòng {self.line})" if self.line else self.path
        return f"{where}: {self.reason}"


class MoetXmlError(ValueError):
    """The file was refused, or the record cannot be written in the profile; nothing was read
    or written. ``problems`` lists every reason found, the first one first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.report())

    @property
    def path(self) -> str:
        return self.problems[0].path

    @property
    def reason(self) -> str:
        return self.problems[0].reason

    def report(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_REPORTED]]
        if len(self.problems) > MAX_REPORTED:
            lines.append(f"… và {len(self.problems) - MAX_REPORTED} lỗi khác")
        return "\n".join(lines)


def refuse(path: str, reason: str, line: int | None = None) -> MoetXmlError:
    return MoetXmlError([Problem(path, reason, line)])
